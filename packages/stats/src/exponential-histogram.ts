/**
 * Base-2 exponential histogram compatible with the OTLP data model
 * (`ExponentialHistogramDataPoint`): at scale `s` the base is `2^(2^-s)` and
 * bucket index `i` covers `(base^i, base^(i+1)]` (upper-inclusive); negative
 * values use the same indexes on their magnitude.
 *
 * `record()` maps values to the same bucket indexes as the OpenTelemetry JS SDK
 * (`sdk-metrics`) and rescales under the same rule (each sign's index span must
 * fit `maxSize` buckets), so a histogram received from an SDK and one built
 * here from the same values are identical. Written here rather than reusing the
 * SDK's accumulation because `stats` must not depend on an SDK package, and the
 * SDK has no subtract-with-reset, CDF or quantile.
 *
 * @module
 */

/** Smallest scale of the OTLP exponential histogram (base 2^1024). */
export const MIN_SCALE = -10;
/** Largest scale the OTel SDKs use (and the default `maxScale`). */
export const MAX_SCALE = 20;
/** The SDKs' default maximum number of buckets per sign. */
export const DEFAULT_MAX_SIZE = 160;

/** A contiguous run of buckets for one sign: `bucketCounts[k]` is the count at index `offset + k`. */
export interface ExpBuckets {
  offset: number;
  bucketCounts: number[];
}

/** Plain data of an exponential histogram, shaped like OTLP's `ExponentialHistogramDataPoint`. */
export interface ExpHistogramData {
  scale: number;
  zeroCount: number;
  /** Values with magnitude at or below this fall in the zero bucket. @default 0 */
  zeroThreshold?: number;
  positive: ExpBuckets;
  negative: ExpBuckets;
  /** Total count: zeroCount plus every bucket count. */
  count: number;
  sum?: number;
  min?: number;
  max?: number;
}

/** Plain data of an OTLP explicit-bucket histogram: `counts.length === bounds.length + 1`, bucket `k` covers `(bounds[k-1], bounds[k]]`. */
export interface ExplicitHistogramData {
  bounds: number[];
  counts: number[];
  count: number;
  sum?: number;
  min?: number;
  max?: number;
}

/** Options of {@link ExponentialHistogram}. */
export interface ExponentialHistogramOptions {
  /** Maximum number of buckets per sign before the histogram rescales. @default 160 */
  maxSize?: number;
  /** Starting (and largest) scale. @default 20 */
  maxScale?: number;
}

// IEEE 754 double layout, read through a DataView so byte order does not matter.
const FLOAT_VIEW = new DataView(new ArrayBuffer(8));
const EXPONENT_BIAS = 1023;
/** Exponent of the smallest normal double, 2^-1022. */
const MIN_NORMAL_EXPONENT = 1 - EXPONENT_BIAS;
const MAX_NORMAL_EXPONENT = EXPONENT_BIAS;
const MIN_NORMAL_VALUE = 2 ** MIN_NORMAL_EXPONENT;

/** Unbiased binary exponent of a normal positive double. */
function binaryExponent(value: number): number {
  FLOAT_VIEW.setFloat64(0, value);
  return ((FLOAT_VIEW.getUint32(0) & 0x7ff00000) >>> 20) - EXPONENT_BIAS;
}

/** True when a normal positive double has an all-zero significand (an exact power of two). */
function isPowerOfTwo(value: number): boolean {
  FLOAT_VIEW.setFloat64(0, value);
  return (FLOAT_VIEW.getUint32(0) & 0xfffff) === 0 && FLOAT_VIEW.getUint32(4) === 0;
}

/**
 * Bucket index of a positive finite magnitude at `scale`, following the
 * OpenTelemetry mapping functions bit for bit (exact for powers of two, a
 * scaled natural log otherwise), so that our buckets equal the SDK's.
 */
export function mapToIndex(value: number, scale: number): number {
  if (scale <= 0) {
    const shift = -scale;
    if (value < MIN_NORMAL_VALUE) {
      // Subnormals share the lowest bucket; the extra -1 keeps it below 2^-1022 when few indexes merge.
      return (MIN_NORMAL_EXPONENT >> shift) - (shift < 2 ? 1 : 0);
    }
    // A power of two is an upper bucket boundary, which belongs to the bucket below.
    const exponent = binaryExponent(value) - (isPowerOfTwo(value) ? 1 : 0);
    return exponent >> shift;
  }
  if (value <= MIN_NORMAL_VALUE) return (MIN_NORMAL_EXPONENT << scale) - 1;
  if (isPowerOfTwo(value)) return (binaryExponent(value) << scale) - 1;
  const index = Math.floor(Math.log(value) * Math.LOG2E * 2 ** scale);
  const maxIndex = ((MAX_NORMAL_EXPONENT + 1) << scale) - 1;
  return index >= maxIndex ? maxIndex : index;
}

/**
 * Lower boundary `base^index` of bucket `index` at `scale` (base = 2^(2^-scale)).
 * Exact at powers of two; may be 0 or Infinity at the extremes of the double range.
 */
export function bucketLowerBoundary(index: number, scale: number): number {
  // index / 2^scale is exact in floating point, so integer exponents give exact powers of two.
  return 2 ** (index / 2 ** scale);
}

/** Relative error `(base - 1) / (base + 1)` of a bucket's representative value at `scale`. */
export function relativeError(scale: number): number {
  // (b-1)/(b+1) = tanh(ln(b)/2): no overflow at scale -10 (b = 2^1024), no cancellation at scale 20.
  return Math.tanh((Math.LN2 * 2 ** -scale) / 2);
}

/** Mutable dense bucket run for one sign. */
interface Run {
  offset: number;
  counts: number[];
}

function emptyRun(): Run {
  return { offset: 0, counts: [] };
}

/** Lowest and highest index of a run after shifting it down by `shift` scales; null when empty. */
function shiftedRange(run: ExpBuckets | Run, shift: number): [number, number] | null {
  const counts = 'counts' in run ? run.counts : run.bucketCounts;
  if (counts.length === 0) return null;
  return [run.offset >> shift, (run.offset + counts.length - 1) >> shift];
}

/** Number of halvings needed until `high - low` fits `maxSize` buckets. */
function halvingsToFit(low: number, high: number, maxSize: number): number {
  let change = 0;
  // Bounded: each halving at least halves the span, and indexes are 31-bit.
  while (high - low >= maxSize && change < 64) {
    high >>= 1;
    low >>= 1;
    change++;
  }
  return change;
}

function downscaleRun(run: Run, by: number): void {
  if (by === 0 || run.counts.length === 0) return;
  const newOffset = run.offset >> by;
  const newEnd = (run.offset + run.counts.length - 1) >> by;
  const out = new Array<number>(newEnd - newOffset + 1).fill(0);
  for (let k = 0; k < run.counts.length; k++) {
    const target = ((run.offset + k) >> by) - newOffset;
    out[target] = (out[target] ?? 0) + (run.counts[k] ?? 0);
  }
  run.offset = newOffset;
  run.counts = out;
}

/** Adds `count` at `index`, growing the dense run at either end. */
function addAt(run: Run, index: number, count: number): void {
  if (count === 0) return;
  if (run.counts.length === 0) {
    run.offset = index;
    run.counts = [count];
    return;
  }
  if (index < run.offset) {
    const grow = run.offset - index;
    run.counts = new Array<number>(grow).fill(0).concat(run.counts);
    run.offset = index;
  } else if (index >= run.offset + run.counts.length) {
    const grow = index - (run.offset + run.counts.length) + 1;
    for (let k = 0; k < grow; k++) run.counts.push(0);
  }
  const k = index - run.offset;
  run.counts[k] = (run.counts[k] ?? 0) + count;
}

/** Drops leading and trailing empty buckets. */
function trimRun(run: Run): void {
  let start = 0;
  let end = run.counts.length;
  while (start < end && run.counts[start] === 0) start++;
  while (end > start && run.counts[end - 1] === 0) end--;
  if (start === 0 && end === run.counts.length) return;
  run.counts = run.counts.slice(start, end);
  run.offset = end > start ? run.offset + start : 0;
}

function runTotal(counts: ArrayLike<number>): number {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k] ?? 0;
  return total;
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

/** Counts are sums of integers in practice; tolerate rounding when they are not. */
function sameCount(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Checks an {@link ExpHistogramData} and throws a `RangeError`/`TypeError`
 * naming the first problem (`what` names the argument in the message).
 */
export function validateExpHistogramData(d: ExpHistogramData, what = 'histogram'): void {
  if (d === null || typeof d !== 'object') throw new TypeError(`${what} must be an exponential histogram object, got ${String(d)}`);
  if (!Number.isInteger(d.scale) || d.scale < MIN_SCALE || d.scale > MAX_SCALE) {
    throw new RangeError(`${what}.scale must be an integer in ${MIN_SCALE}..${MAX_SCALE}, got ${String(d.scale)}`);
  }
  if (!isCount(d.zeroCount)) throw new RangeError(`${what}.zeroCount must be a finite non-negative number, got ${String(d.zeroCount)}`);
  if (d.zeroThreshold !== undefined && !isCount(d.zeroThreshold)) {
    throw new RangeError(`${what}.zeroThreshold must be a finite non-negative number, got ${String(d.zeroThreshold)}`);
  }
  let total = d.zeroCount;
  for (const side of ['positive', 'negative'] as const) {
    const run = d[side];
    if (run === null || typeof run !== 'object' || !Array.isArray(run.bucketCounts)) {
      throw new TypeError(`${what}.${side} must be { offset, bucketCounts: number[] }`);
    }
    if (!Number.isInteger(run.offset)) throw new RangeError(`${what}.${side}.offset must be an integer, got ${String(run.offset)}`);
    for (let k = 0; k < run.bucketCounts.length; k++) {
      const c = run.bucketCounts[k];
      if (!isCount(c)) throw new RangeError(`${what}.${side}.bucketCounts[${k}] must be a finite non-negative number, got ${String(c)}`);
      total += c;
    }
  }
  if (!isCount(d.count)) throw new RangeError(`${what}.count must be a finite non-negative number, got ${String(d.count)}`);
  if (!sameCount(total, d.count)) {
    throw new RangeError(`${what}.count is ${d.count} but zeroCount plus the bucket counts add up to ${total}`);
  }
  for (const key of ['sum', 'min', 'max'] as const) {
    const v = d[key];
    if (v !== undefined && !Number.isFinite(v)) throw new RangeError(`${what}.${key} must be finite when present, got ${String(v)}`);
  }
}

/**
 * A mergeable base-2 exponential histogram (OTLP data model).
 *
 * `min`, `max` and `sum` are `NaN` when unknown (e.g. built from data without
 * them, or after {@link ExponentialHistogram.subtract}); an empty histogram has
 * `min = Infinity`, `max = -Infinity`, `sum = 0`, like the SDK.
 */
export class ExponentialHistogram {
  /** Maximum buckets per sign. */
  readonly maxSize: number;
  /** Largest (starting) scale. */
  readonly maxScale: number;
  private _scale: number;
  private _count = 0;
  private _zeroCount = 0;
  private _zeroThreshold = 0;
  private _sum = 0;
  private _min = Infinity;
  private _max = -Infinity;
  private _positive: Run = emptyRun();
  private _negative: Run = emptyRun();

  /** @throws RangeError when `maxSize` < 2 or `maxScale` is outside -10..20. */
  constructor(opts: ExponentialHistogramOptions = {}) {
    const maxSize = opts.maxSize ?? DEFAULT_MAX_SIZE;
    const maxScale = opts.maxScale ?? MAX_SCALE;
    if (!Number.isInteger(maxSize) || maxSize < 2) throw new RangeError(`maxSize must be an integer >= 2, got ${String(maxSize)}`);
    if (!Number.isInteger(maxScale) || maxScale < MIN_SCALE || maxScale > MAX_SCALE) {
      throw new RangeError(`maxScale must be an integer in ${MIN_SCALE}..${MAX_SCALE}, got ${String(maxScale)}`);
    }
    this.maxSize = maxSize;
    this.maxScale = maxScale;
    this._scale = maxScale;
  }

  /**
   * Builds a histogram from OTLP-shaped data (validated; counts copied). Its
   * scale is kept unless it exceeds `maxScale` or a sign spans more than
   * `maxSize` buckets, in which case it is downscaled (exactly) to fit.
   */
  static fromData(d: ExpHistogramData, opts: ExponentialHistogramOptions = {}): ExponentialHistogram {
    validateExpHistogramData(d, 'data');
    const h = new ExponentialHistogram(opts);
    h._zeroThreshold = d.zeroThreshold ?? 0;
    h._min = Infinity;
    h._max = -Infinity;
    h.merge(d);
    return h;
  }

  /** A plain-data copy, shaped like OTLP's data point (unknown `sum`/`min`/`max` are omitted). */
  toData(): ExpHistogramData {
    const out: ExpHistogramData = {
      scale: this._scale,
      zeroCount: this._zeroCount,
      positive: { offset: this._positive.offset, bucketCounts: this._positive.counts.slice() },
      negative: { offset: this._negative.offset, bucketCounts: this._negative.counts.slice() },
      count: this._count,
    };
    if (this._zeroThreshold > 0) out.zeroThreshold = this._zeroThreshold;
    // An unknown (NaN) or overflowed sum is left out rather than exported wrong.
    if (Number.isFinite(this._sum)) out.sum = this._sum;
    if (this._count > 0 && Number.isFinite(this._min)) out.min = this._min;
    if (this._count > 0 && Number.isFinite(this._max)) out.max = this._max;
    return out;
  }

  /**
   * Internal, non-copying view for the package's own hot loops. Do not mutate.
   * @internal
   */
  view(): ExpHistogramData {
    return {
      scale: this._scale,
      zeroCount: this._zeroCount,
      zeroThreshold: this._zeroThreshold,
      positive: { offset: this._positive.offset, bucketCounts: this._positive.counts },
      negative: { offset: this._negative.offset, bucketCounts: this._negative.counts },
      count: this._count,
      sum: this._sum,
      min: this._min,
      max: this._max,
    };
  }

  /** Total count (zero bucket plus every bucket). */
  get count(): number {
    return this._count;
  }
  /** Count in the zero bucket. */
  get zeroCount(): number {
    return this._zeroCount;
  }
  /** Magnitude at or below which values count as zero (0: exact zeros only). */
  get zeroThreshold(): number {
    return this._zeroThreshold;
  }
  /** Sum of recorded values; NaN when unknown. */
  get sum(): number {
    return this._sum;
  }
  /** Smallest recorded value; Infinity when empty, NaN when unknown. */
  get min(): number {
    return this._min;
  }
  /** Largest recorded value; -Infinity when empty, NaN when unknown. */
  get max(): number {
    return this._max;
  }
  /** Current scale: base = 2^(2^-scale). */
  get scale(): number {
    return this._scale;
  }

  /**
   * Records `value` `count` times, rescaling (like the SDK) when a sign would
   * span more than `maxSize` buckets. Values with magnitude at or below the zero
   * threshold go to the zero bucket.
   * @throws RangeError for a non-finite value or a negative/non-finite count.
   */
  record(value: number, count = 1): void {
    if (!Number.isFinite(value)) throw new RangeError(`record: value must be finite, got ${String(value)}`);
    if (!isCount(count)) throw new RangeError(`record: count must be a finite non-negative number, got ${String(count)}`);
    if (count === 0) return;
    this._count += count;
    this._sum += value * count;
    if (value < this._min) this._min = value;
    if (value > this._max) this._max = value;
    const magnitude = Math.abs(value);
    if (magnitude <= this._zeroThreshold) {
      this._zeroCount += count;
      return;
    }
    const run = value > 0 ? this._positive : this._negative;
    let index = mapToIndex(magnitude, this._scale);
    if (run.counts.length > 0) {
      const start = run.offset;
      const end = run.offset + run.counts.length - 1;
      const low = Math.min(start, index);
      const high = Math.max(end, index);
      if (high - low >= this.maxSize) {
        this.downscale(halvingsToFit(low, high, this.maxSize));
        index = mapToIndex(magnitude, this._scale);
      }
    }
    addAt(run, index, count);
  }

  /**
   * Merges another histogram into this one, exactly: both are brought to the
   * lower of their scales (further down if a sign's combined span would exceed
   * `maxSize`) and bucket counts add. A side with no buckets does not constrain
   * the scale. The larger zero threshold wins; buckets wholly inside it move to
   * the zero bucket.
   * @throws RangeError/TypeError when `other` is not valid histogram data.
   */
  merge(other: ExponentialHistogram | ExpHistogramData): void {
    const d = other instanceof ExponentialHistogram ? other.view() : other;
    if (!(other instanceof ExponentialHistogram)) validateExpHistogramData(d, 'merge: other');
    const theirsEmpty = d.positive.bucketCounts.length === 0 && d.negative.bucketCounts.length === 0;
    const oursEmpty = this._positive.counts.length === 0 && this._negative.counts.length === 0;
    if (oursEmpty && !theirsEmpty) this._scale = Math.min(this.maxScale, d.scale);
    let target = theirsEmpty ? this._scale : Math.min(this._scale, d.scale);
    for (const [ours, theirs] of [
      [this._positive, d.positive],
      [this._negative, d.negative],
    ] as const) {
      const a = shiftedRange(ours, this._scale - target);
      const b = shiftedRange(theirs, d.scale - target);
      if (a === null && b === null) continue;
      const low = Math.min(a?.[0] ?? Infinity, b?.[0] ?? Infinity);
      const high = Math.max(a?.[1] ?? -Infinity, b?.[1] ?? -Infinity);
      target -= halvingsToFit(low, high, this.maxSize);
    }
    this.downscale(this._scale - target);
    const theirShift = d.scale - target;
    for (const [ours, theirs] of [
      [this._positive, d.positive],
      [this._negative, d.negative],
    ] as const) {
      for (let k = 0; k < theirs.bucketCounts.length; k++) {
        addAt(ours, (theirs.offset + k) >> theirShift, theirs.bucketCounts[k] ?? 0);
      }
    }
    this._count += d.count;
    this._zeroCount += d.zeroCount;
    this._sum += d.sum ?? NaN;
    if (d.count > 0) {
      this._min = Math.min(this._min, d.min ?? NaN);
      this._max = Math.max(this._max, d.max ?? NaN);
    }
    const threshold = d.zeroThreshold ?? 0;
    if (threshold > this._zeroThreshold) {
      this._zeroThreshold = threshold;
      this.foldIntoZero();
    }
  }

  /** Moves buckets whose upper boundary is at or below the zero threshold into the zero bucket. */
  private foldIntoZero(): void {
    for (const run of [this._positive, this._negative]) {
      for (let k = 0; k < run.counts.length; k++) {
        if (bucketLowerBoundary(run.offset + k + 1, this._scale) > this._zeroThreshold) break;
        this._zeroCount += run.counts[k] ?? 0;
        run.counts[k] = 0;
      }
      trimRun(run);
    }
  }

  /**
   * Lowers the scale by `by` (each step merges pairs of adjacent buckets), exactly.
   * @throws RangeError when `by` is negative, not an integer, or would go below scale -10.
   */
  downscale(by: number): void {
    if (!Number.isInteger(by) || by < 0) throw new RangeError(`downscale: by must be a non-negative integer, got ${String(by)}`);
    if (this._scale - by < MIN_SCALE) {
      throw new RangeError(`downscale: scale ${this._scale} - ${by} is below the minimum scale ${MIN_SCALE}`);
    }
    if (by === 0) return;
    downscaleRun(this._positive, by);
    downscaleRun(this._negative, by);
    this._scale -= by;
  }

  /** An independent copy. */
  clone(): ExponentialHistogram {
    const h = new ExponentialHistogram({ maxSize: this.maxSize, maxScale: this.maxScale });
    h._scale = this._scale;
    h._count = this._count;
    h._zeroCount = this._zeroCount;
    h._zeroThreshold = this._zeroThreshold;
    h._sum = this._sum;
    h._min = this._min;
    h._max = this._max;
    h._positive = { offset: this._positive.offset, counts: this._positive.counts.slice() };
    h._negative = { offset: this._negative.offset, counts: this._negative.counts.slice() };
    return h;
  }

  /**
   * The delta `this - earlier`, where both are cumulative snapshots of the same
   * stream and `this` is the later one, computed at the lower of the two scales.
   * Returns `null` when the stream was reset (the count, the zero count or any
   * bucket decreased, or the zero threshold changed). The delta's `min`/`max`
   * are unknown (`NaN`) unless it is empty.
   * @throws RangeError/TypeError when `earlier` is not valid histogram data.
   */
  subtract(earlier: ExponentialHistogram | ExpHistogramData): ExponentialHistogram | null {
    const d = earlier instanceof ExponentialHistogram ? earlier.view() : earlier;
    if (!(earlier instanceof ExponentialHistogram)) validateExpHistogramData(d, 'subtract: earlier');
    if (d.count > this._count || d.zeroCount > this._zeroCount) return null;
    if ((d.zeroThreshold ?? 0) !== this._zeroThreshold) return null;
    const theirsEmpty = d.positive.bucketCounts.length === 0 && d.negative.bucketCounts.length === 0;
    const target = theirsEmpty ? this._scale : Math.min(this._scale, d.scale);
    const result = this.clone();
    result.downscale(this._scale - target);
    const shift = d.scale - target;
    for (const [run, theirs] of [
      [result._positive, d.positive],
      [result._negative, d.negative],
    ] as const) {
      for (let k = 0; k < theirs.bucketCounts.length; k++) {
        const c = theirs.bucketCounts[k] ?? 0;
        if (c === 0) continue;
        const pos = ((theirs.offset + k) >> shift) - run.offset;
        const have = run.counts[pos];
        if (have === undefined || have < c) return null;
        run.counts[pos] = have - c;
      }
      trimRun(run);
    }
    result._count -= d.count;
    result._zeroCount -= d.zeroCount;
    result._sum -= d.sum ?? NaN;
    if (result._count === 0) {
      result._min = Infinity;
      result._max = -Infinity;
      result._sum = 0;
    } else {
      result._min = NaN;
      result._max = NaN;
    }
    return result;
  }

  /**
   * The CDF at every bucket edge, ascending over the real line: one entry per
   * bucket (negative buckets from the largest magnitude down, the zero bucket,
   * then positive buckets), at the bucket's upper value edge, with the fraction
   * of the count in that bucket and every bucket below it. At a negative edge
   * `-base^i` this is `P(X < -base^i)` (negative buckets are lower-inclusive in
   * value), elsewhere `P(X <= edge)`. Empty histogram: empty arrays.
   * Like the SDK, subnormal magnitudes (below 2^-1022) share the bucket just below
   * 2^-1022, so that one bucket's edge is not exact for them; the order of
   * buckets (all that KS needs) still is.
   */
  cdfAtEdges(): { edges: Float64Array; cdf: Float64Array } {
    const neg = this._negative;
    const pos = this._positive;
    const size = neg.counts.length + 1 + pos.counts.length;
    const edges = new Float64Array(this._count > 0 ? size : 0);
    const cdf = new Float64Array(this._count > 0 ? size : 0);
    if (this._count === 0) return { edges, cdf };
    let cumulative = 0;
    let j = 0;
    for (let k = neg.counts.length - 1; k >= 0; k--, j++) {
      cumulative += neg.counts[k] ?? 0;
      // Values in a bucket straddling the zero threshold are all below -threshold.
      edges[j] = -Math.max(bucketLowerBoundary(neg.offset + k, this._scale), this._zeroThreshold);
      cdf[j] = cumulative / this._count;
    }
    cumulative += this._zeroCount;
    edges[j] = this._zeroThreshold;
    cdf[j++] = cumulative / this._count;
    for (let k = 0; k < pos.counts.length; k++, j++) {
      cumulative += pos.counts[k] ?? 0;
      edges[j] = bucketLowerBoundary(pos.offset + k + 1, this._scale);
      cdf[j] = cumulative / this._count;
    }
    return { edges, cdf };
  }

  /**
   * Estimate of the `q`-quantile (inverted-CDF definition: the `ceil(q * count)`-th
   * smallest value). The bucket holding that value is found exactly from the
   * counts; the estimate is the bucket's harmonic-mean point `2*l*u/(l+u)`, which
   * is within the relative error `(base-1)/(base+1)` of every value in the bucket,
   * clamped into `[min, max]` when known, and exactly `min`/`max` for the first
   * and last values. The zero bucket gives 0.
   * @throws RangeError when the histogram is empty or `q` is outside [0, 1].
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${String(q)}`);
    if (this._count === 0) throw new RangeError('quantile: the histogram is empty');
    const rank = Math.max(1, Math.ceil(q * this._count));
    if (rank === 1 && Number.isFinite(this._min)) return this._min;
    if (rank >= this._count && Number.isFinite(this._max)) return this._max;
    const clamp = (x: number): number => {
      let y = x;
      if (Number.isFinite(this._min) && y < this._min) y = this._min;
      if (Number.isFinite(this._max) && y > this._max) y = this._max;
      return y;
    };
    const representative = (index: number): number => {
      const l = bucketLowerBoundary(index, this._scale);
      const u = bucketLowerBoundary(index + 1, this._scale);
      // Harmonic mean written to avoid overflowing l*u near the top of the double range.
      return 2 / (1 / l + 1 / u);
    };
    let cumulative = 0;
    const neg = this._negative;
    for (let k = neg.counts.length - 1; k >= 0; k--) {
      cumulative += neg.counts[k] ?? 0;
      if (cumulative >= rank) return clamp(-representative(neg.offset + k));
    }
    cumulative += this._zeroCount;
    if (cumulative >= rank) return clamp(0);
    const pos = this._positive;
    for (let k = 0; k < pos.counts.length; k++) {
      cumulative += pos.counts[k] ?? 0;
      if (cumulative >= rank) return clamp(representative(pos.offset + k));
    }
    // Only reachable through rounding of non-integer counts.
    return clamp(pos.counts.length > 0 ? representative(pos.offset + pos.counts.length - 1) : 0);
  }
}

/** Total of the bucket counts of one sign (helper for callers holding plain data). */
export function bucketsTotal(b: ExpBuckets): number {
  return runTotal(b.bucketCounts);
}
