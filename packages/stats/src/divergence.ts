/**
 * Distances between distributions: Jensen-Shannon (on binned probabilities) and
 * the 1-Wasserstein (earth mover's) distance (on raw samples or histograms).
 *
 * @module
 */
import { checkNumbers, checkSameLength, total } from './validate.js';
import { segmentBounds, walkAligned, type HistogramInput } from './aligned-histograms.js';

/** `x * ln(x / y)` with the conventions of scipy's `rel_entr` (0 when x = 0). */
function relEntr(x: number, y: number): number {
  if (x === 0) return 0;
  return x * Math.log(x / y);
}

/**
 * Jensen-Shannon distance in base 2 (0 for identical, 1 for disjoint supports),
 * with `scipy.spatial.distance.jensenshannon(p, q, base=2)` semantics: each
 * side normalised by its total, then `sqrt((KL(p||m) + KL(q||m)) / 2 / ln 2)`
 * with `m = (p + q) / 2`.
 * @throws RangeError for empty or mismatched arrays, negative or non-finite
 *   entries, or a side whose entries are all zero.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const fn = 'jensenShannonDistance';
  checkNumbers(fn, 'p', p, { nonNegative: true });
  checkNumbers(fn, 'q', q, { nonNegative: true });
  checkSameLength(fn, p, 'p', q, 'q');
  const tp = total(p);
  const tq = total(q);
  if (tp === 0) throw new RangeError(`${fn}: p is all zeros`);
  if (tq === 0) throw new RangeError(`${fn}: q is all zeros`);
  let left = 0;
  let right = 0;
  for (let k = 0; k < p.length; k++) {
    const a = (p[k] as number) / tp;
    const b = (q[k] as number) / tq;
    const mid = (a + b) / 2;
    left += relEntr(a, mid);
    right += relEntr(b, mid);
  }
  // Rounding can leave a tiny negative divergence for near-identical inputs.
  const js = Math.max(0, (left + right) / Math.LN2);
  return Math.sqrt(js / 2);
}

function sortedCopy(fn: string, what: string, xs: ArrayLike<number>): Float64Array {
  checkNumbers(fn, what, xs);
  // Float64Array sorts numerically (and ascending) without a comparator.
  return Float64Array.from(xs as ArrayLike<number>).sort();
}

/**
 * 1-Wasserstein distance between two samples, `integral |F(x) - G(x)| dx` over
 * their empirical CDFs, as `scipy.stats.wasserstein_distance(x, y)`. O((n+m) log(n+m)).
 * @throws RangeError for empty samples or non-finite values.
 */
export function wassersteinDistance(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const fn = 'wassersteinDistance';
  const a = sortedCopy(fn, 'x', x);
  const b = sortedCopy(fn, 'y', y);
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let previous = Math.min(a[0] as number, b[0] as number);
  let area = 0;
  while (i < n || j < m) {
    const next = Math.min(i < n ? (a[i] as number) : Infinity, j < m ? (b[j] as number) : Infinity);
    area += Math.abs(i / n - j / m) * (next - previous);
    while (i < n && a[i] === next) i++;
    while (j < m && b[j] === next) j++;
    previous = next;
  }
  return area;
}

/** Population standard deviation (ddof 0), two-pass for accuracy. */
function populationSd(xs: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < xs.length; i++) mean += xs[i] as number;
  mean /= xs.length;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = (xs[i] as number) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / xs.length);
}

/** Distance over scale; a constant reference has no scale: 0 when nothing moved, else Infinity. */
function normalise(distance: number, sd: number): number {
  if (sd > 0) return distance / sd;
  return distance === 0 ? 0 : Infinity;
}

/**
 * {@link wassersteinDistance} divided by the reference's population standard
 * deviation (ddof 0), so it reads as "shift in reference standard deviations"
 * whatever the feature's unit. A constant reference (sd 0) gives 0 when the
 * distance is 0 and `Infinity` otherwise.
 * @throws as {@link wassersteinDistance}.
 */
export function normalizedWasserstein(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const distance = wassersteinDistance(reference, current);
  return normalise(distance, populationSd(reference));
}

/** One histogram's mass spread uniformly over `[lo, hi]` (a point mass when lo = hi). */
interface Piece {
  lo: number;
  hi: number;
  mass: number;
}

/**
 * Normalised 1-Wasserstein distance between two histograms, assuming each
 * bucket's count is spread uniformly over the bucket (better than placing it at
 * the bucket's midpoint: the CDFs are then exact at every edge and linear in
 * between, and the integral of |F - G| is computed exactly for that model).
 * Buckets are trimmed to each histogram's recorded `[min, max]` when known;
 * open-ended explicit buckets are bounded by min/max, or collapse onto their
 * finite edge when those are unknown. Divided by the reference's standard
 * deviation under the same model (constant reference: 0 or Infinity, as in
 * {@link normalizedWasserstein}).
 * @throws as {@link histogramKs} for invalid, empty or incompatible histograms.
 */
export function histogramWasserstein(reference: HistogramInput, current: HistogramInput): number {
  const ref: Piece[] = [];
  const cur: Piece[] = [];
  const raw: [number, number, number, number][] = [];
  const al = walkAligned(reference, current, 'histogramWasserstein', (p, q, _point, x, y) => {
    raw.push([p, q, x, y]);
  });
  const refRange = knownRange(al.refData);
  const curRange = knownRange(al.curData);
  for (const [p, q, x, y] of raw) {
    const [lo, hi] = segmentBounds(al, x, y);
    if (p > 0) ref.push(piece(lo, hi, p / al.n, refRange));
    if (q > 0) cur.push(piece(lo, hi, q / al.m, curRange));
  }
  return normalise(piecewiseLinearL1(ref, cur), pieceSd(ref));
}

function knownRange(d: { min?: number; max?: number }): [number, number] {
  const min = d.min !== undefined && Number.isFinite(d.min) ? d.min : -Infinity;
  const max = d.max !== undefined && Number.isFinite(d.max) ? d.max : Infinity;
  return [min, max];
}

function piece(lo: number, hi: number, mass: number, [min, max]: [number, number]): Piece {
  let a = Math.max(lo, min);
  let b = Math.min(hi, max);
  if (a > b) {
    // min/max inconsistent with the bucket (should not happen): fall back to the bucket itself.
    a = lo;
    b = hi;
  }
  if (!Number.isFinite(a)) a = b;
  if (!Number.isFinite(b)) b = a;
  return { lo: a, hi: b, mass };
}

/** Standard deviation of a mixture of uniform pieces. */
function pieceSd(pieces: Piece[]): number {
  let mean = 0;
  for (const s of pieces) mean += (s.mass * (s.lo + s.hi)) / 2;
  let variance = 0;
  for (const s of pieces) {
    // E[(X - mean)^2] over U(lo, hi): ((lo-mean)^2 + (lo-mean)(hi-mean) + (hi-mean)^2) / 3.
    const u = s.lo - mean;
    const v = s.hi - mean;
    variance += (s.mass * (u * u + u * v + v * v)) / 3;
  }
  return Math.sqrt(Math.max(0, variance));
}

/** CDF of a piecewise-uniform distribution just left (`left`) or right of x. */
function cdfAt(pieces: Piece[], x: number, left: boolean): number {
  let c = 0;
  for (const s of pieces) {
    if (s.hi < x || (s.hi === x && (!left || s.hi > s.lo))) c += s.mass;
    else if (s.lo < x && x < s.hi) c += (s.mass * (x - s.lo)) / (s.hi - s.lo);
    else if (s.lo >= x) break;
  }
  return c;
}

/** Exact integral of |F - G| for two piecewise-linear CDFs (F, G built from pieces). */
function piecewiseLinearL1(a: Piece[], b: Piece[]): number {
  const points = [...new Set([...a, ...b].flatMap((s) => [s.lo, s.hi]))].sort((x, y) => x - y);
  let area = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const x0 = points[k] as number;
    const x1 = points[k + 1] as number;
    const d0 = cdfAt(a, x0, false) - cdfAt(b, x0, false);
    const d1 = cdfAt(a, x1, true) - cdfAt(b, x1, true);
    const w = x1 - x0;
    if (d0 * d1 >= 0) area += ((Math.abs(d0) + Math.abs(d1)) / 2) * w;
    // The difference crosses zero inside: two triangles.
    else area += ((d0 * d0 + d1 * d1) / (2 * (Math.abs(d0) + Math.abs(d1)))) * w;
  }
  return area;
}
