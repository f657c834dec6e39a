/**
 * The limiting Kolmogorov distribution (of `sqrt(n) * D` as n grows), used for
 * asymptotic p-values where only counts are known. Hand-written: @stdlib has no
 * Kolmogorov distribution, and the series are short.
 *
 * @module
 */

/**
 * Survival function `P(K > x)` of the Kolmogorov distribution (scipy's
 * `kstwobign.sf`). Uses the alternating series `2 * sum (-1)^(k-1) exp(-2 k^2 x^2)`
 * for `x >= 1`, and one minus the Jacobi-theta form of the CDF below 1, where
 * the alternating series converges slowly.
 * @throws RangeError when `x` is NaN.
 */
export function kolmogorovLimitSf(x: number): number {
  if (Number.isNaN(x)) throw new RangeError('kolmogorovLimitSf: x is NaN');
  if (x <= 0) return 1;
  if (x < 1) {
    const c = (Math.PI * Math.PI) / (8 * x * x);
    let sum = 0;
    // Terms fall like exp(-c (2k-1)^2), c > 1.2: 12 terms are far past double precision.
    for (let k = 1; k <= 12; k++) sum += Math.exp(-c * (2 * k - 1) * (2 * k - 1));
    return 1 - (Math.sqrt(2 * Math.PI) / x) * sum;
  }
  let sum = 0;
  for (let k = 1; k <= 40; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-300 || term < 1e-17 * sum) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
