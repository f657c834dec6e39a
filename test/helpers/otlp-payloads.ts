/**
 * OTLP request bodies made by the OpenTelemetry SDK's own serializers, for
 * end-to-end tests that send real payloads: metric requests of one model (1-4
 * exponential feature histograms and a prediction counter by label) and log
 * requests (1-8 records), in the sender's temporality; and large OTLP/JSON
 * requests such as a Collector's batch of many instances' exports.
 */
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';

export type Temporality = 'delta' | 'cumulative';

/** One encoded request and what it carries. */
export interface Payload {
  kind: 'metrics' | 'logs';
  /** OTLP/protobuf body. */
  body: Uint8Array;
  dataPoints: number;
  logRecords: number;
  /** Cumulative metrics only: its place in the sequence, and each feature's observations since the start. */
  index?: number;
  totals?: Record<string, number>;
}

/** Options of {@link sdkPayloads}. */
export interface PayloadOptions {
  /** Seeded uniform random numbers in [0, 1). */
  rand: () => number;
  temporality: Temporality;
  /** `ml.model.name` of every point and record. */
  model: string;
  /** Feature names; each metric request carries the first 1..all of them. */
  features: readonly string[];
  /** Requests to make. @default 400 (delta), 3000 (cumulative) */
  count?: number;
  /** `service.name` of the resource. @default 'e2e-test' */
  serviceName?: string;
}

/** A collect-on-demand reader: each request is exactly one collection. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/**
 * Metric requests (each feature histogram gets 20 values per request) and,
 * every third request, a log request. Cumulative requests come in sequence:
 * each holds every stream's totals so far.
 */
export async function sdkPayloads(options: PayloadOptions): Promise<Payload[]> {
  const { rand, temporality, model, features } = options;
  const count = options.count ?? (temporality === 'delta' ? 400 : 3000);
  const resource = resourceFromAttributes({ 'service.name': options.serviceName ?? 'e2e-test', 'ml.model.name': model });
  const selected = temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
  const reader = new ManualReader({ aggregationTemporalitySelector: () => selected });
  const meters = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const exporter = new InMemoryLogRecordExporter();
  const loggers = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const meter = meters.getMeter('e2e');
  const feature = meter.createHistogram('ml.feature.value');
  const predictions = meter.createCounter('ml.predictions');
  const logger = loggers.getLogger('e2e');
  const totals: Record<string, number> = Object.fromEntries(features.map((f) => [f, 0]));
  const out: Payload[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 2) {
      exporter.reset();
      const n = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < n; k++) logger.emit({ body: `record ${i}.${k}`, attributes: { 'ml.model.name': model, n: k } });
      const records = exporter.getFinishedLogRecords();
      out.push({ kind: 'logs', body: ProtobufLogsSerializer.serializeRequest(records)!, dataPoints: 0, logRecords: records.length });
      continue;
    }
    const used = 1 + Math.floor(rand() * features.length);
    for (let f = 0; f < used; f++) {
      for (let k = 0; k < 20; k++) feature.record(1 + rand() * 100, { 'ml.feature.name': features[f] });
      totals[features[f]!] = (totals[features[f]!] ?? 0) + 20;
    }
    predictions.add(1 + Math.floor(rand() * 5), { 'ml.prediction.label': rand() < 0.5 ? 'yes' : 'no' });
    const { resourceMetrics } = await reader.collect();
    let points = 0;
    for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) points += m.dataPoints.length;
    const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
    out.push(temporality === 'delta' ? { kind: 'metrics', body, dataPoints: points, logRecords: 0 } : { kind: 'metrics', body, dataPoints: points, logRecords: 0, index: i, totals: { ...totals } });
  }
  await meters.shutdown();
  await loggers.shutdown();
  return out;
}

/**
 * One large OTLP/JSON metrics request: one SDK export of `model` (4 feature
 * histograms of ~160 buckets, delta) as the SDK's JSON serializer writes it,
 * repeated for as many service instances (`service.instance.id`) as make
 * about `targetBytes`, as a Collector batching a fleet's exports would send.
 */
export async function largeJsonPayload(options: { model: string; targetBytes: number; rand: () => number }): Promise<Payload> {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const meters = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'e2e-fleet', 'ml.model.name': options.model }),
    readers: [reader],
    views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const feature = meters.getMeter('e2e').createHistogram('ml.feature.value');
  const features = ['f0', 'f1', 'f2', 'f3'];
  // Log-uniform over ~19 octaves: close to the SDK's 160 buckets per point.
  for (const f of features) for (let i = 0; i < 2000; i++) feature.record(0.01 * 2 ** (options.rand() * 19), { 'ml.feature.name': f });
  const { resourceMetrics } = await reader.collect();
  await meters.shutdown();
  type Json = { resourceMetrics: Array<{ resource: { attributes: unknown[] } }> };
  const one = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(resourceMetrics)!)) as Json;
  const export1 = one.resourceMetrics[0]!;
  const instances = Math.max(1, Math.ceil(options.targetBytes / JSON.stringify(export1).length));
  const batch: Json = {
    resourceMetrics: Array.from({ length: instances }, (_, i) => ({
      ...export1,
      resource: { ...export1.resource, attributes: [...export1.resource.attributes, { key: 'service.instance.id', value: { stringValue: `instance-${i}` } }] },
    })),
  };
  return { kind: 'metrics', body: new TextEncoder().encode(JSON.stringify(batch)), dataPoints: instances * features.length, logRecords: 0 };
}
