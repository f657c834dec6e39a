/**
 * Prediction ids for callers that do not bring their own.
 * @module
 */
import { randomUUID } from 'node:crypto';

/**
 * Creates a generator of ids unique across processes: a random 96-bit prefix
 * drawn once, then a per-process counter in base 36. A UUID per call costs
 * about four times as much on the hot path and buys nothing here: the ids only
 * need to be unique (the prefix has 96 random bits) and to hash uniformly
 * (the ground-truth hash finalises its input, see prediction-hash.ts).
 * @param prefix - the per-process prefix (tests pass a fixed one)
 */
export function createPredictionIdGenerator(prefix: string = randomUUID().replace(/-/g, '').slice(0, 24)): () => string {
  let counter = 0;
  const head = `${prefix}-`;
  return () => head + (++counter).toString(36);
}
