/**
 * Two-sample Kolmogorov-Smirnov test with the semantics of scipy's
 * `scipy.stats.ks_2samp` (statistic, p-value, method choice and fall-backs).
 *
 * @module
 */
import {
  oneSidedExactOverflows,
  pOneSidedEqual,
  pOneSidedUnequal,
  pOutsideBand,
  pOutsideSquare,
} from './ks/exact.js';
import { kstwoSf } from './ks/kolmogorov.js';
import { sortedCopy } from './ks/sort.js';

export { kstwoSf, smirnovSf } from './ks/kolmogorov.js';

/** Alternative hypothesis of {@link ks2Samp}, as in scipy. */
export type KsAlternative = 'two-sided' | 'less' | 'greater';

/** How {@link ks2Samp} computes the p-value. */
export type KsMethodOption = 'auto' | 'exact' | 'asymp';

/**
 * How the p-value was actually computed: `exact` (the exact null
 * distribution), `asymp` (asymptotic, as requested or chosen by `auto`), or
 * `asymp-fallback` (the exact computation was requested or chosen but is not
 * possible in double precision, so the asymptotic one was used — where scipy
 * emits a RuntimeWarning and does the same).
 */
export type KsMethodUsed = 'exact' | 'asymp' | 'asymp-fallback';

/** Options of {@link ks2Samp}. */
export interface Ks2SampOptions {
  /**
   * The alternative hypothesis. `less`: the CDF of `x` lies below that of
   * `y` somewhere (statistic max(F_y - F_x)); `greater`: the CDF of `x` lies
   * above (statistic max(F_x - F_y)); `two-sided`: the CDFs differ.
   * @default 'two-sided'
   */
  alternative?: KsAlternative;
  /**
   * `exact` uses the exact null distribution, `asymp` the asymptotic one,
   * `auto` exact when max(n, m) <= 10000 and asymptotic beyond.
   * @default 'auto'
   */
  method?: KsMethodOption;
}

/** Result of {@link ks2Samp}. */
export interface Ks2SampResult {
  /**
   * The KS statistic D in [0, 1]. When the exact distribution was attempted
   * it is snapped to the lattice h / lcm(n, m) it lives on, as scipy does.
   */
  statistic: number;
  /** p-value in [0, 1] (NaN only in the documented n = m = 1 asymptotic case). */
  pValue: number;
  /** How the p-value was computed. */
  method: KsMethodUsed;
  /** The pooled observation at which the statistic is attained (scipy's `statistic_location`). */
  statisticLocation: number;
  /** +1 when the statistic is max(F_x - F_y), -1 when it is max(F_y - F_x) (scipy's `statistic_sign`). */
  statisticSign: 1 | -1;
  /** Size of `x`. */
  n1: number;
  /** Size of `y`. */
  n2: number;
}

/** Above this size, `auto` switches from exact to asymptotic (scipy's MAX_AUTO_N). */
const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

const ALTERNATIVES: readonly KsAlternative[] = ['two-sided', 'less', 'greater'];
const METHODS: readonly KsMethodOption[] = ['auto', 'exact', 'asymp'];

/** A sorted copy of a sample, rejecting non-arrays, empty samples and NaN. */
function checkedSortedCopy(sample: ArrayLike<number>, name: string): Float64Array {
  if (sample === null || typeof sample !== 'object' || typeof sample.length !== 'number') {
    throw new TypeError(`ks2Samp: ${name} must be an array of numbers`);
  }
  if (sample.length === 0) throw new RangeError(`ks2Samp: ${name} is empty; both samples need at least one value`);
  return sortedCopy(sample, `ks2Samp: ${name}`);
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round(): half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clip01 = (p: number): number => (p < 0 ? 0 : p > 1 ? 1 : p);

/**
 * Running extremes of the ECDF difference, kept separately over the values
 * of x and of y (first occurrence wins, like numpy's argmax), with the value
 * where each was attained.
 */
class Extremes {
  maxX = -Infinity;
  maxLocX = Number.NaN;
  minX = Infinity;
  minLocX = Number.NaN;
  maxY = -Infinity;
  maxLocY = Number.NaN;
  minY = Infinity;
  minLocY = Number.NaN;

  seeX(diff: number, v: number): void {
    if (diff > this.maxX) {
      this.maxX = diff;
      this.maxLocX = v;
    }
    if (diff < this.minX) {
      this.minX = diff;
      this.minLocX = v;
    }
  }

  seeY(diff: number, v: number): void {
    if (diff > this.maxY) {
      this.maxY = diff;
      this.maxLocY = v;
    }
    if (diff < this.minY) {
      this.minY = diff;
      this.minLocY = v;
    }
  }
}

/**
 * Two-sample Kolmogorov-Smirnov test: do `x` and `y` come from the same
 * continuous distribution? Mirrors scipy's `ks_2samp` exactly (same
 * statistic, same method selection, p-values within 1e-6 relative):
 *
 * - Ties are allowed: both empirical CDFs are evaluated at every pooled value.
 * - `exact`: lattice-path probabilities (O(n) for equal sizes two-sided,
 *   O(max(n, m) * window) otherwise). The statistic is snapped to h/lcm(n, m).
 *   Where scipy's exact computation gives up — one-sided with unequal sizes
 *   once C(n + m, n) overflows a double, or lcm(n, m) past 2^31 - 1 — the
 *   asymptotic p-value is used and `method` is `asymp-fallback`.
 * - `asymp`, two-sided: the finite-n Kolmogorov distribution
 *   `kstwo.sf(D, round(n m / (n + m)))` (half to even, as numpy rounds).
 *   For n = m = 1 that effective size is 0 and, as in scipy, the p-value is NaN.
 * - `asymp`, one-sided: Hodges' (1958) formula 5.3,
 *   exp(-2 z^2 - 2 z (M + 2 N) / sqrt(M N (M + N)) / 3) with
 *   z = D sqrt(M N / (M + N)), M >= N the larger and smaller size.
 *
 * Inputs are not modified (sorted copies are taken). ±Infinity is accepted:
 * KS depends only on the order of the values, and ±Infinity are ordered like
 * any other number (scipy gives the same answer).
 *
 * @param x - first sample (at least one value, no NaN)
 * @param y - second sample (at least one value, no NaN)
 * @param options - alternative hypothesis and method; see {@link Ks2SampOptions}
 * @returns statistic, p-value, the method used, where and with which sign the statistic is attained
 * @throws RangeError if a sample is empty or contains NaN; TypeError for an unknown option value
 */
export function ks2Samp(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: Ks2SampOptions = {},
): Ks2SampResult {
  const alternative = options.alternative ?? 'two-sided';
  const requested = options.method ?? 'auto';
  if (!ALTERNATIVES.includes(alternative)) {
    throw new TypeError(`ks2Samp: alternative must be one of ${ALTERNATIVES.join(', ')}; received ${String(alternative)}`);
  }
  if (!METHODS.includes(requested)) {
    throw new TypeError(`ks2Samp: method must be one of ${METHODS.join(', ')}; received ${String(requested)}`);
  }
  const a = checkedSortedCopy(x, 'x');
  const b = checkedSortedCopy(y, 'y');
  const n1 = a.length;
  const n2 = b.length;

  // One merge pass over the distinct pooled values. At each value the ECDF
  // difference is computed as i/n1 - j/n2 in doubles, exactly as scipy does:
  // the same value can round differently for different (i, j) (2/3 - 1/3 is
  // not 1/3 - 0), and scipy's choice of location follows those roundings.
  // scipy takes argmax/argmin over concatenate(sorted x, sorted y), so on ties
  // of the extreme the location is the first such value of x, else the first
  // of y: track the extremes over x-values and y-values separately.
  const ext = new Extremes();
  let i = 0;
  let j = 0;
  // Bounded: every iteration advances i or j.
  while (i < n1 && j < n2) {
    const ai = a[i]!;
    const bj = b[j]!;
    if (ai < bj) {
      i++;
      while (i < n1 && a[i] === ai) i++;
      ext.seeX(i / n1 - j / n2, ai);
    } else if (bj < ai) {
      j++;
      while (j < n2 && b[j] === bj) j++;
      ext.seeY(i / n1 - j / n2, bj);
    } else {
      i++;
      j++;
      while (i < n1 && a[i] === ai) i++;
      while (j < n2 && b[j] === ai) j++;
      const diff = i / n1 - j / n2;
      ext.seeX(diff, ai);
      ext.seeY(diff, ai);
    }
  }
  while (i < n1) {
    const ai = a[i]!;
    i++;
    while (i < n1 && a[i] === ai) i++;
    ext.seeX(i / n1 - j / n2, ai);
  }
  while (j < n2) {
    const bj = b[j]!;
    j++;
    while (j < n2 && b[j] === bj) j++;
    ext.seeY(i / n1 - j / n2, bj);
  }
  const maxS = Math.max(ext.maxX, ext.maxY);
  const locMax = ext.maxX === maxS ? ext.maxLocX : ext.maxLocY;
  const minDiff = Math.min(ext.minX, ext.minY);
  const locMin = ext.minX === minDiff ? ext.minLocX : ext.minLocY;
  const minS = Math.min(Math.max(-minDiff, 0), 1);

  let d: number;
  let statisticLocation: number;
  let statisticSign: 1 | -1;
  if (alternative === 'less' || (alternative === 'two-sided' && minS > maxS)) {
    d = minS;
    statisticLocation = locMin;
    statisticSign = -1;
  } else {
    d = maxS;
    statisticLocation = locMax;
    statisticSign = 1;
  }

  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let method: KsMethodUsed;
  let pValue = Number.NaN;
  let tryExact: boolean;
  if (requested === 'auto') {
    tryExact = Math.max(n1, n2) <= MAX_AUTO_N;
    method = tryExact ? 'exact' : 'asymp';
  } else if (requested === 'exact') {
    // lcm(n1, n2) must fit scipy's int32 lattice arithmetic.
    tryExact = !(n1g >= INT32_MAX / n2g);
    method = tryExact ? 'exact' : 'asymp-fallback';
  } else {
    tryExact = false;
    method = 'asymp';
  }

  if (tryExact) {
    const lcm = n1g * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) {
      pValue = 1;
    } else if (alternative === 'two-sided') {
      pValue = n1 === n2 ? pOutsideSquare(n1, h) : pOutsideBand(n1, n2, g, h);
    } else if (n1 === n2) {
      pValue = pOneSidedEqual(n1, h);
    } else if (oneSidedExactOverflows(n1, n2)) {
      method = 'asymp-fallback';
    } else {
      pValue = pOneSidedUnequal(n1, n2, g, h);
    }
    if (method === 'exact' && !(pValue >= 0 && pValue <= 1)) method = 'asymp-fallback';
  }

  if (method !== 'exact') {
    const big = Math.max(n1, n2);
    const small = Math.min(n1, n2);
    const en = (big * small) / (big + small);
    if (alternative === 'two-sided') {
      pValue = kstwoSf(roundHalfEven(en), d);
    } else {
      const z = Math.sqrt(en) * d;
      // Hodges (1958) eq. 5.3; requires big to be the larger size.
      const expt = -2 * z * z - (2 * z * (big + 2 * small)) / Math.sqrt(big * small * (big + small)) / 3;
      pValue = Math.exp(expt);
    }
  }

  return {
    statistic: d,
    pValue: Number.isNaN(pValue) ? pValue : clip01(pValue),
    method,
    statisticLocation,
    statisticSign,
    n1,
    n2,
  };
}
