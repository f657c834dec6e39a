/** What instrumentation.test.ts sends to child/run-model.ts and gets back. */
import type { OnnxRuntimeInstrumentationConfig } from '../../../src/onnxruntime/index.js';

export interface ScenarioSpec {
  /** How the child loads onnxruntime-node. */
  loader: 'require' | 'import';
  /** Load onnxruntime-node before the instrumentation is created (otherwise after). */
  preload: boolean;
  /** JSON-only part of the config. */
  config: OnnxRuntimeInstrumentationConfig;
  /** Replace `modelName` by a function of the session info. */
  modelNameFromPath?: boolean;
  /** One entry per successful run: the rows of its [N, 4] `features` input. */
  runs: number[][][];
  /** Failing runs made after the successful ones. */
  failures?: ('missing-input' | 'bad-dims')[];
}

export interface MetricSnapshot {
  name: string;
  unit: string;
  type: string | undefined;
  points: { attributes: Record<string, unknown>; value: unknown }[];
}

export interface ScenarioOutput {
  wrappedWhileEnabled: boolean;
  restored: boolean;
  /** The `probabilities` output of each successful run, flattened. */
  outputs: number[][];
  errors: { kind: string; caught: boolean; name?: string; message?: string }[];
  /** Metrics after all enabled runs. */
  before: MetricSnapshot[];
  /** Metrics after disable() and one more run. */
  afterDisable: MetricSnapshot[];
}
