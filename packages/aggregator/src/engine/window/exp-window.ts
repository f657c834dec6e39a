/**
 * A sliding window of base-2 exponential histograms kept as time slots.
 *
 * Memory is the constraint (10,000s of feature streams, each holding an hour
 * of one-minute slots), so closed slots are not kept as histogram objects but
 * packed together in one byte array per stream: per slot, the slot-id delta,
 * the zero count, and each sign's first index and bucket counts as LEB128
 * varints (a minute of N(100, 20) at 10 values/s is ~70 buckets of counts
 * below 128: about one byte per bucket). A running total of the window is kept
 * beside them, so evaluation reads the total without touching the slots and
 * expiry subtracts an old slot exactly (counts are integers).
 *
 * All slots share the stream's scale, which only decreases: a point at a
 * finer scale is downscaled on entry; a coarser point, or a window whose range
 * would exceed `maxBuckets` per sign, downscales the stream (exact: bucket
 * merges). The window's histogram is therefore as fine as the SDK's own
 * histogram of the whole window would be at the same maximum size. Once the
 * window empties, the next point sets the scale afresh.
 *
 * The newest slot is special while exports keep arriving for it (many
 * senders, or one sender exporting more often than once a slot): after its
 * second point it is held unpacked ({@link OpenSlot}), so each further point
 * is one pass adding its counts, instead of unpacking, merging and re-encoding
 * the slot every time. It is packed again (sealed) as soon as anything else
 * reads or rewrites the slot bytes: a point for a later slot, expiry (every
 * evaluation tick expires, so between ticks at most one slot per stream is
 * unpacked and after a tick none is), a downscale, a late point, a snapshot.
 * The packed bytes are the same as if every point had been merged packed.
 *
 * Slots are keyed on a {@link SlotGrid} (see slot-grid.ts): on a fine grid,
 * the newest slots are fine (10 s by default) so that the shortest drift
 * window covers exactly its last seconds, and older ones are merged into
 * their coarse slot ({@link ExpWindow.age}: at the window's one scale, so
 * exactly). The bytes hold the coarse slots first, then the fine ones; the
 * window remembers where the fine ones start and where the last coarse one
 * is, so aging re-encodes only that tail (about one coarse slot and the
 * fine slots aged into it), not the window.
 *
 * This is the engine's own representation (merging is the OTel rule, a bucket
 * index shift), not `@modelwatch/stats`'s `ExponentialHistogram`, because the
 * packed slot layout is what keeps a window under a few KiB.
 *
 * @module
 */
import type { ExpHistogramData } from '../histogram-data.js';
import { ByteReader, ByteWriter } from './varint.js';
import { Run } from './run.js';
import { base64ToBytes, bytesToBase64 } from './base64.js';
import { COARSE_GRID, coarseKey, gridSnapshotFields, lastKeyOf, rekey, snapshotGrid, type SlotGrid } from './slot-grid.js';

/** Lowest scale of the OTel exponential histogram. */
const MIN_SCALE = -10;
/** Highest scale of the OTel exponential histogram. */
const MAX_SCALE = 20;

/** Buckets of one sign of an incoming point. */
export interface BucketsIn {
  offset: number;
  bucketCounts: ArrayLike<number>;
}

/** The parts of an exponential histogram point the window uses. */
export interface ExpPointIn {
  scale: number;
  zeroCount: number;
  positive: BucketsIn;
  negative: BucketsIn;
  /** Counts known to be finite non-negative integers: only their non-zero range is looked for. */
  countsChecked?: boolean;
}

/** A binary part of a snapshot: the array itself sits in a list beside the JSON, the JSON holds its index. */
export type SnapshotSection = Uint8Array | Float64Array;

/**
 * State of an {@link ExpWindow}, JSON-serialisable. Two forms: with no
 * section list, the bucket counts are number arrays and the slot bytes
 * base64 (the form of every snapshot before engine snapshot v2); with one,
 * each is a copy pushed to the list, and the field holds its index. The
 * second costs a few memory copies instead of base64 and number-array
 * building (~0.9 s at 2,000 hour-long streams; docs/performance.md).
 */
export interface ExpWindowSnapshot {
  scale: number;
  zero: number;
  count: number;
  /** First bucket index and the counts (or the index of their Float64Array section). */
  pos: [number, number[] | number];
  neg: [number, number[] | number];
  /** Packed closed slots: base64, or the index of their Uint8Array section. */
  slots: string | number;
  baseSlot: number;
  lastSlot: number | null;
  lastStart: number;
  /** Fine slots per coarse slot of the slot keys; absent: coarse slot ids (no fine slots, or a snapshot from before them). */
  ratio?: number;
  /** Highest fine slot merged into its coarse slot (null: none yet); present with `ratio`. */
  agedTo?: number | null;
}

/** One slot unpacked. */
interface Slot {
  slot: number;
  zero: number;
  pos: Run;
  neg: Run;
}

/**
 * The newest slot held unpacked: its slot-id delta (as it will be packed),
 * zero count, and dense counts per sign at the window's scale.
 */
interface OpenSlot {
  delta: number;
  zero: number;
  pos: Run;
  neg: Run;
}

const reader = new ByteReader();
// Encoding scratch: a slot is written here, then copied into the window's bytes.
const out = new ByteWriter(4096);
// Aging scratch: the fine slots aged (offsets, keys) and the counts of a coarse slot being merged.
const agedStarts: number[] = [];
const agedKeys: number[] = [];
const mergePos = new Run();
const mergeNeg = new Run();

/** Non-zero bucket range of a point's signs, set by {@link scanCounts}: `[lo, hi]`, empty when lo > hi. */
let pLo = 0;
let pHi = -1;
let nLo = 0;
let nHi = -1;
let scanLo = 0;
let scanHi = -1;

/**
 * One pass over a point's counts: checks that each is finite and >= 0 (false
 * otherwise) and sets `scanLo`/`scanHi` to the first and last non-zero
 * positions. Validation and the range are one loop because this runs for
 * every bucket of every point.
 */
function scanCounts(counts: ArrayLike<number>): boolean {
  let lo = -1;
  let hi = -1;
  for (let k = 0; k < counts.length; k++) {
    const v = counts[k] as number;
    if (v > 0) {
      if (v === Infinity) return false;
      if (lo < 0) lo = k;
      hi = k;
    } else if (v !== 0) return false; // negative or NaN
  }
  scanLo = lo < 0 ? 0 : lo;
  scanHi = hi;
  return true;
}

/** Sets `scanLo`/`scanHi` for counts known to be valid: only the zeros at either end are skipped. */
function trimCounts(counts: ArrayLike<number>): void {
  let lo = 0;
  let hi = counts.length - 1;
  while (lo <= hi && counts[lo] === 0) lo++;
  while (hi >= lo && counts[hi] === 0) hi--;
  scanLo = lo > hi ? 0 : lo;
  scanHi = lo > hi ? -1 : hi;
}

function writeRun(w: ByteWriter, r: Run): void {
  w.sint(r.len === 0 ? 0 : r.off);
  w.uint(r.len);
  for (let k = 0; k < r.len; k++) w.uint(r.c[k] as number);
}

function readRunInto(rd: ByteReader, r: Run): void {
  r.clear();
  const off = rd.sint();
  const len = rd.uint();
  if (len === 0) return;
  r.cover(off, off + len - 1);
  const c = r.c;
  for (let k = 0; k < len; k++) c[k] = rd.uint();
}

/** Adds (`sign` 1) or subtracts (-1) a packed run into `into`; returns the run's total. */
function addPackedRun(rd: ByteReader, into: Run, sign: 1 | -1 = 1): number {
  const off = rd.sint();
  const len = rd.uint();
  let total = 0;
  for (let k = 0; k < len; k++) {
    const v = rd.uint();
    if (v !== 0) {
      into.add(off + k, sign * v);
      total += v;
    }
  }
  return total;
}

/** Skips a packed run. */
function skipRun(rd: ByteReader): void {
  rd.sint();
  const len = rd.uint();
  for (let k = 0; k < len; k++) rd.uint();
}

/** Writes one sign of a point, merging buckets that share an index after the shift. */
function writeBuckets(w: ByteWriter, b: BucketsIn, k0: number, k1: number, shift: number): void {
  if (k0 > k1) {
    w.uint(0);
    w.uint(0);
    return;
  }
  const lo = (b.offset + k0) >> shift;
  const hi = (b.offset + k1) >> shift;
  w.sint(lo);
  w.uint(hi - lo + 1);
  // Bytes written in place, one byte per count below 128.
  w.ensure(8 * (k1 - k0 + 2));
  const buf = w.buf;
  let pos = w.pos;
  const counts = b.bucketCounts;
  const off = b.offset;
  let cur = lo;
  let acc = 0;
  for (let k = k0; k <= k1 + 1; k++) {
    // With shift >= 0 the shifted index grows by 0 or 1 per bucket: no gaps to fill.
    const j = k <= k1 ? (off + k) >> shift : cur + 1;
    if (j !== cur) {
      let v = acc;
      while (v >= 128) {
        buf[pos++] = (v % 128) | 128;
        v = Math.floor(v / 128);
      }
      buf[pos++] = v;
      acc = 0;
      cur = j;
    }
    if (k <= k1) acc += counts[k] as number;
  }
  w.pos = pos;
}

/** Bytes of `v` as a LEB128 varint. */
function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Overwrites the varint at `pos` with `v`, of the same length (see {@link varintLength}). */
function writeVarintAt(buf: Uint8Array, pos: number, v: number): void {
  while (v >= 128) {
    buf[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos] = v;
}

function section<T extends SnapshotSection>(i: number, sections: readonly SnapshotSection[], type: new (n: number) => T): T {
  const a = sections[i];
  if (!(a instanceof type)) throw new Error(`exponential window snapshot: section ${i} is ${a === undefined ? `missing (${sections.length} sections)` : `a ${a.constructor.name}`}, expected a ${type.name}`);
  return a;
}

function counts(c: number[] | number, sections: readonly SnapshotSection[]): ArrayLike<number> {
  return typeof c === 'number' ? section(c, sections, Float64Array) : c;
}

/** Adds a snapshot's dense counts of one sign, starting at bucket `off`, into `into`. */
function addCounts(into: Run, off: number, counts: ArrayLike<number>): void {
  for (let k = 0; k < counts.length; k++) {
    const v = counts[k] as number;
    if (v !== 0) into.add(off + k, v);
  }
}

/** Adds one sign of a point (positions k0..k1, non-empty) into `into`, shifting indexes down by `shift`. */
function addBuckets(into: Run, b: BucketsIn, k0: number, k1: number, shift: number): number {
  return into.addCounts(b.offset, b.bucketCounts, k0, k1, shift);
}

/** A window of exponential histograms, one packed slot per time slot. */
export class ExpWindow {
  /** Scale of every stored bucket. */
  scale = MAX_SCALE;
  /** Zero-bucket count of the window. */
  zero = 0;
  /** Total count of the window. */
  count = 0;
  /** Counts of the window per sign, the open slot excepted (it is folded in when sealed). */
  private readonly pos = new Run();
  private neg: Run | null = null;
  private buf: Uint8Array = new Uint8Array(0);
  private used = 0;
  /** Slot id the first packed slot's delta is relative to. */
  private baseSlot = 0;
  private lastSlot: number | null = null;
  private lastStart = 0;
  /** Number of slots held (the open slot included). */
  private nslots = 0;
  /** The newest slot, unpacked while points keep arriving for it; its bytes are not in `buf` meanwhile. */
  private open: OpenSlot | null = null;
  /** Highest fine slot merged into its coarse slot: keys up to it are coarse slots (see slot-grid.ts). */
  private agedTo = Number.NEGATIVE_INFINITY;
  /** Byte offset of the first fine slot; -1 when none. */
  private fineAt = -1;
  /** Byte offset and key of the last coarse slot; -1 when none. */
  private coarseAt = -1;
  private lastCoarseKey = 0;

  /**
   * @param maxBuckets buckets kept per sign before the window is downscaled.
   * @param slotsHint coarse slots per window: a new slot drops those a window older, and the slot bytes are sized once for a window.
   * @param grid how slots are keyed: fine slots for recent data, or coarse slot ids only.
   */
  constructor(
    private readonly maxBuckets: number,
    private readonly slotsHint = 60,
    private readonly grid: SlotGrid = COARSE_GRID,
  ) {}

  /** True when no slot holds data. */
  get empty(): boolean {
    return this.used === 0 && this.open === null;
  }

  /**
   * Adds a point to slot `at` (slot numbers increase with time; fine slot
   * numbers on a fine grid). With `negate` (the `ml.feature.sign = negative`
   * rule), the point's positive buckets are magnitudes of negative values and
   * land on the negative side, index for index.
   *
   * @returns false, changing nothing, when a bucket count is negative, NaN or infinite.
   */
  add(at: number, p: ExpPointIn, negate: boolean): boolean {
    const P = negate ? p.negative : p.positive;
    const N = negate ? p.positive : p.negative;
    if (p.countsChecked === true) trimCounts(P.bucketCounts);
    else if (!scanCounts(P.bucketCounts)) return false;
    pLo = scanLo;
    pHi = scanHi;
    if (p.countsChecked === true) trimCounts(N.bucketCounts);
    else if (!scanCounts(N.bucketCounts)) return false;
    nLo = scanLo;
    nHi = scanHi;
    const ratio = this.grid.ratio;
    // The slot's key: itself while fine, its coarse slot's once that part of the window has aged.
    const slot = at > this.agedTo ? at : coarseKey(at, ratio);
    // The common case at a high rate: another point for the open slot, one
    // sign only, inside the open slot's range at no finer scale. The window's
    // range then cannot grow, and it fitted when the slot was opened (by the
    // full check below), so the point is added without reading the totals or
    // the other sign: each object not touched is a cache miss saved per point
    // (docs/performance.md).
    const o = this.open;
    if (o !== null && slot === this.lastSlot && nLo > nHi && pLo <= pHi && p.scale >= this.scale) {
      const shift = p.scale - this.scale;
      const r = o.pos;
      if ((P.offset + pLo) >> shift >= r.off && (P.offset + pHi) >> shift <= r.off + r.len - 1) {
        this.zero += p.zeroCount;
        o.zero += p.zeroCount;
        this.count += p.zeroCount + r.addCounts(P.offset, P.bucketCounts, pLo, pHi, shift);
        return true;
      }
    }
    if (this.lastSlot !== null && slot > this.lastSlot) {
      // Slots a window's length older than this point are past any window that holds it:
      // dropping them here keeps the bytes at one window even between evaluations.
      this.expire(lastKeyOf(Math.floor(at / ratio) - this.slotsHint, ratio));
      // Likewise the fine slots past the horizon merge into their coarse slots, a coarse
      // slot's worth at a time (the evaluation ages them exactly, on each tick).
      if (this.grid.horizon > 0 && at - this.grid.horizon - this.agedTo > ratio) this.age(at - this.grid.horizon);
    }
    if (this.empty) {
      this.scale = Math.min(MAX_SCALE, p.scale);
      this.pos.clear();
      this.neg?.clear();
      this.zero = 0;
      this.count = 0;
    }
    let target = Math.min(this.scale, p.scale);
    // Lower the scale until both signs fit maxBuckets; bounded by the scale range.
    while (target > MIN_SCALE) {
      if (this.fits(this.pos, this.open?.pos ?? null, P, pLo, pHi, target, p.scale) && this.fits(this.neg, this.open?.neg ?? null, N, nLo, nHi, target, p.scale)) break;
      target--;
    }
    if (target < this.scale) this.downscale(this.scale - target);
    this.addToSlot(slot, p.zeroCount, P, N, p.scale - this.scale);
    return true;
  }

  /** Whether the window's range of one sign (totals and open slot) joined with the point's fits maxBuckets at scale `target`. */
  private fits(total: Run | null, open: Run | null, b: BucketsIn, k0: number, k1: number, target: number, pScale: number): boolean {
    let lo = Infinity;
    let hi = -Infinity;
    const d = this.scale - target;
    if (total && total.len > 0) {
      lo = total.off >> d;
      hi = total.hi >> d;
    }
    if (open && open.len > 0) {
      lo = Math.min(lo, open.off >> d);
      hi = Math.max(hi, open.hi >> d);
    }
    if (k0 <= k1) {
      lo = Math.min(lo, (b.offset + k0) >> (pScale - target));
      hi = Math.max(hi, (b.offset + k1) >> (pScale - target));
    }
    return hi - lo + 1 <= this.maxBuckets;
  }

  private addToSlot(slot: number, zero: number, P: BucketsIn, N: BucketsIn, shift: number): void {
    this.zero += zero;
    let n = zero;
    if (this.lastSlot !== null && slot < this.lastSlot) {
      this.seal();
      if (pLo <= pHi) n += addBuckets(this.pos, P, pLo, pHi, shift);
      if (nLo <= nHi) n += addBuckets((this.neg ??= new Run()), N, nLo, nHi, shift);
      this.count += n;
      this.addLate(slot, zero, P, N, shift);
      return;
    }
    if (this.lastSlot === slot) {
      // Another export within the newest slot: merge into it unpacked, one
      // pass over the point's counts (the window totals take them at the seal).
      const o = this.open ?? this.unpackTail();
      o.zero += zero;
      if (pLo <= pHi) n += addBuckets(o.pos, P, pLo, pHi, shift);
      if (nLo <= nHi) n += addBuckets(o.neg, N, nLo, nHi, shift);
      this.count += n;
      return;
    }
    // A new slot: encode the point's buckets straight from the point (a slot
    // that gets one point, the common case, is never unpacked).
    this.seal();
    if (pLo <= pHi) n += addBuckets(this.pos, P, pLo, pHi, shift);
    if (nLo <= nHi) n += addBuckets((this.neg ??= new Run()), N, nLo, nHi, shift);
    this.count += n;
    out.reset();
    if (this.used === 0) this.baseSlot = slot;
    out.uint(slot - (this.lastSlot ?? this.baseSlot));
    out.uint(zero);
    writeBuckets(out, P, pLo, pHi, shift);
    writeBuckets(out, N, nLo, nHi, shift);
    this.lastStart = this.used;
    this.lastSlot = slot;
    this.nslots++;
    this.noteAppended(slot);
    this.appendOut();
  }

  /** Keeps the fine/coarse offsets for a slot just appended at `lastStart`. */
  private noteAppended(slot: number): void {
    if (slot > this.agedTo) {
      if (this.fineAt < 0) this.fineAt = this.lastStart;
    } else {
      // A coarse key sorts before every fine one, so none is held.
      this.coarseAt = this.lastStart;
      this.lastCoarseKey = slot;
    }
  }

  /** Finds the first fine slot and the last coarse one (after the bytes were rewritten). */
  private locate(): void {
    this.fineAt = -1;
    this.coarseAt = -1;
    reader.at(this.buf, 0);
    let id = this.baseSlot;
    while (reader.pos < this.used) {
      const at = reader.pos;
      id += reader.uint();
      if (id > this.agedTo) {
        this.fineAt = at;
        return;
      }
      this.coarseAt = at;
      this.lastCoarseKey = id;
      reader.uint();
      skipRun(reader);
      skipRun(reader);
    }
  }

  /**
   * Merges every fine slot up to `cutoff` into its coarse slot: counts add at
   * the window's one scale, so the merge is exact, and the totals do not
   * change. Only the tail of the bytes is rewritten, from the first fine slot
   * (or the last coarse one, when the first fine slot joins it). A fine slot
   * that alone makes up its coarse slot is re-keyed, its bytes copied as they
   * are (the case of a sender exporting once a slot); fine slots of one
   * coarse slot are decoded and merged; the fine slots kept are copied, the
   * first one's key delta excepted.
   */
  age(cutoff: number): void {
    if (this.grid.horizon === 0 || !(cutoff > this.agedTo)) return;
    this.seal();
    this.agedTo = cutoff;
    if (this.fineAt < 0) return;
    const ratio = this.grid.ratio;
    // The fine slots to age: their offsets and keys, up to the first one kept (at restAt).
    agedStarts.length = 0;
    agedKeys.length = 0;
    reader.at(this.buf, this.fineAt);
    let id = this.coarseAt >= 0 ? this.lastCoarseKey : this.baseSlot;
    let restAt = -1;
    let restKey = 0;
    while (reader.pos < this.used) {
      const at = reader.pos;
      const next = id + reader.uint();
      if (next > cutoff) {
        restAt = at;
        restKey = next;
        break;
      }
      id = next;
      agedStarts.push(at);
      agedKeys.push(next);
      reader.uint();
      skipRun(reader);
      skipRun(reader);
    }
    const n = agedKeys.length;
    if (n === 0) return;
    if (this.rekeyInPlace(restAt, restKey)) return;
    const agedEnd = restAt >= 0 ? restAt : this.used;
    const joinsLast = this.coarseAt >= 0 && coarseKey(agedKeys[0] as number, ratio) === this.lastCoarseKey;
    const start = joinsLast ? this.coarseAt : this.fineAt;
    // The key the first slot written is relative to (baseSlot, at offset 0, is set to that slot's key).
    let key = this.baseSlot;
    if (this.coarseAt >= 0 && start > 0) key = joinsLast ? this.lastCoarseKey - reader.at(this.buf, this.coarseAt).uint() : this.lastCoarseKey;
    let first = start === 0;
    out.reset();
    let lastAt = 0;
    let slots = joinsLast ? -1 : 0;
    for (let i = 0; i < n; ) {
      const ck = coarseKey(agedKeys[i] as number, ratio);
      let k = i + 1;
      while (k < n && coarseKey(agedKeys[k] as number, ratio) === ck) k++;
      const end = k < n ? (agedStarts[k] as number) : agedEnd;
      if (first) key = this.baseSlot = ck;
      first = false;
      lastAt = out.pos;
      out.uint(ck - key);
      if (k - i === 1 && !(i === 0 && joinsLast)) {
        // Alone in its coarse slot: the same bytes under the coarse key.
        reader.at(this.buf, agedStarts[i] as number).uint();
        const body = end - reader.pos;
        out.ensure(body);
        out.buf.set(this.buf.subarray(reader.pos, end), out.pos);
        out.pos += body;
      } else {
        mergePos.clear();
        mergeNeg.clear();
        let zero = 0;
        reader.at(this.buf, i === 0 && joinsLast ? this.coarseAt : (agedStarts[i] as number));
        while (reader.pos < end) {
          reader.uint();
          zero += reader.uint();
          addPackedRun(reader, mergePos);
          addPackedRun(reader, mergeNeg);
        }
        out.uint(zero);
        writeRun(out, mergePos);
        writeRun(out, mergeNeg);
      }
      key = ck;
      slots++;
      i = k;
    }
    this.nslots += slots - n;
    const restOut = out.pos;
    let moved = 0;
    if (restAt >= 0) {
      reader.at(this.buf, restAt).uint();
      const restBody = reader.pos;
      out.uint(restKey - key);
      // The kept fine slots' bytes move by this much (their first key delta excepted).
      moved = start + out.pos - restBody;
      const body = this.used - restBody;
      out.ensure(body);
      out.buf.set(this.buf.subarray(restBody, this.used), out.pos);
      out.pos += body;
    }
    // The new tail replaces the old one.
    const lastStart = this.lastStart;
    this.used = start;
    this.appendOut();
    this.coarseAt = start + lastAt;
    this.lastCoarseKey = key;
    if (restAt >= 0) {
      this.fineAt = start + restOut;
      this.lastStart = lastStart === restAt ? this.fineAt : lastStart + moved;
    } else {
      this.fineAt = -1;
      this.lastStart = this.coarseAt;
      this.lastSlot = key;
    }
  }

  /**
   * The common case of {@link age} without moving a byte: each fine slot aged
   * is alone in its coarse slot (a sender exporting once a slot), so only
   * key deltas change, its own and the next slot's; when none changes its
   * byte length they are overwritten in place. False when that does not hold.
   */
  private rekeyInPlace(restAt: number, restKey: number): boolean {
    const ratio = this.grid.ratio;
    const n = agedKeys.length;
    let prevOld = this.coarseAt >= 0 ? this.lastCoarseKey : this.baseSlot;
    let prevNew = prevOld;
    for (let i = 0; i < n; i++) {
      const k = agedKeys[i] as number;
      const ck = coarseKey(k, ratio);
      if (ck === prevNew && (i > 0 || this.coarseAt >= 0)) return false; // joins a slot: a merge
      if (ck < prevNew || varintLength(k - prevOld) !== varintLength(ck - prevNew)) return false;
      prevOld = k;
      prevNew = ck;
    }
    if (restAt >= 0 && varintLength(restKey - prevOld) !== varintLength(restKey - prevNew)) return false;
    prevNew = this.coarseAt >= 0 ? this.lastCoarseKey : this.baseSlot;
    for (let i = 0; i < n; i++) {
      const ck = coarseKey(agedKeys[i] as number, ratio);
      writeVarintAt(this.buf, agedStarts[i] as number, ck - prevNew);
      prevNew = ck;
    }
    if (restAt >= 0) writeVarintAt(this.buf, restAt, restKey - prevNew);
    this.coarseAt = agedStarts[n - 1] as number;
    this.lastCoarseKey = prevNew;
    this.fineAt = restAt;
    if (restAt < 0) this.lastSlot = prevNew;
    return true;
  }

  /** Moves the packed newest slot out of the bytes into {@link ExpWindow.open}. */
  private unpackTail(): OpenSlot {
    reader.at(this.buf, this.lastStart);
    const delta = reader.uint();
    const zero = reader.uint();
    const pos = new Run();
    const neg = new Run();
    readRunInto(reader, pos);
    readRunInto(reader, neg);
    this.used = this.lastStart;
    // The totals hold everything but the open slot.
    this.pos.addRun(pos, -1);
    if (neg.len > 0) (this.neg ??= new Run()).addRun(neg, -1);
    return (this.open = { delta, zero, pos, neg });
  }

  /** Packs the open slot back at the end of the bytes (no-op when none is open). */
  private seal(): void {
    const o = this.open;
    if (o === null) return;
    this.open = null;
    this.pos.addRun(o.pos, 1);
    if (o.neg.len > 0) (this.neg ??= new Run()).addRun(o.neg, 1);
    out.reset();
    out.uint(o.delta);
    out.uint(o.zero);
    writeRun(out, o.pos);
    writeRun(out, o.neg);
    this.lastStart = this.used;
    this.appendOut();
  }

  /** Appends the scratch writer's bytes to the slot bytes, growing them for a whole window when needed. */
  private appendOut(): void {
    if (this.used + out.pos > this.buf.length) {
      const next = new Uint8Array(Math.max(this.used + out.pos, this.capacityFor(this.used + out.pos)));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(out.buf.subarray(0, out.pos), this.used);
    this.used += out.pos;
  }

  /**
   * Bytes to hold a full window, estimated from the average size of the slots
   * held: sizing once for the whole window avoids regrowing the bytes slot by
   * slot (allocation churn was most of the ingest cost), with 5% to spare.
   */
  private capacityFor(used: number): number {
    const slots = Math.max(1, this.nslots);
    return Math.ceil((used / slots) * Math.max(slots, this.slotsHint) * 1.05) + 32;
  }

  /** Slow path for a point older than the newest slot: unpack, insert, repack. */
  private addLate(slot: number, zero: number, P: BucketsIn, N: BucketsIn, shift: number): void {
    const slots = this.unpack();
    let s = slots.find((x) => x.slot === slot);
    if (!s) {
      s = { slot, zero: 0, pos: new Run(), neg: new Run() };
      slots.push(s);
      slots.sort((a, b) => a.slot - b.slot);
    }
    s.zero += zero;
    if (pLo <= pHi) addBuckets(s.pos, P, pLo, pHi, shift);
    if (nLo <= nHi) addBuckets(s.neg, N, nLo, nHi, shift);
    this.repack(slots);
  }

  private unpack(): Slot[] {
    const out: Slot[] = [];
    reader.at(this.buf, 0);
    let id = this.baseSlot;
    while (reader.pos < this.used) {
      id += reader.uint();
      const zero = reader.uint();
      const pos = new Run();
      const neg = new Run();
      readRunInto(reader, pos);
      readRunInto(reader, neg);
      out.push({ slot: id, zero, pos, neg });
    }
    return out;
  }

  private repack(slots: Slot[]): void {
    const w = new ByteWriter(Math.max(64, this.used));
    let prev = slots[0]?.slot ?? this.baseSlot;
    this.baseSlot = prev;
    this.lastSlot = null;
    for (const s of slots) {
      this.lastStart = w.pos;
      w.uint(s.slot - prev);
      w.uint(s.zero);
      writeRun(w, s.pos);
      writeRun(w, s.neg);
      prev = s.slot;
      this.lastSlot = s.slot;
    }
    this.nslots = slots.length;
    this.buf = new Uint8Array(Math.max(w.pos, this.capacityFor(w.pos)));
    this.buf.set(w.buf.subarray(0, w.pos));
    this.used = w.pos;
    if (this.used === 0) this.lastStart = 0;
    this.locate();
  }

  /** Merges 2^d neighbouring buckets everywhere (scale - d). */
  private downscale(d: number): void {
    this.seal();
    this.pos.downscale(d);
    this.neg?.downscale(d);
    this.pos.fit();
    this.neg?.fit();
    if (this.used > 0) {
      const slots = this.unpack();
      for (const s of slots) {
        s.pos.downscale(d);
        s.neg.downscale(d);
      }
      this.repack(slots);
    }
    this.scale -= d;
  }

  /** Drops every slot with id <= `cutoff` and subtracts it from the window total. */
  expire(cutoff: number): void {
    this.seal();
    if (this.used === 0) return;
    reader.at(this.buf, 0);
    let id = this.baseSlot;
    let removedEnd = 0;
    let removedId: number | null = null;
    while (reader.pos < this.used) {
      const next = id + reader.uint();
      if (next > cutoff) break;
      id = next;
      const z = reader.uint();
      this.zero -= z;
      this.count -= z;
      this.count -= addPackedRun(reader, this.pos, -1);
      this.count -= addPackedRun(reader, (this.neg ??= new Run()), -1);
      removedEnd = reader.pos;
      removedId = id;
      this.nslots--;
    }
    if (removedId === null) return;
    this.buf.copyWithin(0, removedEnd, this.used);
    this.used -= removedEnd;
    this.lastStart -= removedEnd;
    this.baseSlot = removedId;
    // Coarse slots come first: the last one went only if all did; the fine ones left start at 0.
    this.coarseAt = this.coarseAt >= removedEnd ? this.coarseAt - removedEnd : -1;
    if (this.fineAt >= 0) this.fineAt = Math.max(0, this.fineAt - removedEnd);
    if (this.used === 0) this.fineAt = -1;
    this.pos.trim();
    this.neg?.trim();
    this.pos.fit();
    this.neg?.fit();
    // Give memory back only when the window shrank a lot (traffic fell), not every slot.
    if (this.buf.length > this.used * 2 + 256) this.buf = this.buf.slice(0, this.capacityFor(this.used));
    if (this.used === 0) {
      this.lastSlot = null;
      this.lastStart = 0;
      this.nslots = 0;
      this.pos.clear();
      this.neg?.clear();
      this.zero = 0;
      this.count = 0;
      // Release the slot bytes of a stream that went quiet.
      this.buf = new Uint8Array(0);
    }
  }

  /**
   * The newest parts of the window, the slots after each of `afterSlots`, as
   * histogram data: shorter windows nested in this one, ending at the same
   * slot, read in one walk over the packed slots (slots older than every
   * cutoff are skipped without adding their counts anywhere). The whole
   * window is {@link toData}, from the running totals.
   */
  suffixesData(afterSlots: readonly number[]): ExpHistogramData[] {
    this.seal();
    const k = afterSlots.length;
    const pos = afterSlots.map(() => new Run());
    const neg = afterSlots.map(() => new Run());
    const zero = new Array<number>(k).fill(0);
    const count = new Array<number>(k).fill(0);
    const oldest = Math.min(...afterSlots);
    const slotPos = new Run();
    const slotNeg = new Run();
    reader.at(this.buf, 0);
    let id = this.baseSlot;
    while (reader.pos < this.used) {
      id += reader.uint();
      const z = reader.uint();
      if (id <= oldest) {
        skipRun(reader);
        skipRun(reader);
        continue;
      }
      // Read the slot once, then add it to every window that holds it.
      readRunInto(reader, slotPos);
      readRunInto(reader, slotNeg);
      const c = z + slotPos.total() + slotNeg.total();
      for (let w = 0; w < k; w++) {
        if (!(id > (afterSlots[w] as number))) continue;
        zero[w] = (zero[w] as number) + z;
        count[w] = (count[w] as number) + c;
        (pos[w] as Run).addRun(slotPos, 1);
        if (slotNeg.len > 0) (neg[w] as Run).addRun(slotNeg, 1);
      }
    }
    return afterSlots.map((_, w) => ({
      scale: this.scale,
      zeroCount: zero[w] as number,
      positive: (pos[w] as Run).toBuckets(),
      negative: (neg[w] as Run).toBuckets(),
      count: count[w] as number,
    }));
  }

  /** The slots after `afterSlot` as histogram data (see {@link suffixesData}). */
  suffixData(afterSlot: number): ExpHistogramData {
    return this.suffixesData([afterSlot])[0] as ExpHistogramData;
  }

  /** The window as histogram data (a copy). */
  toData(): ExpHistogramData {
    this.seal();
    return {
      scale: this.scale,
      zeroCount: this.zero,
      positive: this.pos.toBuckets(),
      negative: this.neg ? this.neg.toBuckets() : { offset: 0, bucketCounts: [] },
      count: this.count,
    };
  }

  /** Approximate bytes held by this window's arrays (slot bytes plus totals). */
  get bytes(): number {
    const open = this.open === null ? 0 : 8 * (this.open.pos.capacity + this.open.neg.capacity);
    return this.buf.length + 8 * (this.pos.capacity + (this.neg?.capacity ?? 0)) + open;
  }

  /** Number of slots held. */
  get slotCount(): number {
    let n = this.open === null ? 0 : 1;
    reader.at(this.buf, 0);
    while (reader.pos < this.used) {
      reader.uint();
      reader.uint();
      skipRun(reader);
      skipRun(reader);
      n++;
    }
    return n;
  }

  /** The window's state; its arrays go to `sections` when given (see {@link ExpWindowSnapshot}). */
  snapshot(sections?: SnapshotSection[]): ExpWindowSnapshot {
    this.seal();
    const neg = this.neg ?? new Run();
    const pos = this.pos;
    const put = (a: SnapshotSection): number => sections!.push(a) - 1;
    const grid = gridSnapshotFields(this.grid, this.agedTo);
    return {
      ...grid,
      scale: this.scale,
      zero: this.zero,
      count: this.count,
      pos: [pos.off, sections ? put(pos.c.slice(0, pos.len)) : Array.from(pos.c.subarray(0, pos.len))],
      neg: [neg.off, sections ? put(neg.c.slice(0, neg.len)) : Array.from(neg.c.subarray(0, neg.len))],
      slots: sections ? put(this.buf.slice(0, this.used)) : bytesToBase64(this.buf.subarray(0, this.used)),
      baseSlot: this.baseSlot,
      lastSlot: this.lastSlot,
      lastStart: this.lastStart,
    };
  }

  /**
   * A window rebuilt from {@link ExpWindow.snapshot}, keyed on `grid`. A
   * snapshot keyed on another grid (or from before fine slots) comes back as
   * coarse slots: what was fine in it merges into its coarse slot.
   * @param sections the section list the snapshot was taken with, if it was.
   * @throws Error when the snapshot refers to a section that is missing or of the wrong type.
   */
  static restore(maxBuckets: number, s: ExpWindowSnapshot, slotsHint = 60, sections: readonly SnapshotSection[] = [], grid: SlotGrid = COARSE_GRID): ExpWindow {
    const w = new ExpWindow(maxBuckets, slotsHint, grid);
    w.scale = s.scale;
    w.zero = s.zero;
    w.count = s.count;
    addCounts(w.pos, s.pos[0], counts(s.pos[1], sections));
    const negCounts = counts(s.neg[1], sections);
    if (negCounts.length > 0) addCounts((w.neg = new Run()), s.neg[0], negCounts);
    // A copy even of a section: it may be a view into the whole checkpoint, and the window writes past `used`.
    w.buf = typeof s.slots === 'string' ? base64ToBytes(s.slots) : section(s.slots, sections, Uint8Array).slice();
    w.used = w.buf.length;
    w.baseSlot = s.baseSlot;
    w.lastSlot = s.lastSlot;
    w.lastStart = s.lastStart;
    w.nslots = w.slotCount;
    const from = snapshotGrid(s);
    if (from.ratio === grid.ratio) {
      w.agedTo = from.agedTo;
      w.locate();
    } else {
      // Keyed on another grid: every slot becomes its coarse slot on this one.
      const slots: Slot[] = [];
      for (const x of w.unpack()) {
        x.slot = rekey(x.slot, from.ratio, grid);
        const last = slots[slots.length - 1];
        if (last !== undefined && last.slot === x.slot) {
          last.zero += x.zero;
          last.pos.addRun(x.pos, 1);
          last.neg.addRun(x.neg, 1);
        } else slots.push(x);
      }
      if (grid.horizon > 0 && slots.length > 0) w.agedTo = (slots[slots.length - 1] as Slot).slot;
      w.repack(slots);
    }
    return w;
  }
}
