/**
 * Rate, errors and duration from the inference-duration histogram, and the
 * SLO history that burn rates and compliance are computed from.
 *
 * @module
 */

/**
 * Quantile `q` of an explicit-bucket histogram, estimated like Prometheus's
 * `histogram_quantile`: find the bucket holding rank q * count and interpolate
 * linearly inside it; the first bucket starts at 0 (durations are >= 0) and a
 * rank in the overflow bucket returns the highest finite bound.
 * Returns null for an empty histogram.
 */
export function bucketQuantile(bounds: readonly number[], counts: ArrayLike<number>, q: number): number | null {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k] as number;
  if (!(total > 0) || bounds.length === 0) return null;
  const rank = q * total;
  let cum = 0;
  for (let k = 0; k < counts.length; k++) {
    const c = counts[k] as number;
    if (c > 0 && cum + c >= rank) {
      if (k >= bounds.length) return bounds[bounds.length - 1] as number;
      const upper = bounds[k] as number;
      const lower = k === 0 ? Math.min(0, upper) : (bounds[k - 1] as number);
      return lower + ((upper - lower) * (rank - cum)) / c;
    }
    cum += c;
  }
  return bounds[bounds.length - 1] as number;
}

/**
 * Count of observations <= `threshold`: whole buckets below it plus, for the
 * bucket containing it, a linear share (exact when the threshold is a bound).
 * The overflow bucket never counts (its values are above the last bound).
 */
export function countAtOrBelow(bounds: readonly number[], counts: ArrayLike<number>, threshold: number): { count: number; interpolated: boolean } {
  let good = 0;
  for (let k = 0; k < bounds.length; k++) {
    const upper = bounds[k] as number;
    const c = (counts[k] as number | undefined) ?? 0;
    if (upper <= threshold) {
      good += c;
      continue;
    }
    const lower = k === 0 ? Math.min(0, upper) : (bounds[k - 1] as number);
    if (threshold > lower) return { count: good + (c * (threshold - lower)) / (upper - lower), interpolated: true };
    return { count: good, interpolated: false };
  }
  return { count: good, interpolated: false };
}

/** Windows for burn rates: the multiwindow alerting pairs of the SRE workbook. */
export const BURN_WINDOWS: readonly { label: string; ms: number }[] = Object.freeze([
  { label: '5m', ms: 5 * 60_000 },
  { label: '30m', ms: 30 * 60_000 },
  { label: '1h', ms: 3_600_000 },
  { label: '2h', ms: 2 * 3_600_000 },
  { label: '6h', ms: 6 * 3_600_000 },
  { label: '1d', ms: 24 * 3_600_000 },
  { label: '3d', ms: 72 * 3_600_000 },
]);

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Minute slots kept: windows up to 6 h are summed at minute resolution. */
export const MINUTE_SLOTS = 360;

/** JSON-serialisable state of a {@link SloHistory}. */
export interface SloHistorySnapshot {
  width: number;
  minutes: [number, number[]][];
  hours: [number, number[]][];
  /** Last minute whose time slices were judged (see {@link SloHistory.classifiedUpTo}). */
  classifiedUpTo?: number;
}

/**
 * Per-time-slot sums of a few numbers (requests, errors, good requests per
 * latency SLO) over long periods, cheaply: a ring of 360 one-minute slots for
 * windows up to 6 h and a ring of one-hour slots for longer windows and the
 * SLO period (so 1d/3d burn rates and 30-day compliance have hour resolution:
 * the current, partial hour counts whole).
 */
export class SloHistory {
  private readonly minuteIds: Float64Array;
  private readonly minuteVals: Float64Array;
  private readonly hourIds: Float64Array;
  private readonly hourVals: Float64Array;
  private readonly hourSlots: number;
  /**
   * The last minute (id, epoch ms / 60,000) whose time-slice SLOs (throughput,
   * cost) were judged and added; NaN before the first.
   */
  classifiedUpTo = Number.NaN;

  /** `width` numbers per slot; `maxPeriodMs` the longest window ever asked for. */
  constructor(
    readonly width: number,
    maxPeriodMs: number,
  ) {
    this.hourSlots = Math.max(1, Math.ceil(Math.max(maxPeriodMs, 72 * HOUR) / HOUR) + 1);
    this.minuteIds = new Float64Array(MINUTE_SLOTS).fill(NaN);
    this.minuteVals = new Float64Array(MINUTE_SLOTS * width);
    this.hourIds = new Float64Array(this.hourSlots).fill(NaN);
    this.hourVals = new Float64Array(this.hourSlots * width);
  }

  /** Adds `values` (length `width`) at time `t` (ms). */
  add(t: number, values: readonly number[]): void {
    addRing(this.minuteIds, this.minuteVals, this.width, Math.floor(t / MINUTE), values);
    addRing(this.hourIds, this.hourVals, this.width, Math.floor(t / HOUR), values);
  }

  /** Sums over (now - windowMs, now]: minute slots up to 6 h, hour slots beyond. */
  sum(now: number, windowMs: number): number[] {
    if (windowMs <= MINUTE_SLOTS * MINUTE) {
      const cur = Math.floor(now / MINUTE);
      return sumRing(this.minuteIds, this.minuteVals, this.width, cur - Math.round(windowMs / MINUTE), cur);
    }
    const cur = Math.floor(now / HOUR);
    return sumRing(this.hourIds, this.hourVals, this.width, cur - Math.round(windowMs / HOUR), cur);
  }

  /** JSON-serialisable state (the non-empty slots of both rings). */
  snapshot(): SloHistorySnapshot {
    return {
      width: this.width,
      minutes: ringEntries(this.minuteIds, this.minuteVals, this.width),
      hours: ringEntries(this.hourIds, this.hourVals, this.width),
      ...(Number.isNaN(this.classifiedUpTo) ? {} : { classifiedUpTo: this.classifiedUpTo }),
    };
  }

  /** The sums of one minute (id, epoch ms / 60,000), while it is within the minute ring. */
  minute(id: number): number[] {
    return sumRing(this.minuteIds, this.minuteVals, this.width, id - 1, id);
  }

  /** Adds a snapshot's slots into this (fresh) history; ignored when the width differs (SLOs changed). */
  restore(s: SloHistorySnapshot): void {
    if (s.width !== this.width) return;
    if (s.classifiedUpTo !== undefined) this.classifiedUpTo = s.classifiedUpTo;
    for (const [id, vals] of s.minutes) addRing(this.minuteIds, this.minuteVals, this.width, id, vals);
    for (const [id, vals] of s.hours) addRing(this.hourIds, this.hourVals, this.width, id, vals);
  }
}

function addRing(ids: Float64Array, vals: Float64Array, width: number, id: number, values: readonly number[]): void {
  const i = id % ids.length;
  const held = ids[i] as number;
  if (held !== id) {
    // An older id than the one held is past the ring's reach: dropped.
    if (held > id) return;
    ids[i] = id;
    vals.fill(0, i * width, (i + 1) * width);
  }
  for (let k = 0; k < width; k++) vals[i * width + k] = (vals[i * width + k] as number) + ((values[k] as number | undefined) ?? 0);
}

function sumRing(ids: Float64Array, vals: Float64Array, width: number, after: number, upTo: number): number[] {
  const out = new Array<number>(width).fill(0);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (id > after && id <= upTo) for (let k = 0; k < width; k++) out[k] = (out[k] as number) + (vals[i * width + k] as number);
  }
  return out;
}

function ringEntries(ids: Float64Array, vals: Float64Array, width: number): [number, number[]][] {
  const out: [number, number[]][] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    if (!Number.isNaN(id)) out.push([id, Array.from(vals.subarray(i * width, (i + 1) * width))]);
  }
  return out;
}
