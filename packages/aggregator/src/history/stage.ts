/**
 * The history stage of the running aggregator: the {@link SignalHistory} of a
 * configuration (restored from a checkpoint's when there is one), recorded
 * after every evaluation tick, and its answers to the HTTP API in their exact
 * shapes. Pure like the history: the service passes `now`.
 *
 * @module
 */
import type { OutputSignal, SnapshotSection } from '../engine/index.js';
import { SignalHistory, type SignalHistoryConfig, type SignalHistorySnapshot, type SignalSeriesCount } from './history.js';

/** `GET /api/v1/models/{m}/history`. */
export interface HistorySummaryView {
  model: string;
  intervalSeconds: number;
  retentionSeconds: number;
  maxSeriesPerModel: number;
  /** Distinct new series refused at the last recorded time (past `maxSeriesPerModel`). */
  refusedSeries: number;
  /** The most bytes the model's history takes (see {@link SignalHistory.boundBytesPerModel}). */
  boundBytes: number;
  signals: SignalSeriesCount[];
}

/** `GET /api/v1/models/{m}/history?signal=...`. */
export interface HistorySeriesView {
  model: string;
  signal: string;
  intervalSeconds: number;
  retentionSeconds: number;
  /** Points are `[unix seconds, value]`, oldest first, values finite. */
  series: Array<{ attributes: OutputSignal['attributes']; points: Array<[number, number]> }>;
}

/** The API's answer: a view, or the signals with history when the one asked for has none. */
export type HistoryAnswer = { body: HistorySummaryView | HistorySeriesView } | { known: string[] };

/**
 * The parts of a validated configuration (`AggregatorConfig`) that the
 * history reads, stated here so that this stage does not import the config
 * folder, which imports the history's bounds for its schema.
 */
export interface HistoryStageSettings {
  history: { interval: number; retention: number; maxSeriesPerModel: number };
  models: readonly unknown[];
  discovery: { enabled: boolean };
  limits: { maxModels: number };
}

/** The history's options in a validated configuration. */
export function historyConfig(config: HistoryStageSettings): SignalHistoryConfig {
  return {
    intervalMs: config.history.interval,
    retentionMs: config.history.retention,
    maxSeriesPerModel: config.history.maxSeriesPerModel,
    // As many models as the engine can hold: the configured ones and those it may discover.
    maxModels: config.models.length + (config.discovery.enabled ? config.limits.maxModels : 0),
  };
}

/** Records each tick's signals into the history and answers the API from it. */
export class HistoryStage {
  constructor(readonly history: SignalHistory) {}

  /** Records the tick's signals (only the per-model ones are kept) when an interval has passed. */
  record(signals: readonly OutputSignal[], now: number): void {
    this.history.record(signals, now);
  }

  /** For the checkpoint: see {@link SignalHistory.snapshot}. */
  snapshot(sections: SnapshotSection[]): SignalHistorySnapshot {
    return this.history.snapshot(sections);
  }

  /**
   * The API's view of a model's history: its summary when `signal` is
   * undefined, else that signal's series over the last `sinceMs` ms before
   * `now` (all kept points when undefined).
   */
  view(model: string, signal: string | undefined, sinceMs: number | undefined, now: number): HistoryAnswer {
    const h = this.history;
    const intervalSeconds = h.config.intervalMs / 1000;
    const retentionSeconds = h.config.retentionMs / 1000;
    if (signal === undefined) {
      return {
        body: {
          model,
          intervalSeconds,
          retentionSeconds,
          maxSeriesPerModel: h.config.maxSeriesPerModel,
          refusedSeries: h.refusedSeries(model),
          boundBytes: h.boundBytesPerModel,
          signals: h.signals(model),
        },
      };
    }
    const series = h.query(model, signal, sinceMs === undefined ? undefined : now - sinceMs);
    if (series === undefined) return { known: h.signals(model).map((s) => s.name) };
    return {
      body: {
        model,
        signal,
        intervalSeconds,
        retentionSeconds,
        series: series.map((s) => ({ attributes: s.attributes, points: s.points.map(([t, v]): [number, number] => [t / 1000, v]) })),
      },
    };
  }
}

/**
 * The history stage of a configuration, from a checkpoint's `history` when
 * there is one (a checkpoint of an older version has none: the history starts empty).
 * @throws Error when the checkpoint's history cannot be read.
 */
export function createHistoryStage(config: HistoryStageSettings, snapshot: unknown, sections: readonly SnapshotSection[]): HistoryStage {
  const options = historyConfig(config);
  return new HistoryStage(snapshot === undefined ? new SignalHistory(options) : SignalHistory.restore(options, snapshot, sections));
}
