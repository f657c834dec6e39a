/** Auto-instrumentation of `onnxruntime-node`. */
export {
  OnnxRuntimeInstrumentation,
  ONNXRUNTIME_INSTRUMENTATION_NAME,
  DEFAULT_ONNX_MODEL_NAME,
} from './instrumentation.js';
export type {
  OnnxRuntimeInstrumentationConfig,
  OnnxModelConfig,
  OnnxModelInfo,
  OnnxPredictionConfig,
  OnnxInputFeatureConfig,
  OnnxInputStatistic,
  OnnxMonitorOptions,
  OnnxRecordedPrediction,
} from './types.js';
