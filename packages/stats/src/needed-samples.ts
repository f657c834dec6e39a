/**
 * How many current-window samples a drift test needs before an effect of a
 * given size can be significant at a given level: the count below which a
 * window cannot give a verdict without breaking its false-alert budget.
 * Also the inverse survival functions this needs. Pure maths.
 *
 * @module
 */
import { chiSquareSf } from './chi-square.js';
import { kolmogorovLimitSf } from './kolmogorov-limit.js';

/**
 * Inverts a decreasing survival function by bisection on [lo, hi] to
 * near-double precision. Hand-written: @stdlib has the chi-square quantile but
 * not the Kolmogorov one, and one bisection serves both.
 */
function invertSf(sf: (x: number) => number, p: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (sf(b) > p) b *= 2;
  // 200 halvings are far past double precision for any bracket used here.
  for (let i = 0; i < 200 && b - a > 1e-15 * Math.max(1, b); i++) {
    const mid = (a + b) / 2;
    if (sf(mid) > p) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

function checkP(name: string, p: number): void {
  if (!(p > 0 && p < 1)) throw new RangeError(`${name}: p must be in (0, 1), got ${p}`);
}

/** Inverse survival function of the Kolmogorov distribution (scipy's `kstwobign.isf`). */
export function kolmogorovLimitIsf(p: number): number {
  checkP('kolmogorovLimitIsf', p);
  return invertSf(kolmogorovLimitSf, p, 0, 4);
}

/** Inverse survival function of the chi-square distribution (scipy's `chi2.isf`). */
export function chiSquareIsf(p: number, dof: number): number {
  checkP('chiSquareIsf', p);
  if (!(dof > 0)) throw new RangeError(`chiSquareIsf: dof must be > 0, got ${dof}`);
  return invertSf((x) => chiSquareSf(x, dof), p, 0, Math.max(1, dof * 4));
}

/**
 * Current samples `n` a two-sample KS test against `m` reference samples needs
 * so that a distance `effect` is significant at `alpha`, by the asymptotic
 * distribution: `effect * sqrt(n m / (n + m)) >= kolmogorovLimitIsf(alpha)`.
 * `Infinity` when no `n` suffices (the reference alone is too small).
 */
export function ksNeededSamples(effect: number, m: number, alpha: number): number {
  if (!(effect > 0 && effect <= 1)) throw new RangeError(`ksNeededSamples: effect must be in (0, 1], got ${effect}`);
  if (!(m > 0)) throw new RangeError(`ksNeededSamples: m must be > 0, got ${m}`);
  const lambda = kolmogorovLimitIsf(alpha);
  // 1/n + 1/m <= (effect / lambda)^2
  const room = (effect / lambda) ** 2 - 1 / m;
  return room > 0 ? Math.ceil(1 / room) : Number.POSITIVE_INFINITY;
}

/**
 * Current samples `n` a PSI of `effect` over `bins` bins against `m` reference
 * samples needs to be significant at `alpha`, by the approximation DESIGN.md
 * states: `PSI / (1/n + 1/m)` is about chi-square with `bins - 1` degrees of
 * freedom under no drift. `Infinity` when no `n` suffices.
 */
export function psiNeededSamples(effect: number, m: number, bins: number, alpha: number): number {
  if (!(effect > 0)) throw new RangeError(`psiNeededSamples: effect must be > 0, got ${effect}`);
  if (!(m > 0)) throw new RangeError(`psiNeededSamples: m must be > 0, got ${m}`);
  if (!(bins >= 2)) return Number.POSITIVE_INFINITY;
  const q = chiSquareIsf(alpha, bins - 1);
  const room = effect / q - 1 / m;
  return room > 0 ? Math.ceil(1 / room) : Number.POSITIVE_INFINITY;
}
