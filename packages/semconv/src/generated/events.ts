// Generated from packages/semconv/model/registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit.

/**
 * One sampled prediction, kept so ground truth can be joined to it later.
 *
 * Emitted through the OpenTelemetry Logs API; the name travels in the log record's event_name (or, from older SDKs, in an event.name attribute).
 *
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.prediction.id` (required), `ml.prediction.label` (conditionally_required: for classification models), `ml.prediction.value` (conditionally_required: for regression models), `ml.prediction.confidence` (recommended), `ml.segment` (recommended), `ml.operation.name` (opt_in).
 */
export const EVENT_ML_PREDICTION = 'ml.prediction';

/**
 * Ground truth (feedback) for an earlier prediction.
 *
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.prediction.id` (required), `ml.ground_truth.label` (conditionally_required: for classification models), `ml.ground_truth.value` (conditionally_required: for regression models).
 */
export const EVENT_ML_GROUND_TRUTH = 'ml.ground_truth';
