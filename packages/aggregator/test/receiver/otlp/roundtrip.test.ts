// Round trips through the SDK's own serializers: telemetry recorded with the
// real OpenTelemetry JS SDK, encoded by @opentelemetry/otlp-transformer
// (protobuf and JSON), decoded by ours, compared field by field with an
// independent mapping of the SDK's in-memory data.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { decodeLogsRequest, decodeMetricsRequest } from '../../../src/receiver/otlp/decode-protobuf.js';
import { decodeLogsJson, decodeMetricsJson } from '../../../src/receiver/otlp/decode-json.js';
import { ExponentialHistogram, validateExpHistogramData } from '@modelwatch/stats';
import type { ExpHistogramMetric } from '../../../src/receiver/otlp/types.js';
import { expectedLogs, expectedMetrics, expView, sdkLogger, sdkMeter } from '../sdk-data.js';

const EDGE = [0, 1, -1, 1e-300, 5e-324, 1e300, Number.MAX_VALUE, 2 ** 53 - 1, 123.456, -0.000123];

/** Records every instrument kind, with edge values and attributes of every type. */
async function recordAll(temporality: 'delta' | 'cumulative') {
  const sdk = sdkMeter({
    temporality,
    views: [expView('feature.exp'), expView('feature.exp.neg')],
    resource: {
      'service.name': 'svc',
      'ml.model.name': 'm1',
      'int.attr': 42,
      'big.int': 2 ** 60,
      'neg.int': -7,
      'double.attr': 0.5,
      'bool.attr': true,
      'str.array': ['a', 'b', ''],
      'num.array': [1, 2.5, -3],
      'bool.array': [true, false],
      'unicode': 'héllo ✓ 日本',
      '__proto__': 'not a prototype',
    },
  });
  const m = sdk.meter;
  const counter = m.createCounter('c.double');
  const intCounter = m.createCounter('c.int', { valueType: 1 /* INT */, unit: '{prediction}', description: 'predictions' });
  const updown = m.createUpDownCounter('ud');
  const gauge = m.createGauge('g');
  const hist = m.createHistogram('h.explicit', { advice: { explicitBucketBoundaries: [0, 0.1, 0.5, 0.9, 1] } });
  const exp = m.createHistogram('feature.exp');
  const expNeg = m.createHistogram('feature.exp.neg');
  for (const [i, v] of EDGE.entries()) {
    const attrs = { i, label: `l${i % 3}`, ok: i % 2 === 0, w: i / 7 };
    counter.add(Math.abs(v), attrs);
    intCounter.add(i * 1000, attrs);
    updown.add(v, attrs);
    updown.add(-2 * v, attrs);
    gauge.record(v, attrs);
    hist.record(Math.abs(v) % 2, { label: `l${i % 2}` });
    exp.record(Math.abs(v), { feature: 'f' });
    expNeg.record(v, { feature: 'neg' });
  }
  for (let i = 0; i < 2000; i++) {
    exp.record(100 + 20 * Math.sin(i), { feature: 'wide' });
    hist.record((i % 100) / 100, { label: 'many' });
  }
  exp.record(0, { feature: 'zero' });
  gauge.record(NaN, { nan: true });
  gauge.record(Infinity, { inf: 'pos' });
  return sdk;
}

describe('OTLP decoders', () => {
  describe('decodeMetricsRequest (protobuf)', () => {
    for (const temporality of ['delta', 'cumulative'] as const) {
      it(`matches the SDK data for every instrument kind (${temporality})`, async () => {
        const sdk = await recordAll(temporality);
        const rm = await sdk.collect();
        const bytes = ProtobufMetricsSerializer.serializeRequest(rm);
        assert.ok(bytes);
        const decoded = decodeMetricsRequest(bytes);
        const types = new Set(decoded.resourceMetrics[0]?.scopeMetrics[0]?.metrics.map((x) => x.type));
        assert.deepEqual([...types].sort(), ['exponentialHistogram', 'gauge', 'histogram', 'sum']);
        assert.deepStrictEqual(decoded, expectedMetrics(rm));
        await sdk.shutdown();
      });
    }

    it('keeps a second collection (cumulative) with the first start time', async () => {
      const sdk = sdkMeter({ temporality: 'cumulative' });
      const c = sdk.meter.createCounter('c');
      c.add(1);
      const first = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(await sdk.collect())!);
      c.add(2);
      const second = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(await sdk.collect())!);
      const p1 = first.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!;
      const p2 = second.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0]!;
      assert.equal(p2.startTimeUnixNano, p1.startTimeUnixNano);
      assert.ok(p2.timeUnixNano >= p1.timeUnixNano);
      assert.equal((p2 as { value: number }).value, 3);
      await sdk.shutdown();
    });
  });

  describe('decoded exponential histograms', () => {
    it('are valid @modelwatch/stats histogram data, as decoded (when their sum is finite)', async () => {
      const sdk = await recordAll('delta');
      const decoded = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(await sdk.collect())!);
      const exp = decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics.filter((m): m is ExpHistogramMetric => m.type === 'exponentialHistogram');
      let checked = 0;
      // The SDK overflows sum to Infinity for the MAX_VALUE edge values; stats
      // (rightly) refuses a non-finite sum, so consumers must expect that case.
      for (const point of exp.flatMap((m) => m.points).filter((x) => Number.isFinite(x.sum ?? 0))) {
        // decodeMetricsRequest's trees hold plain arrays (only a streaming visit lends scratch views).
        const { positive, negative } = point;
        assert.ok(Array.isArray(positive.bucketCounts) && Array.isArray(negative.bucketCounts));
        const p = { ...point, positive: { ...positive, bucketCounts: positive.bucketCounts }, negative: { ...negative, bucketCounts: negative.bucketCounts } };
        validateExpHistogramData(p);
        assert.equal(ExponentialHistogram.fromData(p).count, p.count);
        checked++;
      }
      assert.ok(checked >= 2);
      await sdk.shutdown();
    });
  });

  describe('decodeMetricsJson', () => {
    for (const temporality of ['delta', 'cumulative'] as const) {
      it(`agrees with the protobuf decode of the same data (${temporality})`, async () => {
        const sdk = await recordAll(temporality);
        const rm = await sdk.collect();
        const fromProto = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(rm)!);
        const fromJson = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(rm)!);
        // JSON.stringify (the SDK's JSON path) writes NaN and Infinity as null:
        // those points read back as 0, a loss of the SDK serializer, not ours.
        let nonFinite = 0;
        for (const m of fromProto.resourceMetrics[0]!.scopeMetrics[0]!.metrics) {
          for (const p of m.points as unknown as Record<string, unknown>[]) {
            if (typeof p['value'] === 'number' && !Number.isFinite(p['value'])) {
              p['value'] = 0;
              nonFinite++;
            }
            for (const k of ['sum', 'min', 'max']) {
              if (typeof p[k] === 'number' && !Number.isFinite(p[k])) {
                p[k] = undefined;
                nonFinite++;
              }
            }
          }
        }
        assert.ok(nonFinite > 0, 'the data exercises non-finite values');
        assert.deepStrictEqual(fromJson, fromProto);
        await sdk.shutdown();
      });
    }
  });

  describe('decodeLogsRequest (protobuf)', () => {
    it('matches the SDK log records, including events, bodies of every type and span context', async () => {
      const sdk = sdkLogger({ 'service.name': 'svc', 'ml.model.name': 'm' });
      const spanCtx = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
      });
      sdk.logger.emit({ body: 'plain', severityNumber: SeverityNumber.INFO, severityText: 'INFO' });
      sdk.logger.emit({
        eventName: 'ml.prediction',
        context: spanCtx,
        attributes: { 'ml.prediction.id': 'p-1', 'ml.prediction.confidence': 0.93, n: 3, ok: false, list: ['x', 'y'] },
        body: { label: 'pos', scores: [0.1, 0.9], nested: { deep: { n: -5 } }, raw: new Uint8Array([0, 255, 7]) },
        severityNumber: SeverityNumber.WARN2,
        timestamp: 1_700_000_000_123,
      });
      sdk.logger.emit({ eventName: 'ml.ground_truth', body: 42, attributes: { 'ml.prediction.id': 'p-1', truth: 'neg' } });
      sdk.logger.emit({ body: true });
      sdk.logger.emit({ body: 2.5, observedTimestamp: 1_700_000_000_456 });
      const records = sdk.records();
      const decoded = decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(records)!);
      assert.deepStrictEqual(decoded, expectedLogs(records));
      assert.equal(decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords[1]!.eventName, 'ml.prediction');
      await sdk.shutdown();
    });
  });

  describe('decodeLogsJson', () => {
    it('agrees with the protobuf decode of the same records', async () => {
      const sdk = sdkLogger();
      sdk.logger.emit({ eventName: 'e', body: { a: [1, 'two', null, { b: new Uint8Array([1, 2]) }] }, attributes: { x: 1.5 } });
      sdk.logger.emit({
        body: 'b',
        severityNumber: SeverityNumber.FATAL4,
        context: trace.setSpanContext(ROOT_CONTEXT, { traceId: 'ff'.repeat(16), spanId: '01'.repeat(8), traceFlags: 1 }),
      });
      const records = sdk.records();
      const fromProto = decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(records)!);
      const fromJson = decodeLogsJson(JsonLogsSerializer.serializeRequest(records)!);
      assert.deepStrictEqual(fromJson, fromProto);
      await sdk.shutdown();
    });
  });
});
