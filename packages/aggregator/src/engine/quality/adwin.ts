/**
 * ADWIN: adaptive windowing change detection on a stream of values in [0, 1]
 * (here the 0/1 correctness of joined predictions).
 *
 * From Bifet and Gavaldà, "Learning from Time-Changing Data with Adaptive
 * Windowing" (SIAM SDM 2007), the ADWIN2 variant: the window is stored as an
 * exponential histogram (at most `maxBuckets` buckets of each size 2^i, so
 * memory and time per check are O(maxBuckets * log n)), and every `clock`
 * values every split of the window into an older part W0 and a newer part W1
 * at a bucket boundary is tested. When the means differ by more than
 *
 *   eps_cut = sqrt((2 / m) * var(W) * ln(2 / delta')) + (2 / (3 m)) * ln(2 / delta'),
 *   m = 1 / (1 / n0 + 1 / n1),  delta' = delta / ln(n),
 *
 * (Bernstein's bound with the window's variance, the form of the paper's
 * section 4 and of its reference implementation), the oldest bucket is dropped
 * and the test repeats: what remains is the longest recent window consistent
 * with a stationary mean. Each drop is a detected change.
 *
 * Hand-written because no maintained JavaScript implementation exists
 * (npm has none with tests we could trust); this one is written from the paper.
 *
 * @module
 */

/** Parameters of {@link Adwin}. */
export interface AdwinOptions {
  /**
   * Confidence: the false-alarm bound per check. Lower means fewer false
   * alarms and slightly later detection (the delay grows with ln(1/delta)).
   * The default 1e-4 is stricter than the paper's 0.002: at 0.002, 20 seeded
   * runs of 10^5 labels at a stationary 0.90 raised 2 false alarms; at 1e-4
   * none, while a 0.90 -> 0.75 drop is still caught within about 300 labels.
   * @default 0.0001
   */
  delta?: number;
  /** Buckets kept per size before two merge (the paper's M). @default 5 */
  maxBuckets?: number;
  /** Test for a cut every `clock` values (checking on every value costs more and detects at most `clock` values earlier). @default 32 */
  clock?: number;
  /** Neither sub-window of a tested split may hold fewer values. @default 10 */
  minSubWindow?: number;
}

/** One detected change. */
export interface AdwinChange {
  /** Number of values seen when the change was detected (1-based position in the stream). */
  at: number;
  /** `drop`: the newer part's mean is lower. */
  direction: 'drop' | 'rise';
  /** Mean of the dropped older part W0 and of the newer part W1 at the first cut. */
  before: number;
  after: number;
}

/** JSON-serialisable state of an {@link Adwin}. */
export interface AdwinSnapshot {
  delta: number;
  maxBuckets: number;
  clock: number;
  minSubWindow: number;
  seen: number;
  /** Rows by bucket size 2^i, each oldest first: [sum, variance] pairs. */
  rows: [number, number][][];
  variance: number;
  changes: number;
  drops: number;
  last: AdwinChange | null;
}

/** Defaults of {@link AdwinOptions}. */
export const ADWIN_DEFAULTS: Readonly<Required<AdwinOptions>> = Object.freeze({ delta: 0.0001, maxBuckets: 5, clock: 32, minSubWindow: 10 });

/** Rows of the exponential histogram: far more than any stream needs (2^62 values). */
const MAX_ROWS = 62;

/** The ADWIN2 change detector (see the module documentation). */
export class Adwin {
  readonly delta: number;
  readonly maxBuckets: number;
  readonly clock: number;
  readonly minSubWindow: number;
  // Row i holds up to maxBuckets + 1 buckets of 2^i values, oldest first, in
  // flat typed arrays (sums and variances at i * cap + k): allocation-free adds.
  // Rows are allocated as the window grows (doubling), so an idle detector —
  // one per model — costs a few hundred bytes, not all MAX_ROWS rows.
  private readonly cap: number;
  private sums: Float64Array;
  private vars: Float64Array;
  private readonly lens = new Int32Array(MAX_ROWS);
  private rowCount = 0;
  private n = 0;
  private sum = 0;
  private variance = 0;
  private seenCount = 0;
  private changeCount = 0;
  private dropCount = 0;
  private lastChange: AdwinChange | null = null;

  /** @throws Error naming the option when one is out of range. */
  constructor(options: AdwinOptions = {}) {
    const o = { ...ADWIN_DEFAULTS, ...options };
    if (!(o.delta > 0 && o.delta < 1)) throw new Error(`adwin.delta must be in (0, 1), got ${o.delta}`);
    if (!(Number.isInteger(o.maxBuckets) && o.maxBuckets >= 2 && o.maxBuckets <= 1000)) throw new Error(`adwin.maxBuckets must be an integer in 2..1000, got ${o.maxBuckets}`);
    if (!(Number.isInteger(o.clock) && o.clock >= 1)) throw new Error(`adwin.clock must be a positive integer, got ${o.clock}`);
    if (!(Number.isInteger(o.minSubWindow) && o.minSubWindow >= 1)) throw new Error(`adwin.minSubWindow must be a positive integer, got ${o.minSubWindow}`);
    this.delta = o.delta;
    this.maxBuckets = o.maxBuckets;
    this.clock = o.clock;
    this.minSubWindow = o.minSubWindow;
    this.cap = o.maxBuckets + 1;
    this.sums = new Float64Array(2 * this.cap);
    this.vars = new Float64Array(2 * this.cap);
  }

  /** Makes room for rows 0..rows-1. */
  private ensureRows(rows: number): void {
    const have = this.sums.length / this.cap;
    if (rows <= have) return;
    const next = Math.min(MAX_ROWS, Math.max(rows, have * 2));
    const sums = new Float64Array(next * this.cap);
    const vars = new Float64Array(next * this.cap);
    sums.set(this.sums);
    vars.set(this.vars);
    this.sums = sums;
    this.vars = vars;
  }

  /** Values in the current window. */
  get width(): number {
    return this.n;
  }

  /** Mean of the current window; null when empty. */
  get mean(): number | null {
    return this.n > 0 ? this.sum / this.n : null;
  }

  /** Values seen since creation. */
  get seen(): number {
    return this.seenCount;
  }

  /** Changes detected since creation. */
  get changes(): number {
    return this.changeCount;
  }

  /** Changes detected since creation that were drops of the mean. */
  get drops(): number {
    return this.dropCount;
  }

  /** The most recent change, null when none was detected. */
  get last(): AdwinChange | null {
    return this.lastChange;
  }

  /**
   * Adds one value (clamped to [0, 1]; NaN ignored).
   * @returns the change detected by this value, or null
   */
  add(value: number): AdwinChange | null {
    if (Number.isNaN(value)) return null;
    const x = value < 0 ? 0 : value > 1 ? 1 : value;
    this.seenCount++;
    // Incremental update of the window's sum of squared deviations.
    if (this.n > 0) {
      const d = x - this.sum / this.n;
      this.variance += (this.n * d * d) / (this.n + 1);
    }
    this.n++;
    this.sum += x;
    if (this.rowCount === 0) this.rowCount = 1;
    const len0 = this.lens[0] as number;
    this.sums[len0] = x;
    this.vars[len0] = 0;
    this.lens[0] = len0 + 1;
    this.compress();
    if (this.seenCount % this.clock !== 0) return null;
    return this.check();
  }

  /** Merges the two oldest buckets of any row holding more than maxBuckets. */
  private compress(): void {
    const cap = this.cap;
    for (let i = 0; i < MAX_ROWS - 1; i++) {
      const len = this.lens[i] as number;
      if (len <= this.maxBuckets) break;
      const o = i * cap;
      const size = 2 ** i;
      const s1 = this.sums[o] as number;
      const s2 = this.sums[o + 1] as number;
      const d = (s1 - s2) / size;
      // Merged variance of two groups of `size`: V1 + V2 + n1 n2 / (n1 + n2) (mu1 - mu2)^2.
      const v = (this.vars[o] as number) + (this.vars[o + 1] as number) + (size * d * d) / 2;
      this.sums.copyWithin(o, o + 2, o + len);
      this.vars.copyWithin(o, o + 2, o + len);
      this.lens[i] = len - 2;
      const j = i + 1;
      this.ensureRows(j + 1);
      const lj = this.lens[j] as number;
      this.sums[j * cap + lj] = s1 + s2;
      this.vars[j * cap + lj] = v;
      this.lens[j] = lj + 1;
      if (j + 1 > this.rowCount) this.rowCount = j + 1;
    }
  }

  /** Tests every split; drops the oldest bucket while some split shows a change. */
  private check(): AdwinChange | null {
    let detected: AdwinChange | null = null;
    // Each pass either stops or drops one bucket: bounded by the bucket count.
    for (let guard = 0; guard < MAX_ROWS * this.cap; guard++) {
      const cut = this.findCut();
      if (!cut) break;
      detected ??= {
        at: this.seenCount,
        direction: cut.after < cut.before ? 'drop' : 'rise',
        before: cut.before,
        after: cut.after,
      };
      this.dropOldest();
    }
    if (detected) {
      this.changeCount++;
      if (detected.direction === 'drop') this.dropCount++;
      this.lastChange = detected;
    }
    return detected;
  }

  private findCut(): { before: number; after: number } | null {
    const n = this.n;
    if (n < 2 * this.minSubWindow) return null;
    const varW = this.variance / n;
    const lnTerm = Math.log((2 * Math.log(n)) / this.delta);
    let n0 = 0;
    let s0 = 0;
    // Oldest buckets first: W0 grows from the old end.
    for (let i = this.rowCount - 1; i >= 0; i--) {
      const len = this.lens[i] as number;
      const size = 2 ** i;
      for (let k = 0; k < len; k++) {
        n0 += size;
        s0 += this.sums[i * this.cap + k] as number;
        const n1 = n - n0;
        if (n1 < this.minSubWindow) return null;
        if (n0 < this.minSubWindow) continue;
        const mu0 = s0 / n0;
        const mu1 = (this.sum - s0) / n1;
        const m = 1 / (1 / n0 + 1 / n1);
        const eps = Math.sqrt((2 / m) * varW * lnTerm) + (2 / (3 * m)) * lnTerm;
        if (Math.abs(mu0 - mu1) > eps) return { before: mu0, after: mu1 };
      }
    }
    return null;
  }

  private dropOldest(): void {
    let i = this.rowCount - 1;
    while (i >= 0 && this.lens[i] === 0) i--;
    if (i < 0) return;
    const o = i * this.cap;
    const len = this.lens[i] as number;
    const bs = this.sums[o] as number;
    const bv = this.vars[o] as number;
    this.sums.copyWithin(o, o + 1, o + len);
    this.vars.copyWithin(o, o + 1, o + len);
    this.lens[i] = len - 1;
    const size = 2 ** i;
    const rest = this.n - size;
    if (rest <= 0) {
      this.lens.fill(0);
      this.rowCount = 0;
      this.n = 0;
      this.sum = 0;
      this.variance = 0;
      return;
    }
    const muB = bs / size;
    const muRest = (this.sum - bs) / rest;
    // Removing a group from a union: V = V_rest + V_b + n_b n_rest / n (mu_b - mu_rest)^2.
    this.variance = Math.max(0, this.variance - bv - (size * rest * (muB - muRest) * (muB - muRest)) / this.n);
    this.n = rest;
    this.sum -= bs;
    while (this.rowCount > 0 && this.lens[this.rowCount - 1] === 0) this.rowCount--;
  }

  /** Everything needed to resume, as JSON-serialisable data. */
  snapshot(): AdwinSnapshot {
    const rows: [number, number][][] = [];
    for (let i = 0; i < this.rowCount; i++) {
      const row: [number, number][] = [];
      for (let k = 0; k < (this.lens[i] as number); k++) row.push([this.sums[i * this.cap + k] as number, this.vars[i * this.cap + k] as number]);
      rows.push(row);
    }
    return {
      delta: this.delta,
      maxBuckets: this.maxBuckets,
      clock: this.clock,
      minSubWindow: this.minSubWindow,
      seen: this.seenCount,
      rows,
      variance: this.variance,
      changes: this.changeCount,
      drops: this.dropCount,
      last: this.lastChange ? { ...this.lastChange } : null,
    };
  }

  /**
   * A detector resumed from {@link snapshot}.
   * @throws Error when the snapshot's rows do not fit its parameters
   */
  static restore(s: AdwinSnapshot): Adwin {
    const a = new Adwin({ delta: s.delta, maxBuckets: s.maxBuckets, clock: s.clock, minSubWindow: s.minSubWindow });
    if (s.rows.length > MAX_ROWS) throw new Error(`adwin snapshot has ${s.rows.length} rows, at most ${MAX_ROWS} allowed`);
    let n = 0;
    let sum = 0;
    a.ensureRows(s.rows.length);
    s.rows.forEach((r, i) => {
      if (r.length > a.cap) throw new Error(`adwin snapshot row ${i} has ${r.length} buckets, at most ${a.cap} allowed`);
      r.forEach(([x, v], k) => {
        a.sums[i * a.cap + k] = x;
        a.vars[i * a.cap + k] = v;
        sum += x;
      });
      a.lens[i] = r.length;
      n += r.length * 2 ** i;
    });
    a.rowCount = s.rows.length;
    a.n = n;
    a.sum = sum;
    a.variance = s.variance;
    a.seenCount = s.seen;
    a.changeCount = s.changes;
    a.dropCount = s.drops;
    a.lastChange = s.last ? { ...s.last } : null;
    return a;
  }
}
