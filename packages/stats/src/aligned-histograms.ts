/**
 * Walks two bucketed distributions over a common grid of buckets, the shared
 * core of histogram KS, PSI re-binning and histogram Wasserstein. Internal to
 * the package (not exported from the index).
 *
 * Exponential histograms are brought to the lower of their scales (downscaling
 * is exact), so each common bucket holds whole buckets of both. Explicit-bucket
 * histograms are compared on the bounds they share: each common segment then
 * holds whole buckets of both. Mixing the two kinds is rejected: their edges do
 * not line up, so no exact CDF comparison exists.
 *
 * @module
 */
import {
  ExponentialHistogram,
  bucketLowerBoundary,
  validateExpHistogramData,
  type ExpBuckets,
  type ExpHistogramData,
  type ExplicitHistogramData,
} from './exponential-histogram.js';

/** Anything the histogram statistics accept. */
export type HistogramInput = ExponentialHistogram | ExpHistogramData | ExplicitHistogramData;

/** Result of a walk: what is needed to turn visited keys back into values. */
export interface Alignment {
  explicit: boolean;
  /** Common scale (exponential only). */
  scale: number;
  zeroThreshold: number;
  /** Total counts of the reference and the current histogram. */
  n: number;
  m: number;
  refData: ExpHistogramData | ExplicitHistogramData;
  curData: ExpHistogramData | ExplicitHistogramData;
}

/**
 * Visitor of one common bucket, ascending over the real line, called only for
 * buckets with mass in either histogram. `p`/`q` are the reference and current
 * counts. Exponential: `x` is the sign region (-1, 0 for the zero bucket, 1) and
 * `y` the bucket index at the common scale. Explicit: `x`/`y` are the segment's
 * lower and upper bound (infinite at the ends). `point` is true for a zero
 * bucket with threshold 0, whose CDF on both sides is exact.
 */
export type SegmentVisitor = (p: number, q: number, point: boolean, x: number, y: number) => void;

/**
 * Optional replacement for the per-bucket walk of one sign of two exponential
 * histograms (for hot loops that cannot afford a call per bucket). It must
 * consume the runs in ascending value order: `descending` index order for the
 * negative side.
 */
export type RunsVisitor = (a: ExpBuckets, b: ExpBuckets, shiftA: number, shiftB: number, descending: boolean) => void;

function isExplicit(h: HistogramInput): h is ExplicitHistogramData {
  return !(h instanceof ExponentialHistogram) && typeof h === 'object' && h !== null && 'bounds' in h;
}

/**
 * Checks an {@link ExplicitHistogramData}, throwing an error naming the first problem.
 */
export function validateExplicitHistogramData(d: ExplicitHistogramData, what = 'histogram'): void {
  if (!Array.isArray(d.bounds)) throw new TypeError(`${what}.bounds must be an array of numbers`);
  if (!Array.isArray(d.counts)) throw new TypeError(`${what}.counts must be an array of numbers`);
  if (d.counts.length !== d.bounds.length + 1) {
    throw new RangeError(`${what}.counts has ${d.counts.length} entries but bounds has ${d.bounds.length}; counts must have bounds.length + 1`);
  }
  let previous = -Infinity;
  for (let k = 0; k < d.bounds.length; k++) {
    const b = d.bounds[k];
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new RangeError(`${what}.bounds[${k}] must be finite, got ${String(b)}`);
    if (!(b > previous)) throw new RangeError(`${what}.bounds must be strictly increasing, but bounds[${k}] = ${b} follows ${previous}`);
    previous = b;
  }
  let total = 0;
  for (let k = 0; k < d.counts.length; k++) {
    const c = d.counts[k];
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0) {
      throw new RangeError(`${what}.counts[${k}] must be a finite non-negative number, got ${String(c)}`);
    }
    total += c;
  }
  if (typeof d.count !== 'number' || !(total === d.count || Math.abs(total - d.count) <= 1e-9 * total)) {
    throw new RangeError(`${what}.count is ${String(d.count)} but the bucket counts add up to ${total}`);
  }
  for (const key of ['sum', 'min', 'max'] as const) {
    const v = d[key];
    if (v !== undefined && !Number.isFinite(v)) throw new RangeError(`${what}.${key} must be finite when present, got ${String(v)}`);
  }
}

/** Validated plain data of either kind (instances are viewed without copying). */
export function histogramData(h: HistogramInput, what: string): ExpHistogramData | ExplicitHistogramData {
  if (h instanceof ExponentialHistogram) return h.view();
  if (h === null || typeof h !== 'object') throw new TypeError(`${what} must be a histogram, got ${String(h)}`);
  if (isExplicit(h)) validateExplicitHistogramData(h, what);
  else validateExpHistogramData(h, what);
  return h;
}

/** Walks one sign's runs of both histograms at a common scale, merging equal shifted indexes. */
function walkRuns(
  a: ExpBuckets,
  shiftA: number,
  b: ExpBuckets,
  shiftB: number,
  region: number,
  visit: SegmentVisitor,
): void {
  const ca = a.bucketCounts;
  const cb = b.bucketCounts;
  const na = ca.length;
  const nb = cb.length;
  const oa = a.offset;
  const ob = b.offset;
  if (region > 0) {
    let i = 0;
    let j = 0;
    while (i < na || j < nb) {
      const ia = i < na ? (oa + i) >> shiftA : 2147483647;
      const ib = j < nb ? (ob + j) >> shiftB : 2147483647;
      const index = ia < ib ? ia : ib;
      let p = 0;
      let q = 0;
      while (i < na && (oa + i) >> shiftA === index) p += ca[i++] as number;
      while (j < nb && (ob + j) >> shiftB === index) q += cb[j++] as number;
      if (p > 0 || q > 0) visit(p, q, false, region, index);
    }
    return;
  }
  // Negative buckets ascend in value as their index descends.
  let i = na - 1;
  let j = nb - 1;
  while (i >= 0 || j >= 0) {
    const ia = i >= 0 ? (oa + i) >> shiftA : -2147483648;
    const ib = j >= 0 ? (ob + j) >> shiftB : -2147483648;
    const index = ia > ib ? ia : ib;
    let p = 0;
    let q = 0;
    while (i >= 0 && (oa + i) >> shiftA === index) p += ca[i--] as number;
    while (j >= 0 && (ob + j) >> shiftB === index) q += cb[j--] as number;
    if (p > 0 || q > 0) visit(p, q, false, region, index);
  }
}

function hasBuckets(d: ExpHistogramData): boolean {
  return d.positive.bucketCounts.length > 0 || d.negative.bucketCounts.length > 0;
}

/**
 * Walks the common buckets of `reference` and `current` in ascending order.
 * `fn` names the calling function in error messages.
 * @throws when either input is invalid or empty, when the kinds differ, or when
 *   exponential zero thresholds differ.
 */
export function walkAligned(
  reference: HistogramInput,
  current: HistogramInput,
  fn: string,
  visit: SegmentVisitor,
  visitRuns?: RunsVisitor,
): Alignment {
  const ref = histogramData(reference, `${fn}: reference`);
  const cur = histogramData(current, `${fn}: current`);
  if (!(ref.count > 0)) throw new RangeError(`${fn}: reference histogram is empty (count 0)`);
  if (!(cur.count > 0)) throw new RangeError(`${fn}: current histogram is empty (count 0)`);
  const refExplicit = 'bounds' in ref;
  const curExplicit = 'bounds' in cur;
  if (refExplicit !== curExplicit) {
    throw new TypeError(
      `${fn}: cannot compare an ${refExplicit ? 'explicit-bucket' : 'exponential'} reference with an ${curExplicit ? 'explicit-bucket' : 'exponential'} current histogram: their bucket edges do not line up`,
    );
  }
  if ('bounds' in ref && 'bounds' in cur) {
    walkExplicit(ref, cur, visit);
    return { explicit: true, scale: 0, zeroThreshold: 0, n: ref.count, m: cur.count, refData: ref, curData: cur };
  }
  const a = ref as ExpHistogramData;
  const b = cur as ExpHistogramData;
  const zeroThreshold = a.zeroThreshold ?? 0;
  if (zeroThreshold !== (b.zeroThreshold ?? 0)) {
    throw new RangeError(`${fn}: zero thresholds differ (reference ${zeroThreshold}, current ${b.zeroThreshold ?? 0}); merge both into histograms with a common threshold first`);
  }
  const scale = hasBuckets(a) ? (hasBuckets(b) ? Math.min(a.scale, b.scale) : a.scale) : hasBuckets(b) ? b.scale : Math.min(a.scale, b.scale);
  const shiftA = a.scale - scale;
  const shiftB = b.scale - scale;
  if (visitRuns) visitRuns(a.negative, b.negative, shiftA, shiftB, true);
  else walkRuns(a.negative, shiftA, b.negative, shiftB, -1, visit);
  if (a.zeroCount > 0 || b.zeroCount > 0) visit(a.zeroCount, b.zeroCount, zeroThreshold === 0, 0, 0);
  if (visitRuns) visitRuns(a.positive, b.positive, shiftA, shiftB, false);
  else walkRuns(a.positive, shiftA, b.positive, shiftB, 1, visit);
  return { explicit: false, scale, zeroThreshold, n: a.count, m: b.count, refData: a, curData: b };
}

function walkExplicit(a: ExplicitHistogramData, b: ExplicitHistogramData, visit: SegmentVisitor): void {
  // Shared bounds: the only edges where both CDFs are known exactly.
  const common: number[] = [];
  for (let i = 0, j = 0; i < a.bounds.length && j < b.bounds.length; ) {
    const x = a.bounds[i] as number;
    const y = b.bounds[j] as number;
    if (x === y) {
      common.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  const p = new Float64Array(common.length + 1);
  const q = new Float64Array(common.length + 1);
  accumulate(a, common, p);
  accumulate(b, common, q);
  for (let s = 0; s <= common.length; s++) {
    const ps = p[s] as number;
    const qs = q[s] as number;
    if (ps > 0 || qs > 0) visit(ps, qs, false, s === 0 ? -Infinity : (common[s - 1] as number), s === common.length ? Infinity : (common[s] as number));
  }
}

/** Adds each bucket of `h` to the common segment that contains it. */
function accumulate(h: ExplicitHistogramData, common: number[], into: Float64Array): void {
  let segment = 0;
  for (let k = 0; k < h.counts.length; k++) {
    const upper = k < h.bounds.length ? (h.bounds[k] as number) : Infinity;
    while (segment < common.length && (common[segment] as number) < upper) segment++;
    into[segment] = (into[segment] as number) + (h.counts[k] as number);
  }
}

/** The value interval `[lo, hi]` of a visited bucket. */
export function segmentBounds(al: Alignment, x: number, y: number): [number, number] {
  if (al.explicit) return [x, y];
  if (x === 0) return [-al.zeroThreshold, al.zeroThreshold];
  const lo = bucketLowerBoundary(y, al.scale);
  const hi = bucketLowerBoundary(y + 1, al.scale);
  return x > 0 ? [Math.max(lo, al.zeroThreshold), hi] : [-hi, -Math.max(lo, al.zeroThreshold)];
}
