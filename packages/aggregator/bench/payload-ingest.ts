// The ingest benchmark's payload: one OTLP export of a realistic fleet, made by
// the real OpenTelemetry JS SDK (MeterProvider, DELTA temporality, the
// exponential view on ml.feature.value) and encoded once by the SDK's own
// protobuf serializer. Per request: 100 models x 20 features as base-2
// exponential histograms of ~160 buckets, plus RED per model:
// ml.inference.duration (explicit buckets, the semconv advice) and
// ml.predictions by label. Names come from @modelwatch/semconv so the
// aggregator routes every point exactly as it would in production.
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { rng } from './decode-payload.js';
import {
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_PREDICTION_LABEL,
  LATENCY_BUCKETS,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_PREDICTIONS,
} from '@modelwatch/semconv';

/** A collect-on-demand reader: the benchmark encodes exactly one export. */
class OnceReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** One encoded export request and what it holds. */
export interface IngestPayload {
  /** The OTLP/protobuf body of `POST /v1/metrics`. */
  body: Uint8Array;
  /** All data points in the request. */
  points: number;
  /** Histogram data points (exponential feature histograms plus explicit duration histograms). */
  histogramPoints: number;
  /** Exponential-histogram points and their mean number of positive buckets. */
  expHistogramPoints: number;
  meanBuckets: number;
  models: number;
  features: number;
}


/**
 * Records a fleet's worth of observations through the SDK and encodes one
 * DELTA export of it.
 * @param models number of models (each a separate `ml.model.name`)
 * @param features numeric features per model
 * @param valuesPerFeature observations recorded into each feature histogram
 */
export async function buildIngestPayload(models = 100, features = 20, valuesPerFeature = 300): Promise<IngestPayload> {
  const reader = new OnceReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'ingest-bench', 'service.instance.id': 'bench-1' }),
    readers: [reader],
    views: [
      {
        instrumentName: METRIC_ML_FEATURE_VALUE,
        aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } },
        // The SDK's default limit (2000 series per metric) would fold the last
        // of the 100 x 20 series into the overflow series.
        aggregationCardinalityLimit: 2 * models * features,
      },
    ],
  });
  const meter = provider.getMeter('@modelwatch/instrumentation', '0.1.0');
  const featureValue = meter.createHistogram(METRIC_ML_FEATURE_VALUE);
  const duration = meter.createHistogram(METRIC_ML_INFERENCE_DURATION, { unit: 's', advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] } });
  const predictions = meter.createCounter(METRIC_ML_PREDICTIONS);
  const rand = rng(7);
  for (let m = 0; m < models; m++) {
    const model = { [ATTR_ML_MODEL_NAME]: `model_${m}`, [ATTR_ML_MODEL_VERSION]: '1' };
    for (let f = 0; f < features; f++) {
      const attrs = { ...model, [ATTR_ML_FEATURE_NAME]: `feature_${f}` };
      // Log-uniform over ~19.9 octaves: the SDK settles at scale 3 (8 buckets
      // per octave), i.e. close to its maximum of 160 buckets per point.
      const base = 0.01 * (1 + f);
      for (let i = 0; i < valuesPerFeature; i++) featureValue.record(base * 2 ** (rand() * 19.9), attrs);
    }
    for (let i = 0; i < 200; i++) {
      duration.record(0.002 + rand() * rand() * 0.5, model);
      predictions.add(1, { ...model, [ATTR_ML_PREDICTION_LABEL]: `class_${i % 3}` });
    }
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  if (body === undefined) throw new Error('the SDK protobuf serializer returned nothing');
  return { body, models, features, ...countPoints(resourceMetrics) };
}

function countPoints(rm: ResourceMetrics): Pick<IngestPayload, 'points' | 'histogramPoints' | 'expHistogramPoints' | 'meanBuckets'> {
  let points = 0;
  let histogramPoints = 0;
  let expHistogramPoints = 0;
  let buckets = 0;
  for (const sm of rm.scopeMetrics) {
    for (const metric of sm.metrics) {
      points += metric.dataPoints.length;
      if (metric.descriptor.name === METRIC_ML_FEATURE_VALUE) {
        for (const p of metric.dataPoints as { value: { positive: { bucketCounts: number[] } } }[]) {
          expHistogramPoints++;
          buckets += p.value.positive.bucketCounts.length;
        }
      }
      if (metric.descriptor.name === METRIC_ML_FEATURE_VALUE || metric.descriptor.name === METRIC_ML_INFERENCE_DURATION) {
        histogramPoints += metric.dataPoints.length;
      }
    }
  }
  return { points, histogramPoints, expHistogramPoints, meanBuckets: expHistogramPoints === 0 ? 0 : buckets / expHistogramPoints };
}
