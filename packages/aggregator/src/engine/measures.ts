/**
 * The statistics the engine computes per feature, in one place, on plain
 * histogram and count data.
 *
 * @module
 */
import type { ExpHistogramData } from './histogram-data.js';
import type { ChiSquareResult, KsResult } from './types.js';

/** Explicit-bucket histogram data: `counts.length === bounds.length + 1`. */
export interface ExplicitData {
  bounds: number[];
  counts: number[];
  count: number;
}

/** Either kind of bucketed distribution. */
export type Bucketed = ExpHistogramData | ExplicitData;

/** PSI with its significance. */
export interface PsiResult {
  psi: number;
  pValue: number;
  bins: number;
}

/**
 * Floor for an empty bin's share in PSI, so ln(a / e) stays finite: 1e-4 of the
 * mass (a share below 1 in 10,000 is treated as 1 in 10,000).
 */
export const PSI_FLOOR = 1e-4;

/** Common buckets of two distributions, ascending: reference and current counts per bucket. */
function aligned(ref: Bucketed, cur: Bucketed): { p: number[]; q: number[] } {
  if ('bounds' in ref && 'bounds' in cur) return alignedExplicit(ref, cur);
  if (!('bounds' in ref) && !('bounds' in cur)) return alignedExp(ref, cur);
  throw new TypeError('cannot compare an exponential with an explicit-bucket histogram: their edges do not line up');
}

function alignedExplicit(a: ExplicitData, b: ExplicitData): { p: number[]; q: number[] } {
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
  const fold = (h: ExplicitData): number[] => {
    const out = new Array<number>(common.length + 1).fill(0);
    let s = 0;
    h.counts.forEach((c, k) => {
      const upper = k < h.bounds.length ? (h.bounds[k] as number) : Infinity;
      while (s < common.length && (common[s] as number) < upper) s++;
      out[s] = (out[s] as number) + c;
    });
    return out;
  };
  return { p: fold(a), q: fold(b) };
}

function alignedExp(a: ExpHistogramData, b: ExpHistogramData): { p: number[]; q: number[] } {
  const scale = Math.min(a.scale, b.scale);
  const keyed = new Map<number, [number, number]>();
  // Keys order the real line: negative buckets (descending index), zero, positive.
  const put = (key: number, v: number, side: 0 | 1): void => {
    const e = keyed.get(key) ?? [0, 0];
    e[side] += v;
    keyed.set(key, e);
  };
  const addSide = (h: ExpHistogramData, side: 0 | 1): void => {
    const shift = h.scale - scale;
    h.negative.bucketCounts.forEach((c, k) => {
      if (c > 0) put(-(((h.negative.offset + k) >> shift) + 1e6), c, side);
    });
    if (h.zeroCount > 0) put(-0.5, h.zeroCount, side);
    h.positive.bucketCounts.forEach((c, k) => {
      if (c > 0) put(((h.positive.offset + k) >> shift) + 1e6, c, side);
    });
  };
  addSide(a, 0);
  addSide(b, 1);
  const keys = [...keyed.keys()].sort((x, y) => x - y);
  return { p: keys.map((k) => (keyed.get(k) as [number, number])[0]), q: keys.map((k) => (keyed.get(k) as [number, number])[1]) };
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Kolmogorov limit distribution survival function. */
function kolmogorovSf(x: number): number {
  if (x <= 0) return 1;
  if (x < 0.18) return 1;
  let s = 0;
  for (let k = 1; k <= 100; k++) {
    const t = Math.exp(-2 * k * k * x * x);
    s += (k % 2 === 1 ? 1 : -1) * t;
    if (t < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

/**
 * KS between two bucketed distributions: D at common edges (lower bound), an
 * upper bound from the monotonicity of both CDFs inside each common bucket,
 * and the asymptotic p-value of the lower bound.
 */
export function ksBucketed(ref: Bucketed, cur: Bucketed): KsResult {
  const { p, q } = aligned(ref, cur);
  const n = sum(p);
  const m = sum(q);
  let cp = 0;
  let cq = 0;
  let statistic = 0;
  let bound = 0;
  for (let k = 0; k < p.length; k++) {
    const before = cp / n - cq / m;
    bound = Math.max(bound, before + (p[k] as number) / n, (q[k] as number) / m - before);
    cp += p[k] as number;
    cq += q[k] as number;
    statistic = Math.max(statistic, Math.abs(cp / n - cq / m));
  }
  bound = Math.min(1, Math.max(bound, statistic));
  const en = Math.sqrt((n * m) / (n + m));
  return { statistic, bound, pValue: kolmogorovSf(en * statistic) };
}

/** PSI over aligned counts, empty shares floored at {@link PSI_FLOOR}. */
export function psiCounts(p: readonly number[], q: readonly number[]): PsiResult {
  const n = sum(p);
  const m = sum(q);
  let psi = 0;
  for (let k = 0; k < p.length; k++) {
    const e = Math.max((p[k] as number) / n, PSI_FLOOR);
    const a = Math.max((q[k] as number) / m, PSI_FLOOR);
    psi += (a - e) * Math.log(a / e);
  }
  return { psi, pValue: psiPValue(psi, n, m, p.length), bins: p.length };
}

/** Significance of a PSI: PSI / (1/n + 1/m) is about chi-square with bins - 1 degrees of freedom under no drift. */
export function psiPValue(psi: number, n: number, m: number, bins: number): number {
  if (bins < 2) return 1;
  return chiSquareSf(psi / (1 / n + 1 / m), bins - 1);
}

/** PSI of numeric distributions re-binned to the reference's deciles (10 bins, fewer when buckets are coarse). */
export function psiBucketed(ref: Bucketed, cur: Bucketed): PsiResult {
  const { p, q } = aligned(ref, cur);
  const n = sum(p);
  const bp: number[] = [];
  const bq: number[] = [];
  let accP = 0;
  let accQ = 0;
  let cum = 0;
  let nextCut = 1;
  for (let k = 0; k < p.length; k++) {
    accP += p[k] as number;
    accQ += q[k] as number;
    cum += p[k] as number;
    if (cum >= (nextCut * n) / 10 && k < p.length - 1) {
      bp.push(accP);
      bq.push(accQ);
      accP = 0;
      accQ = 0;
      while (nextCut <= 10 && cum >= (nextCut * n) / 10) nextCut++;
    }
  }
  bp.push(accP);
  bq.push(accQ);
  return psiCounts(bp, bq);
}

/** Chi-square test of homogeneity of two count vectors (2 x k table, no continuity correction). */
export function chiSquareCounts(p: readonly number[], q: readonly number[]): ChiSquareResult {
  const n = sum(p);
  const m = sum(q);
  let stat = 0;
  let cols = 0;
  for (let k = 0; k < p.length; k++) {
    const col = (p[k] as number) + (q[k] as number);
    if (col === 0) continue;
    cols++;
    const ep = (col * n) / (n + m);
    const eq = (col * m) / (n + m);
    stat += ((p[k] as number) - ep) ** 2 / ep + ((q[k] as number) - eq) ** 2 / eq;
  }
  const dof = Math.max(0, cols - 1);
  return { statistic: stat, pValue: dof === 0 ? 1 : chiSquareSf(stat, dof), degreesOfFreedom: dof };
}

/** Jensen-Shannon distance (base 2, in [0, 1]) of two count vectors. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  const n = sum(p);
  const m = sum(q);
  let d = 0;
  for (let k = 0; k < p.length; k++) {
    const a = (p[k] as number) / n;
    const b = (q[k] as number) / m;
    const mid = (a + b) / 2;
    if (a > 0) d += 0.5 * a * Math.log2(a / mid);
    if (b > 0) d += 0.5 * b * Math.log2(b / mid);
  }
  return Math.sqrt(Math.max(0, Math.min(1, d)));
}

/** Upper tail of chi-square with k degrees of freedom: Q(k/2, x/2). */
function chiSquareSf(x: number, k: number): number {
  if (!(x > 0)) return 1;
  return gammaQ(k / 2, x / 2);
}

function logGamma(z: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for z > 0.
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  z -= 1;
  let x = c[0] as number;
  for (let i = 1; i < 9; i++) x += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(x);
}

/** Regularised upper incomplete gamma Q(a, x): series below a + 1, continued fraction above. */
function gammaQ(a: number, x: number): number {
  const lg = logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let s = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      s += term;
      if (Math.abs(term) < Math.abs(s) * 1e-16) break;
    }
    return Math.max(0, 1 - s * Math.exp(-x + a * Math.log(x) - lg));
  }
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - lg) * h);
}
