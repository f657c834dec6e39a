/**
 * Fine slots for recent data, coarse slots for older data: the grid a
 * window's slots are keyed on.
 *
 * A window that keeps fine slots is given slot numbers at the fine length
 * (`floor(t / fineSlot)`). The newest `horizon` of them stay separate; older
 * ones are merged (aged) into their coarse slot, which is keyed by its first
 * fine slot (`coarse id * ratio`). A window remembers up to which fine slot it
 * has aged (`agedTo`): a key at or below it is a coarse slot, a key above it a
 * fine one. Every sample is thus in exactly one slot, and every key range is
 * a time range:
 *
 * - a window of the last `k` fine slots holds the slots keyed above
 *   `nowFine - k` (all fine, since the window never ages slots within the
 *   horizon, and `k <= horizon`);
 * - a window of the last `k` coarse slots holds the slots keyed at or above
 *   `(nowSlot - k + 1) * ratio`, fine or coarse alike;
 * - expiring the coarse slots up to `c` drops the keys up to
 *   `(c + 1) * ratio - 1`.
 *
 * With {@link COARSE_GRID} (ratio 1, horizon 0) keys are the coarse slot ids
 * and nothing ever ages: the windows behave as before fine slots existed.
 *
 * @module
 */

/** How a window keys its slots. */
export interface SlotGrid {
  /** Fine slots per coarse slot (1: no fine slots). */
  readonly ratio: number;
  /** Fine slots kept apart before they merge into their coarse slot (0: none). */
  readonly horizon: number;
}

/** The grid of windows that keep no fine slots: keys are coarse slot ids. */
export const COARSE_GRID: SlotGrid = Object.freeze({ ratio: 1, horizon: 0 });

/** The key of fine slot `j` in a window aged up to `agedTo`: itself while fine, else its coarse slot's. */
export function slotKey(j: number, agedTo: number, ratio: number): number {
  return j > agedTo ? j : coarseKey(j, ratio);
}

/** The key of the coarse slot holding key `k`. */
export function coarseKey(k: number, ratio: number): number {
  return ratio === 1 ? k : Math.floor(k / ratio) * ratio;
}

/** The last key of coarse slot `c` (its last fine slot): expiring coarse slots up to `c` drops keys up to this one. */
export function lastKeyOf(c: number, ratio: number): number {
  return (c + 1) * ratio - 1;
}

/**
 * The grid of a snapshot's keys, for restoring it on `grid`: `ratio` and
 * `agedTo` as the snapshot states them, or for a snapshot from before fine
 * slots (neither stated) coarse ids that never age.
 */
export function snapshotGrid(s: { ratio?: number; agedTo?: number | null }): { ratio: number; agedTo: number } {
  return { ratio: s.ratio ?? 1, agedTo: s.agedTo ?? Number.NEGATIVE_INFINITY };
}

/**
 * What a window's snapshot states of its grid, the inverse of
 * {@link snapshotGrid}: nothing for a window without fine slots (its
 * snapshot reads as before fine slots), else the ratio and how far its
 * fine slots have aged (`null` before any has).
 */
export function gridSnapshotFields(grid: SlotGrid, agedTo: number): { ratio?: number; agedTo?: number | null } {
  return grid.horizon > 0 ? { ratio: grid.ratio, agedTo: Number.isFinite(agedTo) ? agedTo : null } : {};
}

/**
 * Maps a snapshot's key to `grid` when the snapshot was keyed on another
 * ratio (or before fine slots): every slot becomes its coarse slot (fine
 * slots of one coarse slot merge), keyed on the new ratio.
 */
export function rekey(k: number, fromRatio: number, grid: SlotGrid): number {
  return Math.floor(k / fromRatio) * grid.ratio;
}
