/**
 * Per-model state: the windows of every stream, baselines by version,
 * liveness, acceptance counters and the results of the last evaluation.
 *
 * @module
 */
import type { Baseline } from './baseline.js';
import { slotGrid, type ModelSettings } from './config.js';
import type { FeatureType, ModelConfig, ModelTask, ModelStatus, DriftReport } from './types.js';
import { ExpWindow, type ExpWindowSnapshot, type SnapshotSection } from './window/exp-window.js';
import { ExplicitWindow, type ExplicitWindowSnapshot } from './window/explicit-window.js';
import { CountWindow, type CountWindowSnapshot } from './window/count-window.js';
import { SloHistory, type SloHistorySnapshot } from './red.js';
import { sloColumns, type SloColumns } from './time-slices.js';
import { COARSE_GRID, lastKeyOf, type SlotGrid } from './window/slot-grid.js';
import { DEFAULT_SLO_PERIOD_MS } from './config.js';
import { QualityTracker, resolveQualitySettings, type QualityReport, type QualitySnapshot } from './quality/index.js';

/**
 * Windows of one feature. The distributions (`exp`, `explicit`,
 * `categories`) are judged on the nested drift windows and keyed on the
 * model's {@link ModelState.grid} (fine slots for recent data); the missing
 * counts only ever over the model's window, by slot.
 */
export interface FeatureState {
  name: string;
  /** Type from the config, else from the first signal that carried the feature. */
  type: FeatureType;
  exp: ExpWindow | null;
  explicit: ExplicitWindow | null;
  categories: CountWindow | null;
  /** Missing-value counts; created with the first one. */
  missing: CountWindow | null;
}

/** Key under which a count window holds a single scalar. */
export const SCALAR = '';

/** Everything the engine keeps for one model. */
export class ModelState {
  version: string | null = null;
  lastSeen: number | null = null;
  /** First slot of data since the model appeared or its baseline was reset (learning starts there). */
  learnFromSlot: number | null = null;
  readonly accepted = { dataPoints: 0, logRecords: 0 };
  readonly features = new Map<string, FeatureState>();
  /**
   * How the windows judged on the nested drift windows key their slots (the
   * features', the labels', the confidences', the predicted values'): fine
   * slots for recent data, see window/slot-grid.ts. The duration and error
   * windows are read over the model's window only, by slot.
   */
  readonly grid: SlotGrid;
  labels: CountWindow;
  confidence: ExplicitWindow;
  value: ExpWindow;
  duration = new ExplicitWindow();
  errors = new CountWindow();
  /** Request history for SLOs; only models with SLOs keep one. */
  readonly slo: SloHistory | null;
  /** Latency SLO thresholds, in the order of their columns in `slo` (after requests, errors). */
  readonly latencyThresholds: number[];
  /** Where `slo` keeps each SLO's counts. */
  readonly sloColumns: SloColumns;
  /** Baselines by model version; '' is the baseline for any version. */
  readonly baselines = new Map<string, Baseline>();
  drift: DriftReport | null = null;
  status: ModelStatus | null = null;
  /** The ground-truth join and quality numbers; created with the first event (most models get none). */
  private tracker: QualityTracker | null = null;
  /** The quality report of the last evaluation. */
  qualityReport: QualityReport | null = null;

  constructor(
    readonly name: string,
    public task: ModelTask,
    readonly discovered: boolean,
    readonly settings: ModelSettings,
    readonly declared: Readonly<Record<string, FeatureType>>,
    readonly maxBuckets: number,
    config: ModelConfig | undefined,
  ) {
    this.grid = slotGrid(settings);
    this.labels = new CountWindow(this.grid);
    this.confidence = new ExplicitWindow(this.grid);
    this.value = new ExpWindow(maxBuckets, settings.window / settings.slot, this.grid);
    this.latencyThresholds = settings.slos.filter((s) => s.kind === 'latency').map((s) => s.threshold ?? 0);
    const longest = Math.max(72 * 3_600_000, ...settings.slos.map((s) => s.period ?? DEFAULT_SLO_PERIOD_MS));
    this.sloColumns = sloColumns(settings.slos);
    this.slo = settings.slos.length > 0 ? new SloHistory(this.sloColumns.width, longest) : null;
    if (config?.baseline) this.baselines.set(config.baseline.modelVersion ?? '', config.baseline);
    // Validate the ground-truth settings now, though the tracker is made with the first event.
    resolveQualitySettings({ ...settings.groundTruth, task });
  }

  /** The model's quality tracker, created on first use. */
  get quality(): QualityTracker {
    return (this.tracker ??= new QualityTracker({ ...this.settings.groundTruth, task: this.task }));
  }

  /**
   * A discovered model (no config says its task) takes it from its first
   * prediction event: a value without a label means regression.
   */
  adoptTask(task: ModelTask): void {
    if (this.discovered && this.tracker === null) this.task = task;
  }

  /** Whether any ground-truth event (or an accuracy SLO) has needed the tracker yet. */
  get hasQuality(): boolean {
    return this.tracker !== null;
  }

  /** The quality report at `now`; an empty one (nothing stored) before the first event. */
  qualityAt(now: number): QualityReport {
    return (this.tracker ?? new QualityTracker({ ...this.settings.groundTruth, task: this.task })).report(now);
  }

  /** Versions seen recently (bounded), to tell a new version from an alternating one. */
  private readonly versions: string[] = [];

  /** Records a version; true when it was not seen before. */
  noteVersion(v: string): boolean {
    if (this.versions.includes(v)) return false;
    this.versions.push(v);
    if (this.versions.length > 16) this.versions.shift();
    return true;
  }

  /** The baseline in force for the current version, if any. */
  activeBaseline(): Baseline | undefined {
    return (this.version !== null ? this.baselines.get(this.version) : undefined) ?? this.baselines.get('');
  }

  /** The feature's state, created when within the series bound; null past it. */
  feature(name: string, type: FeatureType, maxSeries: number): FeatureState | null {
    let f = this.features.get(name);
    if (f) return f;
    if (this.features.size >= maxSeries) return null;
    f = { name, type: this.declared[name] ?? type, exp: null, explicit: null, categories: null, missing: null };
    this.features.set(name, f);
    return f;
  }

  /** The slot number of time `t` in the windows keyed on {@link grid} (a fine slot, when it has fine slots). */
  gridSlot(t: number): number {
    return Math.floor(t / (this.settings.slot / this.grid.ratio));
  }

  /**
   * At `now`: drops every slot at or before slot `cutoff` in every window,
   * and merges the fine slots past the fine horizon into their slots.
   */
  expire(cutoff: number, now: number): void {
    const fineCutoff = lastKeyOf(cutoff, this.grid.ratio);
    const aged = this.gridSlot(now) - this.grid.horizon;
    for (const f of this.features.values()) {
      f.exp?.age(aged);
      f.exp?.expire(fineCutoff);
      f.explicit?.age(aged);
      f.explicit?.expire(fineCutoff);
      f.categories?.age(aged);
      f.categories?.expire(fineCutoff);
      f.missing?.expire(cutoff);
    }
    this.labels.age(aged);
    this.labels.expire(fineCutoff);
    this.confidence.age(aged);
    this.confidence.expire(fineCutoff);
    this.value.age(aged);
    this.value.expire(fineCutoff);
    this.duration.expire(cutoff);
    this.errors.expire(cutoff);
  }

  /** A new exponential window for a feature. */
  newExpWindow(): ExpWindow {
    return new ExpWindow(this.maxBuckets, this.settings.window / this.settings.slot, this.grid);
  }

  /** JSON-serialisable state (windows, baselines, counters); exponential windows put their arrays in `sections` when given. */
  snapshot(sections?: SnapshotSection[]): ModelSnapshot {
    return {
      name: this.name,
      version: this.version,
      lastSeen: this.lastSeen,
      learnFromSlot: this.learnFromSlot,
      accepted: { ...this.accepted },
      features: [...this.features.values()].map((f) => ({
        name: f.name,
        type: f.type,
        exp: f.exp?.snapshot(sections) ?? null,
        explicit: f.explicit?.snapshot() ?? null,
        categories: f.categories?.snapshot() ?? null,
        missing: f.missing?.snapshot() ?? null,
      })),
      labels: this.labels.snapshot(),
      confidence: this.confidence.snapshot(),
      value: this.value.snapshot(sections),
      duration: this.duration.snapshot(),
      errors: this.errors.snapshot(),
      slo: this.slo?.snapshot() ?? null,
      baselines: [...this.baselines.entries()],
      ...(this.tracker !== null ? { quality: this.tracker.snapshot() } : {}),
    };
  }

  /** Loads a snapshot into this (freshly constructed) state; `sections`: the list it was taken with, if any. */
  load(s: ModelSnapshot, sections: readonly SnapshotSection[] = []): void {
    this.version = s.version;
    if (s.version !== null) this.noteVersion(s.version);
    this.lastSeen = s.lastSeen;
    this.learnFromSlot = s.learnFromSlot;
    this.accepted.dataPoints = s.accepted.dataPoints;
    this.accepted.logRecords = s.accepted.logRecords;
    for (const f of s.features) {
      this.features.set(f.name, {
        name: f.name,
        type: f.type,
        exp: f.exp ? ExpWindow.restore(this.maxBuckets, f.exp, this.settings.window / this.settings.slot, sections, this.grid) : null,
        explicit: f.explicit ? ExplicitWindow.restore(f.explicit, this.grid) : null,
        categories: f.categories ? CountWindow.restore(f.categories, this.grid) : null,
        missing: f.missing ? CountWindow.restore(f.missing, COARSE_GRID) : null,
      });
    }
    this.labels = CountWindow.restore(s.labels, this.grid);
    this.confidence = ExplicitWindow.restore(s.confidence, this.grid);
    this.duration = ExplicitWindow.restore(s.duration, COARSE_GRID);
    this.errors = CountWindow.restore(s.errors, COARSE_GRID);
    this.value = ExpWindow.restore(this.maxBuckets, s.value, this.settings.window / this.settings.slot, sections, this.grid);
    if (s.slo) this.slo?.restore(s.slo);
    this.baselines.clear();
    for (const [k, b] of s.baselines) this.baselines.set(k, b);
    // Snapshots from before the ground-truth join have no quality state; one for another task starts afresh.
    if (s.quality) this.adoptTask(s.quality.task);
    if (s.quality && s.quality.task === this.task) this.tracker = QualityTracker.restore({ ...this.settings.groundTruth, task: this.task }, s.quality);
  }
}


/** JSON-serialisable state of one model. */
export interface ModelSnapshot {
  name: string;
  version: string | null;
  lastSeen: number | null;
  learnFromSlot: number | null;
  accepted: { dataPoints: number; logRecords: number };
  features: {
    name: string;
    type: FeatureType;
    exp: ExpWindowSnapshot | null;
    explicit: ExplicitWindowSnapshot | null;
    categories: CountWindowSnapshot | null;
    missing: CountWindowSnapshot | null;
  }[];
  labels: CountWindowSnapshot;
  confidence: ExplicitWindowSnapshot;
  value: ExpWindowSnapshot;
  duration: ExplicitWindowSnapshot;
  errors: CountWindowSnapshot;
  slo: SloHistorySnapshot | null;
  baselines: [string, Baseline][];
  /** Absent in snapshots written before the ground-truth join. */
  quality?: QualitySnapshot;
}
