/**
 * The statistics the engine computes per feature, in one place: thin adapters
 * from window data to `@modelwatch/stats`, shaped as the engine reports them.
 *
 * @module
 */
import { chiSquareTest, histogramKs, histogramPsi, jensenShannonDistance, psi, psiPValue } from '@modelwatch/stats';
import type { ExpHistogramData, ExplicitHistogramData } from './histogram-data.js';
import type { ChiSquareResult, KsResult } from './types.js';

/** Explicit-bucket histogram data: `counts.length === bounds.length + 1`. */
export type ExplicitData = ExplicitHistogramData;

/** Either kind of bucketed distribution. */
export type Bucketed = ExpHistogramData | ExplicitData;

/** PSI with its significance. */
export interface PsiResult {
  psi: number;
  pValue: number;
  bins: number;
}

/** KS bounds and asymptotic p-value between bucketed distributions of the same kind. */
export function ksBucketed(ref: Bucketed, cur: Bucketed): KsResult {
  const r = histogramKs(ref, cur);
  return { statistic: r.statistic, bound: r.bound, pValue: r.pValue };
}

/** PSI on aligned counts with its chi-square significance. */
export function psiCounts(p: readonly number[], q: readonly number[]): PsiResult {
  let n = 0;
  let m = 0;
  for (const x of p) n += x;
  for (const x of q) m += x;
  const value = psi(p, q);
  return { psi: value, pValue: psiPValue(value, n, m, p.length), bins: p.length };
}

/** PSI of numeric distributions re-binned to the reference's deciles. */
export function psiBucketed(ref: Bucketed, cur: Bucketed): PsiResult {
  const r = histogramPsi(ref, cur);
  return { psi: r.psi, pValue: r.pValue, bins: r.bins.expected.length };
}

/** Chi-square test of homogeneity (scipy `chi2_contingency(correction=False)` semantics). */
export function chiSquareCounts(p: readonly number[], q: readonly number[]): ChiSquareResult {
  const r = chiSquareTest(p, q);
  return { statistic: r.statistic, pValue: r.pValue, degreesOfFreedom: r.dof };
}

/** Jensen-Shannon distance (base 2, in [0, 1]). */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  return jensenShannonDistance(p, q);
}
