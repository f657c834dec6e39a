/**
 * Local cumulative counts by value (predicted labels, categories of a feature),
 * with bounded cardinality and one precomputed attributes object per value.
 *
 * Why local counts: an OpenTelemetry `Counter.add` with attributes hashes the
 * attributes on every call (about 1 µs for two). Incrementing a number here
 * costs a map lookup, and an ObservableCounter reports the cumulative counts at
 * collection time. That is exact: asynchronous counter observations are
 * cumulative by definition, and the SDK turns them into deltas itself when the
 * exporter prefers delta temporality, so each reader sees every increment once.
 * @module
 */
import type { Attributes } from '@opentelemetry/api';
import { OTHER_CATEGORY } from '@modelwatch/semconv';

/** One value's count and the attributes it is reported with. */
export interface CountCell {
  /** Frozen, reused for every observation of this value. */
  readonly attributes: Attributes;
  /** Cumulative count since the monitor was created. */
  count: number;
}

/** Counts by value, at most `max` distinct values plus an `__other__` cell. */
export class BoundedCounts {
  /** Raw value (string, number, boolean) -> cell, so numbers skip `String()` on the hot path. */
  private readonly byRaw = new Map<string | number | boolean, CountCell>();
  /** Canonical string -> cell: 1 and '1' are the same attribute value, so the same cell. */
  private readonly byName = new Map<string, CountCell>();
  private other: CountCell | undefined;

  /**
   * @param max - distinct values kept before new ones count as `__other__`
   * @param attributesFor - builds the attributes object for a value
   */
  constructor(
    private readonly max: number,
    private readonly attributesFor: (value: string) => Attributes,
  ) {}

  /** The cell counting `value` (created on first use; `__other__` past the bound). */
  cell(value: string | number | boolean): CountCell {
    return this.byRaw.get(value) ?? this.slowCell(value);
  }

  private slowCell(value: string | number | boolean): CountCell {
    const name = String(value);
    let cell = this.byName.get(name);
    if (cell === undefined) {
      if (name === OTHER_CATEGORY || this.byName.size >= this.max) {
        cell = this.otherCell();
      } else {
        cell = { attributes: this.attributesFor(name), count: 0 };
        this.byName.set(name, cell);
      }
    }
    // The raw-key cache is bounded too, so a stream of distinct overflowing
    // values cannot grow it; those take this slow path each time.
    if (this.byRaw.size < 4 * this.max) this.byRaw.set(value, cell);
    return cell;
  }

  private otherCell(): CountCell {
    this.other ??= { attributes: this.attributesFor(OTHER_CATEGORY), count: 0 };
    return this.other;
  }

  /** Visits every cell with a count above zero. */
  forEach(visit: (cell: CountCell) => void): void {
    for (const cell of this.byName.values()) if (cell.count > 0) visit(cell);
    if (this.other !== undefined && this.other.count > 0) visit(this.other);
  }

  /** Number of distinct values kept (excluding `__other__`). */
  get size(): number {
    return this.byName.size;
  }
}
