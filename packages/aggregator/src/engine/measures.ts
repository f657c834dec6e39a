/**
 * The statistics the engine computes per feature, in one place: thin adapters
 * from window data to `@modelwatch/stats`, shaped as the engine reports them.
 *
 * @module
 */
import { ExponentialHistogram, chiSquareTest, histogramKs, histogramPsi, jensenShannonDistance, kolmogorovLimitSf, psi, psiPValue } from '@modelwatch/stats';
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

/**
 * KS bounds and asymptotic p-value between bucketed distributions. Same kinds go
 * to `histogramKs`; an exponential against an explicit-bucket histogram (a
 * baseline file made with exponential buckets, a service sending explicit
 * buckets) to {@link ksMixed}.
 */
export function ksBucketed(ref: Bucketed, cur: Bucketed): KsResult {
  if ('bounds' in ref !== 'bounds' in cur) {
    return 'bounds' in cur ? ksMixed(ref as ExpHistogramData, cur) : ksMixed(cur as ExpHistogramData, ref as ExplicitData);
  }
  const r = histogramKs(ref, cur);
  return { statistic: r.statistic, bound: r.bound, pValue: r.pValue };
}

/**
 * Where the exponential histogram's CDF lies at each explicit bound: the
 * exponential CDF is known only at its own edges, so at a bound x it lies
 * between the CDF at the nearest edges on either side. (`stats` rejects this
 * pairing because no exact comparison exists; these intervals make one with
 * honest bounds.)
 */
function cdfIntervals(exp: ExpHistogramData, bounds: readonly number[]): { lo: Float64Array; hi: Float64Array } {
  const { edges, cdf } = ExponentialHistogram.fromData(exp).cdfAtEdges();
  const lo = new Float64Array(bounds.length);
  const hi = new Float64Array(bounds.length);
  let i = 0;
  for (let j = 0; j < bounds.length; j++) {
    const x = bounds[j] as number;
    // cdf[k] <= F(x) for every edge <= x (negative edges hold P(X < edge), positive P(X <= edge)).
    while (i < edges.length && (edges[i] as number) <= x) i++;
    lo[j] = i > 0 ? (cdf[i - 1] as number) : 0;
    // F(x) <= cdf at the first edge above x, or at x itself when x is a non-negative edge.
    let k = i;
    if (i > 0 && edges[i - 1] === x && x >= 0) k = i - 1;
    hi[j] = k < edges.length ? (cdf[k] as number) : 1;
  }
  return { lo, hi };
}

/**
 * KS between an exponential and an explicit-bucket histogram. At each explicit
 * bound the explicit CDF G is exact and the exponential CDF F lies in
 * [lo, hi], so the distance from G to that interval is a lower bound on D;
 * inside a bucket (b', b] both CDFs are monotone, so
 * max(G(b) - lo(b'), hi(b) - G(b')) bounds D from above.
 */
export function ksMixed(exp: ExpHistogramData, explicit: ExplicitData): KsResult {
  const n = exp.count;
  const m = explicit.count;
  const { lo, hi } = cdfIntervals(exp, explicit.bounds);
  let statistic = 0;
  let bound = 0;
  let g = 0;
  let prevG = 0;
  let prevLo = 0;
  for (let j = 0; j <= explicit.bounds.length; j++) {
    g += explicit.counts[j] as number;
    const G = j < explicit.bounds.length ? g / m : 1;
    const l = j < explicit.bounds.length ? (lo[j] as number) : 1;
    const h = j < explicit.bounds.length ? (hi[j] as number) : 1;
    statistic = Math.max(statistic, l - G, G - h);
    bound = Math.max(bound, G - prevLo, h - prevG);
    prevG = G;
    prevLo = l;
  }
  bound = Math.min(1, Math.max(bound, statistic));
  return { statistic, bound, pValue: kolmogorovLimitSf(Math.sqrt((n * m) / (n + m)) * statistic) };
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
  if ('bounds' in ref !== 'bounds' in cur) return psiMixed(ref, cur);
  const r = histogramPsi(ref, cur);
  return { psi: r.psi, pValue: r.pValue, bins: r.bins.expected.length };
}

/**
 * PSI between an exponential and an explicit-bucket histogram: the explicit
 * buckets are the bins, the exponential side's mass per bin is estimated at
 * the middle of its CDF interval at each bound (an estimate, unlike the KS
 * bounds), and bins are grouped to about the reference's deciles.
 */
function psiMixed(ref: Bucketed, cur: Bucketed): PsiResult {
  const explicit = ('bounds' in ref ? ref : cur) as ExplicitData;
  const exp = ('bounds' in ref ? cur : ref) as ExpHistogramData;
  const { lo, hi } = cdfIntervals(exp, explicit.bounds);
  const expMass: number[] = [];
  let prev = 0;
  for (let j = 0; j <= explicit.bounds.length; j++) {
    const F = j < explicit.bounds.length ? ((lo[j] as number) + (hi[j] as number)) / 2 : 1;
    expMass.push(Math.max(0, F - prev) * exp.count);
    prev = Math.max(prev, F);
  }
  const p = 'bounds' in ref ? explicit.counts : expMass;
  const q = 'bounds' in ref ? expMass : explicit.counts;
  const n = 'bounds' in ref ? explicit.count : exp.count;
  const m = 'bounds' in ref ? exp.count : explicit.count;
  const gp: number[] = [];
  const gq: number[] = [];
  let accP = 0;
  let accQ = 0;
  let cum = 0;
  let next = 1;
  for (let k = 0; k < p.length; k++) {
    accP += p[k] as number;
    accQ += q[k] as number;
    cum += p[k] as number;
    let cut = false;
    while (next < 10 && cum * 10 >= next * n) {
      next++;
      cut = true;
    }
    if (cut && k < p.length - 1 && cum < n) {
      gp.push(accP);
      gq.push(accQ);
      accP = 0;
      accQ = 0;
    }
  }
  gp.push(accP);
  gq.push(accQ);
  const value = psi(gp, gq);
  return { psi: value, pValue: psiPValue(value, n, m, gp.length), bins: gp.length };
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
