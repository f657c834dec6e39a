// Generated from packages/semconv/model/registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit.

/**
 * Duration of model inference calls.
 *
 * The count of this histogram is the request count; the count with error.type present is the error count. The SDK default buckets (0..10000) are useless for latency, hence the advice boundaries.
 *
 * Instrument: histogram. Unit: `s`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.operation.name` (recommended), `error.type` (conditionally_required: if the inference failed).
 */
export const METRIC_ML_INFERENCE_DURATION = 'ml.inference.duration';

/**
 * Number of inference calls in progress.
 *
 * Instrument: updowncounter. Unit: `{request}`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.operation.name` (recommended).
 */
export const METRIC_ML_INFERENCE_ACTIVE_REQUESTS = 'ml.inference.active_requests';

/**
 * Number of predictions made, by predicted label.
 *
 * Instrument: counter. Unit: `{prediction}`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.operation.name` (recommended), `ml.prediction.label` (conditionally_required: for classification models).
 */
export const METRIC_ML_PREDICTIONS = 'ml.predictions';

/**
 * Confidence scores of predictions, in [0, 1].
 *
 * Fixed advice boundaries so baseline and current windows share buckets; the aggregator computes PSI, calibration and the low-confidence ratio from them.
 *
 * Instrument: histogram. Unit: `1`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.prediction.label` (opt_in).
 */
export const METRIC_ML_PREDICTION_CONFIDENCE = 'ml.prediction.confidence';

/**
 * Output values of regression models.
 *
 * Negative outputs are recorded as their magnitude with ml.feature.sign = negative.
 *
 * Instrument: histogram. Unit: `{value}`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.feature.sign` (conditionally_required: if the output value was negative).
 */
export const METRIC_ML_PREDICTION_VALUE = 'ml.prediction.value';

/**
 * Values of numeric input features, for a sample of predictions.
 *
 * Use the base-2 exponential histogram aggregation (@modelwatch/node sets the view); explicit buckets lose precision. Negative values are recorded as their magnitude with ml.feature.sign = negative.
 *
 * Instrument: histogram. Unit: `{value}`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.feature.name` (required), `ml.feature.sign` (conditionally_required: if the feature value was negative).
 */
export const METRIC_ML_FEATURE_VALUE = 'ml.feature.value';

/**
 * Observations of categorical feature values, for a sample of predictions.
 *
 * Instrument: counter. Unit: `{observation}`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.feature.name` (required), `ml.feature.category` (required).
 */
export const METRIC_ML_FEATURE_OBSERVATIONS = 'ml.feature.observations';

/**
 * Feature values that were missing, null or NaN, for a sample of predictions.
 *
 * Instrument: counter. Unit: `{observation}`.
 * Attributes: `ml.model.name` (conditionally_required: if not set on the instrumentation scope or the resource), `ml.model.version` (recommended), `ml.feature.name` (required).
 */
export const METRIC_ML_FEATURE_MISSING = 'ml.feature.missing';

/**
 * Two-sample Kolmogorov-Smirnov statistic D between baseline and current window.
 *
 * From bucketed data this is D at bucket edges, a lower bound on D of the raw values; ml.drift.ks.upper_bound is the matching upper bound.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_KS_STATISTIC = 'ml.drift.ks.statistic';

/**
 * Upper bound on the KS statistic of the raw values behind bucketed data.
 *
 * D at edges plus the largest single-bucket mass in either histogram; equals the statistic for raw samples.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_KS_UPPER_BOUND = 'ml.drift.ks.upper_bound';

/**
 * P-value of the two-sample KS test between baseline and current window.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_KS_P_VALUE = 'ml.drift.ks.p_value';

/**
 * Population Stability Index between baseline and current window.
 *
 * Numeric distributions are re-binned to the baseline's deciles (10 bins); categorical ones use their categories.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_PSI = 'ml.drift.psi';

/**
 * P-value of the chi-square test of baseline versus current category counts.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE = 'ml.drift.chi_square.p_value';

/**
 * Jensen-Shannon distance (base 2, in [0, 1]) between baseline and current distributions.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_JENSEN_SHANNON = 'ml.drift.jensen_shannon';

/**
 * Wasserstein distance between baseline and current window, divided by the baseline's standard deviation.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_WASSERSTEIN = 'ml.drift.wasserstein';

/**
 * Drift verdict: -2 error, -1 insufficient data, 0 none, 1 info, 2 warning, 3 critical.
 *
 * Raised only when the effect size (KS D, PSI) crosses its threshold and the shift is statistically clear. Error (-2) means no verdict can be computed for a reason more data will not fix (no baseline for the feature, a baseline of the other type); the drift API names the reason. The encoding is exported as DRIFT_SEVERITY_LEVEL.
 *
 * Instrument: gauge. Unit: `{severity}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature), `ml.drift.window` (recommended).
 */
export const METRIC_ML_DRIFT_SEVERITY = 'ml.drift.severity';

/**
 * Number of observations in the baseline or current window behind a drift verdict.
 *
 * Instrument: gauge. Unit: `{observation}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.window.role` (required), `ml.drift.subject` (required), `ml.feature.name` (conditionally_required: if ml.drift.subject is feature).
 */
export const METRIC_ML_WINDOW_SAMPLE_COUNT = 'ml.window.sample_count';

/**
 * Share of sampled observations of a feature that were missing, in the current window.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.feature.name` (required).
 */
export const METRIC_ML_FEATURE_MISSING_RATE = 'ml.feature.missing_rate';

/**
 * Share of predictions in the current window with confidence below the threshold.
 *
 * Computed from the ml.prediction.confidence histogram; no extra instrument on the hot path.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.prediction.confidence_threshold` (required).
 */
export const METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO = 'ml.prediction.low_confidence_ratio';

/**
 * Time since the aggregator last received telemetry for the model.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended).
 */
export const METRIC_ML_MODEL_LAST_SEEN_AGE = 'ml.model.last_seen_age';

/**
 * 1 if the model sent telemetry within the staleness bound, else 0.
 *
 * Instrument: gauge. Unit: `{model}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended).
 */
export const METRIC_ML_MODEL_UP = 'ml.model.up';

/**
 * Inference requests per second over the current window.
 *
 * Instrument: gauge. Unit: `{request}/s`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.operation.name` (recommended).
 */
export const METRIC_ML_INFERENCE_REQUEST_RATE = 'ml.inference.request_rate';

/**
 * Share of inference requests that failed over the current window.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.operation.name` (recommended).
 */
export const METRIC_ML_INFERENCE_ERROR_RATIO = 'ml.inference.error_ratio';

/**
 * Quantile of inference duration over the current window.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.operation.name` (recommended), `ml.quantile` (required).
 */
export const METRIC_ML_INFERENCE_LATENCY = 'ml.inference.latency';

/**
 * Accuracy of predictions joined with ground truth over the current window.
 *
 * Without ml.segment the value is overall accuracy; with it, accuracy within that segment.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.segment` (conditionally_required: for per-segment accuracy).
 */
export const METRIC_ML_ACCURACY = 'ml.accuracy';

/**
 * Predictions joined with ground truth in the current accuracy window, the n behind ml.accuracy.
 *
 * Without ml.segment the count is overall; with it, within that segment.
 *
 * Instrument: gauge. Unit: `{prediction}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.segment` (conditionally_required: for per-segment counts).
 */
export const METRIC_ML_ACCURACY_SAMPLE_COUNT = 'ml.accuracy.sample_count';

/**
 * Accuracy over the last N ground-truth labels to arrive (N = groundTruth.rollingSize).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended).
 */
export const METRIC_ML_ACCURACY_ROLLING = 'ml.accuracy.rolling';

/**
 * Streaming change detection (ADWIN) on the correctness of labelled predictions: -1 after a detected drop, 0 stable, 1 after a detected rise.
 *
 * Instrument: gauge. Unit: `{state}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended).
 */
export const METRIC_ML_ACCURACY_CHANGE = 'ml.accuracy.change';

/**
 * Precision of one class over the accuracy window (predicted as the class and right, over predicted as the class).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.prediction.label` (required).
 */
export const METRIC_ML_CLASSIFICATION_PRECISION = 'ml.classification.precision';

/**
 * Recall of one class over the accuracy window (truly the class and predicted so, over truly the class).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.prediction.label` (required).
 */
export const METRIC_ML_CLASSIFICATION_RECALL = 'ml.classification.recall';

/**
 * F1 score (harmonic mean of precision and recall) of one class over the accuracy window.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.prediction.label` (required).
 */
export const METRIC_ML_CLASSIFICATION_F1 = 'ml.classification.f1';

/**
 * Mean absolute error of regression predictions joined with ground truth over the accuracy window.
 *
 * Instrument: gauge. Unit: `{value}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.segment` (conditionally_required: for per-segment errors).
 */
export const METRIC_ML_REGRESSION_MAE = 'ml.regression.mae';

/**
 * Root mean squared error of regression predictions joined with ground truth over the accuracy window.
 *
 * Instrument: gauge. Unit: `{value}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.segment` (conditionally_required: for per-segment errors).
 */
export const METRIC_ML_REGRESSION_RMSE = 'ml.regression.rmse';

/**
 * Mean error (predicted minus true) of regression predictions over the accuracy window.
 *
 * Instrument: gauge. Unit: `{value}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.segment` (conditionally_required: for per-segment errors).
 */
export const METRIC_ML_REGRESSION_BIAS = 'ml.regression.bias';

/**
 * Accuracy estimated from prediction confidence before ground truth arrives.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended).
 */
export const METRIC_ML_ACCURACY_ESTIMATED = 'ml.accuracy.estimated';

/**
 * Expected calibration error of confidence against ground truth, over CONFIDENCE_BUCKETS.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended).
 */
export const METRIC_ML_CALIBRATION_ERROR = 'ml.calibration.error';

/**
 * Joined predictions in the current window, by predicted and true label.
 *
 * Instrument: gauge. Unit: `{prediction}`.
 * Attributes: `ml.model.name` (required), `ml.model.version` (recommended), `ml.prediction.label` (required), `ml.ground_truth.label` (required).
 */
export const METRIC_ML_CONFUSION_MATRIX = 'ml.confusion_matrix';

/**
 * Ground-truth labels and pending predictions processed by the join, by outcome.
 *
 * Instrument: counter. Unit: `{label}`.
 * Attributes: `ml.model.name` (required), `ml.ground_truth.outcome` (required).
 */
export const METRIC_ML_GROUND_TRUTH_LABELS = 'ml.ground_truth.labels';

/**
 * Sampled predictions waiting for ground truth.
 *
 * Instrument: gauge. Unit: `{prediction}`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_GROUND_TRUTH_PENDING = 'ml.ground_truth.pending';

/**
 * Share of good events for a service-level objective over its window.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.slo.name` (required), `ml.slo.type` (recommended), `ml.slo.window` (required).
 */
export const METRIC_ML_SLO_COMPLIANCE = 'ml.slo.compliance';

/**
 * Target share of good events of a service-level objective.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.slo.name` (required), `ml.slo.type` (recommended).
 */
export const METRIC_ML_SLO_OBJECTIVE = 'ml.slo.objective';

/**
 * The threshold of an SLO that has one: seconds for latency, requests/s for throughput, cost per 1,000 requests for cost.
 *
 * Dashboards draw it beside the measured value (p95 latency against its SLO).
 *
 * Instrument: gauge. Unit: `{threshold}`.
 * Attributes: `ml.model.name` (required), `ml.slo.name` (required), `ml.slo.type` (recommended).
 */
export const METRIC_ML_SLO_THRESHOLD = 'ml.slo.threshold';

/**
 * Share of the error budget left over the objective's window (negative once overspent).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.slo.name` (required), `ml.slo.type` (recommended), `ml.slo.window` (required).
 */
export const METRIC_ML_SLO_ERROR_BUDGET_REMAINING = 'ml.slo.error_budget.remaining';

/**
 * Rate at which the error budget is spent over a window (1 spends it exactly over the objective's period).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required), `ml.slo.name` (required), `ml.slo.type` (recommended), `ml.slo.window` (required).
 */
export const METRIC_ML_SLO_BURN_RATE = 'ml.slo.burn_rate';

/**
 * Alerts currently firing in the aggregator's embedded evaluator.
 *
 * Instrument: gauge. Unit: `{alert}`.
 * Attributes: `ml.model.name` (required), `ml.alert.name` (required), `ml.alert.severity` (required), `ml.feature.name` (conditionally_required: if the alert is about one feature).
 */
export const METRIC_ML_ALERTS_FIRING = 'ml.alerts.firing';

/**
 * Transitions of alerts into the firing state.
 *
 * Instrument: counter. Unit: `{alert}`.
 * Attributes: `ml.model.name` (required), `ml.alert.name` (required), `ml.alert.severity` (required), `ml.feature.name` (conditionally_required: if the alert is about one feature).
 */
export const METRIC_ML_ALERTS_TRIGGERED = 'ml.alerts.triggered';

/**
 * One series per pending or firing alert of the embedded evaluator, value 1, with the alert's identifying attributes (Prometheus' ALERTS).
 *
 * Instrument: gauge. Unit: `{alert}`.
 * Attributes: `ml.alert.name` (required), `ml.alert.severity` (required), `ml.alert.state` (required), `ml.model.name` (required), `ml.model.version` (recommended), `ml.feature.name` (conditionally_required: if the alert is about one feature), `ml.slo.name` (conditionally_required: if the alert is about one SLO), `ml.drift.subject` (conditionally_required: if the alert is about one drift subject).
 */
export const METRIC_ML_ALERTS_ACTIVE = 'ml.alerts.active';

/**
 * Notification delivery attempts to Alertmanagers and webhooks, by receiver and outcome.
 *
 * Instrument: counter. Unit: `{notification}`.
 * Attributes: `ml.alert.receiver` (required), `ml.notification.outcome` (required).
 */
export const METRIC_ML_ALERTS_NOTIFICATIONS = 'ml.alerts.notifications';

/**
 * Notifications waiting for delivery, per receiver (bounded by alerting.maxQueue).
 *
 * Instrument: gauge. Unit: `{notification}`.
 * Attributes: `ml.alert.receiver` (required).
 */
export const METRIC_ML_ALERTS_QUEUED = 'ml.alerts.queued';

/**
 * Data points and log records the aggregator accepted.
 *
 * Instrument: counter. Unit: `{item}`.
 * Attributes: `ml.signal` (required), `ml.model.name` (recommended).
 */
export const METRIC_ML_AGGREGATOR_ACCEPTED = 'ml.aggregator.accepted';

/**
 * Data points and log records the aggregator rejected, by reason.
 *
 * Instrument: counter. Unit: `{item}`.
 * Attributes: `ml.signal` (required), `ml.rejection.reason` (required), `ml.model.name` (recommended).
 */
export const METRIC_ML_AGGREGATOR_REJECTED = 'ml.aggregator.rejected';

/**
 * OTLP requests the aggregator refused whole, with a retry delay, by reason.
 *
 * Refused requests are not acknowledged: the sender retries them, so nothing of them is lost or counted in ml.aggregator.rejected.
 *
 * Instrument: counter. Unit: `{request}`.
 * Attributes: `ml.signal` (required), `ml.refusal.reason` (required).
 */
export const METRIC_ML_AGGREGATOR_REFUSED = 'ml.aggregator.refused';

/**
 * 1 while a part of the aggregator works around a fault (also shown on /readyz), else 0.
 *
 * Faults that put acknowledged data at risk are not worked around: the aggregator then refuses data and exits (fail-stop).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.aggregator.component` (required).
 */
export const METRIC_ML_AGGREGATOR_DEGRADED = 'ml.aggregator.degraded';

/**
 * Processor mode: bytes of acknowledged requests not yet forwarded downstream (bounded by forward.maxQueueBytes).
 *
 * Instrument: gauge. Unit: `By`.
 * Attributes: none.
 */
export const METRIC_ML_AGGREGATOR_FORWARD_QUEUE_SIZE = 'ml.aggregator.forward.queue.size';

/**
 * Processor mode: requests the downstream OTLP endpoint accepted (wholly or in part).
 *
 * Instrument: counter. Unit: `{request}`.
 * Attributes: `ml.signal` (required).
 */
export const METRIC_ML_AGGREGATOR_FORWARD_SENT = 'ml.aggregator.forward.sent';

/**
 * Processor mode: data points and log records the downstream refused for good (partial success, or a request it called invalid); not retried.
 *
 * Instrument: counter. Unit: `{item}`.
 * Attributes: `ml.signal` (required).
 */
export const METRIC_ML_AGGREGATOR_FORWARD_REJECTED = 'ml.aggregator.forward.rejected';

/**
 * Resident memory of the aggregator's process, sampled every 250 ms.
 *
 * Instrument: gauge. Unit: `By`.
 * Attributes: none.
 */
export const METRIC_ML_AGGREGATOR_MEMORY_RSS = 'ml.aggregator.memory.rss';

/**
 * limits.maxResidentMemory: the resident memory the aggregator stays under (absent when unset).
 *
 * New OTLP requests are refused from 80% of it until resident memory is back under 70%, or under 80% for 2 s.
 *
 * Instrument: gauge. Unit: `By`.
 * Attributes: none.
 */
export const METRIC_ML_AGGREGATOR_MEMORY_LIMIT = 'ml.aggregator.memory.limit';

/**
 * 99th-percentile event-loop delay of the aggregator over the last complete 10-second period.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: none.
 */
export const METRIC_ML_AGGREGATOR_EVENTLOOP_DELAY_P99 = 'ml.aggregator.eventloop.delay.p99';

/**
 * Longest event-loop delay of the aggregator over the last complete 10-second period.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: none.
 */
export const METRIC_ML_AGGREGATOR_EVENTLOOP_DELAY_MAX = 'ml.aggregator.eventloop.delay.max';

/**
 * Service instances that sent the model's telemetry and were seen within the resources TTL.
 *
 * Instrument: gauge. Unit: `{instance}`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_INSTANCES = 'ml.resource.instances';

/**
 * Process CPU time over wall time and the machine's logical CPUs, averaged over the model's instances.
 *
 * From process.cpu.utilization (summed over CPU modes), else the rate of process.cpu.time over the logical CPUs.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_CPU_UTILIZATION = 'ml.resource.cpu.utilization';

/**
 * CPUs the model's instances keep busy: process CPU seconds per second, summed over the instances.
 *
 * From the rate of process.cpu.time (or process.runtime.cpython.cpu_time), over the non-idle modes.
 *
 * Instrument: gauge. Unit: `{cpu}`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_CPU_USAGE = 'ml.resource.cpu.usage';

/**
 * Resident memory of the model's instances, summed.
 *
 * From process.memory.usage (or process.runtime.cpython.memory with type rss).
 *
 * Instrument: gauge. Unit: `By`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_MEMORY_RSS = 'ml.resource.memory.rss';

/**
 * JavaScript heap in use in the model's Node.js instances, summed.
 *
 * From v8js.memory.heap.used, summed over the heap spaces.
 *
 * Instrument: gauge. Unit: `By`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_HEAP_USED = 'ml.resource.heap.used';

/**
 * Median event-loop delay of the model's worst Node.js instance.
 *
 * From nodejs.eventloop.delay.p50; the largest over the instances.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_EVENTLOOP_DELAY_P50 = 'ml.resource.eventloop.delay.p50';

/**
 * 99th-percentile event-loop delay of the model's worst Node.js instance.
 *
 * From nodejs.eventloop.delay.p99; the largest over the instances.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_EVENTLOOP_DELAY_P99 = 'ml.resource.eventloop.delay.p99';

/**
 * Longest event-loop delay of the model's worst Node.js instance.
 *
 * From nodejs.eventloop.delay.max; the largest over the instances.
 *
 * Instrument: gauge. Unit: `s`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_EVENTLOOP_DELAY_MAX = 'ml.resource.eventloop.delay.max';

/**
 * Share of time the event loop of the model's Node.js instances was busy, averaged over the instances.
 *
 * From nodejs.eventloop.utilization, else the rates of nodejs.eventloop.time (active over active and idle).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_EVENTLOOP_UTILIZATION = 'ml.resource.eventloop.utilization';

/**
 * Seconds of garbage collection per second in the model's Node.js instances, averaged over the instances.
 *
 * From the rate of the sum of v8js.gc.duration over all GC types (the API's gc.seconds_per_second).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_GC_UTILIZATION = 'ml.resource.gc.utilization';

/**
 * Busy share of the CPUs of the hosts the model's instances run on, averaged over the instances.
 *
 * From system.cpu.utilization, else the rates of system.cpu.time: non-idle (not idle, iowait or wait) over all modes and CPUs.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_SYSTEM_CPU_UTILIZATION = 'ml.resource.system.cpu.utilization';

/**
 * Share of the host's memory in use where the model's instances run, averaged over the instances.
 *
 * From system.memory.utilization with state used.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_SYSTEM_MEMORY_UTILIZATION = 'ml.resource.system.memory.utilization';

/**
 * GPU utilization of the model's instances, averaged over their GPUs and then over the instances.
 *
 * From hw.gpu.utilization (task general, or no task).
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_GPU_UTILIZATION = 'ml.resource.gpu.utilization';

/**
 * GPU memory used by the model's instances, summed.
 *
 * From hw.gpu.memory.usage, summed over the GPUs.
 *
 * Instrument: gauge. Unit: `By`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_GPU_MEMORY_USED = 'ml.resource.gpu.memory.used';

/**
 * Share of GPU memory in use in the model's instances, averaged over the instances.
 *
 * From hw.gpu.memory.usage over hw.gpu.memory.limit, else hw.gpu.memory.utilization.
 *
 * Instrument: gauge. Unit: `1`.
 * Attributes: `ml.model.name` (required).
 */
export const METRIC_ML_RESOURCE_GPU_MEMORY_UTILIZATION = 'ml.resource.gpu.memory.utilization';
