/**
 * Time-slice SLOs (`throughput`, `cost`): each closed minute with traffic is
 * one event, judged good or bad once, and its verdict added to the SLO history
 * at that minute, so compliance and burn rates over any window are sums as for
 * the request-based SLOs. Pure: the history and `now` come in.
 *
 * @module
 */
import type { SloConfig } from './types.js';
import { MINUTE_SLOTS, type SloHistory } from './red.js';

const MINUTE = 60_000;

/** Whether an SLO kind is judged by time slices. */
export function isTimeSlice(kind: SloConfig['kind']): boolean {
  return kind === 'throughput' || kind === 'cost';
}

/** Where a model's SLO history keeps what: requests, errors, one column per latency SLO, then two per time-slice SLO. */
export interface SloColumns {
  /** Column of each latency SLO's good count, by the SLO's index in the model's list. */
  latency: Map<number, number>;
  /** Columns (eligible, good) of each time-slice SLO, by index. */
  slices: Map<number, { eligible: number; good: number }>;
  width: number;
}

/** The column layout of a model's SLO list. */
export function sloColumns(slos: readonly SloConfig[]): SloColumns {
  const latency = new Map<number, number>();
  const slices = new Map<number, { eligible: number; good: number }>();
  let next = 2;
  slos.forEach((s, i) => {
    if (s.kind === 'latency') latency.set(i, next++);
  });
  slos.forEach((s, i) => {
    if (isTimeSlice(s.kind)) {
      slices.set(i, { eligible: next, good: next + 1 });
      next += 2;
    }
  });
  return { latency, slices, width: next };
}

/**
 * What "without degradation" means for a minute: an error ratio within the
 * strictest error-rate/availability objective's budget (1% without one), and,
 * when the model has a latency SLO, that SLO's share of fast requests.
 */
function degraded(slos: readonly SloConfig[], cols: SloColumns, sums: readonly number[]): boolean {
  const total = sums[0] as number;
  const errors = sums[1] as number;
  const errorObjectives = slos.filter((s) => s.kind === 'error_rate' || s.kind === 'availability').map((s) => s.objective);
  const maxErrorRatio = 1 - (errorObjectives.length > 0 ? Math.max(...errorObjectives) : 0.99);
  if (errors / total > maxErrorRatio + 1e-12) return true;
  for (const [i, col] of cols.latency) {
    const slo = slos[i] as SloConfig;
    if ((sums[col] as number) / total < slo.objective - 1e-12) return true;
  }
  return false;
}

/** The verdict of one minute for one time-slice SLO: null when the minute does not count. */
export function judgeMinute(slo: SloConfig, slos: readonly SloConfig[], cols: SloColumns, sums: readonly number[]): boolean | null {
  const total = sums[0] as number;
  if (!(total > 0)) return null;
  const threshold = slo.threshold ?? Number.POSITIVE_INFINITY;
  if (slo.kind === 'throughput') {
    // Above the promised rate, degradation breaks no promise: the minute does not count.
    if (total / 60 > threshold) return null;
    return !degraded(slos, cols, sums);
  }
  const costPer1000 = ((slo.costPerHour ?? 0) / 60 / total) * 1000;
  return costPer1000 <= threshold + 1e-12;
}

/**
 * Judges every closed minute not judged yet (within the minute ring's six
 * hours) for every time-slice SLO, adding (eligible, good) at the minute.
 */
export function classifyMinutes(history: SloHistory, slos: readonly SloConfig[], cols: SloColumns, now: number): void {
  if (cols.slices.size === 0) return;
  const lastClosed = Math.floor(now / MINUTE) - 1;
  const oldest = Math.floor(now / MINUTE) - MINUTE_SLOTS + 1;
  const from = Number.isNaN(history.classifiedUpTo) ? oldest : Math.max(oldest, history.classifiedUpTo + 1);
  for (let m = from; m <= lastClosed; m++) {
    const sums = history.minute(m);
    if (!((sums[0] as number) > 0)) continue;
    const row = new Array<number>(cols.width).fill(0);
    for (const [i, c] of cols.slices) {
      const verdict = judgeMinute(slos[i] as SloConfig, slos, cols, sums);
      if (verdict === null) continue;
      row[c.eligible] = 1;
      row[c.good] = verdict ? 1 : 0;
    }
    history.add(m * MINUTE, row);
  }
  if (lastClosed > (Number.isNaN(history.classifiedUpTo) ? -Infinity : history.classifiedUpTo)) history.classifiedUpTo = lastClosed;
}
