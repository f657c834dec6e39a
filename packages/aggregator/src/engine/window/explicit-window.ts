/**
 * A sliding window of explicit-bucket histograms (inference duration,
 * confidence, and numeric features sent without the exponential view), one
 * dense count array per slot. These are few per model, so plain arrays do.
 *
 * @module
 */

/** JSON-serialisable state of an {@link ExplicitWindow}. */
export interface ExplicitWindowSnapshot {
  bounds: number[];
  slots: [number, number[]][];
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

  /** True when no slot holds data. */
  get empty(): boolean {
    return this.ids.length === 0;
  }

  /**
   * Adds bucket counts to slot `slot`. Returns false (and adds nothing) when
   * the bounds differ from the window's while it holds data: buckets with
   * different edges cannot be merged exactly.
   */
  add(slot: number, bounds: readonly number[], counts: readonly number[]): boolean {
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

  /** Drops slots with id <= cutoff. */
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

  /** Counts of the slots after `afterSlot` (a shorter window ending at the same slot). */
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
    return { bounds: this.bounds.slice(), slots: this.ids.map((id, i) => [id, Array.from(this.slots[i] as Float64Array)]) };
  }

  /** A window rebuilt from {@link ExplicitWindow.snapshot}. */
  static restore(s: ExplicitWindowSnapshot): ExplicitWindow {
    const w = new ExplicitWindow();
    for (const [id, counts] of s.slots) w.add(id, s.bounds, counts);
    if (s.slots.length === 0) {
      w.bounds = s.bounds.slice();
      w.total = new Float64Array(s.bounds.length + 1);
    }
    return w;
  }
}
