/**
 * `@modelwatch/instrumentation`: ML signals from any service through the
 * OpenTelemetry API only (the SDK is the application's choice; see
 * `@modelwatch/node` for one-call wiring).
 * @module @modelwatch/instrumentation
 */
export {
  ModelMonitor,
  type ObserveOptions,
  type ObservedPrediction,
  type ModelMonitorOptions,
  type PredictionRecord,
  type RecordResult,
  type FeatureKind,
  type FeatureSampling,
} from './monitor/index.js';
export { predictionIdHash } from './sampling/prediction-hash.js';
export { SCOPE_NAME, SCOPE_VERSION } from './scope.js';
export { OnnxRuntimeInstrumentation, type OnnxRuntimeInstrumentationConfig } from './onnxruntime/index.js';
