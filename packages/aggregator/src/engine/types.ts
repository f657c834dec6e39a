/**
 * The engine's configuration and result types: what the service hands to the
 * {@link Engine} and what it reads back for the API and the exporters.
 *
 * @packageDocumentation
 */
import type { Baseline } from './baseline.js';
import type { QualityOptions } from './quality/config.js';

/**
 * Drift verdict, from least to most severe; `insufficient_data` when a window
 * holds too few samples; `error` when no verdict can be computed for a reason
 * that more data will not fix (the verdict's `reason` says which).
 */
export type Severity = 'none' | 'info' | 'warning' | 'critical' | 'insufficient_data' | 'error';

/** Numeric encoding of a {@link Severity} on the `ml.drift.severity` gauge. */
export const SEVERITY_LEVEL: Readonly<Record<Severity, number>> = Object.freeze({
  error: -2,
  insufficient_data: -1,
  none: 0,
  info: 1,
  warning: 2,
  critical: 3,
});

/** Effect-size thresholds of one statistic, one per severity level. */
export interface SeverityThresholds {
  info: number;
  warning: number;
  critical: number;
}

/** Thresholds on KS D (numeric features, regression output) and PSI (categorical features, predictions). */
export interface DriftThresholds {
  /** @default { info: 0.10, warning: 0.15, critical: 0.25 } */
  ks: SeverityThresholds;
  /** @default { info: 0.1, warning: 0.2, critical: 0.25 } */
  psi: SeverityThresholds;
}

/** How a feature is compared: distributions of numbers, or counts of categories. */
export type FeatureType = 'numeric' | 'categorical';

/** What the model predicts. */
export type ModelTask = 'classification' | 'regression';

/** Kinds of service-level objective. */
export type SloKind = 'latency' | 'error_rate' | 'availability' | 'accuracy' | 'throughput' | 'cost';

/**
 * One service-level objective of a model. Every kind is a ratio of good events
 * over all events (the Google SRE convention), so compliance, error budget and
 * burn rate mean the same thing for each:
 * - `latency`: good = inference requests that took <= `threshold` seconds;
 * - `error_rate` and `availability`: good = requests without `error.type`
 *   (an inference that completed). The two differ only in intent and name;
 * - `accuracy`: good = joined predictions that were right (by label arrival time);
 * - `throughput` and `cost` are time-slice objectives: each closed minute with
 *   traffic is one event. `throughput` ("handle `threshold` requests/s without
 *   degradation"): a minute whose rate is at most `threshold` counts, and is good
 *   when its error ratio and latency met the model's error and latency
 *   objectives (minutes above the promised rate do not count). `cost`: a
 *   minute is good when `costPerHour` spread over its requests costs at most
 *   `threshold` per 1,000 requests.
 */
export interface SloConfig {
  name: string;
  kind: SloKind;
  /** Target share of good events, in (0, 1), e.g. 0.99. */
  objective: number;
  /**
   * `latency`: seconds a request may take; `accuracy`: unused (the objective is
   * the share right); `throughput`: requests/s the model must handle without
   * degradation; `cost`: most cost per 1,000 requests.
   */
  threshold?: number;
  /** `cost` only: what serving the model costs per hour (any currency). */
  costPerHour?: number;
  /** Compliance period in ms. @default 30 days */
  period?: number;
}

/** One monitored model as configured. */
export interface ModelConfig {
  name: string;
  /** Expected version; informational (the version comes from the data). */
  version?: string;
  task: ModelTask;
  /** Window length in ms. @default defaults.window */
  window?: number;
  /** Slot length in ms. @default defaults.slot */
  slot?: number;
  /** Fine slot length in ms (recent data; divides the slot). @default defaults.fineSlot */
  fineSlot?: number;
  /** Baseline from a file; omit to learn it from the first full window. */
  baseline?: Baseline;
  /** Declared features and their types; undeclared features are typed from the signal that carries them. */
  features: Record<string, FeatureType>;
  thresholds?: Partial<DriftThresholds>;
  alpha?: number;
  minSamples?: number;
  /** Shorter drift windows for this model (ms). @default EngineDefaults.driftWindows */
  driftWindows?: number[];
  lowConfidenceThreshold?: number;
  slos?: SloConfig[];
  /** Ground-truth join and quality settings (pending bounds and TTLs, rolling size, windows); defaults per {@link QualityOptions}. */
  groundTruth?: Omit<QualityOptions, 'task'>;
}

/** Defaults applied to every model that does not override them. */
export interface EngineDefaults {
  /** Window length in ms. @default 3_600_000 (1 h) */
  window: number;
  /** Slot length in ms; the window is a whole number of slots. @default 60_000 (1 min) */
  slot: number;
  /**
   * Fine slot length in ms, for recent data: the shortest drift window (and
   * any window shorter than a slot or off the slot grid) is built from fine
   * slots, so it covers its last seconds to a fine slot; older fine slots
   * merge into their slot. Must divide the slot; equal to it, no fine slots
   * are kept. See docs/drift-windows.md.
   * @default 10_000 (10 s) where it is shorter than the slot and divides it,
   *   and its slots would not outnumber the window's; otherwise none
   */
  fineSlot?: number;
  /** Significance level: a severity is raised only when p < alpha. @default 0.01 */
  alpha: number;
  /** Minimum samples in both baseline and current window before any verdict. @default 100 */
  minSamples: number;
  /** Confidence below which a prediction counts as low-confidence. @default 0.7 */
  lowConfidenceThreshold: number;
  thresholds: DriftThresholds;
  /** A model is down when it has not reported for this long (ms). @default 300_000 (5 min) */
  livenessTimeout: number;
  /**
   * Shorter windows judged beside the model's window, all ending now (ms; each
   * a multiple of the fine slot, shorter than the window; others are left out).
   * @default [10_000, 60_000, 600_000] (10 s, 1 min and 10 min)
   */
  driftWindows: number[];
  /**
   * The false-alert budget of one feature's drift verdict: the expected time
   * between false alerts when nothing drifts (ms). With the evaluation interval
   * it sets each window's significance level. @default 365 days
   */
  falseAlertInterval: number;
  /** How often the service evaluates (ms): the number of looks per budget. @default 30_000 */
  evaluationInterval: number;
  /** Ground-truth settings of every model that does not override them. @default {} (the quality defaults) */
  groundTruth?: Omit<QualityOptions, 'task'>;
}

/** Bounds that keep memory finite whatever the senders do. */
export interface EngineBounds {
  /** Streams (features, prediction signals) per model. @default 1000 */
  maxSeriesPerModel: number;
  /** Longest accepted model name, feature name, category or label. @default 256 */
  maxAttributeLength: number;
  /** Categories kept per categorical feature (and labels); the rest count as `__other__`. @default 100 */
  maxCategories: number;
  /** Exponential-histogram buckets kept per side of a window; the window is downscaled past it. @default 160 */
  maxBuckets: number;
}

/** The engine's configuration: the models and the validated defaults and bounds. */
export interface EngineConfig {
  models: ModelConfig[];
  discovery: { enabled: boolean; maxModels: number };
  defaults: EngineDefaults;
  bounds: EngineBounds;
}

/** What one ingest call took and refused. */
export interface IngestResult {
  acceptedDataPoints: number;
  rejectedDataPoints: number;
  acceptedLogRecords: number;
  rejectedLogRecords: number;
  /** The first few distinct reasons for rejections. */
  errors: string[];
}

/** Liveness of one model. */
export interface Liveness {
  up: boolean;
  /** ISO 8601, or null when nothing was received yet. */
  lastSeen: string | null;
  /** Seconds since lastSeen at the last evaluation; null when never seen. */
  lastSeenAgeSeconds: number | null;
}

/** A model in the list. */
export interface ModelSummary {
  name: string;
  /** Version of the most recent data; null when the data carried none. */
  version: string | null;
  task: ModelTask;
  /** True when the model came from the data rather than the config. */
  discovered: boolean;
  up: boolean;
  lastSeen: string | null;
  /** `ready`: a baseline is set; `learning`: waiting for the first full window. */
  baseline: 'ready' | 'learning';
  /** Worst drift severity at the last evaluation, null before the first. */
  severity: Severity | null;
}

/** Latency quantiles in seconds, estimated from the duration histogram's buckets; null without requests. */
export interface LatencyQuantiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Rate, errors and duration over a window. */
export interface RedSummary {
  /** Window length in seconds. */
  windowSeconds: number;
  requests: number;
  errors: number;
  /** Requests per second over the window. */
  requestRate: number;
  /** errors / requests; null without requests. */
  errorRatio: number | null;
  latency: LatencyQuantiles;
}

/** Burn rate over one window: the window's bad-event ratio divided by the error budget (1 - objective). */
export interface BurnRate {
  /** Window label, Prometheus duration syntax (`5m`, `1h`, `3d`). */
  window: string;
  /** null when the window holds no events. */
  value: number | null;
}

/** State of one SLO at the last evaluation. */
export interface SloStatus {
  name: string;
  kind: SloKind;
  objective: number;
  threshold?: number;
  /** Period in seconds. */
  periodSeconds: number;
  /** `no_data`: no events yet (or accuracy before ground truth exists); `met` / `breached` by compliance vs objective. */
  state: 'met' | 'breached' | 'no_data';
  good: number;
  total: number;
  /** good / total over the period; null without events. */
  compliance: number | null;
  /** 1 - (bad / total) / (1 - objective); negative when overspent; null without events. */
  errorBudgetRemaining: number | null;
  burnRates: BurnRate[];
  /** Set when the value is approximate, e.g. a latency threshold between bucket bounds (interpolated). */
  note?: string;
  /** `cost` only: the measured cost per 1,000 requests over the period's minutes with traffic; null without traffic. */
  costPer1000?: number | null;
}

/** Everything the API shows for one model besides drift. */
export interface ModelStatus {
  name: string;
  version: string | null;
  task: ModelTask;
  discovered: boolean;
  liveness: Liveness;
  red: RedSummary;
  slos: SloStatus[];
  /** Data points and log records acknowledged for this model since start. */
  accepted: { dataPoints: number; logRecords: number };
  /**
   * The drift verdict at a glance: the worst severity, and every feature whose
   * verdict is `error` with its reason (a misconfiguration stays visible here,
   * not only in the drift report).
   */
  drift: { severity: Severity; errors: Array<{ feature: string; reason: string }> };
  /** ISO 8601 time of the evaluation these numbers come from; null before the first. */
  evaluatedAt: string | null;
}

/** KS between baseline and current window: statistic <= D of the raw values <= bound. */
export interface KsResult {
  /** D at bucket edges (a lower bound on the raw values' D). */
  statistic: number;
  /** Upper bound on the raw values' D. */
  bound: number;
  pValue: number;
}

/** Chi-square test of baseline vs current counts. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  degreesOfFreedom: number;
}

/** What one of the nested windows saw; fields that do not apply to the signal are absent. */
export interface WindowVerdict {
  /** The window's length, e.g. `1m`, `10m`, `1h`. */
  window: string;
  seconds: number;
  severity: Severity;
  referenceCount: number;
  currentCount: number;
  /** Samples the window needs before it judges (from the false-alert budget); `null` when no count would do. */
  neededCount: number | null;
  ks?: KsResult;
  psi?: number;
  psiPValue?: number;
  chiSquare?: ChiSquareResult;
  jensenShannon?: number;
}

/** The nested windows of a verdict and the one that decided it. */
export interface WindowedVerdict {
  /** Every window, shortest first. */
  windows?: WindowVerdict[];
  /** The window whose verdict is the signal's (the worst judged, the shortest on a tie); null when none could judge. */
  decidingWindow?: string | null;
}

/** Drift of one feature; fields that do not apply to its type are absent. */
export interface FeatureDrift extends WindowedVerdict {
  name: string;
  type: FeatureType;
  /** `reduced` when a numeric feature arrived as an explicit-bucket histogram (coarser KS bounds). */
  precision?: 'full' | 'reduced';
  ks?: KsResult;
  psi?: number;
  /** Significance of the PSI (chi-square approximation, see DESIGN.md). */
  psiPValue?: number;
  chiSquare?: ChiSquareResult;
  jensenShannon?: number;
  /** Share of observations missing in the current window; null without observations. */
  missingRate: number | null;
  /** Share missing in the baseline; null when the baseline has no observations. */
  baselineMissingRate: number | null;
  severity: Severity;
  referenceCount: number;
  currentCount: number;
  /** Why the verdict is what it is when not obvious (e.g. reduced precision). */
  note?: string;
  /** Why no verdict could be computed; present exactly when `severity` is `error`. */
  reason?: string;
}

/** Drift of the confidence distribution and the low-confidence share. */
export interface ConfidenceDrift extends WindowedVerdict {
  psi: number | null;
  psiPValue: number | null;
  severity: Severity;
  referenceCount: number;
  currentCount: number;
  /**
   * Share of predictions with confidence at or below `threshold` (explicit
   * buckets are upper-inclusive, so "below 0.7" is counted as "<= 0.7", exact
   * when the threshold is a bucket bound, as 0.7 is in CONFIDENCE_BUCKETS).
   */
  lowConfidence: {
    threshold: number;
    current: number | null;
    baseline: number | null;
    /** True when the threshold is not a bucket bound and the share was interpolated inside a bucket. */
    interpolated: boolean;
  };
}

/** Drift of the predicted label distribution (classification). */
export interface LabelDrift extends WindowedVerdict {
  psi: number | null;
  psiPValue: number | null;
  chiSquare: ChiSquareResult | null;
  jensenShannon: number | null;
  severity: Severity;
  referenceCount: number;
  currentCount: number;
}

/** Drift of the predicted value distribution (regression). */
export interface ValueDrift extends WindowedVerdict {
  ks: KsResult | null;
  psi: number | null;
  psiPValue: number | null;
  severity: Severity;
  referenceCount: number;
  currentCount: number;
}

/** Prediction drift; absent parts had no data in either window. */
export interface PredictionDrift {
  confidence?: ConfidenceDrift;
  labels?: LabelDrift;
  value?: ValueDrift;
}

/** A model's drift report at the last evaluation. */
export interface DriftReport {
  model: string;
  version: string | null;
  evaluatedAt: string | null;
  window: { start: string | null; end: string | null; seconds: number; slotSeconds: number };
  baseline: {
    state: 'ready' | 'learning';
    source: 'file' | 'learned' | null;
    createdAt: string | null;
    modelVersion: string | null;
    /** While learning: when the first full window completes (ISO 8601). */
    learnsAt?: string | null;
  };
  /**
   * Worst severity over features and predictions: `error` when any verdict is
   * an error (a misconfiguration outranks every drift level), else the worst
   * level; insufficient_data only when nothing had enough data.
   */
  severity: Severity;
  features: FeatureDrift[];
  prediction: PredictionDrift;
}

/** One bin of a numeric distribution: (lower, upper]. */
export interface Bin {
  lower: number;
  upper: number;
}

/** Reference and current distributions of one feature, aligned for drawing side by side. */
export type FeatureDistributions =
  | { model: string; feature: string; type: 'numeric'; bins: Bin[]; reference: number[]; current: number[] }
  | { model: string; feature: string; type: 'categorical'; categories: string[]; reference: number[]; current: number[] };

/** Reference and current distributions of a model's predictions; absent parts had no data. */
export interface PredictionDistributions {
  model: string;
  /** Counts per predicted label (classification). */
  labels?: { categories: string[]; reference: number[]; current: number[] };
  /** Counts per confidence bucket: `bounds` are the upper-inclusive bucket bounds, one count more than bounds. */
  confidence?: { bounds: number[]; reference: number[] | null; current: number[] };
}

/** One exported gauge value. */
export interface OutputSignal {
  /** Semantic-convention metric name, e.g. `ml.drift.psi`. */
  name: string;
  value: number;
  attributes: Record<string, string | number | boolean>;
}
