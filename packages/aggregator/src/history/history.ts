/**
 * A bounded history of each model's evaluated signals, so the built-in
 * dashboard can draw series without Prometheus.
 *
 * Each model has one ring of timestamps and, per series, one ring of values,
 * all of the same fixed length (`retention / interval` points): a row of the
 * model's rings is one recorded time, and a series absent at that time holds
 * NaN there (a gap, never shown). A model's memory is therefore known before
 * its first point arrives ({@link SignalHistory.boundBytesPerModel}).
 *
 * Pure: no `node:*`, no clock (`now`, in epoch ms, is an argument).
 *
 * @module
 */
import { ATTR_ML_MODEL_NAME } from '@modelwatch/semconv';
import type { OutputSignal, SnapshotSection } from '../engine/index.js';

type Attributes = OutputSignal['attributes'];

/** Most points one series may keep (`retention / interval`): one series' ring stays under 800 kB. */
export const HISTORY_MAX_POINTS = 100_000;

/** Format tag of {@link SignalHistorySnapshot}. */
export const HISTORY_SNAPSHOT_FORMAT = 'modelwatch.history/v1';

/**
 * Share of the interval by which a point may come early and still be recorded.
 * With the evaluation tick at the same period as the history, ticks read the
 * clock a few ms either side of a whole interval after the last point (the
 * clock is read after evaluating): a strict comparison would drop every other one.
 */
const EARLY_SHARE = 0.1;

/**
 * Values are kept as float64, not float32: the API then shows exactly what
 * `/metrics` showed (sample counts above 2^24, p-values below 1e-38 survive),
 * at twice the memory; `maxSeriesPerModel` and the retention bound it.
 */
const BYTES_PER_VALUE = Float64Array.BYTES_PER_ELEMENT;

/** Options of {@link SignalHistory}. */
export interface SignalHistoryConfig {
  /** Least time between two recorded points, in ms (> 0). */
  intervalMs: number;
  /** How long points are kept, in ms (≥ intervalMs): each series keeps `floor(retentionMs / intervalMs)` points. */
  retentionMs: number;
  /** Series kept per model; a new series past it is refused and counted. */
  maxSeriesPerModel: number;
  /** Models kept; a new model past it is refused and counted. */
  maxModels: number;
}

/** One series as queried: its attributes (all but `ml.model.name`) and its points. */
export interface SeriesPoints {
  attributes: Attributes;
  /** `[epoch ms, value]`, oldest first; gaps are left out, so every value is finite. */
  points: Array<[number, number]>;
}

/** A signal with history, and how many series it has. */
export interface SignalSeriesCount {
  name: string;
  series: number;
}

/** One model in a {@link SignalHistorySnapshot}. */
export interface ModelHistorySnapshot {
  name: string;
  lastSeen: number;
  refused: number;
  /** Rows kept, oldest first. */
  rows: number;
  /**
   * Index of a Float64Array section of `rows * (1 + series.length)` numbers: the
   * rows' times, then each series' values at those rows (NaN: no point), in the order of `series`.
   */
  data: number;
  /** `age`: rows written since the series' last point (0: it has a point in the newest row). */
  series: Array<{ name: string; attributes: Attributes; age: number }>;
}

/** What a checkpoint keeps of a {@link SignalHistory}; the numbers themselves are in snapshot sections. */
export interface SignalHistorySnapshot {
  format: typeof HISTORY_SNAPSHOT_FORMAT;
  /** When the last point was recorded (epoch ms), null before the first. */
  lastAt: number | null;
  models: ModelHistorySnapshot[];
}

interface Series {
  readonly name: string;
  readonly key: string;
  readonly attributes: Attributes;
  readonly values: Float64Array;
  /** The model's row count (`written`) just after the row of its last point. */
  last: number;
}

/** The key of a series within its signal: every attribute but the model name, sorted. */
function seriesKey(attributes: Attributes): string {
  const entries = Object.entries(attributes).filter(([k]) => k !== ATTR_ML_MODEL_NAME);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

function withoutModel(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (k !== ATTR_ML_MODEL_NAME) out[k] = v;
  return out;
}

/** One model's rings. */
class ModelRings {
  readonly times: Float64Array;
  /** Rows written so far; the newest is at ring index `(written - 1) % capacity`. */
  written = 0;
  /** Series by signal name, then by {@link seriesKey}. */
  readonly bySignal = new Map<string, Map<string, Series>>();
  seriesCount = 0;
  /** Distinct series refused at the last recorded time. */
  refused = 0;
  lastSeen: number;

  constructor(capacity: number, lastSeen: number) {
    this.times = new Float64Array(capacity);
    this.lastSeen = lastSeen;
  }

  get rows(): number {
    return Math.min(this.written, this.times.length);
  }

  /** Ring index of the `i`-th kept row, oldest first. */
  index(i: number): number {
    return (this.written - this.rows + i) % this.times.length;
  }

  addSeries(name: string, key: string, attributes: Attributes): Series {
    let signal = this.bySignal.get(name);
    if (signal === undefined) this.bySignal.set(name, (signal = new Map()));
    const s: Series = { name, key, attributes, values: new Float64Array(this.times.length).fill(Number.NaN), last: this.written };
    signal.set(key, s);
    this.seriesCount++;
    return s;
  }

  /** Appends a row at `now` holding `signals` (all of this model), over the oldest row once the ring is full. */
  writeRow(now: number, signals: readonly OutputSignal[], maxSeries: number): void {
    const capacity = this.times.length;
    const row = this.written % capacity;
    this.written++;
    this.times[row] = now;
    // The row written over was the oldest: blank it in every series, and drop a
    // series whose last point it held, which frees its place for a new one.
    for (const [name, signal] of this.bySignal) {
      for (const [key, s] of signal) {
        if (s.last <= this.written - capacity) {
          signal.delete(key);
          this.seriesCount--;
        } else s.values[row] = Number.NaN;
      }
      if (signal.size === 0) this.bySignal.delete(name);
    }
    let refused: Set<string> | undefined;
    for (const sig of signals) {
      if (!Number.isFinite(sig.value)) continue;
      const key = seriesKey(sig.attributes);
      let s = this.bySignal.get(sig.name)?.get(key);
      if (s === undefined) {
        if (this.seriesCount >= maxSeries) {
          (refused ??= new Set()).add(`${sig.name}\n${key}`);
          continue;
        }
        s = this.addSeries(sig.name, key, withoutModel(sig.attributes));
      }
      s.values[row] = sig.value;
      s.last = this.written;
    }
    this.refused = refused?.size ?? 0;
  }
}

/**
 * The bounded history of every model's signals.
 *
 * Bounds: `floor(retention / interval)` points per series, `maxSeriesPerModel`
 * series per model (a new series past it is refused; the count at the last
 * recorded time is {@link SignalHistory.refusedSeries}), `maxModels` models (the
 * same, {@link SignalHistory.refusedModels}). A series whose last point has left
 * the retention is dropped, and so is a model absent from the signals for longer
 * than the retention.
 */
export class SignalHistory {
  readonly config: Readonly<SignalHistoryConfig>;
  /** Points per series: `floor(retentionMs / intervalMs)`. */
  readonly capacity: number;
  private readonly models = new Map<string, ModelRings>();
  private lastAt: number | null = null;
  private refusedModelCount = 0;

  /** @throws Error naming the option that is out of range. */
  constructor(config: SignalHistoryConfig) {
    const { intervalMs, retentionMs, maxSeriesPerModel, maxModels } = config;
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) throw new Error(`SignalHistory: intervalMs must be a positive number of ms, got ${intervalMs}`);
    if (!(Number.isFinite(retentionMs) && retentionMs >= intervalMs)) throw new Error(`SignalHistory: retentionMs must be at least intervalMs (${intervalMs}), got ${retentionMs}`);
    const capacity = Math.floor(retentionMs / intervalMs);
    if (capacity > HISTORY_MAX_POINTS) throw new Error(`SignalHistory: retentionMs / intervalMs must be at most ${HISTORY_MAX_POINTS} points, got ${capacity}`);
    if (!(Number.isInteger(maxSeriesPerModel) && maxSeriesPerModel > 0)) throw new Error(`SignalHistory: maxSeriesPerModel must be a positive integer, got ${maxSeriesPerModel}`);
    if (!(Number.isInteger(maxModels) && maxModels >= 0)) throw new Error(`SignalHistory: maxModels must be a non-negative integer, got ${maxModels}`);
    this.config = { intervalMs, retentionMs, maxSeriesPerModel, maxModels };
    this.capacity = capacity;
  }

  /**
   * The most bytes one model's rings take: a float64 per point, for the
   * timestamps and for each of `maxSeriesPerModel` series,
   * `8 * floor(retention / interval) * (1 + maxSeriesPerModel)`. (The series'
   * names and attributes come on top; the engine bounds their length.)
   */
  get boundBytesPerModel(): number {
    return BYTES_PER_VALUE * this.capacity * (1 + this.config.maxSeriesPerModel);
  }

  /** Distinct new models refused (past `maxModels`) at the last recorded time. */
  get refusedModels(): number {
    return this.refusedModelCount;
  }

  /**
   * Records the per-model signals (those with `ml.model.name`) at `now`, when
   * at least an interval has passed since the last recorded time (a tenth less
   * is tolerated: see EARLY_SHARE); signals without the attribute and
   * non-finite values are ignored. A clock that went back records nothing
   * until it passes the last point again, so points stay in time order.
   * @returns whether a point was recorded.
   */
  record(signals: readonly OutputSignal[], now: number): boolean {
    if (!Number.isFinite(now)) return false;
    if (this.lastAt !== null && now - this.lastAt < this.config.intervalMs * (1 - EARLY_SHARE)) return false;
    this.lastAt = now;
    const byModel = new Map<string, OutputSignal[]>();
    for (const s of signals) {
      const model = s.attributes[ATTR_ML_MODEL_NAME];
      if (typeof model !== 'string') continue;
      let list = byModel.get(model);
      if (list === undefined) byModel.set(model, (list = []));
      list.push(s);
    }
    // Forget first, so a forgotten model's place can go to a new one.
    for (const [name, m] of this.models) {
      if (!byModel.has(name) && now - m.lastSeen > this.config.retentionMs) this.models.delete(name);
    }
    let refused = 0;
    for (const name of byModel.keys()) {
      if (this.models.has(name)) continue;
      if (this.models.size >= this.config.maxModels) refused++;
      else this.models.set(name, new ModelRings(this.capacity, now));
    }
    this.refusedModelCount = refused;
    for (const [name, m] of this.models) {
      const list = byModel.get(name);
      if (list !== undefined) m.lastSeen = now;
      m.writeRow(now, list ?? [], this.config.maxSeriesPerModel);
    }
    return true;
  }

  /** Whether the model has any history (it may have no series yet). */
  hasModel(model: string): boolean {
    return this.models.has(model);
  }

  /** The model's signals with history and their series counts, by name; empty for a model without history. */
  signals(model: string): SignalSeriesCount[] {
    const m = this.models.get(model);
    if (m === undefined) return [];
    return [...m.bySignal].map(([name, series]) => ({ name, series: series.size })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Distinct new series of the model refused (past `maxSeriesPerModel`) at the last recorded time. */
  refusedSeries(model: string): number {
    return this.models.get(model)?.refused ?? 0;
  }

  /**
   * The model's series of one signal with their points at or after `sinceMs`
   * (epoch ms; all kept points when omitted), series ordered by their
   * attributes; undefined when the model has no history of that signal.
   */
  query(model: string, signal: string, sinceMs = Number.NEGATIVE_INFINITY): SeriesPoints[] | undefined {
    const m = this.models.get(model);
    const series = m?.bySignal.get(signal);
    if (m === undefined || series === undefined) return undefined;
    const rows = m.rows;
    let first = 0;
    while (first < rows && (m.times[m.index(first)] as number) < sinceMs) first++;
    return [...series.values()]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((s) => {
        const points: Array<[number, number]> = [];
        for (let i = first; i < rows; i++) {
          const at = m.index(i);
          const v = s.values[at] as number;
          if (!Number.isNaN(v)) points.push([m.times[at] as number, v]);
        }
        return { attributes: { ...s.attributes }, points };
      });
  }

  /**
   * The history as it is now, its numbers copied into `sections` (one
   * Float64Array per model, oldest row first: only the rows written, so a young
   * model's snapshot is small). Later records do not change what was taken.
   */
  snapshot(sections: SnapshotSection[]): SignalHistorySnapshot {
    const models: ModelHistorySnapshot[] = [];
    for (const [name, m] of this.models) {
      const rows = m.rows;
      const all = [...m.bySignal.values()].flatMap((signal) => [...signal.values()]);
      const data = new Float64Array(rows * (1 + all.length));
      for (let i = 0; i < rows; i++) data[i] = m.times[m.index(i)] as number;
      all.forEach((s, j) => {
        const base = (1 + j) * rows;
        for (let i = 0; i < rows; i++) data[base + i] = s.values[m.index(i)] as number;
      });
      models.push({
        name,
        lastSeen: m.lastSeen,
        refused: m.refused,
        rows,
        data: sections.push(data) - 1,
        series: all.map((s) => ({ name: s.name, attributes: { ...s.attributes }, age: m.written - s.last })),
      });
    }
    return { format: HISTORY_SNAPSHOT_FORMAT, lastAt: this.lastAt, models };
  }

  /**
   * A history from {@link SignalHistory.snapshot}'s result, under a
   * configuration that may differ from the one it was taken under: past a
   * smaller bound, the newest rows, the first series and the most recently seen
   * models are kept.
   * @throws Error saying what is wrong with the snapshot.
   */
  static restore(config: SignalHistoryConfig, snapshot: unknown, sections: readonly SnapshotSection[]): SignalHistory {
    const h = new SignalHistory(config);
    const snap = snapshot as Partial<SignalHistorySnapshot> | null;
    if (snap === null || typeof snap !== 'object' || snap.format !== HISTORY_SNAPSHOT_FORMAT || !Array.isArray(snap.models)) {
      throw new Error(`history snapshot: expected format ${JSON.stringify(HISTORY_SNAPSHOT_FORMAT)} with a models list`);
    }
    h.lastAt = typeof snap.lastAt === 'number' ? snap.lastAt : null;
    const models = [...snap.models].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, h.config.maxModels);
    for (const ms of models) h.models.set(ms.name, restoreModel(h.capacity, h.config.maxSeriesPerModel, ms, sections));
    return h;
  }
}

function restoreModel(capacity: number, maxSeries: number, ms: ModelHistorySnapshot, sections: readonly SnapshotSection[]): ModelRings {
  const where = `history snapshot of model ${JSON.stringify(ms.name)}`;
  if (typeof ms.name !== 'string' || !Number.isInteger(ms.rows) || ms.rows < 0 || !Array.isArray(ms.series) || !Number.isFinite(ms.lastSeen)) {
    throw new Error(`${where}: expected a name, a whole number of rows, a lastSeen time and a series list`);
  }
  for (const ss of ms.series) {
    if (typeof ss.name !== 'string' || ss.attributes === null || typeof ss.attributes !== 'object' || !(Number.isInteger(ss.age) && ss.age >= 0)) {
      throw new Error(`${where}: a series needs a name, attributes and a whole age, got ${JSON.stringify(ss).slice(0, 200)}`);
    }
  }
  const data = sections[ms.data];
  const rows = ms.rows;
  if (!(data instanceof Float64Array) || data.length !== rows * (1 + ms.series.length)) {
    throw new Error(`${where}: section ${ms.data} must be a Float64Array of ${rows * (1 + ms.series.length)} numbers, is ${data === undefined ? 'missing' : `a ${data.constructor.name} of ${data.length}`}`);
  }
  const m = new ModelRings(capacity, ms.lastSeen);
  m.refused = Number.isInteger(ms.refused) ? ms.refused : 0;
  const keep = Math.min(rows, capacity);
  const skip = rows - keep;
  for (let i = 0; i < keep; i++) m.times[i] = data[skip + i] as number;
  m.written = keep;
  ms.series.forEach((ss, j) => {
    // Its last point went with the rows left out, or the bound is now lower.
    const key = seriesKey(ss.attributes);
    if (ss.age >= keep || m.seriesCount >= maxSeries || m.bySignal.get(ss.name)?.has(key) === true) return;
    const s = m.addSeries(ss.name, key, ss.attributes);
    const base = (1 + j) * rows + skip;
    for (let i = 0; i < keep; i++) s.values[i] = data[base + i] as number;
    s.last = keep - ss.age;
  });
  return m;
}
