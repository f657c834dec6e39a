// The engine fed by the real OpenTelemetry JS SDK: a meter provider with the
// exponential view and delta temporality, collected by a manual reader,
// serialised by the SDK's own OTLP protobuf serializer and decoded by our
// receiver — the path production data takes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { ExponentialHistogram } from '@modelwatch/stats';
import { decodeMetricsRequest } from '../../src/receiver/otlp/decode-protobuf.js';
import { Engine, engineConfig, BASELINE_FORMAT } from '../../src/engine/index.js';
import { exactKs, normals, rng } from './helpers.js';

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

describe('Engine with the OpenTelemetry SDK', () => {
  describe('ingestMetrics', () => {
    it('folds SDK sign=negative streams and brackets the raw KS', async () => {
      const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ 'ml.model.name': 'sdk-model' }),
        readers: [reader],
        views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
      });
      const hist = provider.getMeter('t').createHistogram('ml.feature.value');
      const r = rng(77);
      const ref = normals(r, 5000, 5, 10);
      const baseline = new ExponentialHistogram({ maxSize: 160 });
      for (const v of ref) baseline.record(v);
      const e = new Engine(engineConfig({ models: [{ name: 'sdk-model', task: 'regression', features: { x: 'numeric' } }] }));
      e.setBaseline('sdk-model', {
        format: BASELINE_FORMAT,
        model: 'sdk-model',
        createdAt: new Date().toISOString(),
        features: { x: { type: 'numeric', histogram: baseline.toData(), missing: 0 } },
      });
      const now = Date.now();
      const sent: number[] = [];
      for (let round = 0; round < 3; round++) {
        for (const v of normals(r, 1000, 6, 10)) {
          sent.push(v);
          // The instrumentation's sign rule: SDKs drop negative histogram values.
          hist.record(Math.abs(v), v < 0 ? { 'ml.feature.name': 'x', 'ml.feature.sign': 'negative' } : { 'ml.feature.name': 'x' });
        }
        const { resourceMetrics } = await reader.collect();
        const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
        assert.ok(bytes);
        const res = e.ingestMetrics(decodeMetricsRequest(bytes), now);
        assert.equal(res.rejectedDataPoints, 0, res.errors.join('; '));
      }
      await provider.shutdown();
      e.evaluate(now + 1);
      const x = e.driftReport('sdk-model')?.features.find((f) => f.name === 'x');
      assert.equal(x?.currentCount, 3000);
      const d = exactKs(ref, sent);
      assert.ok(x?.ks && x.ks.statistic <= d + 1e-12 && d <= x.ks.bound + 1e-12, `${x?.ks?.statistic} <= ${d} <= ${x?.ks?.bound}`);
      const dist = e.featureDistributions('sdk-model', 'x');
      assert.ok(dist?.type === 'numeric');
      const negatives = dist.bins.reduce((s, b, i) => s + (b.upper <= 0 ? (dist.current[i] as number) : 0), 0);
      assert.equal(negatives, sent.filter((v) => v < 0).length);
    });
  });
});
