/**
 * Two-sample Kolmogorov-Smirnov comparison of two bucketed distributions
 * (exponential or explicit-bucket histograms), without the raw values.
 *
 * At every common bucket edge both CDFs are known exactly, so the largest gap
 * there (`statistic`) is a lower bound on the KS statistic D of the raw values.
 * Inside a common bucket each CDF moves monotonically from its value at the
 * lower edge to its value at the upper edge, so the gap there is at most
 * `max(F_k - G_{k-1}, G_k - F_{k-1})`; the largest such value (`bound`) is an
 * upper bound on D. It never exceeds `statistic` plus the largest single-bucket
 * mass in either histogram (the usual bound) and is often tighter.
 *
 * @module
 */
import { kolmogorovLimitSf } from './kolmogorov-limit.js';
import { walkAligned, type HistogramInput } from './aligned-histograms.js';

/** Result of {@link histogramKs}. */
export interface HistogramKsResult {
  /** KS statistic at the common bucket edges: a lower bound on the raw-data D. */
  statistic: number;
  /** Upper bound on the raw-data D. */
  bound: number;
  /**
   * Asymptotic p-value of `statistic` (Kolmogorov distribution at
   * `sqrt(n*m/(n+m)) * statistic`). Since `statistic <= D`, this is at least the
   * p-value of the raw data: binning never makes a shift look more significant.
   */
  pValue: number;
  /** Reference count. */
  n: number;
  /** Current count. */
  m: number;
}

/**
 * KS statistic bounds and asymptotic p-value between a reference and a current
 * histogram. Exponential histograms are compared at their common (lower) scale;
 * explicit-bucket histograms on the bounds they share.
 * @throws TypeError when one is exponential and the other explicit; RangeError
 *   for empty histograms, invalid data (naming the field) or differing zero thresholds.
 */
export function histogramKs(reference: HistogramInput, current: HistogramInput): HistogramKsResult {
  // state: cumulative reference and current fractions, statistic, bound.
  const st = new Float64Array(4);
  // Read before validation, but walkAligned validates before its first visit.
  const invN = 1 / reference.count;
  const invM = 1 / current.count;
  const al = walkAligned(reference, current, 'histogramKs', (p, q, point) => step(st, p * invN, q * invM, point), (a, b, shiftA, shiftB, descending) =>
    stepRuns(st, a.bucketCounts, a.offset, shiftA, b.bucketCounts, b.offset, shiftB, descending, invN, invM),
  );
  // Rounding can leave a gap of ~1e-16 where the CDFs are equal; keep results in [0, 1].
  const statistic = Math.min(1, st[2] as number);
  const bound = Math.min(1, Math.max(st[3] as number, statistic));
  const effective = (al.n * al.m) / (al.n + al.m);
  return { statistic, bound, pValue: kolmogorovLimitSf(Math.sqrt(effective) * statistic), n: al.n, m: al.m };
}

/** Advances the KS state over one common bucket holding fractions p and q. */
function step(st: Float64Array, p: number, q: number, point: boolean): void {
  const before = (st[0] as number) - (st[1] as number);
  if (!point) {
    const up = before + p;
    const down = q - before;
    if (up > (st[3] as number)) st[3] = up;
    if (down > (st[3] as number)) st[3] = down;
  }
  st[0] = (st[0] as number) + p;
  st[1] = (st[1] as number) + q;
  const gap = Math.abs((st[0] as number) - (st[1] as number));
  if (gap > (st[2] as number)) st[2] = gap;
}

/**
 * The hot loop of {@link histogramKs} for one sign of two exponential
 * histograms: the same merge of shifted indexes as the generic walk, inlined
 * (no call per bucket) because KS over thousands of features runs every tick.
 */
function stepRuns(
  st: Float64Array,
  ca: ArrayLike<number>,
  oa: number,
  shiftA: number,
  cb: ArrayLike<number>,
  ob: number,
  shiftB: number,
  descending: boolean,
  invN: number,
  invM: number,
): void {
  let cumP = st[0] as number;
  let cumQ = st[1] as number;
  let statistic = st[2] as number;
  let bound = st[3] as number;
  const na = ca.length;
  const nb = cb.length;
  const dir = descending ? -1 : 1;
  let i = descending ? na - 1 : 0;
  let j = descending ? nb - 1 : 0;
  // Bounded: every pass consumes at least one bucket of a or b.
  while ((i >= 0 && i < na) || (j >= 0 && j < nb)) {
    const hasA = i >= 0 && i < na;
    const hasB = j >= 0 && j < nb;
    const ia = hasA ? (oa + i) >> shiftA : 0;
    const ib = hasB ? (ob + j) >> shiftB : 0;
    const index = !hasB ? ia : !hasA ? ib : descending ? (ia > ib ? ia : ib) : ia < ib ? ia : ib;
    let p = 0;
    let q = 0;
    while (i >= 0 && i < na && (oa + i) >> shiftA === index) {
      p += ca[i] as number;
      i += dir;
    }
    while (j >= 0 && j < nb && (ob + j) >> shiftB === index) {
      q += cb[j] as number;
      j += dir;
    }
    p *= invN;
    q *= invM;
    const before = cumP - cumQ;
    if (before + p > bound) bound = before + p;
    if (q - before > bound) bound = q - before;
    cumP += p;
    cumQ += q;
    const gap = cumP > cumQ ? cumP - cumQ : cumQ - cumP;
    if (gap > statistic) statistic = gap;
  }
  st[0] = cumP;
  st[1] = cumQ;
  st[2] = statistic;
  st[3] = bound;
}
