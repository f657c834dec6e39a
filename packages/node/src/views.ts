/**
 * The views modelwatch needs from any MeterProvider.
 * @module
 */
import { AggregationType, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { METRIC_ML_FEATURE_VALUE, METRIC_ML_PREDICTION_VALUE } from '@modelwatch/semconv';

/** Maximum buckets per exponential histogram: the SDK default, kept explicit because the aggregator sizes its state by it. */
export const EXPONENTIAL_MAX_SIZE = 160;

/**
 * Views that give feature values and regression outputs a base-2 exponential
 * histogram (160 buckets). The OpenTelemetry JS API cannot ask for that
 * aggregation from the instrumentation side (advice carries explicit bucket
 * boundaries only), and the SDK's default buckets (0..10000) make drift
 * statistics on features meaningless. Add these to your own MeterProvider:
 * `new MeterProvider({ views: [...modelwatchViews(), ...yours], readers })`.
 */
export function modelwatchViews(): ViewOptions[] {
  return [METRIC_ML_FEATURE_VALUE, METRIC_ML_PREDICTION_VALUE].map((instrumentName) => ({
    instrumentName,
    aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: EXPONENTIAL_MAX_SIZE } },
  }));
}
