/**
 * The alert catalogue: every alert modelwatch raises, as data. The
 * aggregator's embedded evaluator and the Prometheus rule generator both read
 * it, so the two engines fire the same alerts with the same labels.
 *
 * Conditions are over the aggregator's exported gauges (see the registry),
 * never over raw thresholds of the instrumented service: drift rules read the
 * graded verdict (effect size and significance, so `insufficient_data` (-1) and
 * `error` (-2) never fire), SLO rules read burn rates over paired windows.
 *
 * @module
 */
import {
  METRIC_ML_ACCURACY,
  METRIC_ML_ACCURACY_CHANGE,
  METRIC_ML_ACCURACY_ESTIMATED,
  METRIC_ML_ACCURACY_SAMPLE_COUNT,
  METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE,
  METRIC_ML_DRIFT_JENSEN_SHANNON,
  METRIC_ML_DRIFT_KS_P_VALUE,
  METRIC_ML_DRIFT_KS_STATISTIC,
  METRIC_ML_DRIFT_PSI,
  METRIC_ML_DRIFT_SEVERITY,
  METRIC_ML_FEATURE_MISSING_RATE,
  METRIC_ML_INFERENCE_ERROR_RATIO,
  METRIC_ML_INFERENCE_LATENCY,
  METRIC_ML_MODEL_UP,
  METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO,
  METRIC_ML_SLO_BURN_RATE,
} from '../generated/metrics.js';
import type { AlertRule, AlertTerm, BurnWindowPair } from './types.js';

const MODEL = ['ml.model.name', 'ml.model.version'] as const;

/**
 * Labelled predictions an accuracy alert needs in its window: with fewer, a
 * 70% floor cannot be told from chance. A model that is right 85% of the time
 * (the seed's baseline) shows under 70% on 30 labels with probability 0.010,
 * on 10 labels 0.050 (binomial CDF).
 */
export const MIN_LABELS = 30;
const FEATURE = [...MODEL, 'ml.feature.name'] as const;
const SLO = [...MODEL, 'ml.slo.name'] as const;

/** The SRE workbook's page: 2% of a 30-day budget in 1 h, or 5% in 6 h. */
export const PAGE_BURN_WINDOWS: readonly BurnWindowPair[] = Object.freeze([
  Object.freeze({ long: '1h', short: '5m', factor: 14.4 }),
  Object.freeze({ long: '6h', short: '30m', factor: 6 }),
]);

/** The SRE workbook's ticket: 10% of a 30-day budget in 1 d, or 10% in 3 d. */
export const TICKET_BURN_WINDOWS: readonly BurnWindowPair[] = Object.freeze([
  Object.freeze({ long: '1d', short: '2h', factor: 3 }),
  Object.freeze({ long: '3d', short: '6h', factor: 1 }),
]);

/**
 * The condition of a burn-rate rule: any pair whose long and short windows
 * both burn faster than its factor.
 */
export function burnRateCondition(pairs: readonly BurnWindowPair[]): AlertTerm[][] {
  return pairs.map((p) => [
    { metric: METRIC_ML_SLO_BURN_RATE, match: { 'ml.slo.window': p.long }, op: '>', value: p.factor },
    { metric: METRIC_ML_SLO_BURN_RATE, match: { 'ml.slo.window': p.short }, op: '>', value: p.factor },
  ]);
}

/**
 * The drift alerts fire at once: the seed's `for: 1h` rode out noisy single
 * windows, while the verdict now comes from nested windows, each judged only
 * with the samples a false-alert budget of one per feature-year allows
 * (bench/results/detection.json: no false alert in 10 stationary days x 20
 * features at each of 1 to 1000 predictions/s). `keepFiringFor` keeps an alert from flapping while a
 * drifting distribution hovers at a threshold. Set `for: 1h` to get the seed's.
 */
const DRIFT_FOR = '0s';
const DRIFT_KEEP_FIRING_FOR = '5m';

/** What a drift alert shows: the deciding window's statistics, and which window decided. */
const DRIFT_CONTEXT = {
  ks: { metric: METRIC_ML_DRIFT_KS_STATISTIC, match: { 'ml.drift.subject': 'feature' } },
  p_value: { metric: METRIC_ML_DRIFT_KS_P_VALUE, match: { 'ml.drift.subject': 'feature' } },
  psi: { metric: METRIC_ML_DRIFT_PSI, match: { 'ml.drift.subject': 'feature' } },
  chi_square_p_value: { metric: METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE, match: { 'ml.drift.subject': 'feature' } },
  jensen_shannon: { metric: METRIC_ML_DRIFT_JENSEN_SHANNON, match: { 'ml.drift.subject': 'feature' } },
  window: { metric: METRIC_ML_DRIFT_SEVERITY, match: { 'ml.drift.subject': 'feature' }, label: 'ml.drift.window' },
} as const;

const driftRunbook = [
  'Compare the current and baseline distributions: GET /api/v1/models/{{ $labels.ml_model_name }}/drift/{{ $labels.ml_feature_name }} (or the dashboard).',
  'Check recent changes to the data sources and pipelines that feed this feature.',
  'Review a sample of recent inputs for anomalies (new values, units, encodings).',
  'If the drift is critical (KS >= 0.25), plan retraining on recent data.',
  'If accuracy is dropping as well (LowModelAccuracy, AccuracyDropDetected), expedite the retraining.',
];

/**
 * One description serves numeric and categorical features: each statistic is
 * named with the kind of feature it applies to, so the `n/a` of the others
 * reads as "not measured for this kind", not as missing data.
 */
const driftDescription = `Model {{ $labels.ml_model_name }} feature {{ $labels.ml_feature_name }} drifted over the last {{ $context.window }} (the window that decided; every window is in GET /api/v1/models/{{ $labels.ml_model_name }}/drift).
Numeric feature: KS statistic {{ $context.ks }} (p-value {{ $context.p_value }}). Categorical feature: chi-square p-value {{ $context.chi_square_p_value }}, Jensen-Shannon distance {{ $context.jensen_shannon }}. Both: PSI {{ $context.psi }}. A statistic that does not apply to this feature's kind reads n/a.
Interpretation: KS < 0.10 no significant drift; 0.10-0.15 slight shift (monitor); 0.15-0.25 moderate drift (investigate); >= 0.25 severe drift (retraining recommended). For a categorical feature the same grades come from PSI: < 0.1 none, 0.1-0.2 slight, 0.2-0.25 moderate, >= 0.25 severe. The verdict counts only when the shift is also statistically clear (p below alpha).`;

const predictionRunbook = [
  'Compare the prediction and confidence distributions with the baseline: GET /api/v1/models/{{ $labels.ml_model_name }}/drift.',
  'Check whether input features drifted too (DataDriftDetected): correlated drift points at the inputs.',
  'Validate accuracy on the ground-truth sample (GET /api/v1/models/{{ $labels.ml_model_name }}/quality).',
  'If accuracy is below 75%, retraining is required.',
  'Look for the root cause: seasonality, new user behaviour, an upstream change.',
];

function rule(r: Omit<AlertRule, 'id' | 'keepFiringFor' | 'enabled'> & Partial<Pick<AlertRule, 'id' | 'keepFiringFor' | 'enabled'>>): AlertRule {
  return Object.freeze({ ...r, id: r.id ?? r.alertname, keepFiringFor: r.keepFiringFor ?? '0s', enabled: r.enabled ?? true });
}

/** Every rule, in a stable order. Rules sharing an alertname are severities of one alert. */
export const ALERT_CATALOGUE: readonly AlertRule[] = Object.freeze([
  rule({
    alertname: 'HighErrorRate',
    severity: 'critical',
    by: MODEL,
    when: [[{ metric: METRIC_ML_INFERENCE_ERROR_RATIO, op: '>', value: 'threshold' }]],
    threshold: 0.05,
    for: '5m',
    annotations: {
      summary: 'High error rate on model {{ $labels.ml_model_name }}',
      description: `Model {{ $labels.ml_model_name }} fails {{ $value | humanizePercentage }} of its requests (threshold {{ threshold | humanizePercentage }}, for {{ for }}).
Interpretation: the model service raises errors instead of predictions; callers see failures now.`,
      runbook: [
        'Read the service\'s recent error logs and the error.type breakdown of ml.inference.duration.',
        'Check the model service\'s health endpoint and resource usage (out of memory, restarts).',
        'Check recent deployments of the service and the model version (ml_model_version).',
        'If it is resource exhaustion, scale the service out.',
        'If it persists, roll back to the previous model version.',
      ],
    },
  }),
  rule({
    alertname: 'HighLatencyP95',
    severity: 'critical',
    by: MODEL,
    when: [[{ metric: METRIC_ML_INFERENCE_LATENCY, match: { 'ml.quantile': '0.95' }, op: '>', value: 'threshold' }]],
    // Twice the latency SLO's threshold when the model has a latency SLO (the
    // aggregator and the rule generator fill it in from modelwatch.yaml); this
    // is twice the seed's 0.5 s SLO otherwise.
    threshold: 1,
    for: '10m',
    annotations: {
      summary: 'p95 latency of model {{ $labels.ml_model_name }} above twice its SLO',
      description: `Model {{ $labels.ml_model_name }} p95 latency is {{ $value | humanize }}s (threshold {{ threshold }}s = 2x the latency SLO, for {{ for }}).
Interpretation: one request in twenty waits more than twice the latency objective; the SLO's error budget burns fast.`,
      runbook: [
        'Check the current load: ml_inference_request_rate of the model.',
        'Check CPU, memory and GPU utilisation of the model service.',
        'Check p99 latency for a long tail of slow requests.',
        'Scale out if the service is saturated.',
        'Check downstream dependencies (feature stores, databases, caches, APIs).',
      ],
    },
  }),
  rule({
    alertname: 'DataDriftDetected',
    id: 'DataDriftDetected:warning',
    severity: 'warning',
    by: FEATURE,
    when: [[{ metric: METRIC_ML_DRIFT_SEVERITY, match: { 'ml.drift.subject': 'feature' }, op: '>=', value: 2 }]],
    for: DRIFT_FOR,
    keepFiringFor: DRIFT_KEEP_FIRING_FOR,
    context: DRIFT_CONTEXT,
    annotations: { summary: 'Data drift on {{ $labels.ml_model_name }} feature {{ $labels.ml_feature_name }}', description: driftDescription, runbook: driftRunbook },
  }),
  rule({
    alertname: 'DataDriftDetected',
    id: 'DataDriftDetected:critical',
    severity: 'critical',
    by: FEATURE,
    when: [[{ metric: METRIC_ML_DRIFT_SEVERITY, match: { 'ml.drift.subject': 'feature' }, op: '>=', value: 3 }]],
    for: DRIFT_FOR,
    keepFiringFor: DRIFT_KEEP_FIRING_FOR,
    context: DRIFT_CONTEXT,
    annotations: { summary: 'Severe data drift on {{ $labels.ml_model_name }} feature {{ $labels.ml_feature_name }}', description: driftDescription, runbook: driftRunbook },
  }),
  rule({
    alertname: 'ConceptDriftDetected',
    severity: 'warning',
    by: [...MODEL, 'ml.drift.subject'],
    when: [
      [{ metric: METRIC_ML_DRIFT_SEVERITY, match: { 'ml.drift.subject': 'prediction.confidence' }, op: '>=', value: 2 }],
      [{ metric: METRIC_ML_DRIFT_SEVERITY, match: { 'ml.drift.subject': 'prediction.label' }, op: '>=', value: 2 }],
      [{ metric: METRIC_ML_DRIFT_SEVERITY, match: { 'ml.drift.subject': 'prediction.value' }, op: '>=', value: 2 }],
    ],
    for: DRIFT_FOR,
    keepFiringFor: DRIFT_KEEP_FIRING_FOR,
    context: { psi: { metric: METRIC_ML_DRIFT_PSI } },
    annotations: {
      summary: 'Prediction distribution of model {{ $labels.ml_model_name }} shifted ({{ $labels.ml_drift_subject }})',
      description: `Model {{ $labels.ml_model_name }} {{ $labels.ml_drift_subject }}: PSI {{ $context.psi }} against the baseline.
Interpretation: PSI < 0.1 no significant change; 0.1-0.2 slight change (behaviour shifting); >= 0.2 significant change (the model may need retraining). Same inputs now lead to different outputs, or the inputs changed.`,
      runbook: predictionRunbook,
    },
  }),
  rule({
    alertname: 'LowModelAccuracy',
    severity: 'critical',
    by: MODEL,
    // Judged only on enough labels: below MIN_LABELS, GroundTruthCoverageLow says so instead.
    when: [[
      { metric: METRIC_ML_ACCURACY, match: { 'ml.segment': '' }, op: '<', value: 'threshold' },
      { metric: METRIC_ML_ACCURACY_SAMPLE_COUNT, match: { 'ml.segment': '' }, op: '>=', value: MIN_LABELS },
    ]],
    threshold: 0.7,
    for: '30m',
    annotations: {
      summary: 'Accuracy of model {{ $labels.ml_model_name }} below {{ threshold | humanizePercentage }}',
      description: `Model {{ $labels.ml_model_name }} accuracy on the ground-truth sample is {{ $value | humanizePercentage }} (threshold {{ threshold | humanizePercentage }}, for {{ for }}).
Interpretation: model performance is severely degraded; predictions are wrong far more often than at training.`,
      runbook: [
        'Immediately raise the ground-truth sampling rate to validate more predictions.',
        'Check for data drift (DataDriftDetected), the likely root cause.',
        'Review recent inputs for new patterns.',
        'Escalate to the ML team for retraining.',
        'Consider rolling back to the previous model version.',
      ],
    },
  }),
  rule({
    alertname: 'HighLowConfidencePredictions',
    severity: 'info',
    by: MODEL,
    when: [[{ metric: METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO, op: '>', value: 'threshold' }]],
    threshold: 0.2,
    for: '1h',
    annotations: {
      summary: 'Many low-confidence predictions from model {{ $labels.ml_model_name }}',
      description: `Model {{ $labels.ml_model_name }}: {{ $value | humanizePercentage }} of predictions have low confidence (threshold {{ threshold | humanizePercentage }}, for {{ for }}).
Interpretation: the model is uncertain about many inputs, often the first sign of inputs unlike its training data.`,
      runbook: [
        'Review examples of low-confidence predictions: what is different about them?',
        'Check whether it coincides with data drift.',
        'Consider raising the confidence threshold (trading recall for precision).',
        'Watch accuracy on low-confidence predictions.',
        'It may mean the model needs retraining or improvement.',
      ],
    },
  }),
  rule({
    alertname: 'ModelDown',
    severity: 'critical',
    by: MODEL,
    when: [[{ metric: METRIC_ML_MODEL_UP, op: '==', value: 0 }]],
    for: '0s',
    annotations: {
      summary: 'Model {{ $labels.ml_model_name }} stopped reporting',
      description: `Model {{ $labels.ml_model_name }} has sent no telemetry for longer than its liveness timeout.
Interpretation: the model service is down, cannot reach the aggregator (or the Collector), or serves no traffic.`,
      runbook: [
        'Check that the model service is running and healthy.',
        'Check its OTLP exporter logs and the path to the aggregator (Collector, network, auth token).',
        'Check whether traffic to the service stopped upstream.',
        'If the service was retired on purpose, remove the model from modelwatch.yaml.',
      ],
    },
  }),
  rule({
    alertname: 'AccuracyDropDetected',
    severity: 'warning',
    by: MODEL,
    when: [[{ metric: METRIC_ML_ACCURACY_CHANGE, op: '<', value: 0 }]],
    for: '0s',
    annotations: {
      summary: 'Accuracy of model {{ $labels.ml_model_name }} dropped',
      description: `Model {{ $labels.ml_model_name }}: the change detector (ADWIN) found a statistically clear drop in accuracy over the labelled stream.
Interpretation: recent predictions are right less often than earlier ones, beyond what chance explains; the drop may still be above the LowModelAccuracy floor.`,
      runbook: [
        'Compare recent and earlier accuracy: GET /api/v1/models/{{ $labels.ml_model_name }}/quality (changeDetection, rolling accuracy).',
        'Check data and concept drift alerts for the same model.',
        'Check the segments: a drop in one segment points at its inputs.',
        'Plan retraining if the drop persists.',
      ],
    },
  }),
  rule({
    alertname: 'EstimatedAccuracyLow',
    severity: 'warning',
    by: MODEL,
    when: [[{ metric: METRIC_ML_ACCURACY_ESTIMATED, op: '<', value: 'threshold' }]],
    threshold: 0.7,
    for: '30m',
    annotations: {
      summary: 'Estimated accuracy of model {{ $labels.ml_model_name }} below {{ threshold | humanizePercentage }}',
      description: `Model {{ $labels.ml_model_name }} estimated accuracy (from calibrated confidence, before labels arrive) is {{ $value | humanizePercentage }} (floor {{ threshold | humanizePercentage }}).
Interpretation: if the model's calibration still holds, accuracy has fallen; ground truth will confirm it later.`,
      runbook: [
        'Check the calibration report (GET /api/v1/models/{{ $labels.ml_model_name }}/quality): a stale calibration makes the estimate wrong.',
        'Check confidence drift and low-confidence predictions.',
        'Speed up ground-truth labelling to confirm.',
      ],
    },
  }),
  rule({
    alertname: 'GroundTruthCoverageLow',
    severity: 'info',
    by: MODEL,
    when: [[{ metric: METRIC_ML_ACCURACY_SAMPLE_COUNT, match: { 'ml.segment': '' }, op: '<', value: 'threshold' }]],
    threshold: MIN_LABELS,
    for: '1h',
    annotations: {
      summary: 'Too little ground truth to judge the accuracy of model {{ $labels.ml_model_name }}',
      description: `Model {{ $labels.ml_model_name }} has {{ $value }} labelled predictions in its accuracy window (at least {{ threshold }} needed, for {{ for }}).
Interpretation: accuracy alerts (LowModelAccuracy) cannot fire on so few labels; a drop in accuracy would go unseen.`,
      runbook: [
        'Check that feedback (ml.ground_truth events) still arrives: GET /api/v1/models/{{ $labels.ml_model_name }}/quality (coverage).',
        'Raise the ground-truth sampling rate, or speed up labelling.',
        'Check that prediction ids in feedback match the sampled predictions (unmatched labels in the coverage).',
      ],
    },
  }),
  rule({
    alertname: 'FeatureMissingValuesHigh',
    severity: 'warning',
    by: FEATURE,
    when: [[{ metric: METRIC_ML_FEATURE_MISSING_RATE, op: '>', value: 'threshold' }]],
    threshold: 0.1,
    for: '15m',
    annotations: {
      summary: 'Missing values of {{ $labels.ml_model_name }} feature {{ $labels.ml_feature_name }} spiked',
      description: `Model {{ $labels.ml_model_name }} feature {{ $labels.ml_feature_name }}: {{ $value | humanizePercentage }} of values are missing (threshold {{ threshold | humanizePercentage }}).
Interpretation: an upstream source stopped filling the feature, or its format changed so that values no longer parse.`,
      runbook: [
        'Compare the baseline and current missing rates: GET /api/v1/models/{{ $labels.ml_model_name }}/drift.',
        'Check the upstream source and pipeline of the feature.',
        'Check how the model handles the missing value (imputation) and whether predictions changed.',
      ],
    },
  }),
  rule({
    alertname: 'SLOErrorBudgetBurn',
    id: 'SLOErrorBudgetBurn:critical',
    severity: 'critical',
    by: SLO,
    when: burnRateCondition(PAGE_BURN_WINDOWS),
    burnWindows: PAGE_BURN_WINDOWS,
    for: '0s',
    annotations: {
      summary: 'SLO {{ $labels.ml_slo_name }} of model {{ $labels.ml_model_name }} burns its error budget fast',
      description: `Model {{ $labels.ml_model_name }} SLO {{ $labels.ml_slo_name }} burns its error budget at {{ $value | humanize }}x the sustainable rate in both a long and a short window (page: {{ burnWindows }}).
Interpretation: at this rate 2% of the period's budget goes in an hour (or 5% in six); the objective will be missed within days.`,
      runbook: [
        'Open the SLO: GET /api/v1/models/{{ $labels.ml_model_name }} (slos: compliance, budget remaining, burn rates).',
        'Find which signal spends the budget: errors, latency, availability or accuracy.',
        'Follow that signal\'s alert runbook (HighErrorRate, HighLatencyP95, ModelDown, LowModelAccuracy).',
        'Mitigate first (roll back, scale out), then find the cause.',
      ],
    },
  }),
  rule({
    alertname: 'SLOErrorBudgetBurn',
    id: 'SLOErrorBudgetBurn:warning',
    severity: 'warning',
    by: SLO,
    when: burnRateCondition(TICKET_BURN_WINDOWS),
    burnWindows: TICKET_BURN_WINDOWS,
    for: '0s',
    annotations: {
      summary: 'SLO {{ $labels.ml_slo_name }} of model {{ $labels.ml_model_name }} burns its error budget',
      description: `Model {{ $labels.ml_model_name }} SLO {{ $labels.ml_slo_name }} burns its error budget at {{ $value | humanize }}x the sustainable rate in both a long and a short window (ticket: {{ burnWindows }}).
Interpretation: a slow, steady burn: 10% of the period's budget goes in a day or three; not urgent, but the objective is at risk.`,
      runbook: [
        'Open the SLO: GET /api/v1/models/{{ $labels.ml_model_name }} (slos: compliance, budget remaining, burn rates).',
        'Find which signal spends the budget and since when.',
        'File a ticket for the owning team; fix it before the budget is gone.',
      ],
    },
  }),
]);

/** The distinct alertnames of the catalogue, in catalogue order. */
export const ALERT_NAMES: readonly string[] = Object.freeze([...new Set(ALERT_CATALOGUE.map((r) => r.alertname))]);
