// Generated from packages/semconv/model/registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit.

/**
 * Name of the model that produced the telemetry.
 *
 * May be set on the data point, the instrumentation scope attributes or the resource; when several are present the data point wins, then the scope, then the resource.
 *
 * Type: `string`. Examples: `sentiment_classifier`, `fraud-scorer`.
 */
export const ATTR_ML_MODEL_NAME = 'ml.model.name';

/**
 * Version of the model that produced the telemetry.
 *
 * Same precedence as ml.model.name (data point, then scope, then resource).
 *
 * Type: `string`. Examples: `v1.0`, `2024-06-01`.
 */
export const ATTR_ML_MODEL_VERSION = 'ml.model.version';

/**
 * Name of the serving operation or endpoint through which the model was called.
 *
 * Low cardinality (route templates, not URLs with ids).
 *
 * Type: `string`. Examples: `/predict`, `predict_batch`.
 */
export const ATTR_ML_OPERATION_NAME = 'ml.operation.name';

/**
 * Describes a class of error the operation ended with (OpenTelemetry `error.type`).
 *
 * Set only when the inference failed: the exception's class name (for example `TypeError`) or another low-cardinality code. Absent on success, so errors are the inference-duration count with error.type present.
 *
 * Type: `enum`. Examples: `TypeError`, `timeout`, `_OTHER`.
 */
export const ATTR_ERROR_TYPE = 'error.type';

/**
 * `error.type` = `_OTHER`: A fallback error value when no custom value is defined.
 */
export const ATTR_ERROR_TYPE_VALUE_OTHER = '_OTHER';

/**
 * Identifier of a prediction, used to join it with its ground truth later.
 *
 * Type: `string`. Examples: `req-7f3a9c`.
 */
export const ATTR_ML_PREDICTION_ID = 'ml.prediction.id';

/**
 * Predicted class label (classification models).
 *
 * Must be low cardinality on metrics; the categorical overflow rule of ml.feature.category applies.
 *
 * Type: `string`. Examples: `positive`, `negative`, `neutral`.
 */
export const ATTR_ML_PREDICTION_LABEL = 'ml.prediction.label';

/**
 * Predicted value (regression models), carried on the ml.prediction event.
 *
 * Type: `double`. Examples: `42.5`.
 */
export const ATTR_ML_PREDICTION_VALUE = 'ml.prediction.value';

/**
 * Confidence score of the prediction in [0, 1], carried on the ml.prediction event.
 *
 * Type: `double`. Examples: `0.92`.
 */
export const ATTR_ML_PREDICTION_CONFIDENCE = 'ml.prediction.confidence';

/**
 * Confidence threshold below which a prediction counts as low-confidence.
 *
 * Used on the aggregator's ml.prediction.low_confidence_ratio; it should be one of the CONFIDENCE_BUCKETS boundaries so the ratio is exact.
 *
 * Type: `double`. Examples: `0.7`.
 */
export const ATTR_ML_PREDICTION_CONFIDENCE_THRESHOLD = 'ml.prediction.confidence_threshold';

/**
 * Data segment the prediction belongs to (for per-segment accuracy).
 *
 * Type: `string`. Examples: `mobile`, `new_users`.
 */
export const ATTR_ML_SEGMENT = 'ml.segment';

/**
 * True class label reported as feedback.
 *
 * Type: `string`. Examples: `positive`.
 */
export const ATTR_ML_GROUND_TRUTH_LABEL = 'ml.ground_truth.label';

/**
 * True value reported as feedback (regression models).
 *
 * Type: `double`. Examples: `40.1`.
 */
export const ATTR_ML_GROUND_TRUTH_VALUE = 'ml.ground_truth.value';

/**
 * What happened to a ground-truth label or a pending prediction in the join.
 *
 * Type: `enum`. Examples: `joined`.
 */
export const ATTR_ML_GROUND_TRUTH_OUTCOME = 'ml.ground_truth.outcome';

/**
 * `ml.ground_truth.outcome` = `joined`: The ground truth was matched with its prediction.
 */
export const ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_JOINED = 'joined';

/**
 * `ml.ground_truth.outcome` = `unmatched`: No pending prediction with that id was known.
 */
export const ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_UNMATCHED = 'unmatched';

/**
 * `ml.ground_truth.outcome` = `expired`: The prediction waited past the join TTL without ground truth.
 */
export const ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_EXPIRED = 'expired';

/**
 * `ml.ground_truth.outcome` = `evicted`: The prediction was dropped because the pending-join bound was reached.
 */
export const ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_EVICTED = 'evicted';

/**
 * `ml.ground_truth.outcome` = `relabeled`: A later label replaced the earlier label of an already joined prediction.
 */
export const ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_RELABELED = 'relabeled';

/**
 * Name of the input feature.
 *
 * Type: `string`. Examples: `text_length`, `age`.
 */
export const ATTR_ML_FEATURE_NAME = 'ml.feature.name';

/**
 * Sign of the value a histogram measurement stands for.
 *
 * OpenTelemetry SDKs drop negative histogram measurements, so a negative value x is recorded as |x| with ml.feature.sign = negative (on ml.feature.value and ml.prediction.value). Absent means the value is zero or positive. The aggregator folds the negative stream back onto the negative axis.
 *
 * Type: `enum`. Examples: `negative`.
 */
export const ATTR_ML_FEATURE_SIGN = 'ml.feature.sign';

/**
 * `ml.feature.sign` = `negative`: The recorded magnitude stands for a negative value.
 */
export const ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE = 'negative';

/**
 * Observed value of a categorical feature.
 *
 * Bounded cardinality: values past the configured bound are recorded as `__other__` (OTHER_CATEGORY), and the SDK's overflow points (otel.metric.overflow = true) are counted as `__other__` too.
 *
 * Type: `string`. Examples: `US`, `__other__`.
 */
export const ATTR_ML_FEATURE_CATEGORY = 'ml.feature.category';

/**
 * Set by the SDK on the data point that aggregates measurements past the cardinality limit.
 *
 * Consumed by the aggregator, never emitted by modelwatch; categorical overflow points count as `__other__`.
 *
 * Type: `boolean`. Examples: `true`.
 */
export const ATTR_OTEL_METRIC_OVERFLOW = 'otel.metric.overflow';

/**
 * Event name carried as an attribute by older OpenTelemetry SDKs instead of the log record's event_name field.
 *
 * Consumed by the aggregator when the log record has no event_name.
 *
 * Type: `string`. Examples: `ml.prediction`.
 */
export const ATTR_EVENT_NAME = 'event.name';

/**
 * Which distribution a drift signal compares between baseline and current window.
 *
 * Type: `enum`. Examples: `feature`, `prediction.confidence`.
 */
export const ATTR_ML_DRIFT_SUBJECT = 'ml.drift.subject';

/**
 * `ml.drift.subject` = `feature`: An input feature (ml.feature.name says which).
 */
export const ATTR_ML_DRIFT_SUBJECT_VALUE_FEATURE = 'feature';

/**
 * `ml.drift.subject` = `prediction.confidence`: The prediction confidence distribution.
 */
export const ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_CONFIDENCE = 'prediction.confidence';

/**
 * `ml.drift.subject` = `prediction.label`: The predicted label distribution.
 */
export const ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_LABEL = 'prediction.label';

/**
 * `ml.drift.subject` = `prediction.value`: The regression output distribution.
 */
export const ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_VALUE = 'prediction.value';

/**
 * The nested window whose verdict a drift signal reports (the one that decided it), by its length: one of the model's few drift windows, e.g. 10s, 1m, 10m or 1h.
 *
 * A signal reports one window at a time, so this label adds no series per window; its values are the model's configured drift windows.
 *
 * Type: `string`. Examples: `10s`, `1m`, `10m`, `1h`.
 */
export const ATTR_ML_DRIFT_WINDOW = 'ml.drift.window';

/**
 * Which of the compared windows a sample count describes.
 *
 * Type: `enum`. Examples: `current`.
 */
export const ATTR_ML_WINDOW_ROLE = 'ml.window.role';

/**
 * `ml.window.role` = `baseline`: The reference (baseline) window.
 */
export const ATTR_ML_WINDOW_ROLE_VALUE_BASELINE = 'baseline';

/**
 * `ml.window.role` = `current`: The current evaluation window.
 */
export const ATTR_ML_WINDOW_ROLE_VALUE_CURRENT = 'current';

/**
 * Quantile in [0, 1] that a summary gauge reports.
 *
 * Type: `double`. Examples: `0.5`, `0.95`, `0.99`.
 */
export const ATTR_ML_QUANTILE = 'ml.quantile';

/**
 * Name of the service-level objective as configured in modelwatch.yaml.
 *
 * Type: `string`. Examples: `latency_p95`, `availability`.
 */
export const ATTR_ML_SLO_NAME = 'ml.slo.name';

/**
 * Kind of service-level objective.
 *
 * Type: `enum`. Examples: `latency`.
 */
export const ATTR_ML_SLO_TYPE = 'ml.slo.type';

/**
 * `ml.slo.type` = `latency`: Share of requests faster than a latency threshold.
 */
export const ATTR_ML_SLO_TYPE_VALUE_LATENCY = 'latency';

/**
 * `ml.slo.type` = `availability`: Share of requests without error.
 */
export const ATTR_ML_SLO_TYPE_VALUE_AVAILABILITY = 'availability';

/**
 * `ml.slo.type` = `error_rate`: Error ratio below a target.
 */
export const ATTR_ML_SLO_TYPE_VALUE_ERROR_RATE = 'error_rate';

/**
 * `ml.slo.type` = `accuracy`: Accuracy on ground truth above a target.
 */
export const ATTR_ML_SLO_TYPE_VALUE_ACCURACY = 'accuracy';

/**
 * Length of the window a burn rate or compliance is computed over (Prometheus duration syntax).
 *
 * Type: `string`. Examples: `5m`, `1h`, `30d`.
 */
export const ATTR_ML_SLO_WINDOW = 'ml.slo.window';

/**
 * Name of the alert rule (Prometheus `alertname`).
 *
 * Type: `string`. Examples: `MLHighErrorRate`, `MLDataDrift`.
 */
export const ATTR_ML_ALERT_NAME = 'ml.alert.name';

/**
 * Severity of an alert.
 *
 * Type: `enum`. Examples: `warning`.
 */
export const ATTR_ML_ALERT_SEVERITY = 'ml.alert.severity';

/**
 * `ml.alert.severity` = `info`: Informational.
 */
export const ATTR_ML_ALERT_SEVERITY_VALUE_INFO = 'info';

/**
 * `ml.alert.severity` = `warning`: Needs attention soon.
 */
export const ATTR_ML_ALERT_SEVERITY_VALUE_WARNING = 'warning';

/**
 * `ml.alert.severity` = `critical`: Needs attention now.
 */
export const ATTR_ML_ALERT_SEVERITY_VALUE_CRITICAL = 'critical';

/**
 * State of an alert in the embedded evaluator (Prometheus' `alertstate`).
 *
 * Type: `enum`. Examples: `firing`.
 */
export const ATTR_ML_ALERT_STATE = 'ml.alert.state';

/**
 * `ml.alert.state` = `pending`: The condition holds, but not yet for the rule's `for` duration.
 */
export const ATTR_ML_ALERT_STATE_VALUE_PENDING = 'pending';

/**
 * `ml.alert.state` = `firing`: The condition has held for the rule's `for` duration (or is kept firing by `keepFiringFor`).
 */
export const ATTR_ML_ALERT_STATE_VALUE_FIRING = 'firing';

/**
 * Where notifications go, as configured (an Alertmanager or webhook URL).
 *
 * Type: `string`. Examples: `http://127.0.0.1:9093`.
 */
export const ATTR_ML_ALERT_RECEIVER = 'ml.alert.receiver';

/**
 * Outcome of one notification delivery attempt.
 *
 * Type: `enum`. Examples: `sent`.
 */
export const ATTR_ML_NOTIFICATION_OUTCOME = 'ml.notification.outcome';

/**
 * `ml.notification.outcome` = `sent`: The receiver accepted the notification.
 */
export const ATTR_ML_NOTIFICATION_OUTCOME_VALUE_SENT = 'sent';

/**
 * `ml.notification.outcome` = `failed`: A delivery attempt failed (it is retried with backoff).
 */
export const ATTR_ML_NOTIFICATION_OUTCOME_VALUE_FAILED = 'failed';

/**
 * `ml.notification.outcome` = `dropped`: Given up after the last retry, or pushed out of a full queue.
 */
export const ATTR_ML_NOTIFICATION_OUTCOME_VALUE_DROPPED = 'dropped';

/**
 * OTLP signal an ingestion count refers to.
 *
 * Type: `enum`. Examples: `metrics`.
 */
export const ATTR_ML_SIGNAL = 'ml.signal';

/**
 * `ml.signal` = `metrics`: OTLP metric data points.
 */
export const ATTR_ML_SIGNAL_VALUE_METRICS = 'metrics';

/**
 * `ml.signal` = `logs`: OTLP log records (events).
 */
export const ATTR_ML_SIGNAL_VALUE_LOGS = 'logs';

/**
 * Why the aggregator rejected a data point or log record.
 *
 * Type: `enum`. Examples: `limit_exceeded`.
 */
export const ATTR_ML_REJECTION_REASON = 'ml.rejection.reason';

/**
 * `ml.rejection.reason` = `malformed`: The item could not be decoded or is missing required fields.
 */
export const ATTR_ML_REJECTION_REASON_VALUE_MALFORMED = 'malformed';

/**
 * `ml.rejection.reason` = `invalid_value`: The item carried a value outside its domain (NaN, negative count, bad scale).
 */
export const ATTR_ML_REJECTION_REASON_VALUE_INVALID_VALUE = 'invalid_value';

/**
 * `ml.rejection.reason` = `unknown_model`: No model name could be resolved from data point, scope or resource.
 */
export const ATTR_ML_REJECTION_REASON_VALUE_UNKNOWN_MODEL = 'unknown_model';

/**
 * `ml.rejection.reason` = `limit_exceeded`: A configured bound (models, series, attribute length, pending joins) was reached.
 */
export const ATTR_ML_REJECTION_REASON_VALUE_LIMIT_EXCEEDED = 'limit_exceeded';

/**
 * `ml.rejection.reason` = `unsupported`: The item is of a kind modelwatch does not process (for example a summary).
 */
export const ATTR_ML_REJECTION_REASON_VALUE_UNSUPPORTED = 'unsupported';

/**
 * `ml.rejection.reason` = `overloaded`: The aggregator shed load and asked the client to retry.
 */
export const ATTR_ML_REJECTION_REASON_VALUE_OVERLOADED = 'overloaded';

/**
 * Why the aggregator refused a whole OTLP request and asked the sender to retry later.
 *
 * Type: `enum`. Examples: `memory`.
 */
export const ATTR_ML_REFUSAL_REASON = 'ml.refusal.reason';

/**
 * `ml.refusal.reason` = `memory`: The aggregator's resident memory neared limits.maxResidentMemory (HTTP 503, gRPC UNAVAILABLE).
 */
export const ATTR_ML_REFUSAL_REASON_VALUE_MEMORY = 'memory';

/**
 * `ml.refusal.reason` = `in_flight`: Too many requests, or too many request bytes, were being handled at once (HTTP 429 or 503, gRPC RESOURCE_EXHAUSTED).
 */
export const ATTR_ML_REFUSAL_REASON_VALUE_IN_FLIGHT = 'in_flight';

/**
 * `ml.refusal.reason` = `disk_space`: The data directory's file system had less free space than storage.minFreeSpace (HTTP 503, gRPC UNAVAILABLE).
 */
export const ATTR_ML_REFUSAL_REASON_VALUE_DISK_SPACE = 'disk_space';

/**
 * `ml.refusal.reason` = `forward_queue`: Processor mode: the requests not yet forwarded downstream reached forward.maxQueueBytes (HTTP 503, gRPC UNAVAILABLE).
 */
export const ATTR_ML_REFUSAL_REASON_VALUE_FORWARD_QUEUE = 'forward_queue';

/**
 * A part of the aggregator that can be degraded while the service goes on.
 *
 * Type: `enum`. Examples: `storage`.
 */
export const ATTR_ML_AGGREGATOR_COMPONENT = 'ml.aggregator.component';

/**
 * `ml.aggregator.component` = `storage`: The data directory's file system has less free space than storage.minFreeSpace: new OTLP requests are refused until space is freed.
 */
export const ATTR_ML_AGGREGATOR_COMPONENT_VALUE_STORAGE = 'storage';

/**
 * `ml.aggregator.component` = `checkpoint`: Checkpoints cannot commit (the database is locked by another connection): the ingest log keeps every request, and grows.
 */
export const ATTR_ML_AGGREGATOR_COMPONENT_VALUE_CHECKPOINT = 'checkpoint';

/**
 * `ml.aggregator.component` = `telemetry_push`: The OTLP push of the aggregator's own metrics fails (its endpoint is down or refuses them).
 */
export const ATTR_ML_AGGREGATOR_COMPONENT_VALUE_TELEMETRY_PUSH = 'telemetry_push';

/**
 * `ml.aggregator.component` = `forward`: Processor mode: forwarding to the downstream OTLP endpoint fails and is being retried; the requests wait in the ingest log.
 */
export const ATTR_ML_AGGREGATOR_COMPONENT_VALUE_FORWARD = 'forward';
