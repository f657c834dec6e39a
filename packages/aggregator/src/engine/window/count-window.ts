/**
 * A sliding window of counts by key: category counts of a categorical feature,
 * predicted labels, or a single scalar (missing values, errors) under one key.
 *
 * @module
 */

/** JSON-serialisable state of a {@link CountWindow}. */
export interface CountWindowSnapshot {
  keys: string[];
  /** [slot id, [key index, count] pairs]. */
  slots: [number, [number, number][]][];
}

/** Counts by key, kept per time slot. */
export class CountWindow {
  /** Keys in first-seen order; a key's index never changes. */
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  /** Window total per key index. */
  private totals: number[] = [];
  total = 0;
  private ids: number[] = [];
  private slots: Map<number, number>[] = [];

  /** True when no slot holds data. */
  get empty(): boolean {
    return this.ids.length === 0;
  }

  /** Number of distinct keys ever seen (bounded by the caller). */
  get size(): number {
    return this.keys.length;
  }

  /** True when `key` was seen. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /** Adds `v` to `key` in slot `slot`. */
  add(slot: number, key: string, v: number): void {
    let k = this.index.get(key);
    if (k === undefined) {
      k = this.keys.length;
      this.keys.push(key);
      this.index.set(key, k);
      this.totals.push(0);
    }
    let i = this.ids.length - 1;
    while (i >= 0 && (this.ids[i] as number) > slot) i--;
    let m: Map<number, number>;
    if (i >= 0 && this.ids[i] === slot) m = this.slots[i] as Map<number, number>;
    else {
      m = new Map();
      this.ids.splice(i + 1, 0, slot);
      this.slots.splice(i + 1, 0, m);
    }
    m.set(k, (m.get(k) ?? 0) + v);
    this.totals[k] = (this.totals[k] as number) + v;
    this.total += v;
  }

  /** Drops slots with id <= cutoff. */
  expire(cutoff: number): void {
    let n = 0;
    while (n < this.ids.length && (this.ids[n] as number) <= cutoff) {
      for (const [k, v] of this.slots[n] as Map<number, number>) {
        this.totals[k] = (this.totals[k] as number) - v;
        this.total -= v;
      }
      n++;
    }
    if (n > 0) {
      this.ids.splice(0, n);
      this.slots.splice(0, n);
    }
    if (this.ids.length === 0) {
      this.totals.fill(0);
      this.total = 0;
    }
  }

  /** Window counts by key (keys with a zero count omitted). */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    this.keys.forEach((key, k) => {
      const v = this.totals[k] as number;
      if (v > 0) out[key] = v;
    });
    return out;
  }

  /** Counts by key of the slots after `afterSlot` (a shorter window ending at the same slot), zeros omitted. */
  suffixCounts(afterSlot: number): Record<string, number> {
    const sums = new Map<number, number>();
    for (let i = this.ids.length - 1; i >= 0 && (this.ids[i] as number) > afterSlot; i--) {
      for (const [k, v] of this.slots[i] as Map<number, number>) sums.set(k, (sums.get(k) ?? 0) + v);
    }
    const out: Record<string, number> = {};
    for (const [k, v] of sums) if (v > 0) out[this.keys[k] as string] = v;
    return out;
  }

  /** Window count of one key. */
  get(key: string): number {
    const k = this.index.get(key);
    return k === undefined ? 0 : (this.totals[k] as number);
  }

  /** JSON-serialisable state. */
  snapshot(): CountWindowSnapshot {
    return { keys: this.keys.slice(), slots: this.ids.map((id, i) => [id, [...(this.slots[i] as Map<number, number>)]]) };
  }

  /** A window rebuilt from {@link CountWindow.snapshot}. */
  static restore(s: CountWindowSnapshot): CountWindow {
    const w = new CountWindow();
    for (const key of s.keys) {
      w.index.set(key, w.keys.length);
      w.keys.push(key);
      w.totals.push(0);
    }
    for (const [id, pairs] of s.slots) {
      for (const [k, v] of pairs) {
        const key = s.keys[k];
        if (key !== undefined) w.add(id, key, v);
      }
    }
    return w;
  }
}
