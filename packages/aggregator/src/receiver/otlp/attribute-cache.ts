/**
 * The point-attribute cache of the streaming metrics decoder.
 *
 * A fleet re-sends the same attribute sets in every export (model x
 * feature), so a point's run of attribute `KeyValue` fields is looked up by
 * its wire bytes and shared as one frozen object: no strings are decoded and
 * no object is built for a set seen before. Bytes equal to cached ones were
 * checked and decoded when first seen, so the checking pass may skip them too.
 *
 * Bounded: a fixed table, eight ways per hash; a collision only costs a
 * decode. With two ways, 2,400 sets (the benchmark's fleet) left ~30 of them
 * evicting each other in every request, decoded and allocated afresh each
 * time; with eight, a set of ways overflows only past ~8,000 sets. Each
 * entry keeps its full hash, so a lookup compares the bytes of one entry
 * only, however many ways it looks at.
 * The bytes of all entries live in one arena (3 MiB) rather than one buffer
 * each, so a lookup touches the arena's lines and nothing else: 2,000
 * lookups per request compete with request bodies for the CPU caches.
 *
 * @module
 */
import type { ProtoReader } from './proto-reader.js';
import { createAttributes, type Attributes } from './types.js';

/** The attributes of a point with none: shared, frozen. */
export const NO_ATTRIBUTES: Attributes = Object.freeze(createAttributes());

/** Entries (a power of two): room for ~10,000 distinct sets. */
const CACHE_SIZE = 16384;
/** Bytes kept per entry; longer runs are decoded every time, not cached. */
const STRIDE = 192;
const arena = new Uint8Array(CACHE_SIZE * STRIDE);
const arenaView = new DataView(arena.buffer);
/** Ways per hash: the entries a set may live at (a power of two). */
const WAYS = 8;
/** Byte length of each entry; 0 when the entry is empty. */
const lengths = new Int32Array(CACHE_SIZE);
/** Hash of each entry's bytes, compared before the bytes. */
const hashes = new Int32Array(CACHE_SIZE);
/** Way replaced next when all of a hash's ways hold other sets (round robin). */
let victim = 0;
const values: (Attributes | undefined)[] = new Array<Attributes | undefined>(CACHE_SIZE).fill(undefined);

/** {@link findAttributes}' answer for a run too long to cache. */
export const UNCACHEABLE = -1 - CACHE_SIZE;

/** Hash of the bytes `[start, stop)` of `view`. */
function hashRun(view: DataView, start: number, stop: number): number {
  // Eight bytes per iteration (the compare in findAttributes too): this runs
  // for every point, and V8's per-iteration overhead costs about as much as the work.
  let h = stop - start;
  let i = start;
  for (; i + 8 <= stop; i += 8) {
    h = Math.imul(h ^ view.getUint32(i, true), 0x9e3779b1);
    h = Math.imul(h ^ view.getUint32(i + 4, true), 0x9e3779b1);
  }
  if (i + 4 <= stop) {
    h = Math.imul(h ^ view.getUint32(i, true), 0x9e3779b1);
    i += 4;
  }
  for (; i < stop; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  // Murmur3's finaliser spreads the bits over the index.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Looks up the attribute run in `view`'s bytes `[start, stop)`. Returns the
 * cached attributes' entry (>= 0; read it with {@link cachedAttributes}), or
 * on a miss `-1 - slot`, the entry a decoded set should go to (see
 * {@link storeAttributes}), or {@link UNCACHEABLE}.
 */
export function findAttributes(view: DataView, start: number, stop: number): number {
  const n = stop - start;
  if (n <= 0 || n > STRIDE) return UNCACHEABLE;
  const h = hashRun(view, start, stop);
  // A set lives at one of WAYS neighbouring entries; ways fill in order and are never emptied.
  const first = h & (CACHE_SIZE - WAYS);
  for (let way = 0; way < WAYS; way++) {
    const e = first + way;
    const len = lengths[e] as number;
    if (len === 0) return -1 - e;
    if (len !== n || hashes[e] !== h) continue;
    const base = e * STRIDE;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      if (arenaView.getUint32(base + j, true) !== view.getUint32(start + j, true) || arenaView.getUint32(base + j + 4, true) !== view.getUint32(start + j + 4, true)) break;
    }
    for (; j + 4 <= n; j += 4) if (arenaView.getUint32(base + j, true) !== view.getUint32(start + j, true)) break;
    if (j + 4 > n) {
      for (; j < n; j++) if (arena[base + j] !== view.getUint8(start + j)) break;
      if (j === n) return e;
    }
  }
  // Every way holds another set: replace one.
  victim = (victim + 1) & (WAYS - 1);
  return -1 - (first + victim);
}

/** The attributes of a cache entry found by {@link findAttributes}. */
export function cachedAttributes(entry: number): Attributes {
  return values[entry] as Attributes;
}

/** Caches `attributes` (frozen) as the set whose wire bytes are `view`'s `[start, stop)`, at the slot a miss named. */
export function storeAttributes(missed: number, view: DataView, start: number, stop: number, attributes: Attributes): void {
  if (missed >= 0 || missed === UNCACHEABLE) return;
  const slot = -1 - missed;
  arena.set(new Uint8Array(view.buffer, view.byteOffset + start, stop - start), slot * STRIDE);
  lengths[slot] = stop - start;
  hashes[slot] = hashRun(view, start, stop);
  values[slot] = attributes;
}

/**
 * Reads past a run of attribute fields with the one-byte tag `tag`, the first
 * of whose tags was just read (ending at `r.pos`): returns the run's end,
 * leaving `r.pos` there. The run starts at `r.pos - 1`.
 */
export function skipAttributeRun(r: ProtoReader, end: number, tag: number, field: string): number {
  const buf = r.buf;
  r.pos = r.lengthEnd(field, end);
  while (r.pos < end && buf[r.pos] === tag) {
    r.pos++;
    r.pos = r.lengthEnd(field, end);
  }
  return r.pos;
}
