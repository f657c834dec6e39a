/**
 * A dense, growable run of exponential-histogram bucket counts:
 * `c[k]` is the count at bucket index `off + k`.
 *
 * @module
 */

const EMPTY = new Float64Array(0);

/** Dense bucket counts starting at index `off`. */
export class Run {
  off = 0;
  len = 0;
  c: Float64Array = EMPTY;

  /** Empties the run (keeps its capacity). */
  clear(): void {
    this.len = 0;
    this.off = 0;
  }

  /** Index of the last bucket (off + len - 1); meaningless when empty. */
  get hi(): number {
    return this.off + this.len - 1;
  }

  private reserve(n: number): void {
    if (n <= this.c.length) return;
    // Small fixed headroom: a window's range settles after its first slots, and
    // spare capacity is memory paid by every one of 10,000s of streams.
    const next = new Float64Array(n + 8);
    next.set(this.c.subarray(0, this.len));
    this.c = next;
  }

  /** Adds `v` at bucket `index`, growing the run to include it. */
  add(index: number, v: number): void {
    if (this.len === 0) {
      this.reserve(1);
      this.off = index;
      this.c[0] = v;
      this.len = 1;
      return;
    }
    if (index < this.off) {
      const shift = this.off - index;
      this.reserve(this.len + shift);
      this.c.copyWithin(shift, 0, this.len);
      this.c.fill(0, 0, shift);
      this.off = index;
      this.len += shift;
    } else if (index >= this.off + this.len) {
      const n = index - this.off + 1;
      this.reserve(n);
      this.c.fill(0, this.len, n);
      this.len = n;
    }
    this.c[index - this.off] = (this.c[index - this.off] as number) + v;
  }

  /** Releases spare capacity once it exceeds a quarter of the run (memory per stream matters). */
  fit(): void {
    if (this.c.length > this.len + 8 && this.c.length > this.len * 1.25) this.c = this.c.slice(0, this.len);
  }

  /** Grows the run to cover indexes lo..hi (new buckets are 0). */
  cover(lo: number, hi: number): void {
    if (this.len === 0) {
      const n = hi - lo + 1;
      this.reserve(n);
      this.c.fill(0, 0, n);
      this.off = lo;
      this.len = n;
      return;
    }
    if (lo < this.off) {
      const shift = this.off - lo;
      this.reserve(this.len + shift);
      this.c.copyWithin(shift, 0, this.len);
      this.c.fill(0, 0, shift);
      this.off = lo;
      this.len += shift;
    }
    if (hi >= this.off + this.len) {
      const n = hi - this.off + 1;
      if (n > this.c.length) this.reserve(n);
      this.c.fill(0, this.len, n);
      this.len = n;
    }
  }

  /**
   * Adds `counts[k0..k1]` (bucket `offset + k`, shifted down by `shift` scales)
   * in one pass: the hot path of ingestion. Returns the total added.
   */
  addCounts(offset: number, counts: ArrayLike<number>, k0: number, k1: number, shift: number): number {
    this.cover((offset + k0) >> shift, (offset + k1) >> shift);
    const c = this.c;
    const base = this.off;
    let total = 0;
    if (shift === 0) {
      // Same scale (the usual case): bucket k lands at one fixed distance, no
      // index arithmetic per bucket. Counts are validated non-negative, so
      // adding the zeros is harmless and cheaper than testing for them.
      // Eight buckets per iteration: V8's per-iteration overhead (bounds and
      // interrupt checks) costs more than the adds; unrolled, this loop runs
      // about 3x faster (measured: 614 -> 204 ns per 160-bucket point).
      const d = offset - base;
      let k = k0;
      let t2 = 0;
      for (; k + 7 <= k1; k += 8) {
        const j = k + d;
        const v0 = counts[k] as number;
        const v1 = counts[k + 1] as number;
        const v2 = counts[k + 2] as number;
        const v3 = counts[k + 3] as number;
        const v4 = counts[k + 4] as number;
        const v5 = counts[k + 5] as number;
        const v6 = counts[k + 6] as number;
        const v7 = counts[k + 7] as number;
        c[j] = (c[j] as number) + v0;
        c[j + 1] = (c[j + 1] as number) + v1;
        c[j + 2] = (c[j + 2] as number) + v2;
        c[j + 3] = (c[j + 3] as number) + v3;
        c[j + 4] = (c[j + 4] as number) + v4;
        c[j + 5] = (c[j + 5] as number) + v5;
        c[j + 6] = (c[j + 6] as number) + v6;
        c[j + 7] = (c[j + 7] as number) + v7;
        total += v0 + v1 + v2 + v3;
        t2 += v4 + v5 + v6 + v7;
      }
      for (; k <= k1; k++) {
        const v = counts[k] as number;
        c[k + d] = (c[k + d] as number) + v;
        total += v;
      }
      return total + t2;
    }
    for (let k = k0; k <= k1; k++) {
      const v = counts[k] as number;
      if (v > 0) {
        const j = ((offset + k) >> shift) - base;
        c[j] = (c[j] as number) + v;
        total += v;
      }
    }
    return total;
  }

  /** Adds `sign` times every count of `o` (at the same scale), growing this run to cover it. */
  addRun(o: Run, sign: 1 | -1): void {
    if (o.len === 0) return;
    this.cover(o.off, o.hi);
    const c = this.c;
    const oc = o.c;
    const d = o.off - this.off;
    for (let k = 0; k < o.len; k++) c[k + d] = (c[k + d] as number) + sign * (oc[k] as number);
  }

  /** Drops leading and trailing empty buckets. */
  trim(): void {
    let lo = 0;
    let hi = this.len - 1;
    while (lo <= hi && this.c[lo] === 0) lo++;
    while (hi >= lo && this.c[hi] === 0) hi--;
    if (lo > hi) {
      this.clear();
      return;
    }
    if (lo > 0) this.c.copyWithin(0, lo, hi + 1);
    this.off += lo;
    this.len = hi - lo + 1;
  }

  /** Merges each 2^d neighbouring buckets into one (scale - d); exact. */
  downscale(d: number): void {
    if (d <= 0 || this.len === 0) return;
    const newOff = this.off >> d;
    let last = -1;
    for (let k = 0; k < this.len; k++) {
      const v = this.c[k] as number;
      // Arithmetic shift floors negative indexes too, as the OTel mapping requires.
      const j = ((this.off + k) >> d) - newOff;
      if (j > last) {
        this.c[j] = v;
        last = j;
      } else this.c[j] = (this.c[j] as number) + v;
    }
    this.off = newOff;
    this.len = last + 1;
  }

  /** Total of the counts. */
  total(): number {
    let s = 0;
    for (let k = 0; k < this.len; k++) s += this.c[k] as number;
    return s;
  }

  /** Plain copy as OTLP-style buckets. */
  toBuckets(): { offset: number; bucketCounts: number[] } {
    return { offset: this.len === 0 ? 0 : this.off, bucketCounts: Array.from(this.c.subarray(0, this.len)) };
  }

  /** Bytes held (for memory accounting in tests and benchmarks). */
  get capacity(): number {
    return this.c.length;
  }
}
