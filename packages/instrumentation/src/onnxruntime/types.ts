import type { InstrumentationConfig } from '@opentelemetry/instrumentation';

/** What the instrumentation knows about a session when it names the model. */
export interface OnnxModelInfo {
  /**
   * The path passed to `InferenceSession.create`, when the session was created
   * from a path while the instrumentation was enabled; `undefined` for sessions
   * created from a buffer or before the instrumentation was enabled.
   */
  readonly modelPath: string | undefined;
  /** The session's input names, in model order. */
  readonly inputNames: readonly string[];
  /** The session's output names, in model order. */
  readonly outputNames: readonly string[];
}

/** Statistics of one input row that can become numeric features. */
export type OnnxInputStatistic = 'mean' | 'min' | 'max';

/**
 * How one model output becomes the prediction recorded for each row of a run.
 *
 * Rows: for an output of rank >= 2 the first dimension is the batch, so a run
 * with `dims [N, C]` records N predictions; a rank-1 output is one row.
 */
export interface OnnxPredictionConfig {
  /** Name of the output tensor to read. Runs whose result lacks it record RED only. */
  output: string;
  /** @default 'classification' */
  task?: 'classification' | 'regression';
  /**
   * Classification: what the row holds. With C >= 2 classes the label is the
   * argmax; the confidence is the row's value there ('probabilities') or its
   * softmax ('logits'). With one column the value is P(class 1) ('probabilities')
   * or its logit ('logits', through a sigmoid); the label is 1 when P >= 0.5 and
   * the confidence is max(P, 1 - P).
   * @default 'probabilities'
   */
  scores?: 'probabilities' | 'logits';
  /**
   * Classification: label names by class index. Without it (or past its end)
   * the label is the class index.
   */
  labels?: readonly string[];
  /** Regression: which element of the row is the predicted value. @default 0 */
  index?: number;
}

/**
 * Numeric features taken from one named input tensor, per row (the first
 * dimension is the batch when the input's rank is >= 2; a rank-1 input is one row).
 */
export interface OnnxInputFeatureConfig {
  /** Row statistics recorded as features named `<input>.<statistic>`. @default [] */
  stats?: readonly OnnxInputStatistic[];
  /**
   * Single elements of the (flattened) row recorded as features: feature name
   * -> element index. For a `[N, F]` input the index is the column.
   * @default {}
   */
  elements?: Readonly<Record<string, number>>;
}

/** What to record beyond RED for one model. */
export interface OnnxModelConfig {
  /** The output that carries the prediction. Without it only RED is recorded. */
  prediction?: OnnxPredictionConfig;
  /** Input name -> the features taken from that input. */
  features?: Readonly<Record<string, OnnxInputFeatureConfig>>;
}

/** Options passed through to every {@link ModelMonitor} the instrumentation creates. */
export interface OnnxMonitorOptions {
  /** @see ModelMonitorOptions.modelIdentity */
  modelIdentity?: 'attributes' | 'resource';
  /** @see ModelMonitorOptions.operation */
  operation?: string;
  /** @see ModelMonitorOptions.featureSampling */
  featureSampling?: { targetPerSecond?: number } | { rate: number };
  /**
   * Fraction of predictions that emit an `ml.prediction` event for the
   * ground-truth join (see ModelMonitorOptions.groundTruthSampleRate). Off by
   * default here, unlike the monitor's 0.1: the ids of auto-instrumented
   * predictions are generated, and only an app that reads them through
   * `onRecord` can send their ground truth.
   * @default 0
   */
  groundTruthSampleRate?: number;
}

/** One recorded prediction (one row of a run), as given to `onRecord`. */
export interface OnnxRecordedPrediction {
  /** The prediction's generated id, for `monitorFor(modelName)?.feedback(id, truth)`. */
  readonly predictionId: string;
  /** Whether it is in the ground-truth sample (an `ml.prediction` event was emitted). */
  readonly sampled: boolean;
  /** The model name it was recorded under. */
  readonly modelName: string;
  /** The row of the run's batch (0 for an unbatched run). */
  readonly row: number;
  /** The label, confidence or value recorded, when a prediction output is configured. */
  readonly label?: string | number;
  readonly confidence?: number;
  readonly value?: number;
  /** The `feeds` object passed to `run`, so the app can tell which request it served. */
  readonly feeds: unknown;
}

/**
 * Configuration of {@link OnnxRuntimeInstrumentation}. The top-level
 * `prediction` and `features` apply to every model; `models[name]` replaces
 * them for the model of that name.
 */
export interface OnnxRuntimeInstrumentationConfig extends InstrumentationConfig, OnnxModelConfig {
  /**
   * The model name recorded for a session (`ml.model.name`): a fixed name or a
   * function of the session. A function that throws or returns an empty string
   * falls back to the default.
   * @default the basename of the model path without its `.onnx` extension, or
   * `'onnx-model'` when the session was not created from a path while enabled
   */
  modelName?: string | ((info: OnnxModelInfo) => string);
  /** The model version recorded for a session. @default none */
  modelVersion?: string | ((info: OnnxModelInfo) => string | undefined);
  /** Per-model overrides of `prediction` and `features`, keyed by model name. @default {} */
  models?: Readonly<Record<string, OnnxModelConfig>>;
  /** Options of the monitor created for each model. @default {} */
  monitor?: OnnxMonitorOptions;
  /**
   * Called after each recorded prediction of a successful run, e.g. to hand
   * sampled predictions to a review queue or keep their ids for `feedback`.
   * Exceptions it throws are reported through `diag` and otherwise ignored.
   * @default none
   */
  onRecord?: (prediction: OnnxRecordedPrediction) => void;
}
