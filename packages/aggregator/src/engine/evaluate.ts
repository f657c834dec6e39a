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
import { decidingIndex, driftWindowSpecs, judge, ksNeeded, psiNeeded, windowAlpha, windowStartKey, type DriftWindowSpec } from './drift-windows.js';
import type { CountWindow } from './window/count-window.js';
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
  WindowedVerdict,
  WindowVerdict,
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
 * the other type there. More data will not change that, so it is an `error`
 * with its reason, not `insufficient_data`. (While the baseline is still being
 * learned, the caller leaves the verdict at `insufficient_data`.)
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

/** Where the windows start and what each needs: the same for every signal of a model at one evaluation. */
interface WindowContext {
  windows: DriftWindowSpec[];
  /** The slot key after which each window's slots lie (unused for the longest, read from the totals). */
  after: number[];
  alpha: number;
}

/** The start keys of the windows other than the longest, in order. */
function shortStarts(ctx: WindowContext): number[] {
  return ctx.windows.flatMap((w, i) => (w.longest ? [] : [ctx.after[i] as number]));
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function newVerdict(w: DriftWindowSpec, n: number, m: number, needed: number): WindowVerdict {
  return { window: w.label, seconds: w.ms / 1000, severity: 'insufficient_data', referenceCount: n, currentCount: m, neededCount: finite(needed) };
}

/**
 * Sets the signal's verdict from its windows: the deciding window's statistics
 * and counts (the longest window's when none could judge), and every window.
 */
function applyWindows<T extends WindowedVerdict & { severity: Severity; referenceCount: number; currentCount: number }>(out: T, verdicts: WindowVerdict[]): T {
  const d = decidingIndex(verdicts);
  const pick = verdicts[d >= 0 ? d : verdicts.length - 1];
  out.windows = verdicts;
  out.decidingWindow = d >= 0 ? (pick?.window ?? null) : null;
  if (!pick) return out;
  out.severity = pick.severity;
  out.referenceCount = pick.referenceCount;
  out.currentCount = pick.currentCount;
  const o = out as T & Partial<Pick<WindowVerdict, 'ks' | 'psi' | 'psiPValue' | 'chiSquare' | 'jensenShannon'>>;
  for (const k of ['ks', 'psi', 'psiPValue', 'chiSquare', 'jensenShannon'] as const) {
    if (pick[k] !== undefined) (o as Record<string, unknown>)[k] = pick[k];
  }
  return out;
}

/** A numeric feature's data in each window (one walk over the packed slots): exponential when available. */
function numericWindows(f: FeatureState, ctx: WindowContext): Array<{ data: Bucketed; precision: 'full' | 'reduced' } | null> {
  const short = shortStarts(ctx);
  let parts: Array<Bucketed | null>;
  let precision: 'full' | 'reduced' = 'full';
  if (f.exp && f.exp.count > 0) parts = f.exp.suffixesData(short);
  else if (f.explicit && f.explicit.count > 0) {
    const e = f.explicit;
    parts = short.map((after) => explicitData(e.bounds, e.suffixCounts(after)));
    precision = 'reduced';
  } else parts = short.map(() => null);
  let k = 0;
  return ctx.windows.map((w) => {
    if (w.longest) return currentNumeric(f);
    const d = parts[k++] ?? null;
    return d && d.count > 0 ? { data: d, precision } : null;
  });
}

/**
 * The windows of a numeric signal: KS (the graded effect) on every window that
 * holds the samples it needs; then, for the window the verdict reports (the
 * deciding one, else the longest), its KS if not yet computed and its PSI.
 * Statistics of windows that cannot judge are not computed: the evaluation of
 * a tick stays about one window's cost per stream.
 */
function ksWindows<T extends WindowedVerdict & { severity: Severity; referenceCount: number; currentCount: number; psi?: number | null; psiPValue?: number | null }>(
  out: T,
  ref: Bucketed,
  datas: ReadonlyArray<Bucketed | null>,
  s: ModelSettings,
  ctx: WindowContext,
): T {
  const n = countOf(ref);
  const needed = ksNeeded(s, s.thresholds.ks, n, ctx.alpha);
  const verdicts = ctx.windows.map((w, i) => {
    const cur = datas[i] ?? null;
    const v = newVerdict(w, n, cur ? countOf(cur) : 0, needed);
    if (!cur || v.currentCount < needed || n < s.minSamples) return v;
    v.ks = ksBucketed(ref, cur);
    v.severity = judge(v.ks.statistic, s.thresholds.ks, v.ks.pValue, ctx.alpha, needed, s, n, v.currentCount);
    return v;
  });
  const d = decidingIndex(verdicts);
  const at = d >= 0 ? d : verdicts.length - 1;
  const pick = verdicts[at];
  const cur = datas[at] ?? null;
  if (pick && cur && cur.count > 0) {
    pick.ks ??= ksBucketed(ref, cur);
    const psi = psiBucketed(ref, cur);
    pick.psi = psi.psi;
    pick.psiPValue = psi.pValue;
  }
  return applyWindows(out, verdicts);
}

function numericDrift(f: FeatureState, b: FeatureBaseline | undefined, s: ModelSettings, learning: boolean, ctx: WindowContext): FeatureDrift {
  const full = currentNumeric(f);
  const ref = referenceNumeric(b);
  const m = full ? countOf(full.data) : 0;
  const n = ref ? countOf(ref) : 0;
  const missing = f.missing?.get(SCALAR) ?? 0;
  const out: FeatureDrift = {
    name: f.name,
    type: 'numeric',
    precision: full?.precision ?? (ref && 'bounds' in ref ? 'reduced' : 'full'),
    missingRate: rate(missing, m),
    baselineMissingRate: b ? rate(b.missing, n) : null,
    severity: 'insufficient_data',
    referenceCount: n,
    currentCount: m,
  };
  if (!ref) return learning ? out : noReference(out, b);
  if (!full || n === 0) return out;
  if ('bounds' in ref !== 'bounds' in full.data) {
    out.precision = 'reduced';
    out.note = 'baseline and current window use different bucket kinds (exponential vs explicit): KS bounds from CDF intervals, PSI estimated';
  }
  return ksWindows(out, ref, numericWindows(f, ctx).map((w) => w?.data ?? null), s, ctx);
}

/** Counts of a count window in the `i`th window of the nested set. */
function countsIn(w: CountWindow, i: number, ctx: WindowContext): Record<string, number> {
  return ctx.windows[i]?.longest === true ? w.counts() : w.suffixCounts(ctx.after[i] as number);
}

function sumOf(counts: Record<string, number>): number {
  let t = 0;
  for (const v of Object.values(counts)) t += v;
  return t;
}

/** PSI (the graded effect) of one window's aligned bins `q` against the reference's `p`. */
function psiVerdict(p: number[], q: number[], v: WindowVerdict, s: ModelSettings, ctx: WindowContext): WindowVerdict {
  const needed = psiNeeded(s, s.thresholds.psi, v.referenceCount, p.length, ctx.alpha);
  v.neededCount = finite(needed);
  if (v.currentCount === 0) return v;
  const psi = psiCounts(p, q);
  v.psi = psi.psi;
  v.psiPValue = psi.pValue;
  v.severity = judge(psi.psi, s.thresholds.psi, psi.pValue, ctx.alpha, needed, s, v.referenceCount, v.currentCount);
  return v;
}

/** PSI, chi-square and JS of one window of category counts against the reference. */
function countsVerdict(ref: Record<string, number>, cur: Record<string, number>, v: WindowVerdict, s: ModelSettings, ctx: WindowContext): WindowVerdict {
  const { p, q } = alignCounts(ref, cur);
  psiVerdict(p, q, v, s, ctx);
  if (v.currentCount > 0) {
    v.chiSquare = chiSquareCounts(p, q);
    v.jensenShannon = jensenShannon(p, q);
  }
  return v;
}

function categoricalDrift(f: FeatureState, b: FeatureBaseline | undefined, s: ModelSettings, learning: boolean, ctx: WindowContext): FeatureDrift {
  const m = f.categories?.total ?? 0;
  const ref = b?.type === 'categorical' ? b.counts : null;
  const n = ref ? sumOf(ref) : 0;
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
  if (n === 0 || m === 0 || !f.categories) return out;
  const cats = f.categories;
  const verdicts = ctx.windows.map((w, i) => {
    const cur = countsIn(cats, i, ctx);
    return countsVerdict(ref, cur, newVerdict(w, n, sumOf(cur), Number.POSITIVE_INFINITY), s, ctx);
  });
  return applyWindows(out, verdicts);
}

function confidenceDrift(model: ModelState, b: Baseline | undefined, s: ModelSettings, ctx: WindowContext): ConfidenceDrift | undefined {
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
  if (!refData || refData.count === 0 || cur.count === 0) return out;
  const verdicts = ctx.windows.map((spec, i) => {
    const d = spec.longest ? cur : explicitData(w.bounds, w.suffixCounts(ctx.after[i] as number));
    const { p, q } = alignExplicit(refData, d);
    return psiVerdict(p, q, newVerdict(spec, refData.count, d.count, Number.POSITIVE_INFINITY), s, ctx);
  });
  return applyWindows(out, verdicts);
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

function labelDrift(model: ModelState, b: Baseline | undefined, s: ModelSettings, ctx: WindowContext): LabelDrift | undefined {
  const all = model.labels.counts();
  delete all[SCALAR];
  const ref = b?.prediction?.labels;
  const m = sumOf(all);
  if (m === 0 && !ref) return undefined;
  const n = ref ? sumOf(ref) : 0;
  const out: LabelDrift = { psi: null, psiPValue: null, chiSquare: null, jensenShannon: null, severity: 'insufficient_data', referenceCount: n, currentCount: m };
  if (!ref || n === 0 || m === 0) return out;
  const verdicts = ctx.windows.map((w, i) => {
    const cur = w.longest ? all : countsIn(model.labels, i, ctx);
    delete cur[SCALAR];
    return countsVerdict(ref, cur, newVerdict(w, n, sumOf(cur), Number.POSITIVE_INFINITY), s, ctx);
  });
  return applyWindows(out, verdicts);
}

function valueDrift(model: ModelState, b: Baseline | undefined, s: ModelSettings, ctx: WindowContext): ValueDrift | undefined {
  const ref: ExpHistogramData | undefined = b?.prediction?.value;
  const m = model.value.count;
  if (m === 0 && !ref) return undefined;
  const n = ref?.count ?? 0;
  const out: ValueDrift = { ks: null, psi: null, psiPValue: null, severity: 'insufficient_data', referenceCount: n, currentCount: m };
  if (!ref || n === 0 || m === 0) return out;
  const short = model.value.suffixesData(shortStarts(ctx));
  let k = 0;
  const datas = ctx.windows.map((w) => (w.longest ? model.value.toData() : (short[k++] ?? null)));
  return ksWindows(out, ref, datas, s, ctx);
}

/** Feature and prediction drift of a model against its active baseline. */
export function evaluateDrift(model: ModelState, baseline: Baseline | undefined, now: number): { features: FeatureDrift[]; prediction: PredictionDrift; severity: Severity } {
  const s = model.settings;
  const windows = driftWindowSpecs(s);
  const ctx: WindowContext = { windows, after: windows.map((w) => windowStartKey(w, s, now)), alpha: windowAlpha(s) };
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
    features.push(guarded(f, () => (f.type === 'numeric' ? numericDrift(f, b, s, learning, ctx) : categoricalDrift(f, b, s, learning, ctx))));
  }
  const prediction: PredictionDrift = {};
  const confidence = attempt(() => confidenceDrift(model, baseline, s, ctx));
  if (confidence) prediction.confidence = confidence;
  if (model.task === 'classification' || model.labels.total > 0) {
    const labels = attempt(() => labelDrift(model, baseline, s, ctx));
    if (labels) prediction.labels = labels;
  }
  if (model.task === 'regression' || model.value.count > 0) {
    const value = attempt(() => valueDrift(model, baseline, s, ctx));
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
