/**
 * Population Stability Index, on binned counts and on histograms re-binned to
 * the reference's deciles.
 *
 * @module
 */
import { chiSquareSf } from './chi-square.js';
import { checkNumbers, checkSameLength, total } from './validate.js';
import { segmentBounds, walkAligned, type HistogramInput } from './aligned-histograms.js';

/**
 * Proportion substituted for an empty bin before taking logs (only exact zeros
 * are replaced; other proportions are used as they are): 1e-4, the value of the
 * seed implementation, so the seed's PSI thresholds (0.1 / 0.2 / 0.25) keep their
 * meaning. A decile bin (0.1) that empties completely then contributes
 * about 0.1 * ln(0.1 / 1e-4) = 0.69: strong drift, but a finite number.
 */
export const PSI_FLOOR = 1e-4;

/**
 * PSI = sum over bins of (a - e) * ln(a / e), where `e` and `a` are the bins'
 * proportions of `expected` (reference) and `actual` (current). Counts or
 * proportions are accepted (each side is normalised by its total); empty bins
 * are floored at {@link PSI_FLOOR}.
 * @throws RangeError for empty or mismatched arrays, negative or non-finite
 *   entries, or a side whose entries are all zero.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  const fn = 'psi';
  checkNumbers(fn, 'expected', expected, { nonNegative: true });
  checkNumbers(fn, 'actual', actual, { nonNegative: true });
  checkSameLength(fn, expected, 'expected', actual, 'actual');
  const te = total(expected);
  const ta = total(actual);
  if (te === 0) throw new RangeError(`${fn}: expected is all zeros`);
  if (ta === 0) throw new RangeError(`${fn}: actual is all zeros`);
  let sum = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = (expected[k] as number) / te || PSI_FLOOR;
    const a = (actual[k] as number) / ta || PSI_FLOOR;
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/**
 * Approximate p-value of a PSI under "no drift": `PSI * (1/n + 1/m)^-1` is close
 * to chi-square with `bins - 1` degrees of freedom (PSI is a symmetrised
 * Kullback-Leibler divergence, whose scaled sampling distribution is the
 * Pearson chi-square's). Lets a PSI threshold be paired with significance, so
 * small windows do not raise noise.
 * @throws RangeError for non-finite or negative `psiValue`, non-positive `n`/`m`,
 *   or `bins` < 1.
 */
export function psiPValue(psiValue: number, n: number, m: number, bins: number): number {
  if (!Number.isFinite(psiValue) || psiValue < 0) throw new RangeError(`psiPValue: psiValue must be finite and >= 0, got ${psiValue}`);
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`psiPValue: n must be a positive count, got ${n}`);
  if (!(m > 0) || !Number.isFinite(m)) throw new RangeError(`psiPValue: m must be a positive count, got ${m}`);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`psiPValue: bins must be an integer >= 1, got ${bins}`);
  return chiSquareSf((psiValue * n * m) / (n + m), bins - 1);
}

/** Reference and current counts on common bins. */
export interface BinnedComparison {
  /** Interior cut points between consecutive bins (length = bins - 1), ascending. */
  edges: number[];
  /** Reference count per bin. */
  expected: number[];
  /** Current count per bin. */
  actual: number[];
}

/** Options of {@link histogramPsi}. */
export interface HistogramPsiOptions {
  /** Number of reference-quantile bins. @default 10 */
  bins?: number;
}

/**
 * PSI between two histograms on reference-quantile bins: the common buckets
 * (at the common exponential scale, or on shared explicit bounds) are grouped
 * so that each bin holds about 1/`bins` of the reference (a cut is placed at
 * the first bucket edge where the reference CDF reaches j/bins). PSI over the
 * ~150 raw buckets of an exponential histogram is noise (about 0.14 at n = 1000
 * without drift); on deciles it measures shift. A bucket holding more than
 * 1/bins of the reference yields fewer bins (reported in `bins`).
 * @throws as {@link histogramKs} for invalid, empty or incompatible histograms,
 *   and RangeError when `bins` is not an integer >= 2.
 */
export function histogramPsi(
  reference: HistogramInput,
  current: HistogramInput,
  opts: HistogramPsiOptions = {},
): { psi: number; pValue: number; bins: BinnedComparison } {
  const bins = opts.bins ?? 10;
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError(`histogramPsi: bins must be an integer >= 2, got ${String(bins)}`);
  const p: number[] = [];
  const q: number[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const al = walkAligned(reference, current, 'histogramPsi', (pi, qi, _point, x, y) => {
    p.push(pi);
    q.push(qi);
    xs.push(x);
    ys.push(y);
  });
  const n = al.n;
  const expected: number[] = [];
  const actual: number[] = [];
  const edges: number[] = [];
  let cumulative = 0;
  let next = 1;
  let binP = 0;
  let binQ = 0;
  for (let k = 0; k < p.length; k++) {
    cumulative += p[k] as number;
    binP += p[k] as number;
    binQ += q[k] as number;
    // Integer comparison (cumulative * bins >= j * n) avoids rounding at exact deciles.
    let cut = false;
    while (next < bins && cumulative * bins >= next * n) {
      next++;
      cut = true;
    }
    // No cut after the last bucket holding reference mass: the final bin would be empty.
    if (cut && cumulative < n && k < p.length - 1) {
      expected.push(binP);
      actual.push(binQ);
      edges.push(segmentBounds(al, xs[k] as number, ys[k] as number)[1]);
      binP = 0;
      binQ = 0;
    }
  }
  expected.push(binP);
  actual.push(binQ);
  const value = psi(expected, actual);
  return { psi: value, pValue: psiPValue(value, al.n, al.m, expected.length), bins: { edges, expected, actual } };
}
