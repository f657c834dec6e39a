/**
 * One evaluation of one model: drift of every feature and of the predictions
 * against the baseline, RED over the window, SLO compliance and burn rates.
 *
 * @module
 */
import { OTHER_CATEGORY } from '@modelwatch/semconv';
import type { Baseline, FeatureBaseline } from './baseline.js';
import type { ModelSettings } from './config.js';
import { DEFAULT_SLO_PERIOD_MS } from './config.js';
import type { ExpHistogramData } from './histogram-data.js';
import { chiSquareCounts, jensenShannon, ksBucketed, psiBucketed, psiCounts, type Bucketed, type ExplicitData } from './measures.js';
import { SCALAR, type FeatureState, type ModelState } from './model.js';
import { BURN_WINDOWS, bucketQuantile, countAtOrBelow } from './red.js';
import { classifyMinutes } from './time-slices.js';
import type {
  ConfidenceDrift,
  FeatureDrift,
  LabelDrift,
  PredictionDrift,
  RedSummary,
  Severity,
  SeverityThresholds,
  SloStatus,
  ValueDrift,
} from './types.js';

// `error` ranks above critical: a verdict that cannot be computed means the
// monitoring itself is broken, and that must not hide behind any drift level.
const RANK: Record<Severity, number> = { insufficient_data: -1, none: 0, info: 1, warning: 2, critical: 3, error: 4 };

/**
 * The verdict of DESIGN.md: insufficient_data below `minSamples` in either
 * window; otherwise the highest level whose threshold the effect reaches,
 * provided the shift is significant (p < alpha), else none.
 */
export function severityOf(effect: number, t: SeverityThresholds, pValue: number, s: ModelSettings, n: number, m: number): Severity {
  if (n < s.minSamples || m < s.minSamples) return 'insufficient_data';
  if (!(pValue < s.alpha)) return 'none';
  if (effect >= t.critical) return 'critical';
  if (effect >= t.warning) return 'warning';
  if (effect >= t.info) return 'info';
  return 'none';
}

/** The worse of two severities (insufficient_data ranks below none, error above critical). */
export function worst(a: Severity, b: Severity): Severity {
  return RANK[b] > RANK[a] ? b : a;
}

function countOf(h: Bucketed): number {
  return h.count;
}

function explicitData(bounds: readonly number[], counts: readonly number[]): ExplicitData {
  let count = 0;
  for (const c of counts) count += c;
  return { bounds: bounds.slice(), counts: counts.slice(), count };
}

/** The current window of a numeric feature, exponential when available. */
export function currentNumeric(f: FeatureState): { data: Bucketed; precision: 'full' | 'reduced' } | null {
  if (f.exp && f.exp.count > 0) return { data: f.exp.toData(), precision: 'full' };
  if (f.explicit && f.explicit.count > 0) return { data: explicitData(f.explicit.bounds, f.explicit.counts()), precision: 'reduced' };
  return null;
}

/** The reference distribution of a numeric feature baseline. */
export function referenceNumeric(b: FeatureBaseline | undefined): Bucketed | null {
  if (b?.type !== 'numeric') return null;
  if (b.histogram) return b.histogram;
  if (b.explicit) return explicitData(b.explicit.bounds, b.explicit.counts);
  return null;
}

/** Reference and current counts aligned on the union of categories (sorted, `__other__` last). */
export function alignCounts(ref: Record<string, number>, cur: Record<string, number>): { categories: string[]; p: number[]; q: number[] } {
  const categories = [...new Set([...Object.keys(ref), ...Object.keys(cur)])].sort((a, b) =>
    a === OTHER_CATEGORY ? 1 : b === OTHER_CATEGORY ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
  return { categories, p: categories.map((c) => ref[c] ?? 0), q: categories.map((c) => cur[c] ?? 0) };
}

/**
 * A feature the (ready) baseline cannot be compared with: absent from it, or of
 * the other type there. While the baseline is still being learned, the verdict
 * stays `insufficient_data` instead. More data will not change that, so it is an `error` with
 * its reason, not `insufficient_data`.
 */
function noReference(out: FeatureDrift, b: FeatureBaseline | undefined): FeatureDrift {
  out.severity = 'error';
  out.reason = b
    ? `the baseline has ${b.type} data for this ${out.type} feature: rebuild the baseline with the configured types (modelwatch baseline --config) or fix the feature's type in the config`
    : 'no baseline for this feature: it is absent from the baseline (rebuild the baseline, or reset it through DELETE /api/v1/models/{model}/baseline to learn it again)';
  return out;
}

function rate(missing: number, observed: number): number | null {
  return missing + observed > 0 ? missing / (missing + observed) : null;
}

function numericDrift(f: FeatureState, b: FeatureBaseline | undefined, s: ModelSettings, learning: boolean): FeatureDrift {
  const cur = currentNumeric(f);
  const ref = referenceNumeric(b);
  const m = cur ? countOf(cur.data) : 0;
  const n = ref ? countOf(ref) : 0;
  const missing = f.missing?.get(SCALAR) ?? 0;
  const out: FeatureDrift = {
    name: f.name,
    type: 'numeric',
    precision: cur?.precision ?? (ref && 'bounds' in ref ? 'reduced' : 'full'),
    missingRate: rate(missing, m),
    baselineMissingRate: b ? rate(b.missing, n) : null,
    severity: 'insufficient_data',
    referenceCount: n,
    currentCount: m,
  };
  if (!ref) return learning ? out : noReference(out, b);
  if (!cur || n === 0) return out;
  if ('bounds' in ref !== 'bounds' in cur.data) {
    out.precision = 'reduced';
    out.note = 'baseline and current window use different bucket kinds (exponential vs explicit): KS bounds from CDF intervals, PSI estimated';
  }
  const ks = ksBucketed(ref, cur.data);
  const psi = psiBucketed(ref, cur.data);
  out.ks = ks;
  out.psi = psi.psi;
  out.psiPValue = psi.pValue;
  out.severity = severityOf(ks.statistic, s.thresholds.ks, ks.pValue, s, n, m);
  return out;
}

function categoricalDrift(f: FeatureState, b: FeatureBaseline | undefined, s: ModelSettings, learning: boolean): FeatureDrift {
  const cur = f.categories?.counts() ?? {};
  const m = f.categories?.total ?? 0;
  const ref = b?.type === 'categorical' ? b.counts : null;
  let n = 0;
  if (ref) for (const v of Object.values(ref)) n += v;
  const missing = f.missing?.get(SCALAR) ?? 0;
  const out: FeatureDrift = {
    name: f.name,
    type: 'categorical',
    missingRate: rate(missing, m),
    baselineMissingRate: b ? rate(b.missing, n) : null,
    severity: 'insufficient_data',
    referenceCount: n,
    currentCount: m,
  };
  if (!ref) return learning ? out : noReference(out, b);
  if (n === 0 || m === 0) return out;
  return Object.assign(out, compareCounts(ref, cur, s, n, m));
}

/** Categorical counts (a feature's categories, or predicted labels) against the baseline's: PSI, chi-square, JS, severity. */
function compareCounts(ref: Parameters<typeof alignCounts>[0], cur: Parameters<typeof alignCounts>[1], s: ModelSettings, n: number, m: number) {
  const { p, q } = alignCounts(ref, cur);
  const psi = psiCounts(p, q);
  return {
    psi: psi.psi,
    psiPValue: psi.pValue,
    chiSquare: chiSquareCounts(p, q),
    jensenShannon: jensenShannon(p, q),
    severity: severityOf(psi.psi, s.thresholds.psi, psi.pValue, s, n, m),
  };
}

function confidenceDrift(model: ModelState, b: Baseline | undefined, s: ModelSettings): ConfidenceDrift | undefined {
  const w = model.confidence;
  const ref = b?.prediction?.confidence;
  if (w.count === 0 && !ref) return undefined;
  const cur = explicitData(w.bounds, w.counts());
  const refData = ref ? explicitData(ref.bounds, ref.counts) : null;
  const th = s.lowConfidenceThreshold;
  const low = (d: ExplicitData | null): { v: number | null; interpolated: boolean } => {
    if (!d || d.count === 0) return { v: null, interpolated: false };
    const r = countAtOrBelow(d.bounds, d.counts, th);
    return { v: r.count / d.count, interpolated: r.interpolated };
  };
  const lc = low(cur);
  const lr = low(refData);
  const out: ConfidenceDrift = {
    psi: null,
    psiPValue: null,
    severity: 'insufficient_data',
    referenceCount: refData?.count ?? 0,
    currentCount: cur.count,
    lowConfidence: { threshold: th, current: lc.v, baseline: lr.v, interpolated: lc.interpolated || lr.interpolated },
  };
  if (refData && refData.count > 0 && cur.count > 0) {
    const { p, q } = alignExplicit(refData, cur);
    const psi = psiCounts(p, q);
    out.psi = psi.psi;
    out.psiPValue = psi.pValue;
    out.severity = severityOf(psi.psi, s.thresholds.psi, psi.pValue, s, refData.count, cur.count);
  }
  return out;
}

/** Buckets of two explicit histograms on their shared bounds (no bucket split). */
function alignExplicit(a: ExplicitData, b: ExplicitData): { p: number[]; q: number[] } {
  const shared = a.bounds.filter((x) => b.bounds.includes(x));
  const fold = (h: ExplicitData): number[] => {
    const out = new Array<number>(shared.length + 1).fill(0);
    let seg = 0;
    h.counts.forEach((c, k) => {
      const upper = k < h.bounds.length ? (h.bounds[k] as number) : Infinity;
      while (seg < shared.length && (shared[seg] as number) < upper) seg++;
      out[seg] = (out[seg] as number) + c;
    });
    return out;
  };
  const p = fold(a);
  const q = fold(b);
  // Buckets empty in both carry no information and would only add degrees of freedom.
  const keep = p.map((x, k) => x > 0 || (q[k] as number) > 0);
  return { p: p.filter((_, k) => keep[k]), q: q.filter((_, k) => keep[k]) };
}

function labelDrift(model: ModelState, b: Baseline | undefined, s: ModelSettings): LabelDrift | undefined {
  const cur = model.labels.counts();
  delete cur[SCALAR];
  const ref = b?.prediction?.labels;
  let m = 0;
  for (const v of Object.values(cur)) m += v;
  if (m === 0 && !ref) return undefined;
  let n = 0;
  if (ref) for (const v of Object.values(ref)) n += v;
  const out: LabelDrift = { psi: null, psiPValue: null, chiSquare: null, jensenShannon: null, severity: 'insufficient_data', referenceCount: n, currentCount: m };
  if (ref && n > 0 && m > 0) Object.assign(out, compareCounts(ref, cur, s, n, m));
  return out;
}

function valueDrift(model: ModelState, b: Baseline | undefined, s: ModelSettings): ValueDrift | undefined {
  const ref: ExpHistogramData | undefined = b?.prediction?.value;
  const m = model.value.count;
  if (m === 0 && !ref) return undefined;
  const n = ref?.count ?? 0;
  const out: ValueDrift = { ks: null, psi: null, psiPValue: null, severity: 'insufficient_data', referenceCount: n, currentCount: m };
  if (ref && n > 0 && m > 0) {
    const cur = model.value.toData();
    out.ks = ksBucketed(ref, cur);
    const psi = psiBucketed(ref, cur);
    out.psi = psi.psi;
    out.psiPValue = psi.pValue;
    out.severity = severityOf(out.ks.statistic, s.thresholds.ks, out.ks.pValue, s, n, m);
  }
  return out;
}

/** Feature and prediction drift of a model against its active baseline. */
export function evaluateDrift(model: ModelState, baseline: Baseline | undefined): { features: FeatureDrift[]; prediction: PredictionDrift; severity: Severity } {
  const s = model.settings;
  const names = new Set<string>([...Object.keys(model.declared), ...model.features.keys(), ...Object.keys(baseline?.features ?? {})]);
  const features: FeatureDrift[] = [];
  const learning = baseline === undefined;
  for (const name of [...names].sort()) {
    const b = baseline?.features[name];
    const f: FeatureState = model.features.get(name) ?? {
      name,
      type: model.declared[name] ?? b?.type ?? 'numeric',
      exp: null,
      explicit: null,
      categories: null,
      missing: null,
    };
    features.push(guarded(f, () => (f.type === 'numeric' ? numericDrift(f, b, s, learning) : categoricalDrift(f, b, s, learning))));
  }
  const prediction: PredictionDrift = {};
  const confidence = attempt(() => confidenceDrift(model, baseline, s));
  if (confidence) prediction.confidence = confidence;
  if (model.task === 'classification' || model.labels.total > 0) {
    const labels = attempt(() => labelDrift(model, baseline, s));
    if (labels) prediction.labels = labels;
  }
  if (model.task === 'regression' || model.value.count > 0) {
    const value = attempt(() => valueDrift(model, baseline, s));
    if (value) prediction.value = value;
  }
  let severity: Severity = 'insufficient_data';
  for (const f of features) severity = worst(severity, f.severity);
  for (const p of [prediction.confidence, prediction.labels, prediction.value]) if (p) severity = worst(severity, p.severity);
  return { features, prediction, severity };
}

/**
 * Runs one feature's evaluation; a statistics error (e.g. a baseline whose zero
 * threshold differs from the data's) becomes a note on that feature instead of
 * stopping the evaluation of every other one.
 */
function guarded(f: FeatureState, run: () => FeatureDrift): FeatureDrift {
  try {
    return run();
  } catch (err) {
    return {
      name: f.name,
      type: f.type,
      missingRate: null,
      baselineMissingRate: null,
      severity: 'error',
      referenceCount: 0,
      currentCount: 0,
      reason: `not evaluated: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** Prediction drift parts are dropped (absent) when their statistics fail on bad data. */
function attempt<T>(run: () => T | undefined): T | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}


/** RED over the model's window. */
export function evaluateRed(model: ModelState): RedSummary {
  const seconds = model.settings.window / 1000;
  const requests = model.duration.count;
  const errors = model.errors.get(SCALAR);
  const counts = model.duration.total;
  const bounds = model.duration.bounds;
  return {
    windowSeconds: seconds,
    requests,
    errors,
    requestRate: requests / seconds,
    errorRatio: requests > 0 ? errors / requests : null,
    latency: {
      p50: bucketQuantile(bounds, counts, 0.5),
      p95: bucketQuantile(bounds, counts, 0.95),
      p99: bucketQuantile(bounds, counts, 0.99),
    },
  };
}

/** SLO compliance, error budget and burn rates at `now`. */
export function evaluateSlos(model: ModelState, now: number): SloStatus[] {
  let latencyColumn = 2;
  if (model.slo) classifyMinutes(model.slo, model.settings.slos, model.sloColumns, now);
  return model.settings.slos.map((slo, index) => {
    const period = slo.period ?? DEFAULT_SLO_PERIOD_MS;
    const column = slo.kind === 'latency' ? latencyColumn++ : -1;
    const base: SloStatus = {
      name: slo.name,
      kind: slo.kind,
      objective: slo.objective,
      periodSeconds: period / 1000,
      state: 'no_data',
      good: 0,
      total: 0,
      compliance: null,
      errorBudgetRemaining: null,
      burnRates: BURN_WINDOWS.map((w) => ({ window: w.label, value: null })),
    };
    if (slo.threshold !== undefined) base.threshold = slo.threshold;
    if (slo.kind === 'accuracy') {
      // Good = joined predictions that were right, counted when the outcome became known (label arrival).
      const q = model.quality;
      const c = q.sloCounts(now, period);
      if (c.total > 0) {
        base.good = c.good;
        base.total = c.total;
        base.compliance = c.good / c.total;
        base.errorBudgetRemaining = 1 - (c.total - c.good) / c.total / (1 - slo.objective);
        base.state = base.compliance >= slo.objective ? 'met' : 'breached';
      }
      base.burnRates = BURN_WINDOWS.map((w) => {
        const cw = q.sloCounts(now, w.ms);
        return { window: w.label, value: cw.total > 0 ? (cw.total - cw.good) / cw.total / (1 - slo.objective) : null };
      });
      base.note = 'counted by label arrival time';
      return base;
    }
    const slice = model.sloColumns.slices.get(index);
    // Request-based SLOs count requests; time-slice ones count the minutes that count (see time-slices.ts).
    const totalOf = (sums: number[]): number => (slice ? (sums[slice.eligible] as number) : (sums[0] as number));
    const goodOf = (sums: number[]): number =>
      slice ? (sums[slice.good] as number) : slo.kind === 'latency' ? (sums[column] as number) : (sums[0] as number) - (sums[1] as number);
    const history = model.slo;
    if (!history) return base;
    const sums = history.sum(now, period);
    const total = totalOf(sums);
    if (slo.kind === 'cost') {
      // Cost over the minutes with traffic: what was paid for them over what they served.
      const minutes = sums[slice?.eligible ?? 0] as number;
      base.costPer1000 = minutes > 0 && (sums[0] as number) > 0 ? (((slo.costPerHour ?? 0) * minutes) / 60 / (sums[0] as number)) * 1000 : null;
      base.note = 'time slices: each minute with traffic is one event, good when its cost per 1,000 requests is within the threshold';
    }
    if (slo.kind === 'throughput') {
      base.note = 'time slices: each minute with traffic at or below the threshold rate is one event, good when its errors and latency met their objectives';
    }
    if (slo.kind === 'latency') {
      const th = slo.threshold ?? 0;
      if (model.duration.bounds.length > 0 && !model.duration.bounds.includes(th)) {
        base.note = `threshold ${th}s is not a bucket bound: requests in its bucket are counted by linear interpolation`;
      }
    }
    if (total > 0) {
      const good = goodOf(sums);
      const budget = 1 - slo.objective;
      base.good = good;
      base.total = total;
      base.compliance = good / total;
      base.errorBudgetRemaining = 1 - (total - good) / total / budget;
      base.state = base.compliance >= slo.objective ? 'met' : 'breached';
    }
    base.burnRates = BURN_WINDOWS.map((w) => {
      const ws = history.sum(now, w.ms);
      const t = totalOf(ws);
      return { window: w.label, value: t > 0 ? (t - goodOf(ws)) / t / (1 - slo.objective) : null };
    });
    return base;
  });
}
