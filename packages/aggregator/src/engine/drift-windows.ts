/**
 * Several nested windows, one verdict. A single sliding window sees a shift
 * only once most of it is shifted, so its delay is a share of its length at
 * any traffic; short windows react fast but hold too few samples at low
 * traffic. Every drift signal is therefore judged on several windows at once,
 * all ending now (by default 10 s, 1 min, 10 min and the model's window), and:
 *
 * - each window's significance level comes from a false-alert budget, an
 *   expected time between false alerts with no drift (as Alibi Detect's online
 *   detectors state it): with one look per evaluation interval and `k`
 *   windows, `alpha_w = min(alpha, interval / budget / k)` (Bonferroni across
 *   the windows and the looks, which is conservative: consecutive looks at a
 *   sliding window are far from independent);
 * - a window judges only once it holds the samples a warning-size effect needs
 *   to be significant at `alpha_w` (from the test's null distribution, see
 *   `@modelwatch/stats` `ksNeededSamples`/`psiNeededSamples`); below that its
 *   verdict is `insufficient_data`, with the count it needs;
 * - the verdict is the worst judged window's, and names that window (the
 *   shortest, among windows that agree).
 *
 * The shortest window is built from fine slots (10 s by default), so it holds
 * exactly its last seconds (to a fine slot) wherever "now" falls in a slot, and
 * so is any window no longer than a slot (by default 10 s and 1 min); the
 * longer ones from whole slots, fine and coarse alike (see
 * window/slot-grid.ts).
 *
 * Pure: settings and data in, verdicts out.
 *
 * @module
 */
import { chiSquareIsf, kolmogorovLimitIsf } from '@modelwatch/stats';
import type { ModelSettings } from './config.js';
import type { Severity, SeverityThresholds, WindowVerdict } from './types.js';

/** One nested window of a model. */
export interface DriftWindowSpec {
  /** Its length as text, e.g. `1m`, `10m`, `1h`: the API's and the metrics' name for it. */
  label: string;
  ms: number;
  /** Slots it spans: fine slots when `fine`, else slots. */
  slots: number;
  /** True when built from fine slots: it covers its length to a fine slot. */
  fine: boolean;
  /** True for the model's own (longest) window, whose data is the running total. */
  longest: boolean;
}

const UNITS: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** A window length as the largest unit that divides it (`600000` -> `10m`, `90000` -> `90s`). */
export function windowLabel(ms: number): string {
  for (const [unit, size] of UNITS) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** The model's nested windows, shortest first. */
export function driftWindowSpecs(s: ModelSettings): DriftWindowSpec[] {
  return s.driftWindows.map((ms) => {
    const longest = ms === s.window;
    const fine = !longest && ms <= s.fineHorizon;
    return { label: windowLabel(ms), ms, slots: ms / (fine ? s.fineSlot : s.slot), fine, longest };
  });
}

/**
 * The slot key after which a window's slots lie at `now` (the drift-signal
 * windows' keys, see window/slot-grid.ts): a fine window holds the fine slots
 * of its last `slots` fine slots (the current one included); any other the
 * slots, fine or coarse, of its last `slots` slots.
 */
export function windowStartKey(w: DriftWindowSpec, s: ModelSettings, now: number): number {
  if (w.fine) return Math.floor(now / s.fineSlot) - w.slots;
  const ratio = s.slot / s.fineSlot;
  return (Math.floor(now / s.slot) - w.slots + 1) * ratio - 1;
}

/** The significance level of each window: the false-alert budget spread over the looks and the windows. */
export function windowAlpha(s: ModelSettings): number {
  const looks = s.falseAlertInterval / s.evaluationInterval;
  return Math.min(s.alpha, 1 / (looks * Math.max(1, s.driftWindows.length)));
}

// The inverse survival functions are bisections; a model's level never changes, so they are kept.
const ksCritical = new Map<number, number>();
const chiCritical = new Map<string, number>();

/** Samples a KS window needs: a warning-size distance significant at `alpha` (and at least minSamples). */
export function ksNeeded(s: ModelSettings, t: SeverityThresholds, referenceCount: number, alpha: number): number {
  let lambda = ksCritical.get(alpha);
  if (lambda === undefined) ksCritical.set(alpha, (lambda = kolmogorovLimitIsf(alpha)));
  const room = referenceCount > 0 ? (t.warning / lambda) ** 2 - 1 / referenceCount : 0;
  return Math.max(s.minSamples, room > 0 ? Math.ceil(1 / room) : Number.POSITIVE_INFINITY);
}

/** Samples a PSI window over `bins` bins needs: a warning-size PSI significant at `alpha` (and at least minSamples). */
export function psiNeeded(s: ModelSettings, t: SeverityThresholds, referenceCount: number, bins: number, alpha: number): number {
  // One bin: nothing can differ (PSI 0, p 1); the window may still say "none".
  if (bins < 2) return s.minSamples;
  const key = `${alpha}:${bins - 1}`;
  let q = chiCritical.get(key);
  if (q === undefined) chiCritical.set(key, (q = chiSquareIsf(alpha, bins - 1)));
  const room = referenceCount > 0 ? t.warning / q - 1 / referenceCount : 0;
  return Math.max(s.minSamples, room > 0 ? Math.ceil(1 / room) : Number.POSITIVE_INFINITY);
}

/**
 * The severity of one window: `insufficient_data` below its needed count (or a
 * reference below minSamples); otherwise the highest level the effect reaches,
 * provided the shift is significant at `alpha`, else none.
 */
export function judge(effect: number, t: SeverityThresholds, pValue: number, alpha: number, needed: number, s: ModelSettings, n: number, m: number): Severity {
  if (n < s.minSamples || m < needed) return 'insufficient_data';
  if (!(pValue < alpha)) return 'none';
  if (effect >= t.critical) return 'critical';
  if (effect >= t.warning) return 'warning';
  if (effect >= t.info) return 'info';
  return 'none';
}

const RANK: Record<Severity, number> = { insufficient_data: -1, none: 0, info: 1, warning: 2, critical: 3, error: 4 };

/**
 * The deciding window: the worst severity among the windows that judged, the
 * shortest one on a tie; -1 when none judged.
 */
export function decidingIndex(verdicts: readonly WindowVerdict[]): number {
  let best = -1;
  verdicts.forEach((v, i) => {
    if (v.severity === 'insufficient_data') return;
    if (best < 0 || RANK[v.severity] > RANK[(verdicts[best] as WindowVerdict).severity]) best = i;
  });
  return best;
}
