/**
 * The engine's results as a flat list of gauges with semantic-convention
 * names, ready for the exporters (Prometheus, OTLP).
 *
 * @module
 */
import {
  ATTR_ML_DRIFT_SUBJECT,
  ATTR_ML_DRIFT_SUBJECT_VALUE_FEATURE,
  ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_CONFIDENCE,
  ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_LABEL,
  ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_VALUE,
  ATTR_ML_DRIFT_WINDOW,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_PREDICTION_CONFIDENCE_THRESHOLD,
  ATTR_ML_QUANTILE,
  ATTR_ML_SLO_NAME,
  ATTR_ML_SLO_TYPE,
  ATTR_ML_SLO_WINDOW,
  ATTR_ML_WINDOW_ROLE,
  ATTR_ML_WINDOW_ROLE_VALUE_BASELINE,
  ATTR_ML_WINDOW_ROLE_VALUE_CURRENT,
  METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE,
  METRIC_ML_DRIFT_JENSEN_SHANNON,
  METRIC_ML_DRIFT_KS_P_VALUE,
  METRIC_ML_DRIFT_KS_STATISTIC,
  METRIC_ML_DRIFT_KS_UPPER_BOUND,
  METRIC_ML_DRIFT_PSI,
  METRIC_ML_DRIFT_SEVERITY,
  METRIC_ML_FEATURE_MISSING_RATE,
  METRIC_ML_INFERENCE_ERROR_RATIO,
  METRIC_ML_INFERENCE_LATENCY,
  METRIC_ML_INFERENCE_REQUEST_RATE,
  METRIC_ML_MODEL_LAST_SEEN_AGE,
  METRIC_ML_MODEL_UP,
  METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO,
  METRIC_ML_SLO_BURN_RATE,
  METRIC_ML_SLO_COMPLIANCE,
  METRIC_ML_SLO_ERROR_BUDGET_REMAINING,
  METRIC_ML_SLO_OBJECTIVE,
  METRIC_ML_SLO_THRESHOLD,
  METRIC_ML_WINDOW_SAMPLE_COUNT,
} from '@modelwatch/semconv';
import type { ModelState } from './model.js';
import { SEVERITY_LEVEL, type KsResult, type OutputSignal, type Severity, type WindowedVerdict } from './types.js';

type Attrs = OutputSignal['attributes'];

/** Appends the gauges of one model's last evaluation to `out` (nothing before the first evaluation). */
export function buildOutputs(m: ModelState, out: OutputSignal[]): void {
  const status = m.status;
  const drift = m.drift;
  if (!status || !drift) return;
  const base: Attrs = { [ATTR_ML_MODEL_NAME]: m.name };
  if (m.version !== null) base[ATTR_ML_MODEL_VERSION] = m.version;
  const push = (name: string, value: number | null | undefined, extra: Attrs = {}): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    out.push({ name, value, attributes: { ...base, ...extra } });
  };
  push(METRIC_ML_MODEL_UP, status.liveness.up ? 1 : 0);
  push(METRIC_ML_MODEL_LAST_SEEN_AGE, status.liveness.lastSeenAgeSeconds);
  push(METRIC_ML_INFERENCE_REQUEST_RATE, status.red.requestRate);
  push(METRIC_ML_INFERENCE_ERROR_RATIO, status.red.errorRatio);
  for (const [q, v] of [[0.5, status.red.latency.p50], [0.95, status.red.latency.p95], [0.99, status.red.latency.p99]] as const) {
    push(METRIC_ML_INFERENCE_LATENCY, v, { [ATTR_ML_QUANTILE]: q });
  }
  for (const slo of status.slos) {
    const a: Attrs = { [ATTR_ML_SLO_NAME]: slo.name, [ATTR_ML_SLO_TYPE]: slo.kind };
    push(METRIC_ML_SLO_OBJECTIVE, slo.objective, a);
    push(METRIC_ML_SLO_THRESHOLD, slo.threshold, a);
    push(METRIC_ML_SLO_COMPLIANCE, slo.compliance, a);
    push(METRIC_ML_SLO_ERROR_BUDGET_REMAINING, slo.errorBudgetRemaining, a);
    for (const b of slo.burnRates) push(METRIC_ML_SLO_BURN_RATE, b.value, { ...a, [ATTR_ML_SLO_WINDOW]: b.window });
  }
  const verdict = (
    subjectAttrs: Attrs,
    v: { severity: Severity; referenceCount: number; currentCount: number; psi?: number | null; ks?: KsResult | null; jensenShannon?: number | null; chiP?: number | null } & WindowedVerdict,
  ): void => {
    // The window the numbers are from: the deciding one, else the longest (whose numbers are reported then).
    const window = v.decidingWindow ?? v.windows?.[v.windows.length - 1]?.window;
    const subject: Attrs = window !== undefined ? { ...subjectAttrs, [ATTR_ML_DRIFT_WINDOW]: window } : subjectAttrs;
    push(METRIC_ML_DRIFT_SEVERITY, SEVERITY_LEVEL[v.severity], subject);
    push(METRIC_ML_DRIFT_PSI, v.psi, subject);
    if (v.ks) {
      push(METRIC_ML_DRIFT_KS_STATISTIC, v.ks.statistic, subject);
      push(METRIC_ML_DRIFT_KS_UPPER_BOUND, v.ks.bound, subject);
      push(METRIC_ML_DRIFT_KS_P_VALUE, v.ks.pValue, subject);
    }
    push(METRIC_ML_DRIFT_JENSEN_SHANNON, v.jensenShannon, subject);
    push(METRIC_ML_DRIFT_CHI_SQUARE_P_VALUE, v.chiP, subject);
    push(METRIC_ML_WINDOW_SAMPLE_COUNT, v.referenceCount, { ...subject, [ATTR_ML_WINDOW_ROLE]: ATTR_ML_WINDOW_ROLE_VALUE_BASELINE });
    push(METRIC_ML_WINDOW_SAMPLE_COUNT, v.currentCount, { ...subject, [ATTR_ML_WINDOW_ROLE]: ATTR_ML_WINDOW_ROLE_VALUE_CURRENT });
  };
  for (const f of drift.features) {
    const subject: Attrs = { [ATTR_ML_DRIFT_SUBJECT]: ATTR_ML_DRIFT_SUBJECT_VALUE_FEATURE, [ATTR_ML_FEATURE_NAME]: f.name };
    verdict(subject, { ...f, chiP: f.chiSquare?.pValue ?? null });
    push(METRIC_ML_FEATURE_MISSING_RATE, f.missingRate, { [ATTR_ML_FEATURE_NAME]: f.name });
  }
  const p = drift.prediction;
  if (p.confidence) {
    verdict({ [ATTR_ML_DRIFT_SUBJECT]: ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_CONFIDENCE }, p.confidence);
    push(METRIC_ML_PREDICTION_LOW_CONFIDENCE_RATIO, p.confidence.lowConfidence.current, { [ATTR_ML_PREDICTION_CONFIDENCE_THRESHOLD]: p.confidence.lowConfidence.threshold });
  }
  if (p.labels) verdict({ [ATTR_ML_DRIFT_SUBJECT]: ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_LABEL }, { ...p.labels, chiP: p.labels.chiSquare?.pValue ?? null });
  if (p.value) verdict({ [ATTR_ML_DRIFT_SUBJECT]: ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_VALUE }, p.value);
}
