/**
 * Chi-square test of homogeneity between reference and current category counts.
 *
 * @module
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import { checkNumbers, checkSameLength, total } from './validate.js';

/** Result of {@link chiSquareTest}. */
export interface ChiSquareResult {
  statistic: number;
  pValue: number;
  /** Degrees of freedom: (categories with any count) - 1. */
  dof: number;
}

/**
 * Upper tail `P(X > x)` of a chi-square distribution with `dof` degrees of freedom,
 * as the regularised upper incomplete gamma function (no `1 - cdf` cancellation
 * for tiny p-values). `dof` 0 gives 1 for x >= 0, like scipy's degenerate case.
 */
export function chiSquareSf(x: number, dof: number): number {
  if (Number.isNaN(x) || !(dof >= 0)) throw new RangeError(`chiSquareSf: need x not NaN and dof >= 0, got x=${x}, dof=${dof}`);
  if (dof === 0 || x <= 0) return 1;
  return gammainc(x / 2, dof / 2, true, true);
}

/**
 * Pearson chi-square test on the 2 x K contingency table whose rows are the
 * reference and current counts, with scipy `chi2_contingency(correction=False)`
 * semantics: expected = row total * column total / grand total, statistic =
 * sum (observed - expected)^2 / expected, dof = K - 1, p from chi2(dof).
 *
 * Categories with no count in either row carry no information and are left out
 * (scipy instead raises on their zero expected frequency). With a single
 * remaining category the result is statistic 0, p-value 1, dof 0 (scipy's
 * degenerate case).
 * @throws RangeError for empty or mismatched arrays, negative or non-finite
 *   counts, or a row whose counts are all zero.
 */
export function chiSquareTest(referenceCounts: ArrayLike<number>, currentCounts: ArrayLike<number>): ChiSquareResult {
  const fn = 'chiSquareTest';
  checkNumbers(fn, 'referenceCounts', referenceCounts, { nonNegative: true });
  checkNumbers(fn, 'currentCounts', currentCounts, { nonNegative: true });
  checkSameLength(fn, referenceCounts, 'referenceCounts', currentCounts, 'currentCounts');
  const n = total(referenceCounts);
  const m = total(currentCounts);
  if (n === 0) throw new RangeError(`${fn}: referenceCounts are all zero`);
  if (m === 0) throw new RangeError(`${fn}: currentCounts are all zero`);
  const grand = n + m;
  let statistic = 0;
  let used = 0;
  for (let k = 0; k < referenceCounts.length; k++) {
    const a = referenceCounts[k] as number;
    const b = currentCounts[k] as number;
    const column = a + b;
    if (column === 0) continue;
    used++;
    const ea = (n * column) / grand;
    const eb = (m * column) / grand;
    statistic += ((a - ea) * (a - ea)) / ea + ((b - eb) * (b - eb)) / eb;
  }
  const dof = used - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof: 0 };
  return { statistic, pValue: chiSquareSf(statistic, dof), dof };
}
