/**
 * Validation of {@link OnnxRuntimeInstrumentationConfig}. Hand-written: the
 * package depends on the OTel API only, and the shape is small enough that a
 * schema library would cost more than it saves.
 */
import type { OnnxModelConfig, OnnxRuntimeInstrumentationConfig } from './types.js';

const TOP_KEYS = new Set(['enabled', 'modelName', 'modelVersion', 'models', 'monitor', 'prediction', 'features', 'onRecord']);
const MODEL_KEYS = new Set(['prediction', 'features']);
const PREDICTION_KEYS = new Set(['output', 'task', 'scores', 'labels', 'index']);
const FEATURE_KEYS = new Set(['stats', 'elements']);
const MONITOR_KEYS = new Set(['modelIdentity', 'operation', 'featureSampling', 'groundTruthSampleRate']);
const STATISTICS = new Set(['mean', 'min', 'max']);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown): string => {
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

function unknownKeys(obj: Record<string, unknown>, allowed: Set<string>, path: string, problems: string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.has(key)) problems.push(`${path}${key}: unknown option (expected one of ${[...allowed].join(', ')})`);
  }
}

function checkModelConfig(cfg: Record<string, unknown>, path: string, problems: string[]): void {
  const p = cfg['prediction'];
  if (p !== undefined) {
    if (!isRecord(p)) {
      problems.push(`${path}prediction: expected an object, received ${show(p)}`);
    } else {
      unknownKeys(p, PREDICTION_KEYS, `${path}prediction.`, problems);
      if (typeof p['output'] !== 'string' || p['output'] === '') {
        problems.push(`${path}prediction.output: expected a non-empty output name, received ${show(p['output'])}`);
      }
      if (p['task'] !== undefined && p['task'] !== 'classification' && p['task'] !== 'regression') {
        problems.push(`${path}prediction.task: expected 'classification' or 'regression', received ${show(p['task'])}`);
      }
      if (p['scores'] !== undefined && p['scores'] !== 'probabilities' && p['scores'] !== 'logits') {
        problems.push(`${path}prediction.scores: expected 'probabilities' or 'logits', received ${show(p['scores'])}`);
      }
      const labels = p['labels'];
      if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string'))) {
        problems.push(`${path}prediction.labels: expected an array of strings, received ${show(labels)}`);
      }
      const index = p['index'];
      if (index !== undefined && (typeof index !== 'number' || !Number.isInteger(index) || index < 0)) {
        problems.push(`${path}prediction.index: expected a non-negative integer, received ${show(index)}`);
      }
    }
  }
  const f = cfg['features'];
  if (f === undefined) return;
  if (!isRecord(f)) {
    problems.push(`${path}features: expected an object of input name -> feature options, received ${show(f)}`);
    return;
  }
  const names = new Set<string>();
  for (const [input, spec] of Object.entries(f)) {
    const at = `${path}features.${input}`;
    if (!isRecord(spec)) {
      problems.push(`${at}: expected an object, received ${show(spec)}`);
      continue;
    }
    unknownKeys(spec, FEATURE_KEYS, `${at}.`, problems);
    const stats = spec['stats'];
    if (stats !== undefined) {
      if (!Array.isArray(stats) || stats.some((s) => typeof s !== 'string' || !STATISTICS.has(s))) {
        problems.push(`${at}.stats: expected an array of 'mean', 'min', 'max', received ${show(stats)}`);
      } else {
        for (const s of stats as string[]) names.add(`${input}.${s}`);
      }
    }
    const elements = spec['elements'];
    if (elements === undefined) continue;
    if (!isRecord(elements)) {
      problems.push(`${at}.elements: expected an object of feature name -> element index, received ${show(elements)}`);
      continue;
    }
    for (const [name, index] of Object.entries(elements)) {
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
        problems.push(`${at}.elements.${name}: expected a non-negative integer index, received ${show(index)}`);
      }
      // Two inputs naming the same feature would merge unrelated distributions.
      if (names.has(name)) problems.push(`${at}.elements.${name}: feature name already used by another feature`);
      names.add(name);
    }
  }
}

// Monitors are created lazily on a session's first run, where an exception
// could only be logged; checking their options here makes mistakes fail at construction.
function checkMonitor(m: Record<string, unknown>, problems: string[]): void {
  unknownKeys(m, MONITOR_KEYS, 'monitor.', problems);
  const identity = m['modelIdentity'];
  if (identity !== undefined && identity !== 'attributes' && identity !== 'resource') {
    problems.push(`monitor.modelIdentity: expected 'attributes' or 'resource', received ${show(identity)}`);
  }
  if (m['operation'] !== undefined && (typeof m['operation'] !== 'string' || m['operation'] === '')) {
    problems.push(`monitor.operation: expected a non-empty string, received ${show(m['operation'])}`);
  }
  const rate = m['groundTruthSampleRate'];
  if (rate !== undefined && (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))) {
    problems.push(`monitor.groundTruthSampleRate: expected a number in [0, 1], received ${show(rate)}`);
  }
  const fs = m['featureSampling'];
  if (fs === undefined) return;
  const ok = isRecord(fs) && (
    Object.keys(fs).length === 0 ||
    (Object.keys(fs).length === 1 && typeof fs['targetPerSecond'] === 'number' && fs['targetPerSecond'] > 0) ||
    (Object.keys(fs).length === 1 && typeof fs['rate'] === 'number' && fs['rate'] >= 0 && fs['rate'] <= 1)
  );
  if (!ok) {
    problems.push(`monitor.featureSampling: expected { targetPerSecond: number > 0 } or { rate: number in [0, 1] }, received ${show(fs)}`);
  }
}

/**
 * Checks a configuration and returns it unchanged, or throws one error that
 * lists every problem, each naming the option, what was received and what was expected.
 */
export function validateConfig(config: OnnxRuntimeInstrumentationConfig): OnnxRuntimeInstrumentationConfig {
  const problems: string[] = [];
  if (!isRecord(config)) {
    throw new TypeError(`OnnxRuntimeInstrumentation: config: expected an object, received ${show(config)}`);
  }
  unknownKeys(config, TOP_KEYS, '', problems);
  for (const key of ['modelName', 'modelVersion'] as const) {
    const v = config[key];
    if (v !== undefined && typeof v !== 'function' && (typeof v !== 'string' || v === '')) {
      problems.push(`${key}: expected a non-empty string or a function of the session, received ${show(v)}`);
    }
  }
  if (config.onRecord !== undefined && typeof config.onRecord !== 'function') {
    problems.push(`onRecord: expected a function, received ${show(config.onRecord)}`);
  }
  if (config.enabled !== undefined && typeof config.enabled !== 'boolean') {
    problems.push(`enabled: expected a boolean, received ${show(config.enabled)}`);
  }
  checkModelConfig(config as Record<string, unknown>, '', problems);
  const models: unknown = config.models;
  if (models !== undefined) {
    if (!isRecord(models)) {
      problems.push(`models: expected an object of model name -> options, received ${show(models)}`);
    } else {
      for (const [name, m] of Object.entries(models)) {
        if (!isRecord(m)) {
          problems.push(`models.${name}: expected an object, received ${show(m)}`);
          continue;
        }
        unknownKeys(m, MODEL_KEYS, `models.${name}.`, problems);
        checkModelConfig(m, `models.${name}.`, problems);
      }
    }
  }
  const monitor: unknown = config.monitor;
  if (monitor !== undefined) {
    if (!isRecord(monitor)) problems.push(`monitor: expected an object, received ${show(monitor)}`);
    else checkMonitor(monitor, problems);
  }
  if (problems.length > 0) {
    throw new TypeError(`OnnxRuntimeInstrumentation: invalid config:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/** The prediction and feature options that apply to the model named `name`. */
export function modelConfigFor(config: OnnxRuntimeInstrumentationConfig, name: string): OnnxModelConfig {
  const own = config.models !== undefined && Object.hasOwn(config.models, name) ? config.models[name] : undefined;
  return own ?? { prediction: config.prediction, features: config.features };
}
