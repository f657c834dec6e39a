/**
 * Constants of the conventions that are values rather than names.
 * @module
 */

/**
 * Category recorded in `ml.feature.category` (and `ml.prediction.label`) for values
 * past the cardinality bound. The SDK's own overflow points
 * (`otel.metric.overflow = true`) are counted as this category too.
 */
export const OTHER_CATEGORY = '__other__';

/**
 * Encoding of the `ml.drift.severity` gauge. `error` (-2) means no verdict can
 * be computed for a reason that more data will not fix (no baseline for the
 * feature, a baseline of the other type, a statistics failure): the API names
 * the reason. `insufficient_data` (-1) means the windows were too small to
 * judge; otherwise higher is worse, so alert rules can compare with `>=`.
 */
export const DRIFT_SEVERITY_LEVEL = Object.freeze({
  error: -2,
  insufficient_data: -1,
  none: 0,
  info: 1,
  warning: 2,
  critical: 3,
} as const);

/** A drift verdict: a key of {@link DRIFT_SEVERITY_LEVEL}. */
export type DriftSeverity = keyof typeof DRIFT_SEVERITY_LEVEL;
