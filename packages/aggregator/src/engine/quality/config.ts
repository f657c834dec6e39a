/**
 * Settings of the ground-truth join and quality tracking, with defaults.
 *
 * @module
 */
import { ADWIN_DEFAULTS, type AdwinOptions } from './adwin.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Settings of one model's {@link QualityTracker}; every field but `task` is optional. */
export interface QualityOptions {
  /** What the model predicts: classes (accuracy) or numbers (MAE, RMSE, bias). */
  task: 'classification' | 'regression';
  /** Predictions waiting for ground truth; past it the oldest is evicted (counted as `evicted`). @default 100_000 */
  maxPending?: number;
  /** How long a prediction waits for its label after it was received (ms); then counted as `expired`. @default 7 days */
  pendingTtl?: number;
  /** How long a label waits for its prediction (ms), for labels that overtake their prediction; then counted as `unmatched`. @default 10 minutes */
  earlyLabelGrace?: number;
  /** Labels waiting for their prediction; past it the oldest is counted as `unmatched`. @default 10_000 */
  maxEarlyLabels?: number;
  /** How long a joined outcome is kept so that a second label can replace it (ms); later labels for it count as `unmatched`. @default 7 days */
  relabelTtl?: number;
  /** Joined outcomes kept for relabels; past it the oldest is forgotten (its numbers stay). @default 100_000 */
  maxJoined?: number;
  /** Rolling accuracy covers the last N labels to arrive. @default 1000 */
  rollingSize?: number;
  /** Calibration is learned from the last N joined samples that carry a confidence. @default 10_000 */
  calibrationSize?: number;
  /** Pseudo-samples of the prior in each calibration bucket. @default 10 */
  calibrationPrior?: number;
  /**
   * Window of the time-keyed accuracy (ms), keyed by PREDICTION time: the
   * accuracy of predictions made in the last `window`, as their labels arrive.
   * Longer than the drift window because labels come minutes to days late.
   * @default 1 day
   */
  window?: number;
  /** Slot of that window (ms); the window is a whole number of slots. @default 1 hour */
  slot?: number;
  /** Distinct segments kept; the rest are counted under `__other__`. @default 100 */
  maxSegments?: number;
  /** Distinct classes (predicted or true) kept; the rest are counted under `__other__`. @default 100 */
  maxClasses?: number;
  /** Longest prediction id, label or segment accepted. @default 256 */
  maxAttributeLength?: number;
  /** Longest SLO period asked of {@link QualityTracker.sloCounts} (ms). @default 30 days */
  sloPeriod?: number;
  /** Change detection on the 0/1 correctness stream (classification). */
  adwin?: AdwinOptions;
}

/** {@link QualityOptions} with every default applied. */
export type QualitySettings = Required<Omit<QualityOptions, 'adwin'>> & { adwin: Required<AdwinOptions> };

/** The defaults of {@link QualityOptions}. */
export const QUALITY_DEFAULTS: Readonly<Omit<QualitySettings, 'task'>> = Object.freeze({
  maxPending: 100_000,
  pendingTtl: 7 * DAY,
  earlyLabelGrace: 10 * MINUTE,
  maxEarlyLabels: 10_000,
  relabelTtl: 7 * DAY,
  maxJoined: 100_000,
  rollingSize: 1000,
  calibrationSize: 10_000,
  calibrationPrior: 10,
  window: DAY,
  slot: HOUR,
  maxSegments: 100,
  maxClasses: 100,
  maxAttributeLength: 256,
  sloPeriod: 30 * DAY,
  adwin: ADWIN_DEFAULTS,
});

/**
 * Applies the defaults and validates.
 * @throws Error listing every bad option with what was received
 */
export function resolveQualitySettings(o: QualityOptions): QualitySettings {
  const s: QualitySettings = { ...QUALITY_DEFAULTS, ...stripUndefined(o), adwin: { ...ADWIN_DEFAULTS, ...stripUndefined(o.adwin ?? {}) } } as QualitySettings;
  const problems: string[] = [];
  if (s.task !== 'classification' && s.task !== 'regression') problems.push(`task must be classification or regression, got ${JSON.stringify(s.task)}`);
  const positiveInts = ['maxPending', 'maxEarlyLabels', 'maxJoined', 'rollingSize', 'calibrationSize', 'maxSegments', 'maxClasses', 'maxAttributeLength'] as const;
  for (const k of positiveInts) {
    const v = s[k];
    if (!(Number.isInteger(v) && v >= 1)) problems.push(`${k} must be a positive integer, got ${String(v)}`);
  }
  const durations = ['pendingTtl', 'earlyLabelGrace', 'relabelTtl', 'window', 'slot', 'sloPeriod'] as const;
  for (const k of durations) {
    const v = s[k];
    if (!(Number.isFinite(v) && v > 0)) problems.push(`${k} must be a positive duration in ms, got ${String(v)}`);
  }
  if (!(Number.isFinite(s.calibrationPrior) && s.calibrationPrior >= 0)) problems.push(`calibrationPrior must be a number >= 0, got ${String(s.calibrationPrior)}`);
  if (problems.length === 0 && s.window % s.slot !== 0) problems.push(`window (${s.window} ms) must be a whole number of slots (${s.slot} ms)`);
  if (problems.length === 0 && s.window / s.slot > 10_000) problems.push(`window / slot must be at most 10000 slots, got ${s.window / s.slot}`);
  if (problems.length > 0) throw new Error(`invalid quality settings: ${problems.join('; ')}`);
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
