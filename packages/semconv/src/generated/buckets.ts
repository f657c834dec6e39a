// Generated from packages/semconv/model/registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit.

/**
 * Explicit bucket boundaries advised for `ml.inference.duration` (13 boundaries, 14 buckets).
 * Pass them as `advice.explicitBucketBoundaries` when creating the histogram.
 */
export const LATENCY_BUCKETS: readonly number[] = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/**
 * Explicit bucket boundaries advised for `ml.prediction.confidence` (23 boundaries, 24 buckets).
 * Pass them as `advice.explicitBucketBoundaries` when creating the histogram.
 */
export const CONFIDENCE_BUCKETS: readonly number[] = Object.freeze([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999]);
