// Records values through the real OpenTelemetry JS SDK (exponential histogram
// aggregation) and returns the exported data point, to compare bucket by bucket.
import { AggregationType, DataPointType, MeterProvider, MetricReader, type ExponentialHistogram as SdkExpHistogram } from '@opentelemetry/sdk-metrics';

class CollectOnlyReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The SDK's exponential histogram of `values` (a Gauge instrument, so negative values are kept). */
export async function sdkExponentialHistogram(values: readonly number[], maxSize: number): Promise<SdkExpHistogram> {
  const reader = new CollectOnlyReader();
  const provider = new MeterProvider({
    readers: [reader],
    views: [{ instrumentName: 'v', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize } } }],
  });
  const gauge = provider.getMeter('test').createGauge('v');
  for (const v of values) gauge.record(v);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const metric = resourceMetrics.scopeMetrics[0]?.metrics[0];
  if (metric === undefined || metric.dataPointType !== DataPointType.EXPONENTIAL_HISTOGRAM) throw new Error('no exponential histogram exported');
  const point = metric.dataPoints[0];
  if (point === undefined) throw new Error('no data point exported');
  return point.value;
}
