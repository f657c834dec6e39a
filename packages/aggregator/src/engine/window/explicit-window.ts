/**
 * A sliding window of explicit-bucket histograms (inference duration,
 * confidence, and numeric features sent without the exponential view), one
 * dense count array per slot. These are few per model, so plain arrays do.
 * Slots are keyed on a {@link SlotGrid}: recent ones fine, older ones coarse.
 *
 * @module
 */
import { COARSE_GRID, coarseKey, gridSnapshotFields, rekey, slotKey, snapshotGrid, type SlotGrid } from './slot-grid.js';

/** JSON-serialisable state of an {@link ExplicitWindow}. */
export interface ExplicitWindowSnapshot {
  bounds: number[];
  /** [slot key, bucket counts]. */
  slots: [number, number[]][];
  /** Fine slots per coarse slot of the slot keys; absent: coarse slot ids (no fine slots, or a snapshot from before them). */
  ratio?: number;
  /** Highest fine slot merged into its coarse slot (null: none yet); present with `ratio`. */
  agedTo?: number | null;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A window of explicit-bucket histograms sharing one set of bounds. */
export class ExplicitWindow {
  bounds: number[] = [];
  /** Window total per bucket (`bounds.length + 1`). */
  total: Float64Array = new Float64Array(1);
  count = 0;
  private ids: number[] = [];
  private slots: Float64Array[] = [];
  /** Highest fine slot merged into its coarse slot (see slot-grid.ts). */
  private agedTo = Number.NEGATIVE_INFINITY;

  /** @param grid how slots are keyed: fine slots for recent data, or coarse slot ids only. */
  constructor(private readonly grid: SlotGrid = COARSE_GRID) {}

  /** True when no slot holds data. */
  get empty(): boolean {
    return this.ids.length === 0;
  }

  /**
   * Adds bucket counts to slot `slot` (a fine slot number on a fine grid).
   * Returns false (and adds nothing) when the bounds differ from the
   * window's while it holds data: buckets with different edges cannot be
   * merged exactly.
   */
  add(slot: number, bounds: readonly number[], counts: readonly number[]): boolean {
    slot = slotKey(slot, this.agedTo, this.grid.ratio);
    if (this.empty) {
      if (!sameBounds(this.bounds, bounds)) {
        this.bounds = bounds.slice();
        this.total = new Float64Array(bounds.length + 1);
      }
      this.count = 0;
    } else if (!sameBounds(this.bounds, bounds)) return false;
    let i = this.ids.length - 1;
    while (i >= 0 && (this.ids[i] as number) > slot) i--;
    let target: Float64Array;
    if (i >= 0 && this.ids[i] === slot) target = this.slots[i] as Float64Array;
    else {
      target = new Float64Array(this.bounds.length + 1);
      this.ids.splice(i + 1, 0, slot);
      this.slots.splice(i + 1, 0, target);
    }
    for (let k = 0; k < counts.length && k < target.length; k++) {
      const v = counts[k] as number;
      target[k] = (target[k] as number) + v;
      this.total[k] = (this.total[k] as number) + v;
      this.count += v;
    }
    return true;
  }

  /**
   * Merges the fine slots up to `cutoff` into their coarse slots (exact:
   * bucket-wise sums over the same bounds). Totals do not change.
   */
  age(cutoff: number): void {
    if (this.grid.horizon === 0 || !(cutoff > this.agedTo)) return;
    const r = this.grid.ratio;
    let kept = 0;
    for (let i = 0; i < this.ids.length; i++) {
      let id = this.ids[i] as number;
      const s = this.slots[i] as Float64Array;
      if (id > this.agedTo && id <= cutoff) {
        id = coarseKey(id, r);
        // Coarse slots are keyed by their first fine slot, so the slot it joins (if any) is the last one kept.
        if (kept > 0 && this.ids[kept - 1] === id) {
          const into = this.slots[kept - 1] as Float64Array;
          for (let k = 0; k < s.length; k++) into[k] = (into[k] as number) + (s[k] as number);
          continue;
        }
      }
      this.ids[kept] = id;
      this.slots[kept] = s;
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
      const s = this.slots[n] as Float64Array;
      for (let k = 0; k < s.length; k++) {
        this.total[k] = (this.total[k] as number) - (s[k] as number);
        this.count -= s[k] as number;
      }
      n++;
    }
    if (n > 0) {
      this.ids.splice(0, n);
      this.slots.splice(0, n);
    }
    if (this.ids.length === 0) {
      this.total.fill(0);
      this.count = 0;
    }
  }

  /** Counts of the slots keyed after `afterSlot` (a shorter window ending at the same slot). */
  suffixCounts(afterSlot: number): number[] {
    const out = new Array<number>(this.bounds.length + 1).fill(0);
    for (let i = this.ids.length - 1; i >= 0 && (this.ids[i] as number) > afterSlot; i--) {
      const s = this.slots[i] as Float64Array;
      for (let k = 0; k < out.length; k++) out[k] = (out[k] as number) + (s[k] as number);
    }
    return out;
  }

  /** Window counts as a plain array. */
  counts(): number[] {
    return Array.from(this.total);
  }

  /** JSON-serialisable state. */
  snapshot(): ExplicitWindowSnapshot {
    return { bounds: this.bounds.slice(), slots: this.ids.map((id, i) => [id, Array.from(this.slots[i] as Float64Array)]), ...gridSnapshotFields(this.grid, this.agedTo) };
  }

  /**
   * A window rebuilt from {@link ExplicitWindow.snapshot}, keyed on `grid`. A
   * snapshot keyed on another grid (or from before fine slots) comes back
   * as coarse slots: what was fine in it merges into its coarse slot.
   */
  static restore(s: ExplicitWindowSnapshot, grid: SlotGrid = COARSE_GRID): ExplicitWindow {
    const w = new ExplicitWindow(grid);
    const from = snapshotGrid(s);
    const same = from.ratio === grid.ratio;
    if (same) w.agedTo = from.agedTo;
    for (const [id, counts] of s.slots) {
      const slot = same ? id : rekey(id, from.ratio, grid);
      // Rekeyed slots are coarse: the window has aged up to them.
      if (!same && grid.horizon > 0) w.agedTo = Math.max(w.agedTo, slot);
      w.add(slot, s.bounds, counts);
    }
    if (s.slots.length === 0) {
      w.bounds = s.bounds.slice();
      w.total = new Float64Array(s.bounds.length + 1);
    }
    return w;
  }
}
