/**
 * The aggregator's pure engine: routes decoded OTLP to models, keeps
 * time-slotted windows and baselines, and evaluates drift, RED and SLOs.
 * No I/O and no clock: `now` (epoch ms) is always an argument.
 *
 * @packageDocumentation
 */
export {
  assertBaselineMatches,
  BASELINE_FORMAT,
  BaselineConflictError,
  BaselineFormatError,
  baselineTypeConflicts,
  parseBaseline,
  type BaselineTypeConflict,
  type Baseline,
  type BaselineSource,
  type CategoricalFeatureBaseline,
  type ExpHistogramData,
  type FeatureBaseline,
  type NumericFeatureBaseline,
  type PredictionBaseline,
} from './baseline.js';
export { DEFAULT_ENGINE_BOUNDS, DEFAULT_ENGINE_DEFAULTS, DEFAULT_SLO_PERIOD_MS, engineConfig } from './config.js';
export * from './types.js';
export {
  attrString,
  Engine,
  ENGINE_SNAPSHOT_FORMAT,
  ENGINE_SNAPSHOT_FORMAT_V1,
  ENGINE_SNAPSHOT_FORMAT_V2,
  resolveIdentity,
  type EngineSnapshot,
  type ModelIdentity,
  type SnapshotInProgress,
} from './engine.js';
export type { SnapshotSection } from './window/exp-window.js';
export type { LogsIn, MetricsIn, MetricIn, PointIn, AttrMap, CountsIn, ExpPointIn, HistogramPointIn, NumberPointIn, MetricHeaderIn, PointSink, IngestObserver } from './otlp-input.js';
