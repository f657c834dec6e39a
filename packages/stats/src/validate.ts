/**
 * Shared input checks: every statistic names the argument and the offending
 * entry instead of returning a silently wrong number.
 *
 * @module
 */

/**
 * Checks an array of finite numbers (optionally non-negative and/or non-empty)
 * and throws a RangeError naming `fn`, `what` and the first bad entry.
 */
export function checkNumbers(fn: string, what: string, xs: ArrayLike<number>, opts: { nonNegative?: boolean; nonEmpty?: boolean } = {}): void {
  if (xs === null || typeof xs !== 'object' || typeof xs.length !== 'number') throw new TypeError(`${fn}: ${what} must be an array of numbers`);
  if ((opts.nonEmpty ?? true) && xs.length === 0) throw new RangeError(`${fn}: ${what} is empty`);
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${fn}: ${what}[${i}] must be a finite number, got ${String(v)}`);
    if (opts.nonNegative === true && v < 0) throw new RangeError(`${fn}: ${what}[${i}] must be non-negative, got ${v}`);
  }
}

/** Throws when two arrays that must pair up element by element differ in length. */
export function checkSameLength(fn: string, a: ArrayLike<number>, aName: string, b: ArrayLike<number>, bName: string): void {
  if (a.length !== b.length) throw new RangeError(`${fn}: ${aName} has ${a.length} entries but ${bName} has ${b.length}; they must match`);
}

/** Sum of the entries. */
export function total(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
}
