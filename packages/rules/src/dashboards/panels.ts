/**
 * The four dashboards of the seed, as data: every panel's title, kind, PromQL
 * (for the naming the rules use), unit and thresholds. Kept apart from the
 * Grafana JSON (./grafana.ts) so the queries can be checked on their own
 * (every one parses with promtool, and returns data from a real Prometheus).
 *
 * @module
 */
import {
  METRIC_ML_ACCURACY,
  METRIC_ML_ACCURACY_ESTIMATED,
  METRIC_ML_ACCURACY_SAMPLE_COUNT,
  METRIC_ML_CALIBRATION_ERROR,
  METRIC_ML_DRIFT_KS_STATISTIC,
  METRIC_ML_DRIFT_PSI,
  METRIC_ML_DRIFT_SEVERITY,
  METRIC_ML_FEATURE_MISSING_RATE,
  METRIC_ML_GROUND_TRUTH_PENDING,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_INFERENCE_ERROR_RATIO,
  METRIC_ML_INFERENCE_LATENCY,
  METRIC_ML_INFERENCE_REQUEST_RATE,
  METRIC_ML_MODEL_UP,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_CONFIDENCE,
  METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO,
  METRIC_ML_SLO_COMPLIANCE,
  METRIC_ML_SLO_ERROR_BUDGET_REMAINING,
  METRIC_ML_SLO_THRESHOLD,
  METRIC_ML_WINDOW_SAMPLE_COUNT,
  translateMetricName,
  type Instrument,
} from '@modelwatch/semconv';
import { labelName, RECORDED, redFromServices, schemeOf, seriesName, type Naming } from '../naming.js';

/** One query of a panel. */
export interface PanelQuery {
  expr: string;
  legend: string;
  /** A table panel reads the latest value of each series. */
  instant?: boolean;
}

/** One panel. */
export interface PanelSpec {
  title: string;
  kind: 'stat' | 'timeseries' | 'table';
  description: string;
  queries: PanelQuery[];
  unit?: string;
  min?: number;
  max?: number;
  /** Colour steps: the base colour, then the value from which each next colour applies. */
  thresholds?: Array<{ value: number | null; color: string }>;
  /** Draw the thresholds as dashed lines (time series). */
  thresholdLines?: boolean;
  /** Value texts (the drift severity encoding). */
  mappings?: Record<string, string>;
  /** Why the panel may show no data in some deployments (e.g. GPU metrics where there is no GPU). */
  mayBeEmpty?: string;
}

/** One dashboard. */
export interface DashboardSpec {
  /** File name and uid stem, e.g. `modelwatch-health`. */
  id: string;
  title: string;
  description: string;
  panels: PanelSpec[];
  /** Template variables beyond datasource and model. */
  featureVariable?: boolean;
}

/** The template variables the queries use: `$model` (multi, all = `.*`) and `$feature`. */
export const VARIABLES = Object.freeze({ model: '$model', feature: '$feature' });

/** A metric outside our registry (the OTel SDK's runtime and host metrics), by its OTLP facts. */
function otelName(name: string, unit: string, instrument: Instrument, naming: Naming): string {
  return translateMetricName({ name, unit, instrument }, schemeOf(naming));
}

const GREEN = 'green';
const YELLOW = 'yellow';
const ORANGE = 'orange';
const RED = 'red';

/** The dashboards for `naming` (see naming.ts: where RED and the runtime metrics come from). */
export function dashboardSpecs(naming: Naming): DashboardSpec[] {
  const L = (attr: string): string => labelName(attr, naming);
  const model = `${L('ml.model.name')}=~"${VARIABLES.model}"`;
  const byModel = `${L('ml.model.name')}`;
  const services = redFromServices(naming);
  const red = (metric: string, recorded: string, extra = ''): string => (services ? `${recorded}{${model}${extra}}` : `${seriesName(metric, naming)}{${model}${extra}}`);
  const quantile = (q: string): string => `,${L('ml.quantile')}="${q}"`;
  const agg = (metric: string, extra = ''): string => `${seriesName(metric, naming)}{${model}${extra}}`;
  const duration = seriesName(METRIC_ML_INFERENCE_DURATION, naming);

  const health: DashboardSpec = {
    id: 'modelwatch-health',
    title: 'modelwatch / 1. System health',
    description: 'The single pane: is the model serving, fast, right? Red means act now.',
    panels: [
      { title: 'Up', kind: 'stat', description: 'Telemetry arrives from the model (ModelDown fires at 0).', queries: [{ expr: `max by (${byModel}) (${agg(METRIC_ML_MODEL_UP)})`, legend: `{{${byModel}}}` }], thresholds: [{ value: null, color: RED }, { value: 1, color: GREEN }], mappings: { '0': 'DOWN', '1': 'up' } },
      { title: 'Request rate', kind: 'stat', description: 'Predictions per second.', unit: 'reqps', queries: [{ expr: `sum by (${byModel}) (${red(METRIC_ML_INFERENCE_REQUEST_RATE, RECORDED.requestRate)})`, legend: `{{${byModel}}}` }] },
      { title: 'Error rate', kind: 'stat', description: 'Share of failed inferences; HighErrorRate pages above 5%.', unit: 'percentunit', queries: [{ expr: `max by (${byModel}) (${red(METRIC_ML_INFERENCE_ERROR_RATIO, RECORDED.errorRatio)})`, legend: `{{${byModel}}}` }], thresholds: [{ value: null, color: GREEN }, { value: 0.01, color: YELLOW }, { value: 0.02, color: ORANGE }, { value: 0.05, color: RED }] },
      { title: 'Accuracy', kind: 'stat', description: 'On the ground-truth sample; LowModelAccuracy pages below 70%.', unit: 'percentunit', min: 0, max: 1, queries: [{ expr: `max by (${byModel}) (${agg(METRIC_ML_ACCURACY, `,${L('ml.segment')}=""`)})`, legend: `{{${byModel}}}` }], thresholds: [{ value: null, color: RED }, { value: 0.7, color: YELLOW }, { value: 0.85, color: GREEN }] },
      {
        title: 'Latency p95 against its SLO', kind: 'timeseries', description: 'p95 of inference duration, and the latency SLO threshold (HighLatencyP95 pages above twice it).', unit: 's',
        queries: [
          { expr: `max by (${byModel}) (${red(METRIC_ML_INFERENCE_LATENCY, RECORDED.latency, quantile('0.95'))})`, legend: `{{${byModel}}} p95` },
          { expr: `max by (${byModel}, ${L('ml.slo.name')}) (${agg(METRIC_ML_SLO_THRESHOLD, `,${L('ml.slo.type')}="latency"`)})`, legend: `{{${byModel}}} SLO {{${L('ml.slo.name')}}}` },
        ],
      },
      { title: 'SLO compliance', kind: 'timeseries', description: 'Good events over the SLO period, per SLO.', unit: 'percentunit', queries: [{ expr: `max by (${byModel}, ${L('ml.slo.name')}) (${agg(METRIC_ML_SLO_COMPLIANCE)})`, legend: `{{${byModel}}} {{${L('ml.slo.name')}}}` }] },
      { title: 'Error budget remaining', kind: 'stat', description: 'Share of the SLO period\'s error budget left (negative: overspent).', unit: 'percentunit', queries: [{ expr: `min by (${byModel}, ${L('ml.slo.name')}) (${agg(METRIC_ML_SLO_ERROR_BUDGET_REMAINING)})`, legend: `{{${byModel}}} {{${L('ml.slo.name')}}}` }], thresholds: [{ value: null, color: RED }, { value: 0.25, color: YELLOW }, { value: 0.5, color: GREEN }] },
      { title: 'Firing alerts', kind: 'table', description: 'Alerts firing in Prometheus over the generated rules.', queries: [{ expr: `sum by (alertname, severity, ${byModel}) (ALERTS{alertstate="firing",${model}})`, legend: '', instant: true }], mayBeEmpty: 'empty while nothing fires' },
    ],
  };

  const quality: DashboardSpec = {
    id: 'modelwatch-quality',
    title: 'modelwatch / 2. Model quality',
    description: 'What the model predicts, how confident it is, and how often it is right.',
    panels: [
      { title: 'Accuracy by segment', kind: 'timeseries', description: 'Accuracy on the ground-truth sample; the series without a segment is overall.', unit: 'percentunit', min: 0, max: 1, queries: [{ expr: `${agg(METRIC_ML_ACCURACY)}`, legend: `{{${byModel}}} {{${L('ml.segment')}}}` }] },
      {
        title: 'Estimated against true accuracy', kind: 'timeseries', description: 'Estimated from calibrated confidence before labels arrive, beside the accuracy labels confirm.', unit: 'percentunit', min: 0, max: 1,
        queries: [
          { expr: `max by (${byModel}) (${agg(METRIC_ML_ACCURACY_ESTIMATED)})`, legend: `{{${byModel}}} estimated` },
          { expr: `max by (${byModel}) (${agg(METRIC_ML_ACCURACY, `,${L('ml.segment')}=""`)})`, legend: `{{${byModel}}} true` },
        ],
      },
      { title: 'Calibration error (ECE)', kind: 'timeseries', description: 'Expected calibration error: how far confidence is from accuracy.', unit: 'percentunit', queries: [{ expr: `max by (${byModel}) (${agg(METRIC_ML_CALIBRATION_ERROR)})`, legend: `{{${byModel}}}` }] },
      { title: 'Low-confidence predictions', kind: 'timeseries', description: 'Share of predictions under the confidence threshold; HighLowConfidencePredictions at 20%.', unit: 'percentunit', queries: [{ expr: `max by (${byModel}) (${agg(METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO)})`, legend: `{{${byModel}}}` }], thresholds: [{ value: null, color: GREEN }, { value: 0.2, color: RED }], thresholdLines: true },
      services
        ? { title: 'Predictions by label', kind: 'timeseries', description: 'The prediction distribution over time, from the service\'s counter.', unit: 'reqps', queries: [{ expr: `sum by (${byModel}, ${L('ml.prediction.label')}) (rate(${seriesName(METRIC_ML_PREDICTIONS, naming)}{${model}}[5m]))`, legend: `{{${byModel}}} {{${L('ml.prediction.label')}}}` }] }
        : { title: 'Prediction distribution shift (PSI)', kind: 'timeseries', description: 'PSI of the predicted labels and of the confidence against the baseline (0.1 slight, 0.2 significant).', queries: [{ expr: `${agg(METRIC_ML_DRIFT_PSI, `,${L('ml.drift.subject')}=~"prediction.*"`)}`, legend: `{{${byModel}}} {{${L('ml.drift.subject')}}}` }], thresholds: [{ value: null, color: GREEN }, { value: 0.1, color: YELLOW }, { value: 0.2, color: RED }], thresholdLines: true },
      ...(services
        ? [{ title: 'Confidence quantiles', kind: 'timeseries' as const, description: 'Median and 10th percentile of the confidence, from the service\'s histogram.', unit: 'percentunit', queries: ['0.5', '0.1'].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le, ${byModel}) (rate(${seriesName(METRIC_ML_PREDICTION_CONFIDENCE, naming)}_bucket{${model}}[5m])))`, legend: `{{${byModel}}} p${Number(q) * 100}` })) }]
        : []),
      {
        title: 'Ground truth', kind: 'timeseries', description: 'Labelled predictions in the accuracy window (GroundTruthCoverageLow under 30), and those waiting for a label.',
        queries: [
          { expr: `max by (${byModel}) (${agg(METRIC_ML_ACCURACY_SAMPLE_COUNT, `,${L('ml.segment')}=""`)})`, legend: `{{${byModel}}} labelled` },
          { expr: `max by (${byModel}) (${agg(METRIC_ML_GROUND_TRUTH_PENDING)})`, legend: `{{${byModel}}} pending` },
        ],
      },
    ],
  };

  const feature = `,${L('ml.drift.subject')}="feature",${L('ml.feature.name')}=~"${VARIABLES.feature}"`;
  const drift: DashboardSpec = {
    id: 'modelwatch-drift',
    title: 'modelwatch / 3. Drift',
    description: 'Input drift per feature against the baseline, with the seed\'s thresholds drawn.',
    featureVariable: true,
    panels: [
      { title: 'KS statistic per feature', kind: 'timeseries', description: 'Kolmogorov-Smirnov D at bucket edges (a lower bound on the raw D). 0.10 slight, 0.15 moderate, 0.25 severe.', min: 0, max: 1, queries: [{ expr: `${agg(METRIC_ML_DRIFT_KS_STATISTIC, feature)}`, legend: `{{${byModel}}} {{${L('ml.feature.name')}}}` }], thresholds: [{ value: null, color: GREEN }, { value: 0.1, color: YELLOW }, { value: 0.15, color: ORANGE }, { value: 0.25, color: RED }], thresholdLines: true },
      { title: 'PSI per feature', kind: 'timeseries', description: 'Population stability index. 0.1 slight, 0.2 significant, 0.25 severe.', min: 0, queries: [{ expr: `${agg(METRIC_ML_DRIFT_PSI, feature)}`, legend: `{{${byModel}}} {{${L('ml.feature.name')}}}` }], thresholds: [{ value: null, color: GREEN }, { value: 0.1, color: YELLOW }, { value: 0.2, color: ORANGE }, { value: 0.25, color: RED }], thresholdLines: true },
      {
        title: 'Severity', kind: 'table', description: 'The graded verdict per feature (effect size and significance).',
        queries: [{ expr: `max by (${byModel}, ${L('ml.feature.name')}) (${agg(METRIC_ML_DRIFT_SEVERITY, feature)})`, legend: '', instant: true }],
        mappings: { '-2': 'error', '-1': 'insufficient data', '0': 'none', '1': 'info', '2': 'warning', '3': 'critical' },
        thresholds: [{ value: null, color: 'text' }, { value: 1, color: YELLOW }, { value: 2, color: ORANGE }, { value: 3, color: RED }],
      },
      { title: 'Samples in the current window', kind: 'timeseries', description: 'The n beside every verdict (below minSamples: insufficient data).', queries: [{ expr: `${agg(METRIC_ML_WINDOW_SAMPLE_COUNT, `${feature},${L('ml.window.role')}="current"`)}`, legend: `{{${byModel}}} {{${L('ml.feature.name')}}}` }] },
      { title: 'Missing values', kind: 'timeseries', description: 'Share of missing values per feature; FeatureMissingValuesHigh above 10%.', unit: 'percentunit', queries: [{ expr: `${agg(METRIC_ML_FEATURE_MISSING_RATE, `,${L('ml.feature.name')}=~"${VARIABLES.feature}"`)}`, legend: `{{${byModel}}} {{${L('ml.feature.name')}}}` }], thresholds: [{ value: null, color: GREEN }, { value: 0.1, color: RED }], thresholdLines: true },
    ],
  };

  const svc = `{${model}}`;
  const resources: DashboardSpec = {
    id: 'modelwatch-resources',
    title: 'modelwatch / 4. Resources',
    description: services
      ? 'The model services\' processes: CPU, memory, the event loop, GC, and GPU where reported.'
      : 'With aggregator naming Prometheus scrapes only the aggregator: this shows request load and latency from its gauges. Generate with --naming otel-js or collector to see the services\' CPU, memory, event loop and GC.',
    panels: services
      ? [
          { title: 'CPU', kind: 'timeseries', description: 'process.cpu.utilization of the service.', unit: 'percentunit', queries: [{ expr: `max by (${byModel}, instance) (${otelName('process.cpu.utilization', '1', 'gauge', naming)}${svc})`, legend: '{{instance}}' }] },
          { title: 'Memory', kind: 'timeseries', description: 'process.memory.usage (resident set) and the V8 heap in use.', unit: 'bytes', queries: [
            { expr: `max by (${byModel}, instance) (${otelName('process.memory.usage', 'By', 'gauge', naming)}${svc})`, legend: '{{instance}} RSS' },
            { expr: `sum by (${byModel}, instance) (${otelName('v8js.memory.heap.used', 'By', 'gauge', naming)}${svc})`, legend: '{{instance}} heap' },
          ] },
          { title: 'Event loop delay p99', kind: 'timeseries', description: 'nodejs.eventloop.delay.p99: how late timers and I/O callbacks run.', unit: 's', queries: [{ expr: `max by (${byModel}, instance) (${otelName('nodejs.eventloop.delay.p99', 's', 'gauge', naming)}${svc})`, legend: '{{instance}}' }], thresholds: [{ value: null, color: GREEN }, { value: 0.1, color: RED }], thresholdLines: true },
          { title: 'GC time', kind: 'timeseries', description: 'Seconds per second spent in garbage collection (v8js.gc.duration).', unit: 'percentunit', queries: [{ expr: `sum by (${byModel}, instance) (rate(${otelName('v8js.gc.duration', 's', 'histogram', naming)}_sum${svc}[5m]))`, legend: '{{instance}}' }] },
          { title: 'GPU utilization', kind: 'timeseries', description: 'hw.gpu.utilization, where the service reports GPU metrics (e.g. through a GPU host-metrics receiver).', unit: 'percentunit', queries: [{ expr: `max by (instance) (${otelName('hw.gpu.utilization', '1', 'gauge', naming)})`, legend: '{{instance}}' }], mayBeEmpty: 'only where GPU metrics are reported' },
          { title: 'Inference time per request', kind: 'timeseries', description: 'Mean inference duration from the service\'s histogram.', unit: 's', queries: [{ expr: `sum by (${byModel}) (rate(${duration}_sum{${model}}[5m])) / sum by (${byModel}) (rate(${duration}_count{${model}}[5m]))`, legend: `{{${byModel}}}` }] },
        ]
      : [
          { title: 'Request load', kind: 'timeseries', description: 'Predictions per second over the aggregator\'s window.', unit: 'reqps', queries: [{ expr: `sum by (${byModel}) (${agg(METRIC_ML_INFERENCE_REQUEST_RATE)})`, legend: `{{${byModel}}}` }] },
          { title: 'Latency quantiles', kind: 'timeseries', description: 'p50, p95 and p99 of inference duration over the aggregator\'s window.', unit: 's', queries: [{ expr: `max by (${byModel}, ${L('ml.quantile')}) (${agg(METRIC_ML_INFERENCE_LATENCY)})`, legend: `{{${byModel}}} p{{${L('ml.quantile')}}}` }] },
        ],
  };
  return [health, quality, drift, resources];
}

/** Every query of every dashboard with the template variables replaced, ready to run or to check. */
export function dashboardQueries(naming: Naming): Array<{ dashboard: string; panel: string; expr: string; mayBeEmpty?: string }> {
  return dashboardSpecs(naming).flatMap((d) =>
    d.panels.flatMap((p) =>
      p.queries.map((q) => ({
        dashboard: d.id,
        panel: p.title,
        expr: q.expr.replaceAll(VARIABLES.model, '.*').replaceAll(VARIABLES.feature, '.*'),
        ...(p.mayBeEmpty !== undefined ? { mayBeEmpty: p.mayBeEmpty } : {}),
      })),
    ),
  );
}
