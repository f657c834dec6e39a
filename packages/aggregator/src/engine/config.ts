/**
 * Engine defaults and the per-model settings derived from them.
 *
 * @packageDocumentation
 */
import type { QualityOptions } from './quality/config.js';
import { COARSE_GRID, type SlotGrid } from './window/slot-grid.js';
import type { DriftThresholds, EngineBounds, EngineConfig, EngineDefaults, ModelConfig, SloConfig } from './types.js';

/** Defaults of {@link EngineDefaults} (the seed's thresholds; see DESIGN.md). */
export const DEFAULT_ENGINE_DEFAULTS: Readonly<EngineDefaults> = Object.freeze({
  window: 3_600_000,
  slot: 60_000,
  alpha: 0.01,
  minSamples: 100,
  lowConfidenceThreshold: 0.7,
  thresholds: Object.freeze({
    ks: Object.freeze({ info: 0.1, warning: 0.15, critical: 0.25 }),
    psi: Object.freeze({ info: 0.1, warning: 0.2, critical: 0.25 }),
  }),
  livenessTimeout: 300_000,
  driftWindows: Object.freeze([10_000, 60_000, 600_000]) as unknown as number[],
  falseAlertInterval: 365 * 24 * 3_600_000,
  evaluationInterval: 30_000,
});

/**
 * The fine slot when none is set: 10 s, where it is shorter than the slot and
 * divides it, and its slots would not outnumber the window's (see
 * {@link resolveSettings}); otherwise the model keeps no fine slots.
 */
export const DEFAULT_FINE_SLOT = 10_000;

/** Defaults of {@link EngineBounds}. */
export const DEFAULT_ENGINE_BOUNDS: Readonly<EngineBounds> = Object.freeze({
  maxSeriesPerModel: 1000,
  maxAttributeLength: 256,
  maxCategories: 100,
  maxBuckets: 160,
});

/** Default SLO period: 30 days. */
export const DEFAULT_SLO_PERIOD_MS = 30 * 24 * 3_600_000;

/**
 * Builds a complete {@link EngineConfig} from a partial one (convenient for
 * tests and embedding; the service builds it from the validated YAML).
 */
export function engineConfig(partial: {
  models?: ModelConfig[];
  discovery?: Partial<EngineConfig['discovery']>;
  defaults?: Partial<EngineDefaults>;
  bounds?: Partial<EngineBounds>;
} = {}): EngineConfig {
  return {
    models: partial.models ?? [],
    discovery: { enabled: partial.discovery?.enabled ?? true, maxModels: partial.discovery?.maxModels ?? 100 },
    defaults: { ...DEFAULT_ENGINE_DEFAULTS, ...partial.defaults },
    bounds: { ...DEFAULT_ENGINE_BOUNDS, ...partial.bounds },
  };
}

/** A model's effective settings: its own values over the engine defaults. */
export interface ModelSettings {
  window: number;
  slot: number;
  /** Fine slot length in ms; equal to `slot` when the model keeps no fine slots. */
  fineSlot: number;
  /**
   * How far back the fine slots reach (ms), a whole number of fine slots: the
   * drift windows up to it are built from fine slots. 0 when there are none.
   */
  fineHorizon: number;
  alpha: number;
  minSamples: number;
  lowConfidenceThreshold: number;
  thresholds: DriftThresholds;
  livenessTimeout: number;
  /** Nested drift windows in ms, ascending, the model's window last. */
  driftWindows: number[];
  falseAlertInterval: number;
  evaluationInterval: number;
  slos: SloConfig[];
  groundTruth: Omit<QualityOptions, 'task'>;
}

/**
 * Resolves a model's settings and checks them.
 *
 * @throws Error naming the model and the bad setting (a window that is not a whole number of slots, alpha outside (0, 1), ...).
 */
export function resolveSettings(defaults: EngineDefaults, model: ModelConfig | undefined, name: string): ModelSettings {
  const s: ModelSettings = {
    window: model?.window ?? defaults.window,
    slot: model?.slot ?? defaults.slot,
    fineSlot: 0,
    fineHorizon: 0,
    alpha: model?.alpha ?? defaults.alpha,
    minSamples: model?.minSamples ?? defaults.minSamples,
    lowConfidenceThreshold: model?.lowConfidenceThreshold ?? defaults.lowConfidenceThreshold,
    thresholds: {
      ks: model?.thresholds?.ks ?? defaults.thresholds.ks,
      psi: model?.thresholds?.psi ?? defaults.thresholds.psi,
    },
    livenessTimeout: defaults.livenessTimeout,
    driftWindows: [],
    falseAlertInterval: defaults.falseAlertInterval,
    evaluationInterval: defaults.evaluationInterval,
    slos: model?.slos ?? [],
    groundTruth: { ...(defaults.groundTruth ?? {}), ...(model?.groundTruth ?? {}) },
  };
  const where = `model ${JSON.stringify(name)}`;
  if (!(Number.isInteger(s.slot) && s.slot >= 1)) throw new Error(`${where}: slot must be a positive whole number of ms, got ${s.slot}`);
  if (!(Number.isInteger(s.window) && s.window >= s.slot && s.window % s.slot === 0)) {
    throw new Error(`${where}: window (${s.window} ms) must be a positive multiple of the slot (${s.slot} ms)`);
  }
  if (s.window / s.slot > 100_000) throw new Error(`${where}: window / slot must be at most 100000 slots, got ${s.window / s.slot}`);
  // A fine slot set by the user is checked; the default one applies only where it fits.
  const fineSet = model?.fineSlot ?? defaults.fineSlot;
  if (fineSet !== undefined && !(Number.isInteger(fineSet) && fineSet >= 1 && s.slot % fineSet === 0)) {
    throw new Error(`${where}: fineSlot (${fineSet} ms) must be a positive whole number of ms that divides the slot (${s.slot} ms); set it to the slot to keep no fine slots`);
  }
  s.fineSlot = fineSet ?? (DEFAULT_FINE_SLOT < s.slot && s.slot % DEFAULT_FINE_SLOT === 0 ? DEFAULT_FINE_SLOT : s.slot);
  if (!(s.alpha > 0 && s.alpha < 1)) throw new Error(`${where}: alpha must be in (0, 1), got ${s.alpha}`);
  if (!(Number.isFinite(s.minSamples) && s.minSamples >= 1)) throw new Error(`${where}: minSamples must be >= 1, got ${s.minSamples}`);
  if (!(s.lowConfidenceThreshold > 0 && s.lowConfidenceThreshold < 1)) {
    throw new Error(`${where}: lowConfidenceThreshold must be in (0, 1), got ${s.lowConfidenceThreshold}`);
  }
  if (!(s.livenessTimeout > 0)) throw new Error(`livenessTimeout must be > 0 ms, got ${s.livenessTimeout}`);
  if (!(s.falseAlertInterval > 0)) throw new Error(`falseAlertInterval must be > 0 ms, got ${s.falseAlertInterval}`);
  if (!(s.evaluationInterval > 0)) throw new Error(`evaluationInterval must be > 0 ms, got ${s.evaluationInterval}`);
  // Shorter windows that fit the slot grid (or the fine grid), then the model's own: nested, all ending now.
  s.driftWindows = [...new Set([...(model?.driftWindows ?? defaults.driftWindows)].filter((w) => w >= s.fineSlot && w < s.window && w % s.fineSlot === 0))].sort((a, b) => a - b);
  s.fineHorizon = fineHorizon(s.driftWindows, s.slot, s.fineSlot);
  if (s.fineHorizon / s.fineSlot > s.window / s.slot && fineSet === undefined) {
    // The default fine slot does not fit: keep whole slots, and the windows on their grid.
    s.fineSlot = s.slot;
    s.fineHorizon = 0;
    s.driftWindows = s.driftWindows.filter((w) => w % s.slot === 0);
  } else if (s.fineHorizon / s.fineSlot > s.window / s.slot) {
    throw new Error(
      `${where}: the fine slots would outnumber the window's slots (${s.fineHorizon / s.fineSlot} fine slots of ${s.fineSlot} ms for the ${s.fineHorizon} ms window, ` +
        `${s.window / s.slot} slots in the window), which would more than double the memory of every stream: raise fineSlot, or set it to the slot (${s.slot} ms) to keep no fine slots`,
    );
  }
  // Without fine slots, slots are the coarse ones alone.
  if (s.fineHorizon === 0) s.fineSlot = s.slot;
  s.driftWindows.push(s.window);
  for (const kind of ['ks', 'psi'] as const) {
    const t = s.thresholds[kind];
    if (!(t.info > 0 && t.info <= t.warning && t.warning <= t.critical)) {
      throw new Error(`${where}: thresholds.${kind} must satisfy 0 < info <= warning <= critical, got ${JSON.stringify(t)}`);
    }
  }
  const names = new Set<string>();
  for (const slo of s.slos) {
    if (names.has(slo.name)) throw new Error(`${where}: duplicate SLO name ${JSON.stringify(slo.name)}`);
    names.add(slo.name);
    if (!(slo.objective > 0 && slo.objective < 1)) throw new Error(`${where}: SLO ${slo.name}: objective must be in (0, 1), got ${slo.objective}`);
    if (slo.kind === 'latency' && !(slo.threshold !== undefined && slo.threshold > 0)) {
      throw new Error(`${where}: SLO ${slo.name}: a latency SLO needs threshold (seconds) > 0`);
    }
    if (slo.period !== undefined && !(slo.period >= 60_000)) throw new Error(`${where}: SLO ${slo.name}: period must be >= 60000 ms, got ${slo.period}`);
  }
  return s;
}

/**
 * How far back fine slots must reach: the shortest drift window (the one
 * whose content a coarse slot would blur most: a 1 min window of 1 min slots
 * holds between 0 and 60 s of data), every window shorter than a slot, and
 * every window off the coarse grid; 0 without such windows, or when the fine
 * slot is the slot. Windows within this horizon are all built from fine slots.
 */
function fineHorizon(shortWindows: readonly number[], slot: number, fineSlot: number): number {
  if (fineSlot === slot || shortWindows.length === 0) return 0;
  let h = shortWindows[0] as number;
  for (const w of shortWindows) if (w <= slot || w % slot !== 0) h = Math.max(h, w);
  return h;
}

/** The grid of a model's drift-signal windows: fine slots up to its fine horizon, coarse slots beyond. */
export function slotGrid(s: ModelSettings): SlotGrid {
  if (s.fineHorizon === 0) return COARSE_GRID;
  return { ratio: s.slot / s.fineSlot, horizon: s.fineHorizon / s.fineSlot };
}
