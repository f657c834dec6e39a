/**
 * End-to-end tests of OnnxRuntimeInstrumentation against the real
 * onnxruntime-node and the committed fixture model. Each scenario runs in its
 * own process (child/run-model.ts) so one scenario's patched prototype cannot
 * leak into the next; the expected values are computed here from the model's
 * known weights, not taken from the runtime.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ATTR_ERROR_TYPE,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_FEATURE_SIGN,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_PREDICTION_LABEL,
  METRIC_ML_FEATURE_MISSING,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_ACTIVE_REQUESTS,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_CONFIDENCE,
  METRIC_ML_PREDICTION_VALUE,
} from '@modelwatch/semconv';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { OnnxRuntimeInstrumentation, type OnnxRecordedPrediction } from '../../src/onnxruntime/index.js';
import type { MetricSnapshot, ScenarioOutput, ScenarioSpec } from './child/protocol.js';

const exec = promisify(execFile);
const child = fileURLToPath(new URL('./child/run-model.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const weights = JSON.parse(
  readFileSync(new URL('../fixtures/onnx/tiny-classifier.weights.json', import.meta.url), 'utf8'),
) as { W: number[][]; b: number[]; labels: string[] };

// ---- the model, computed independently of onnxruntime ----

const logitsOf = (x: readonly number[]): number[] =>
  weights.b.map((bias, k) => x.reduce((s, xi, i) => s + xi * (weights.W[i]?.[k] ?? Number.NaN), bias));
const softmax = (z: readonly number[]): number[] => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const argmax = (v: readonly number[]): number => v.indexOf(Math.max(...v));

// Rows chosen so every class wins at least once and some statistics are
// negative (the sign rule) or zero (the zero bucket).
const RUNS: number[][][] = [
  [[1, 2, 3, 4], [4, 0, 0, 0], [2, -1, 0.5, 1]],
  [[0, 3, 0, 0]],
  [[-3, -1, -2, 0]],
];
const ROWS = RUNS.flat();

const BASE_CONFIG = {
  prediction: { output: 'probabilities', labels: weights.labels },
  features: {
    features: { stats: ['mean', 'min', 'max'], elements: { sepal_length: 0, petal_width: 3 } },
  },
  monitor: { featureSampling: { rate: 1 } },
} satisfies ScenarioSpec['config'];

const FEATURES: Record<string, (x: number[]) => number> = {
  'features.mean': (x) => x.reduce((a, b) => a + b, 0) / x.length,
  'features.min': (x) => Math.min(...x),
  'features.max': (x) => Math.max(...x),
  sepal_length: (x) => x[0] ?? Number.NaN,
  petal_width: (x) => x[3] ?? Number.NaN,
};

// ---- running a scenario ----

async function runScenario(spec: ScenarioSpec): Promise<ScenarioOutput> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', child, JSON.stringify(spec)], {
    cwd: packageDir,
    timeout: 60_000,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ScenarioOutput;
}

interface Point { attributes: Record<string, unknown>; value: unknown }
const pointsOf = (metrics: MetricSnapshot[], name: string): Point[] =>
  metrics.filter((m) => m.name === name).flatMap((m) => m.points);
interface HistogramValue { count: number; sum: number; min: number; max: number }
interface ExpHistogramValue extends HistogramValue { zeroCount: number }
const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs expected ${expected}`);

/** The checks every scenario with BASE_CONFIG must pass, whatever the loader. */
function assertRecordsEveryRun(out: ScenarioOutput): void {
  assert.equal(out.wrappedWhileEnabled, true, 'run was not wrapped');

  // The fixture computes what its weights say (guards the oracle itself).
  const probs = out.outputs.flat();
  const expected = ROWS.flatMap((x) => softmax(logitsOf(x)));
  assert.equal(probs.length, expected.length);
  probs.forEach((p, i) => close(p, expected[i] ?? Number.NaN, 1e-6, `probability ${i}`));

  // RED: one duration point per outcome; counts are runs, not rows.
  const duration = pointsOf(out.before, METRIC_ML_INFERENCE_DURATION);
  assert.equal(duration.length, 2);
  const ok = duration.find((p) => p.attributes[ATTR_ERROR_TYPE] === undefined);
  const failed = duration.find((p) => p.attributes[ATTR_ERROR_TYPE] === 'Error');
  assert.equal((ok?.value as HistogramValue).count, RUNS.length);
  assert.equal((failed?.value as HistogramValue).count, 2);
  assert.equal(ok?.attributes[ATTR_ML_MODEL_NAME], 'tiny-classifier');

  // Errors reach the caller unchanged.
  assert.deepEqual(out.errors.map((e) => [e.kind, e.caught, e.name]), [
    ['missing-input', true, 'Error'],
    ['bad-dims', true, 'Error'],
  ]);
  assert.equal(out.errors[0]?.message, "input 'features' is missing in 'feeds'.");
  assert.match(out.errors[1]?.message ?? '', /invalid dimensions/);

  // One prediction per row, labelled by the argmax of the known weights.
  const wantLabels = new Map<string, number>();
  for (const x of ROWS) {
    const label = weights.labels[argmax(logitsOf(x))] ?? '?';
    wantLabels.set(label, (wantLabels.get(label) ?? 0) + 1);
  }
  assert.ok(wantLabels.size === 3, 'test rows should cover every class');
  const gotLabels = new Map(pointsOf(out.before, METRIC_ML_PREDICTIONS)
    .map((p) => [String(p.attributes[ATTR_ML_PREDICTION_LABEL]), p.value as number]));
  assert.deepEqual(gotLabels, wantLabels);

  const confidences = ROWS.map((x) => Math.max(...softmax(logitsOf(x))));
  const conf = pointsOf(out.before, METRIC_ML_PREDICTION_CONFIDENCE);
  assert.equal(conf.length, 1);
  const c = conf[0]?.value as HistogramValue;
  assert.equal(c.count, ROWS.length);
  close(c.sum, confidences.reduce((a, b) => a + b, 0), 1e-5, 'confidence sum');
  close(c.min, Math.min(...confidences), 1e-6, 'confidence min');
  close(c.max, Math.max(...confidences), 1e-6, 'confidence max');

  // Features: every row, negative values as magnitudes under ml.feature.sign.
  const featurePoints = pointsOf(out.before, METRIC_ML_FEATURE_VALUE);
  for (const [name, f] of Object.entries(FEATURES)) {
    const values = ROWS.map(f);
    const mine = featurePoints.filter((p) => p.attributes[ATTR_ML_FEATURE_NAME] === name);
    const pos = mine.find((p) => p.attributes[ATTR_ML_FEATURE_SIGN] === undefined)?.value as ExpHistogramValue | undefined;
    const neg = mine.find((p) => p.attributes[ATTR_ML_FEATURE_SIGN] === 'negative')?.value as ExpHistogramValue | undefined;
    const nNeg = values.filter((v) => v < 0).length;
    assert.equal(pos?.count ?? 0, values.length - nNeg, `${name} non-negative count`);
    assert.equal(neg?.count ?? 0, nNeg, `${name} negative count`);
    assert.equal(pos?.zeroCount ?? 0, values.filter((v) => v === 0).length, `${name} zero count`);
    const signedSum = (pos?.sum ?? 0) - (neg?.sum ?? 0);
    close(signedSum, values.reduce((a, b) => a + b, 0), 1e-9, `${name} signed sum`);
    if (pos !== undefined) close(pos.max, Math.max(...values), 1e-9, `${name} max`);
  }
  assert.equal(pointsOf(out.before, METRIC_ML_FEATURE_MISSING).length, 0, 'no feature should be missing');

  const active = pointsOf(out.before, METRIC_ML_INFERENCE_ACTIVE_REQUESTS);
  assert.deepEqual(active.map((p) => p.value), [0]);
}

/** After disable(): methods restored, and a further run records nothing. */
function assertDisableRestores(out: ScenarioOutput): void {
  assert.equal(out.restored, true, 'run/create still wrapped after disable()');
  assert.deepEqual(out.afterDisable, out.before);
}

const baseSpec = (loader: ScenarioSpec['loader'], preload: boolean): ScenarioSpec => ({
  loader, preload, config: BASE_CONFIG, runs: RUNS, failures: ['missing-input', 'bad-dims'],
});

describe('OnnxRuntimeInstrumentation', () => {
  const results = new Map<string, Promise<ScenarioOutput>>();
  const scenario = (key: string, spec: ScenarioSpec): Promise<ScenarioOutput> => {
    let r = results.get(key);
    if (r === undefined) {
      r = runScenario(spec);
      results.set(key, r);
    }
    return r;
  };
  before(() => {
    // Start the main children together rather than one per test.
    void scenario('require', baseSpec('require', false));
    void scenario('import', baseSpec('import', false));
    void scenario('require-preloaded', baseSpec('require', true));
    void scenario('import-preloaded', baseSpec('import', true));
  });
  after(async () => {
    await Promise.allSettled(results.values());
  });

  describe('run (require)', () => {
    it('records RED, labels, confidences and features of a service that requires onnxruntime-node', async () => {
      assertRecordsEveryRun(await scenario('require', baseSpec('require', false)));
    });

    it('patches a runtime that was required before the instrumentation was created', async () => {
      assertRecordsEveryRun(await scenario('require-preloaded', baseSpec('require', true)));
    });
  });

  describe('run (ESM import)', () => {
    it('records RED, labels, confidences and features of a service that imports onnxruntime-node', async () => {
      assertRecordsEveryRun(await scenario('import', baseSpec('import', false)));
    });

    it('patches a runtime that was imported before the instrumentation was created', async () => {
      assertRecordsEveryRun(await scenario('import-preloaded', baseSpec('import', true)));
    });
  });

  describe('run (ESM build of onnxruntime-common, import hook)', () => {
    it('patches and restores the ESM class when the app registers the OTel loader hook', async () => {
      const script = fileURLToPath(new URL('./child/patch-esm-build.ts', import.meta.url));
      const { stdout } = await exec(
        process.execPath,
        ['--experimental-loader=@opentelemetry/instrumentation/hook.mjs', '--import', 'tsx', script],
        { cwd: packageDir, timeout: 60_000 },
      );
      assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop() ?? ''), { wrapped: true, restored: true });
    });
  });

  describe('disable', () => {
    it('restores run and create so later runs record nothing (require)', async () => {
      assertDisableRestores(await scenario('require', baseSpec('require', false)));
    });

    it('restores the very functions the app saw before enabling (preloaded, import)', async () => {
      assertDisableRestores(await scenario('import-preloaded', baseSpec('import', true)));
    });
  });

  describe('config', () => {
    it('names the model with a function of the session, softmaxes logits and counts an absent input as missing', async () => {
      const out = await scenario('logits', {
        loader: 'import',
        preload: false,
        modelNameFromPath: true,
        config: {
          prediction: { output: 'logits', scores: 'logits' },
          features: { absent: { stats: ['mean'] } },
          monitor: { featureSampling: { rate: 1 } },
        },
        runs: RUNS,
      });
      const name = 'from-fn:tiny-classifier.onnx:features';
      const labels = pointsOf(out.before, METRIC_ML_PREDICTIONS);
      assert.ok(labels.every((p) => p.attributes[ATTR_ML_MODEL_NAME] === name), JSON.stringify(labels));
      // Without label names, the label is the class index.
      const want = new Map<string, number>();
      for (const x of ROWS) {
        const k = String(argmax(logitsOf(x)));
        want.set(k, (want.get(k) ?? 0) + 1);
      }
      assert.deepEqual(new Map(labels.map((p) => [String(p.attributes[ATTR_ML_PREDICTION_LABEL]), p.value])), want);
      const conf = pointsOf(out.before, METRIC_ML_PREDICTION_CONFIDENCE)[0]?.value as HistogramValue;
      close(conf.sum, ROWS.reduce((s, x) => s + Math.max(...softmax(logitsOf(x))), 0), 1e-5, 'softmax confidence sum');
      const missing = pointsOf(out.before, METRIC_ML_FEATURE_MISSING);
      assert.deepEqual(missing.map((p) => [p.attributes[ATTR_ML_FEATURE_NAME], p.value]), [['absent.mean', ROWS.length]]);
    });

    it('applies a per-model override: regression on one logit, negative values by the sign rule', async () => {
      const out = await scenario('regression', {
        loader: 'require',
        preload: false,
        config: {
          // The top level would classify; the model's own entry wins.
          prediction: { output: 'probabilities' },
          models: { 'tiny-classifier': { prediction: { output: 'logits', task: 'regression', index: 0 } } },
        },
        runs: RUNS,
      });
      assert.equal(pointsOf(out.before, METRIC_ML_PREDICTION_CONFIDENCE).length, 0);
      const values = ROWS.map((x) => logitsOf(x)[0] ?? Number.NaN);
      const points = pointsOf(out.before, METRIC_ML_PREDICTION_VALUE);
      const pos = points.find((p) => p.attributes[ATTR_ML_FEATURE_SIGN] === undefined)?.value as HistogramValue;
      const neg = points.find((p) => p.attributes[ATTR_ML_FEATURE_SIGN] === 'negative')?.value as HistogramValue;
      assert.equal(pos.count, values.filter((v) => v >= 0).length);
      assert.equal(neg.count, values.filter((v) => v < 0).length);
      close(pos.sum - neg.sum, values.reduce((a, b) => a + b, 0), 1e-5, 'signed value sum');
      // Regression predictions are counted without a label.
      const predictions = pointsOf(out.before, METRIC_ML_PREDICTIONS);
      assert.deepEqual(predictions.map((p) => [p.attributes[ATTR_ML_PREDICTION_LABEL], p.value]), [[undefined, ROWS.length]]);
    });
  });

  describe('constructor', () => {
    it('throws naming the bad option, before patching anything', () => {
      assert.throws(
        () => new OnnxRuntimeInstrumentation({ prediction: { output: 'p', scores: 'odds' as 'logits' }, enabled: false }),
        /prediction\.scores: expected 'probabilities' or 'logits', received "odds"/,
      );
    });
  });
});

// ---- in-process tests with a stand-in session class: the never-throw paths ----

/** A pull reader: the test decides when to collect. */
class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

class ModelError extends Error {}

/** Shaped like onnxruntime-common's InferenceSession, behaviour chosen per feed. */
class StandInSession {
  readonly inputNames = ['x'];
  readonly outputNames = ['y'];
  static async create(_path: string): Promise<StandInSession> {
    return new StandInSession();
  }
  async run(feeds: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (feeds['fail'] !== undefined) throw feeds['fail'];
    return { y: { type: 'float32', dims: [1, 2], data: Float32Array.from([0.25, 0.75]) } };
  }
}

async function standIn(config: ConstructorParameters<typeof OnnxRuntimeInstrumentation>[0], meterProvider?: MeterProvider) {
  const reader = new TestReader();
  const provider = meterProvider ?? new MeterProvider({ readers: [reader] });
  const instrumentation = new OnnxRuntimeInstrumentation({ ...config, enabled: false });
  instrumentation.setMeterProvider(provider);
  const originalRun = StandInSession.prototype.run;
  // What the require hook does when onnxruntime-common loads.
  for (const d of instrumentation.getModuleDefinitions()) d.patch?.({ InferenceSession: StandInSession });
  const session = await StandInSession.create('/models/fraud-v2.onnx');
  const collect = async (): Promise<MetricSnapshot[]> => {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => ({
      name: m.descriptor.name,
      unit: m.descriptor.unit,
      type: String(m.dataPointType),
      points: m.dataPoints.map((dp) => ({ attributes: dp.attributes, value: dp.value as unknown })),
    })));
  };
  const restore = (): void => {
    instrumentation.disable();
    assert.equal(StandInSession.prototype.run, originalRun, 'disable() did not restore run');
  };
  return { instrumentation, session, collect, restore };
}

describe('OnnxRuntimeInstrumentation (stand-in session)', () => {
  describe('run', () => {
    it('names the model after the file it was created from and returns the result unchanged', async () => {
      const { session, collect, restore } = await standIn({ prediction: { output: 'y', labels: ['legit', 'fraud'] } });
      try {
        const result = await session.run({ x: 1 });
        assert.deepEqual(Array.from((result['y'] as { data: Float32Array }).data), [0.25, 0.75]);
        const labels = pointsOf(await collect(), METRIC_ML_PREDICTIONS);
        assert.deepEqual(labels.map((p) => [p.attributes[ATTR_ML_MODEL_NAME], p.attributes[ATTR_ML_PREDICTION_LABEL], p.value]), [
          ['fraud-v2', 'fraud', 1],
        ]);
      } finally {
        restore();
      }
    });

    it('rethrows the very error object and records its class as error.type', async () => {
      const { session, collect, restore } = await standIn({});
      try {
        const boom = new ModelError('bad tensor');
        await assert.rejects(session.run({ fail: boom }), (err) => err === boom);
        // A rejection with a non-Error value is still an error.
        await assert.rejects(session.run({ fail: 'timeout' }), (err) => err === 'timeout');
        const duration = pointsOf(await collect(), METRIC_ML_INFERENCE_DURATION);
        assert.deepEqual(
          duration.map((p) => [p.attributes[ATTR_ERROR_TYPE], (p.value as HistogramValue).count]).sort(),
          [['ModelError', 1], ['timeout', 1]],
        );
      } finally {
        restore();
      }
    });

    it('records RED only when the configured output is absent', async () => {
      const { session, collect, restore } = await standIn({ prediction: { output: 'nope' } });
      try {
        await session.run({ x: 1 });
        const metrics = await collect();
        assert.equal((pointsOf(metrics, METRIC_ML_INFERENCE_DURATION)[0]?.value as HistogramValue).count, 1);
        assert.deepEqual(pointsOf(metrics, METRIC_ML_PREDICTIONS).map((p) => [p.attributes[ATTR_ML_PREDICTION_LABEL], p.value]), [[undefined, 1]]);
      } finally {
        restore();
      }
    });

    it('falls back to the default name when modelName() throws, without disturbing the run', async () => {
      const { session, collect, restore } = await standIn({ modelName: () => { throw new Error('no name'); } });
      try {
        await session.run({ x: 1 });
        const duration = pointsOf(await collect(), METRIC_ML_INFERENCE_DURATION);
        assert.equal(duration[0]?.attributes[ATTR_ML_MODEL_NAME], 'fraud-v2');
      } finally {
        restore();
      }
    });

    it('passes runs through untouched when the meter itself throws', async () => {
      // A meter whose every instrument factory throws.
      const meter = new Proxy({}, { get: () => () => { throw new Error('meter down'); } });
      const broken = { getMeter: () => meter } as unknown as MeterProvider;
      const { session, restore } = await standIn({ prediction: { output: 'y' } }, broken);
      try {
        const result = await session.run({ x: 1 });
        assert.ok(result['y']);
        const boom = new ModelError('still mine');
        await assert.rejects(session.run({ fail: boom }), (err) => err === boom);
      } finally {
        restore();
      }
    });
  });

  describe('onRecord', () => {
    it('hands each prediction\'s id to the app, which can send its ground truth', async () => {
      const seen: OnnxRecordedPrediction[] = [];
      const { instrumentation, session, restore } = await standIn({
        prediction: { output: 'y', labels: ['legit', 'fraud'] },
        monitor: { groundTruthSampleRate: 1 },
        onRecord: (p) => seen.push(p),
      });
      try {
        const feeds = { x: 1 };
        await session.run(feeds);
        assert.equal(seen.length, 1);
        const p = seen[0];
        assert.ok(p !== undefined && p.predictionId !== '');
        assert.equal(p.feeds, feeds);
        assert.deepEqual({ ...p, predictionId: '', feeds: null }, {
          predictionId: '', feeds: null, sampled: true, modelName: 'fraud-v2', row: 0, label: 'fraud', confidence: 0.75,
        });
        assert.equal(instrumentation.monitorFor('fraud-v2')?.feedback(p.predictionId, 'legit'), true);
      } finally {
        restore();
      }
    });

    it('samples no prediction for ground truth by default, and survives a throwing callback', async () => {
      const seen: boolean[] = [];
      const { session, restore } = await standIn({
        onRecord: (p) => {
          seen.push(p.sampled);
          throw new Error('callback bug');
        },
      });
      try {
        for (let i = 0; i < 20; i++) await session.run({ x: i });
        assert.deepEqual(seen, Array.from({ length: 20 }, () => false));
      } finally {
        restore();
      }
    });
  });

  describe('monitorFor', () => {
    it('gives the monitor of a model that has run, for sending ground truth', async () => {
      const { instrumentation, session, restore } = await standIn({});
      try {
        assert.equal(instrumentation.monitorFor('fraud-v2'), undefined);
        await session.run({ x: 1 });
        assert.ok(instrumentation.monitorFor('fraud-v2'));
      } finally {
        restore();
      }
    });
  });
});
