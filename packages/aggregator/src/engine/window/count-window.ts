/**
 * A sliding window of counts by key: category counts of a categorical feature,
 * predicted labels, or a single scalar (missing values, errors) under one key.
 * Slots are keyed on a {@link SlotGrid}: recent ones fine, older ones coarse.
 *
 * @module
 */
import { COARSE_GRID, coarseKey, gridSnapshotFields, rekey, slotKey, snapshotGrid, type SlotGrid } from './slot-grid.js';

/** JSON-serialisable state of a {@link CountWindow}. */
export interface CountWindowSnapshot {
  keys: string[];
  /** [slot key, [key index, count] pairs]. */
  slots: [number, [number, number][]][];
  /** Fine slots per coarse slot of the slot keys; absent: coarse slot ids (no fine slots, or a snapshot from before them). */
  ratio?: number;
  /** Highest fine slot merged into its coarse slot (null: none yet); present with `ratio`. */
  agedTo?: number | null;
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
  /** Highest fine slot merged into its coarse slot (see slot-grid.ts). */
  private agedTo = Number.NEGATIVE_INFINITY;

  /** @param grid how slots are keyed: fine slots for recent data, or coarse slot ids only. */
  constructor(private readonly grid: SlotGrid = COARSE_GRID) {}

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

  /** Adds `v` to `key` in slot `slot` (a fine slot number on a fine grid). */
  add(slot: number, key: string, v: number): void {
    slot = slotKey(slot, this.agedTo, this.grid.ratio);
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

  /**
   * Merges the fine slots up to `cutoff` into their coarse slots (exact:
   * counts add). Totals do not change; only the keys do.
   */
  age(cutoff: number): void {
    if (this.grid.horizon === 0 || !(cutoff > this.agedTo)) return;
    const r = this.grid.ratio;
    let kept = 0;
    for (let i = 0; i < this.ids.length; i++) {
      let id = this.ids[i] as number;
      const m = this.slots[i] as Map<number, number>;
      if (id > this.agedTo && id <= cutoff) {
        id = coarseKey(id, r);
        // Coarse slots are keyed by their first fine slot, so the slot it joins (if any) is the last one kept.
        if (kept > 0 && this.ids[kept - 1] === id) {
          const into = this.slots[kept - 1] as Map<number, number>;
          for (const [k, v] of m) into.set(k, (into.get(k) ?? 0) + v);
          continue;
        }
      }
      this.ids[kept] = id;
      this.slots[kept] = m;
      kept++;
    }
    this.ids.length = kept;
    this.slots.length = kept;
    this.agedTo = cutoff;
  }

  /** Drops slots keyed at or below `cutoff`. */
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

  /** Counts by key of the slots keyed after `afterSlot` (a shorter window ending at the same slot), zeros omitted. */
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
    return { keys: this.keys.slice(), slots: this.ids.map((id, i) => [id, [...(this.slots[i] as Map<number, number>)]]), ...gridSnapshotFields(this.grid, this.agedTo) };
  }

  /**
   * A window rebuilt from {@link CountWindow.snapshot}, keyed on `grid`. A
   * snapshot keyed on another grid (or from before fine slots) comes back
   * as coarse slots: what was fine in it merges into its coarse slot.
   */
  static restore(s: CountWindowSnapshot, grid: SlotGrid = COARSE_GRID): CountWindow {
    const w = new CountWindow(grid);
    for (const key of s.keys) {
      w.index.set(key, w.keys.length);
      w.keys.push(key);
      w.totals.push(0);
    }
    const from = snapshotGrid(s);
    const same = from.ratio === grid.ratio;
    if (same) w.agedTo = from.agedTo;
    for (const [id, pairs] of s.slots) {
      const slot = same ? id : rekey(id, from.ratio, grid);
      // Rekeyed slots are coarse: the window has aged up to them.
      if (!same && grid.horizon > 0) w.agedTo = Math.max(w.agedTo, slot);
      for (const [k, v] of pairs) {
        const key = s.keys[k];
        if (key !== undefined) w.add(slot, key, v);
      }
    }
    return w;
  }
}
