/**
 * The last N entries to arrive, keyed by prediction id, so that a relabel
 * can replace its earlier entry.
 *
 * @module
 */

import { FifoMap } from './fifo-map.js';

/**
 * A bounded, insertion-ordered set of entries with running totals kept by a
 * callback. A `put` for an id already held replaces the entry and makes it
 * the newest (a relabel is a label arriving now). Eviction of the oldest is
 * amortised O(1) (see {@link FifoMap}).
 */
export class RollingById<E> {
  private readonly entries = new FifoMap<E>();

  /** `apply(e, +1)` when an entry enters, `apply(e, -1)` when it leaves. */
  constructor(
    readonly capacity: number,
    private readonly apply: (e: E, sign: 1 | -1) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces the entry of `id`, then evicts the oldest past capacity. */
  put(id: string, e: E): void {
    this.remove(id);
    this.entries.set(id, e);
    this.apply(e, 1);
    while (this.entries.size > this.capacity) {
      const first = this.entries.shift();
      if (!first) break;
      this.apply(first[1], -1);
    }
  }

  /** Removes the entry of `id` if held. */
  remove(id: string): void {
    const old = this.entries.get(id);
    if (old === undefined) return;
    this.entries.delete(id);
    this.apply(old, -1);
  }

  /** Refills an empty set with entries (oldest first) whose totals the caller restores itself (so sums stay bit-identical). */
  load(entries: Iterable<[string, E]>): void {
    for (const [id, e] of entries) this.entries.set(id, e);
  }

  /** Entries oldest first. */
  list(): [string, E][] {
    return [...this.entries.entries()];
  }
}
