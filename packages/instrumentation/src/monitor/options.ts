/**
 * Options and records of {@link ModelMonitor}, and their validation.
 * @module
 */
import type { MeterProvider } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';

/** How a feature is recorded: numeric values into a histogram, categorical ones as counts per value. */
export type FeatureKind = 'numeric' | 'categorical';

/** Which predictions have their features recorded. */
export type FeatureSampling =
  | {
      /**
       * Traffic-adaptive: aim for this many feature vectors per second per model,
       * whatever the traffic, so overhead stays flat as traffic grows.
       * @default 20
       */
      targetPerSecond?: number;
    }
  | {
      /** Fixed probability of recording a prediction's features, 0..1 (1 records all). */
      rate: number;
    };

/** Options of a {@link ModelMonitor}. */
export interface ModelMonitorOptions {
  /** The model this monitor reports on. */
  model: { name: string; version?: string };
  /** Classification (labels and confidences) or regression (output values). */
  task: 'classification' | 'regression';
  /**
   * Feature schema. With a schema, feature keys outside it are reported once
   * through `diag` and ignored. Without one, each key's kind is inferred from
   * its first value (numbers numeric, strings and booleans categorical), up to
   * {@link ModelMonitorOptions.maxFeatures} features.
   */
  features?: Record<string, FeatureKind>;
  /** @default the global MeterProvider of `@opentelemetry/api` */
  meterProvider?: MeterProvider;
  /** @default the global LoggerProvider of `@opentelemetry/api-logs` */
  loggerProvider?: LoggerProvider;
  /**
   * Where the model's name and version travel. `'attributes'`: on every data
   * point and event. `'resource'`: the SDK's resource carries them (one model
   * per process, e.g. `startModelwatch({ model })` of `@modelwatch/node`), so
   * points carry fewer attributes, which is much cheaper to record.
   * @default 'attributes'
   */
  modelIdentity?: 'attributes' | 'resource';
  /** `ml.operation.name` (the seed's `endpoint`) on RED metrics and events. */
  operation?: string;
  /** @default { targetPerSecond: 20 } */
  featureSampling?: FeatureSampling;
  /**
   * Fraction of predictions that emit an `ml.prediction` event for the
   * ground-truth join, chosen by a hash of the prediction id.
   * @default 0.1
   */
  groundTruthSampleRate?: number;
  /** Distinct values kept per categorical feature; the rest count as `__other__`. @default 100 */
  maxCategories?: number;
  /** Distinct predicted labels kept; the rest count as `__other__`. @default 1000 */
  maxLabels?: number;
  /** Features tracked when no schema is given; further keys are ignored. @default 256 */
  maxFeatures?: number;
  /** Clock in milliseconds for durations and the adaptive sampler (tests inject one). @default performance.now */
  now?: () => number;
  /** Uniform random numbers in [0, 1) for feature sampling (tests inject a seeded one). @default Math.random */
  random?: () => number;
}

/** One prediction, as given to {@link ModelMonitor.record}. */
export interface PredictionRecord {
  /** Inference duration in seconds; omitted means no duration is recorded. */
  durationSeconds?: number;
  /** When set, the inference failed: `error.type` is recorded and no label or confidence. */
  error?: unknown;
  /** Predicted class (classification). */
  label?: string | number;
  /** Confidence of the predicted class, 0..1. */
  confidence?: number;
  /** Output value (regression). */
  value?: number;
  /** Input features by name; null, undefined and NaN count as missing. */
  features?: Record<string, number | string | boolean | null | undefined>;
  /** Id to join ground truth later; generated when absent. */
  predictionId?: string;
  /** Data segment, carried on the `ml.prediction` event for per-segment accuracy. */
  segment?: string;
}

/** What {@link ModelMonitor.record} tells the caller. */
export interface RecordResult {
  /** The prediction's id (the given one, or a generated one). */
  predictionId: string;
  /** Whether the prediction is in the ground-truth sample (its `ml.prediction` event was emitted). */
  sampled: boolean;
}

const OPTION_KEYS = new Set([
  'model', 'task', 'features', 'meterProvider', 'loggerProvider', 'modelIdentity', 'operation',
  'featureSampling', 'groundTruthSampleRate', 'maxCategories', 'maxLabels', 'maxFeatures', 'now', 'random',
]);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

const isRate = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
const isPositiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

/**
 * Checks every option and throws one error listing all problems, each naming
 * the key, what was received and what was expected.
 */
export function validateOptions(options: unknown): asserts options is ModelMonitorOptions {
  const problems: string[] = [];
  const bad = (key: string, got: unknown, expected: string): void => {
    problems.push(`${key}: received ${describe(got)}, expected ${expected}`);
  };
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`ModelMonitor options: received ${describe(options)}, expected an object`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!OPTION_KEYS.has(key)) bad(key, o[key], 'no such option');

  const model = o['model'] as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) bad('model', model, 'an object { name, version? }');
  else {
    if (typeof model['name'] !== 'string' || model['name'] === '') bad('model.name', model['name'], 'a non-empty string');
    if (model['version'] !== undefined && typeof model['version'] !== 'string') bad('model.version', model['version'], 'a string');
    for (const key of Object.keys(model)) if (key !== 'name' && key !== 'version') bad(`model.${key}`, model[key], 'no such option');
  }
  if (o['task'] !== 'classification' && o['task'] !== 'regression') bad('task', o['task'], '"classification" or "regression"');

  const features = o['features'];
  if (features !== undefined) {
    if (typeof features !== 'object' || features === null || Array.isArray(features)) bad('features', features, 'an object of feature name -> "numeric" | "categorical"');
    else for (const [name, kind] of Object.entries(features)) {
      if (kind !== 'numeric' && kind !== 'categorical') bad(`features.${name}`, kind, '"numeric" or "categorical"');
    }
  }
  for (const key of ['meterProvider', 'loggerProvider'] as const) {
    if (o[key] !== undefined && (typeof o[key] !== 'object' || o[key] === null)) bad(key, o[key], 'a provider object');
  }
  if (o['modelIdentity'] !== undefined && o['modelIdentity'] !== 'attributes' && o['modelIdentity'] !== 'resource') {
    bad('modelIdentity', o['modelIdentity'], '"attributes" or "resource"');
  }
  if (o['operation'] !== undefined && (typeof o['operation'] !== 'string' || o['operation'] === '')) bad('operation', o['operation'], 'a non-empty string');

  const sampling = o['featureSampling'] as Record<string, unknown> | undefined;
  if (sampling !== undefined) {
    if (typeof sampling !== 'object' || sampling === null) bad('featureSampling', sampling, '{ targetPerSecond } or { rate }');
    else {
      const hasRate = 'rate' in sampling;
      const hasTarget = 'targetPerSecond' in sampling;
      if (hasRate && hasTarget) bad('featureSampling', sampling, 'either targetPerSecond or rate, not both');
      if (hasRate && !isRate(sampling['rate'])) bad('featureSampling.rate', sampling['rate'], 'a number in [0, 1]');
      if (hasTarget && !(typeof sampling['targetPerSecond'] === 'number' && sampling['targetPerSecond'] > 0 && Number.isFinite(sampling['targetPerSecond']))) {
        bad('featureSampling.targetPerSecond', sampling['targetPerSecond'], 'a finite number > 0');
      }
      for (const key of Object.keys(sampling)) if (key !== 'rate' && key !== 'targetPerSecond') bad(`featureSampling.${key}`, sampling[key], 'no such option');
    }
  }
  if (o['groundTruthSampleRate'] !== undefined && !isRate(o['groundTruthSampleRate'])) {
    bad('groundTruthSampleRate', o['groundTruthSampleRate'], 'a number in [0, 1]');
  }
  for (const key of ['maxCategories', 'maxLabels', 'maxFeatures'] as const) {
    if (o[key] !== undefined && !isPositiveInt(o[key])) bad(key, o[key], 'an integer > 0');
  }
  for (const key of ['now', 'random'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'function') bad(key, o[key], 'a function');
  }
  if (problems.length > 0) {
    throw new TypeError(`Invalid ModelMonitor options:\n  - ${problems.join('\n  - ')}`);
  }
}
