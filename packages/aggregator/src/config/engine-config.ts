/**
 * The engine's configuration from the validated YAML: durations and sections
 * mapped to the engine's shapes, and each model's baseline file read and
 * checked against the model's feature types (a contradiction is a
 * configuration error at start, not a silent `insufficient_data` later).
 */
import { readFileSync } from 'node:fs';
import { baselineTypeConflicts, describeBaselineConflicts, parseBaseline, type Baseline } from '../engine/baseline.js';
import { engineConfig } from '../engine/config.js';
import type { EngineConfig } from '../engine/types.js';
import { ConfigError } from './load.js';
import type { AggregatorConfig } from './schema.js';

/**
 * Reads a model's baseline file and checks it against the model's configured
 * feature types. Returns the baseline, or pushes one problem per thing wrong
 * (unreadable, invalid, a feature typed the other way) and returns undefined.
 */
function readBaselineFile(path: string, model: string, features: Readonly<Record<string, 'numeric' | 'categorical'>>, problems: string[]): Baseline | undefined {
  const where = `models.${model}.baseline`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`${where}: cannot read ${path}: ${(err as Error).message}`);
    return undefined;
  }
  let baseline: Baseline;
  try {
    baseline = parseBaseline(JSON.parse(text));
  } catch (err) {
    problems.push(`${where}: invalid baseline ${path}: ${(err as Error).message}`);
    return undefined;
  }
  const conflicts = describeBaselineConflicts(model, path, baselineTypeConflicts(baseline, features));
  for (const c of conflicts) problems.push(`${where}: ${c}`);
  return conflicts.length > 0 ? undefined : baseline;
}

type GroundTruthSection = NonNullable<AggregatorConfig['defaults']['groundTruth']>;

/** The YAML's `groundTruth` section as the quality tracker's options (undefined keys left out). */
function groundTruthOptions(section: GroundTruthSection | undefined): NonNullable<EngineConfig['defaults']['groundTruth']> {
  if (section === undefined) return {};
  const { changeDetection, ...rest } = section;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  if (changeDetection !== undefined) out.adwin = { delta: changeDetection.delta };
  return out as NonNullable<EngineConfig['defaults']['groundTruth']>;
}

/**
 * The engine's part of the validated configuration, with baseline files read.
 * @throws {@link ConfigError} listing every baseline file that cannot be read,
 *   is invalid, or types a feature differently from the config.
 */
export function toEngineConfig(config: AggregatorConfig, source = 'modelwatch.yaml'): EngineConfig {
  const problems: string[] = [];
  const baselines = new Map<string, Baseline>();
  for (const m of config.models) {
    if (m.baseline === undefined) continue;
    const b = readBaselineFile(m.baseline, m.name, m.features, problems);
    if (b) baselines.set(m.name, b);
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return engineConfig({
    models: config.models.map((m) => ({
      name: m.name,
      ...(m.version !== undefined ? { version: m.version } : {}),
      task: m.task,
      ...(m.window !== undefined ? { window: m.window } : {}),
      ...(m.slot !== undefined ? { slot: m.slot } : {}),
      ...(m.fineSlot !== undefined ? { fineSlot: m.fineSlot } : {}),
      ...(baselines.has(m.name) ? { baseline: baselines.get(m.name) } : {}),
      features: m.features,
      ...(m.thresholds !== undefined ? { thresholds: m.thresholds as EngineConfig['defaults']['thresholds'] } : {}),
      ...(m.alpha !== undefined ? { alpha: m.alpha } : {}),
      ...(m.minSamples !== undefined ? { minSamples: m.minSamples } : {}),
      ...(m.driftWindows !== undefined ? { driftWindows: m.driftWindows } : {}),
      slos: m.slos,
      ...(m.groundTruth !== undefined ? { groundTruth: groundTruthOptions(m.groundTruth) } : {}),
    })),
    discovery: { enabled: config.discovery.enabled, maxModels: config.limits.maxModels },
    defaults: { ...config.defaults, evaluationInterval: config.evaluation.interval, groundTruth: groundTruthOptions(config.defaults.groundTruth) },
    bounds: {
      maxSeriesPerModel: config.limits.maxSeriesPerModel,
      maxAttributeLength: config.limits.maxAttributeLength,
      maxCategories: config.limits.maxCategories,
    },
  });
}
