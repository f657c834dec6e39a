/**
 * The monitor's public pieces, for the package index and sibling modules.
 * @module
 */
export { ModelMonitor, type ObserveOptions, type ObservedPrediction } from './ModelMonitor.js';
export type {
  ModelMonitorOptions,
  PredictionRecord,
  RecordResult,
  FeatureKind,
  FeatureSampling,
} from './options.js';
