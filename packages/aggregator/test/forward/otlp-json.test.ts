import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpJsonTranscodeError, otlpJsonToProtobuf } from '../../src/forward/otlp-json.js';
import { decodeLogsRequest, decodeMetricsRequest } from '../../src/receiver/otlp/decode-protobuf.js';
import { decodeMetricsJson } from '../../src/receiver/otlp/decode-json.js';
import { expView, sdkLogger, sdkMeter } from '../receiver/sdk-data.js';

describe('otlpJsonToProtobuf', () => {
  describe('metrics', () => {
    it('encodes what the SDK serialises as JSON into what it serialises as protobuf (every metric kind)', async () => {
      const { meter, collect, shutdown } = sdkMeter({ views: [expView('exp')], resource: { 'service.name': 'svc', 'ml.model.name': 'm', n: 3, ok: true, ratio: 0.5 } });
      meter.createCounter('c').add(5, { k: 'v' });
      meter.createUpDownCounter('ud').add(-3);
      meter.createGauge('g').record(2.5, { list: ['a', 'b'] });
      const h = meter.createHistogram('h');
      const e = meter.createHistogram('exp');
      for (let i = 0; i < 50; i++) {
        h.record(i * 3.1);
        e.record(0.001 * 2 ** (i / 5), { 'ml.feature.name': 'x' });
        e.record(-(i + 1)); // not -0: JSON has no negative zero
      }
      const rm = await collect();
      await shutdown();
      const fromJson = otlpJsonToProtobuf('metrics', JsonMetricsSerializer.serializeRequest(rm)!);
      assert.deepEqual(decodeMetricsRequest(fromJson), decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(rm)!));
    });

    it('keeps 64-bit integers exact and the presence of zero values', () => {
      const json = JSON.stringify({
        resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 's', sum: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', isMonotonic: true, dataPoints: [
          { timeUnixNano: '1700000000123456789', asInt: '-9007199254740993' },
          { time_unix_nano: 1, as_double: 0 },
        ] } }] }] }],
      });
      const decoded = decodeMetricsRequest(otlpJsonToProtobuf('metrics', json));
      assert.deepEqual(decoded, decodeMetricsJson(json));
      const points = (decoded.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0] as { points: Array<{ timeUnixNano: bigint; value: number | bigint }> }).points;
      assert.equal(points[0]?.timeUnixNano, 1700000000123456789n);
    });

    it('names the field it cannot encode', () => {
      const json = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 's', gauge: { dataPoints: [{ asInt: 'x1' }] } }] }] }] });
      assert.throws(() => otlpJsonToProtobuf('metrics', json), (err: Error) => err instanceof OtlpJsonTranscodeError && /\$\.resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.gauge\.dataPoints\[0\]\.asInt/.test(err.message));
      assert.throws(() => otlpJsonToProtobuf('metrics', '{'), /not JSON/);
    });
  });

  describe('logs', () => {
    it('encodes what the SDK serialises as JSON into what it serialises as protobuf', async () => {
      const { logger, records, shutdown } = sdkLogger({ 'service.name': 'svc' });
      logger.emit({ body: 'hello', severityNumber: 9, severityText: 'INFO', attributes: { 'ml.model.name': 'm', n: 1, nested: ['a', 1, true] }, eventName: 'ml.prediction' });
      logger.emit({ body: { k: 'v', bytes: new Uint8Array([1, 2, 3]) } as never, timestamp: 1_700_000_000_000 });
      const rs = records();
      const fromJson = otlpJsonToProtobuf('logs', JsonLogsSerializer.serializeRequest(rs)!);
      assert.deepEqual(decodeLogsRequest(fromJson), decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(rs)!));
      await shutdown();
    });
  });
});
