/**
 * Exact null distribution of the two-sample Kolmogorov-Smirnov statistic,
 * as lattice-path probabilities (Hodges 1958, "The significance probability
 * of the Smirnov two-sample test", Ark. Mat. 3(43)).
 *
 * Under H0 every interleaving of the n1 + n2 pooled observations is equally
 * likely, i.e. every monotone lattice path from (0, 0) to (m, n). With
 * g = gcd(m, n) and lcm = m n / g, the statistic is h / lcm for an integer h,
 * and D >= h/lcm exactly when the path touches the line |n x - m y| = h g.
 *
 * Hand-written: no npm package computes these. Each function below works with
 * probabilities (never raw path counts, which overflow a double past a few
 * hundred observations), so the results are accurate to about 1e-13.
 *
 * @module
 */

/**
 * Pr(D_{n,n} >= h/n) for two samples of the same size n (two-sided).
 *
 * The reflection principle gives 2 * sum_k (-1)^(k+1) C(2n, n - k h) / C(2n, n);
 * each ratio is a product of h factors, and the alternating sum is evaluated
 * Horner-style from the smallest term, which avoids the cancellation of the
 * direct sum. O(n) time.
 */
export function pOutsideSquare(n: number, h: number): number {
  let p = 0;
  // Bounded: k runs from floor(n/h) down to 0, h steps each.
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let ratio = 1;
    const kh = k * h;
    for (let j = 0; j < h; j++) ratio = ((n - kh - j) * ratio) / (n + kh + j + 1);
    p = ratio * (1 - p);
  }
  return 2 * p;
}

/**
 * Pr(D_{m,n} >= h/lcm) for samples of sizes m != n (two-sided), by the
 * "inside" method run on probabilities (Viehmann 2021, arXiv:2102.08037):
 * A(x, y) is the probability that a uniformly random path to (x, y) has
 * already left the band |n x - m y| < h g, so
 * A(x, y) = (x A(x-1, y) + y A(x, y-1)) / (x + y) inside the band and 1
 * outside it. Only one column, and only its in-band window, is kept:
 * O(max(m, n) * window) time, window ~ 2 h / (max(m, n) / g).
 */
export function pOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  // Entries past the window stand for out-of-band points, hence 1.
  const a = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) a[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (a[jj + shift]! * i + val * j) / (i + j);
      a[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(curlen + (lastlen - curlen), lenA);
      for (let jj = curlen; jj < end; jj++) a[jj] = 1;
    }
  }
  return a[maxj - minj - 1]!;
}

/**
 * Pr(D+_{n,n} >= h/n) for two samples of the same size n (one-sided):
 * C(2n, n - h) / C(2n, n), as a product of h ratios.
 */
export function pOneSidedEqual(n: number, h: number): number {
  let p = 1;
  for (let j = 0; j < h; j++) p *= (n - j) / (n + j + 1);
  return p;
}

/**
 * Pr(D+_{m,n} >= h/lcm) for samples of sizes m != n (one-sided): the
 * probability that a uniformly random path touches the line n x - m y = h g,
 * by the same probability recursion as {@link pOutsideBand} with a single
 * boundary. The answer does not depend on which sample is which. O(m n) time;
 * callers only use it where scipy's path counting does not overflow
 * (m + n below about 1030), see {@link oneSidedExactOverflows}.
 */
export function pOneSidedUnequal(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  // col[y] = Pr(a uniform path to (x, y) has touched the line), for the current x.
  const col = new Float64Array(n + 1);
  for (let x = 0; x <= m; x++) {
    for (let y = 0; y <= n; y++) {
      // n x - m y >= h g  <=>  ng x - mg y >= h (exact in integers)
      if (ng * x - mg * y >= h) {
        col[y] = 1;
      } else if (x === 0) {
        col[y] = y === 0 ? 0 : col[y - 1]!;
      } else if (y > 0) {
        col[y] = (x * col[y]! + y * col[y - 1]!) / (x + y);
      }
      // x > 0, y = 0: the only predecessor is (x - 1, 0), so col[0] is unchanged.
    }
  }
  return col[n]!;
}

/** log(DBL_MAX): binomial coefficients above this are infinite in a double. */
const LOG_DBL_MAX = Math.log(Number.MAX_VALUE);

/**
 * Whether scipy's exact one-sided computation for unequal sizes gives up.
 * scipy counts lattice paths in doubles and divides by C(m + n, n); once that
 * coefficient overflows it warns and falls back to the asymptotic formula. We
 * compute the probability stably, but mirror the fall-back so both libraries
 * return the same p-value for the same input.
 */
export function oneSidedExactOverflows(m: number, n: number): boolean {
  const k = Math.min(m, n);
  const total = m + n;
  let logBinom = 0;
  for (let i = 1; i <= k; i++) logBinom += Math.log((total - k + i) / i);
  return logBinom > LOG_DBL_MAX;
}
