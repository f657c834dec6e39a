/**
 * The finite-n Kolmogorov distributions: the two-sided statistic D_n (scipy's
 * `kstwo`) and the one-sided statistic D_n+ (Smirnov; scipy.special's `smirnov`).
 *
 * Hand-written because no npm package provides the finite-n two-sided
 * distribution: @stdlib only has the limiting (n -> infinity) form, and the
 * two-sample asymptotic p-value of `ks2Samp` must agree with scipy's
 * `kstwo.sf(D, round(n*m/(n+m)))`. The branch logic follows Simard & L'Ecuyer
 * (2011), "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat.
 * Softw. 39(11), with the cut-offs scipy's `_kolmogn` uses, so that the same
 * method (hence the same answer to well below 1e-6 relative) is picked for
 * every (n, x):
 *
 * - x <= 1/n and x >= 1 - 1/n: closed forms of Ruben & Gambino (1982);
 * - x >= 0.5: exactly twice the one-sided tail (the two events are disjoint);
 * - n <= 140: Durbin's matrix (Marsaglia-Tsang-Wang) for n x^2 <= 0.754693,
 *   Pomeranz's recursion for n x^2 <= 4, else twice the one-sided tail;
 * - n > 140: the upper tail from twice the one-sided tail when n x^2 >= 2.2,
 *   otherwise 1 - CDF with the CDF from Durbin's matrix (n <= 1e5 and
 *   n x^1.5 <= 1.4) or the Pelz-Good asymptotic series.
 *
 * @module
 */

const E128 = 128;
const TWO_POW_128 = 2 ** 128;
const TWO_POW_MINUS_128 = 2 ** -128;
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
const SQRT3 = Math.sqrt(3);
/** exp() of anything below this is 0 in double precision (scipy's _MIN_LOG). */
const MIN_LOG = -708;
/** cephes MINLOG = log(2^-1022). */
const CEPHES_MINLOG = -708.3964185322641;
/** Above this n the one-sided tail uses an approximation, as scipy does. */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;

/** x * 2^e without overflowing or underflowing in the intermediate power. */
function ldexp(x: number, e: number): number {
  let r = x;
  let k = e;
  // Bounded: each step moves the exponent by up to 1000.
  while (k > 1000) {
    r *= 2 ** 1000;
    k -= 1000;
  }
  while (k < -1000) {
    r *= 2 ** -1000;
    k += 1000;
  }
  return r * 2 ** k;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * Survival function of the one-sided Kolmogorov-Smirnov statistic,
 * Pr(D_n+ >= x), for a sample of size n (scipy.special `smirnov`).
 *
 * Uses the Birnbaum-Tingey sum (all terms positive, so no cancellation),
 * evaluated in logarithms to stay within double range for large n; for
 * n > 1e6 it uses the same closed-form approximation as scipy.
 *
 * @param n - sample size (a positive integer)
 * @param x - the statistic, in [0, 1]
 * @returns the upper-tail probability, or NaN when n or x are out of range
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && Number.isInteger(n) && x >= 0 && x <= 1)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  let nxfl = Math.floor(nx);
  let alpha = nx - nxfl;
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }
  // x <= 1/n: Pr(D+ < x) = x (1 + x)^(n-1).
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    return clip01(1 - x * (1 + x) ** (n - 1));
  }
  if (-2 * n * x * x < CEPHES_MINLOG) return 0;
  // x >= 1 - 1/n: only the all-above-the-line path remains.
  if (nxfl >= n - 1) return clip01((1 - x) ** n);
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  // Terms v = 0 .. floor(n(1-x)) (the v = n(1-x) term, if x = k/n exactly, is 0).
  let last = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) last -= 1;
  const nTerms = last + 1;
  const vmid = Math.floor(n / 2);
  let sum = 0;
  let logC = 0; // log binom(n, v), updated incrementally
  for (let v = 0; v < nTerms; v++) {
    const below = (n - v) / n - x; // 1 - x - v/n
    const above = v / n + x; // x + v/n
    const logA = logC + (n - v) * Math.log(below) + (v - 1) * Math.log(above);
    const a = Math.exp(logA);
    if (Number.isFinite(a)) sum += a;
    // Stop once the remaining terms cannot change the sum (scipy's rule).
    if (a !== 0) {
      if (4 * (nTerms - v) * a < Number.EPSILON * sum && v !== nTerms - 1) break;
    } else if (v > vmid) {
      break;
    }
    logC += Math.log((n - v) / (v + 1));
  }
  return clip01(x * sum);
}

/** log(n! / n^n) by Stirling's series with n log n removed up front. */
function logNFactorialDivNPowN(n: number): number {
  // B_2j / (2j (2j - 1)) for j = 8 .. 1 (Bernoulli numbers), highest power first.
  const coeffs = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];
  const rn = 1 / n;
  const z = rn / n;
  let poly = 0;
  for (const c of coeffs) poly = poly * z + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** Square matrix product c = a b, row-major, size m. */
function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const rowA = i * m;
    for (let k = 0; k < m; k++) {
      const aik = a[rowA + k]!;
      if (aik === 0) continue;
      const rowB = k * m;
      for (let j = 0; j < m; j++) c[rowA + j]! += aik * b[rowB + j]!;
    }
  }
  return c;
}

/**
 * Pr(D_n <= d) by Durbin's matrix method as organised by Marsaglia, Tsang and
 * Wang (2003): with d = (k - h)/n, the answer is n!/n^n times the (k, k) entry
 * of H^n for a (2k-1)-square matrix H; powers are scaled by 2^128 steps to
 * stay in range.
 */
function kolmogornDurbinCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j; // may underflow for large m; the affected entries are negligible
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let hm: Float64Array = new Float64Array(m * m);
  // Column i (i >= 1) holds 1/0!, 1/1!, ... from row i-1 down.
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) hm[r * m + i] = w[r - i + 1]!;
  }
  for (let r = 0; r < m; r++) hm[r * m] = v[r]!;
  for (let c = 0; c < m; c++) hm[(m - 1) * m + c] = v[m - 1 - c]!;

  let power: Float64Array | undefined; // H^(bits seen so far); undefined = identity
  let expnt = 0;
  let hExpnt = 0;
  let nn = n;
  while (nn > 0) {
    if (nn % 2 === 1) {
      power = power === undefined ? hm.slice() : matmul(power, hm, m);
      expnt += hExpnt;
    }
    nn = Math.floor(nn / 2);
    if (nn === 0) break; // the last squaring would be unused
    hm = matmul(hm, hm, m);
    hExpnt *= 2;
    if (Math.abs(hm[(k - 1) * m + (k - 1)]!) > TWO_POW_128) {
      for (let i = 0; i < hm.length; i++) hm[i]! /= TWO_POW_128;
      hExpnt += E128;
    }
  }
  let p = power === undefined ? 1 : power[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < TWO_POW_MINUS_128) {
      p *= TWO_POW_128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip01(p);
}

/** Column range [j1, j2] of row i in Pomeranz's recursion. */
function pomeranzRange(
  i: number, n: number, ll: number, ceilf: number, roundf: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const half = Math.floor((i + 1) / 2);
    if ((i + 1) % 2 === 0) {
      if (half === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = half - 1 - ll - roundf - 1;
        j2 = half + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = half - 1 - ll - 1;
      j2 = half + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * Pr(D_n <= x) by Pomeranz's (1974) recursion: each of 2n+1 rows is a
 * truncated convolution of the previous row with Poisson-like weights; only
 * two rows are kept, and rows are rescaled by 2^128 against underflow.
 */
function kolmogornPomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let k = 1; k < npwrs; k++) {
    gpower[k] = (gpower[k - 1]! * gOverN) / k;
    twogpower[k] = (twogpower[k - 1]! * twoGOverN) / k;
    onem2gpower[k] = (onem2gpower[k - 1]! * oneMinusTwoGOverN) / k;
  }
  let v0 = new Float64Array(npwrs);
  let v1 = new Float64Array(npwrs);
  v1[0] = 1;
  let v0s = 0;
  let v1s = 0;
  let expnt = 0;
  let j1 = pomeranzRange(0, n, ll, ceilf, roundf)[0];
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [v0, v1] = [v1, v0];
    [v0s, v1s] = [v1s, v0s];
    v1.fill(0);
    const range = pomeranzRange(i, n, ll, ceilf, roundf);
    j1 = range[0];
    const j2 = range[1];
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 === 1 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const off = k1 - v0s;
      const la = Math.min(ln2, npwrs - off); // the source slice is clamped at the row end
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let s = 0;
        const pLo = Math.max(0, idx - ln2 + 1);
        const pHi = Math.min(la - 1, idx);
        for (let p = pLo; p <= pHi; p++) s += v0[off + p]! * pwrs[idx - p]!;
        v1[c] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < TWO_POW_MINUS_128) {
        for (let c = 0; c < convLen; c++) v1[c]! *= TWO_POW_128;
        expnt -= E128;
      }
      v1s = v0s + j1 - k1;
    }
  }
  let ans = v1[n - v1s]!;
  for (let k = 1; k <= n; k++) {
    if (Math.abs(ans) > TWO_POW_128) {
      ans *= TWO_POW_MINUS_128;
      expnt += E128;
    }
    ans *= k;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip01(ans);
}

/**
 * Pr(D_n <= x) by the Pelz-Good (1976) asymptotic series: Li-Chien and
 * Korolyuk's expansion K0 + K1/sqrt(n) + K2/n + K3/n^1.5 in z = x sqrt(n),
 * rewritten with Jacobi theta identities so it converges fast for small z.
 */
function kolmogornPelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI_SQUARED / 8 / z2;
  if (qlog < MIN_LOG) return 0;
  let q = Math.exp(qlog);

  const k1a = -z2;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * z2)) / 16;
  const k3d = (PI_SIX * (5 - 30 * z2)) / 64;
  const k3c = (PI_FOUR * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI_SQUARED * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;

  // Horner over the odd-index series sum c_k q^((2k-1)^2).
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qpower = q ** (8 * k);
    s0 = s0 * qpower + 1;
    s1 = s1 * qpower + (k1a + k1b * m2);
    s2 = s2 * qpower + (k2a + k2b * m2 + k2c * m4);
    s3 = s3 * qpower + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
  }
  const scale = q * SQRT_2PI;
  s0 = (s0 * scale) / z;
  s1 = (s1 * scale) / (6 * z4);
  s2 = (s2 * scale) / (72 * z ** 7);
  s3 = (s3 * scale) / (6480 * z ** 10);

  // The extra terms of K2 and K3 run over all integers k.
  q = Math.exp(-PI_SQUARED / 2 / z2);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    const kpi = Math.PI * k;
    k2extra += k2 * qk;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  s2 += (k2extra * PI_SQUARED * SQRT_2PI) / (-36 * z3);
  s3 += (k3extra * PI_SQUARED * SQRT_2PI) / (216 * z6);
  return s0 + s1 / Math.sqrt(n) + s2 / n + s3 / n ** 1.5;
}

/**
 * Survival function of the two-sided one-sample Kolmogorov-Smirnov statistic
 * for sample size n, Pr(D_n >= x) (scipy's `kstwo.sf(x, n)`).
 *
 * @param n - sample size; a positive integer (NaN otherwise, as in scipy)
 * @param x - the statistic
 * @returns the upper-tail probability in [0, 1], or NaN for an invalid n or x
 */
export function kstwoSf(n: number, x: number): number {
  if (!(n >= 1 && Number.isInteger(n)) || Number.isNaN(x)) return Number.NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));

  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1 - kolmogornDurbinCdf(n, x));
    if (nx2 <= 4) return clip01(1 - kolmogornPomeranzCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nx2 >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmogornDurbinCdf(n, x);
  else cdf = clip01(kolmogornPelzGoodCdf(n, x));
  return clip01(1 - cdf);
}
