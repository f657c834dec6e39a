// The realistic OTLP payload of the aggregator benchmarks, produced by the
// real OpenTelemetry JS SDK and encoded once by its own serializers:
// 100 models x 20 numeric features as base-2 exponential histograms (max 160
// buckets, values spread wide enough to use ~158 of them), plus per-model RED
// metrics (inference duration histogram, request and error counters, active
// requests) and a prediction counter by label.
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { rng } from './simulate.js';
export { rng };

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Payload {
  protobuf: Uint8Array;
  json: Uint8Array;
  /** Data points in one request. */
  points: number;
  /** Exponential-histogram points and their mean number of positive buckets. */
  expPoints: number;
  meanBuckets: number;
}

/** Deterministic PRNG (mulberry32) so every run encodes the same payload. */

export async function buildPayload(models = 100, features = 20, valuesPerFeature = 400): Promise<Payload> {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-service', 'service.instance.id': 'i-1' }),
    readers: [reader],
    views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const meter = provider.getMeter('@modelwatch/instrumentation', '0.1.0');
  const feature = meter.createHistogram('ml.feature.value');
  const duration = meter.createHistogram('ml.inference.duration', { unit: 's' });
  const requests = meter.createCounter('ml.inference.requests');
  const errors = meter.createCounter('ml.inference.errors');
  const active = meter.createUpDownCounter('ml.inference.active_requests');
  const predictions = meter.createCounter('ml.prediction.count');
  const rand = rng(42);
  for (let m = 0; m < models; m++) {
    const model = { 'ml.model.name': `model_${m}`, 'ml.model.version': '3' };
    for (let f = 0; f < features; f++) {
      const attrs = { ...model, 'ml.feature.name': `feature_${f}` };
      // Log-uniform over 19.7 octaves: at scale 3 (8 buckets per octave) that
      // is ~158 buckets, so each point carries close to the SDK's maximum of 160.
      const base = 0.001 * (1 + f);
      for (let i = 0; i < valuesPerFeature; i++) feature.record(base * 2 ** (rand() * 19.7), attrs);
    }
    for (let i = 0; i < 200; i++) {
      duration.record(0.005 + rand() * 0.2, model);
      requests.add(1, model);
      predictions.add(1, { ...model, 'ml.prediction.label': `label_${i % 3}` });
      if (i % 50 === 0) errors.add(1, { ...model, 'error.type': 'timeout' });
    }
    active.add(1, model);
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return describePayload(resourceMetrics);
}

function describePayload(rm: ResourceMetrics): Payload {
  let points = 0;
  let expPoints = 0;
  let buckets = 0;
  for (const sm of rm.scopeMetrics) {
    for (const m of sm.metrics) {
      points += m.dataPoints.length;
      if (m.descriptor.name === 'ml.feature.value') {
        for (const p of m.dataPoints as { value: { positive: { bucketCounts: number[] } } }[]) {
          expPoints++;
          buckets += p.value.positive.bucketCounts.length;
        }
      }
    }
  }
  const protobuf = ProtobufMetricsSerializer.serializeRequest(rm);
  const json = JsonMetricsSerializer.serializeRequest(rm);
  if (protobuf === undefined || json === undefined) throw new Error('the SDK serializer returned nothing');
  return { protobuf, json, points, expPoints, meanBuckets: expPoints === 0 ? 0 : buckets / expPoints };
}
