import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { encodeResourceMetrics, ownSignalsExporter } from '../../src/forward/own-signals.js';
import { decodeMetricsRequest } from '../../src/receiver/otlp/decode-protobuf.js';

class Reader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

async function collection(): Promise<Parameters<typeof encodeResourceMetrics>[0]> {
  const reader = new Reader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'modelwatch-aggregator' }), readers: [reader] });
  const meter = provider.getMeter('@modelwatch/aggregator');
  const gauge = meter.createObservableGauge('ml.drift.psi', { unit: '1', description: 'PSI' });
  const counter = meter.createObservableCounter('ml.aggregator.accepted', { unit: '{item}' });
  meter.addBatchObservableCallback((r) => {
    r.observe(gauge, 0.25, { 'ml.model.name': 'm', flag: true });
    r.observe(counter, 12, { 'ml.signal': 'metrics' });
  }, [gauge, counter]);
  meter.createHistogram('not.pushed').record(1);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

describe('own signals', () => {
  describe('encodeResourceMetrics', () => {
    it('encodes gauges and sums as the SDK\'s own serializer does, and names what it leaves out', async () => {
      const rm = await collection();
      const { body, skipped } = encodeResourceMetrics(rm);
      assert.deepEqual(skipped, ['not.pushed']);
      const sdk = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest({ ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.filter((m) => m.descriptor.name !== 'not.pushed') })) })!);
      assert.deepEqual(decodeMetricsRequest(body), sdk);
    });
  });

  describe('ownSignalsExporter', () => {
    it('fails the export when the downstream refuses it', async () => {
      const rm = await collection();
      const exporter = ownSignalsExporter(async () => ({ kind: 'retry', reason: 'HTTP 503' }));
      const result = await new Promise<{ code: number; error?: Error }>((r) => exporter.export(rm, r));
      assert.equal(result.code, 1);
      assert.equal(result.error?.message, 'HTTP 503');
    });
  });
});
