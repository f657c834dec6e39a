/**
 * The ground-truth sampling hash: a deterministic map from a prediction id to
 * [0, 1), so every replica (and every language) that sees the same id makes the
 * same sampling decision without coordination.
 *
 * Definition (also in docs/instrumentation.md, and implemented in
 * examples/python/monitor_example.py): FNV-1a 32-bit over the UTF-8 bytes of
 * the id, then the murmur3 `fmix32` finaliser, divided by 2^32. FNV-1a alone
 * mixes its last input byte poorly into the high bits, and ids generated from
 * a counter differ only in their last characters; the finaliser spreads them.
 * Hand-written because it must be bit-exact across languages and is 20 lines.
 * @module
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_TO_32 = 4294967296;

const encoder = new TextEncoder();

/**
 * FNV-1a 32-bit hash of the UTF-8 encoding of `text`.
 * @returns an unsigned 32-bit integer.
 */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Ids are almost always ASCII, where a char code is its UTF-8 byte; anything
    // else takes the encoder path so the bytes match other languages exactly.
    if (c > 0x7f) return fnv1a32Bytes(encoder.encode(text));
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h >>> 0;
}

function fnv1a32Bytes(bytes: Uint8Array): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), FNV_PRIME);
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection on uint32 with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Position of a prediction id in [0, 1): the prediction is in the ground-truth
 * sample at rate `r` exactly when `predictionIdHash(id) < r`.
 */
export function predictionIdHash(predictionId: string): number {
  return fmix32(fnv1a32(predictionId)) / TWO_TO_32;
}
