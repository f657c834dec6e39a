import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  context,
  trace,
  TraceFlags,
  ValueType,
  type Histogram as ApiHistogram,
  type Meter,
  type MeterProvider as ApiMeterProvider,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import {
  CONFIDENCE_BUCKETS,
  LATENCY_BUCKETS,
  OTHER_CATEGORY,
} from '@modelwatch/semconv';
import { ModelMonitor, predictionIdHash, type ModelMonitorOptions } from '../../src/index.js';
import {
  captureDiag,
  createTestSdk,
  exponentialPoint,
  histogramPoint,
  manualClock,
  pointWith,
  points,
  seededRandom,
  type TestSdk,
} from '../helpers/test-sdk.js';

const MODEL = { 'ml.model.name': 'churn', 'ml.model.version': 'v3' };

let sdk: TestSdk;
afterEach(async () => {
  await sdk?.shutdown();
});

function monitor(extra: Partial<ModelMonitorOptions> = {}, sdkOptions: Parameters<typeof createTestSdk>[0] = {}): ModelMonitor {
  sdk = createTestSdk(sdkOptions);
  return new ModelMonitor({
    model: { name: 'churn', version: 'v3' },
    task: 'classification',
    meterProvider: sdk.meterProvider,
    loggerProvider: sdk.loggerProvider,
    featureSampling: { rate: 1 },
    groundTruthSampleRate: 0,
    ...extra,
  });
}

/** Index of the explicit bucket a value falls in (upper bounds inclusive, as OTel defines). */
function bucketOf(boundaries: readonly number[], v: number): number {
  const i = boundaries.findIndex((b) => v <= b);
  return i === -1 ? boundaries.length : i;
}

describe('ModelMonitor', () => {
  describe('constructor', () => {
    it('accepts the minimal options', () => {
      assert.ok(new ModelMonitor({ model: { name: 'm' }, task: 'regression' }));
    });
    it('throws one error naming every bad option with what it received and expected', () => {
      assert.throws(
        () => new ModelMonitor({
          model: { name: '' },
          task: 'ranking',
          groundTruthSampleRate: 1.5,
          featureSampling: { rate: 2 },
          features: { age: 'number' },
          maxCategories: 0,
          colour: 'red',
        } as unknown as ModelMonitorOptions),
        (err: Error) => {
          assert.ok(err instanceof TypeError);
          for (const part of [
            'model.name: received "", expected a non-empty string',
            'task: received "ranking", expected "classification" or "regression"',
            'groundTruthSampleRate: received 1.5, expected a number in [0, 1]',
            'featureSampling.rate: received 2, expected a number in [0, 1]',
            'features.age: received "number", expected "numeric" or "categorical"',
            'maxCategories: received 0, expected an integer > 0',
            'colour: received "red", expected no such option',
          ]) assert.ok(err.message.includes(part), `missing "${part}" in:\n${err.message}`);
          return true;
        },
      );
    });
    it('rejects both targetPerSecond and rate', () => {
      assert.throws(
        () => new ModelMonitor({ model: { name: 'm' }, task: 'regression', featureSampling: { rate: 1, targetPerSecond: 5 } as never }),
        /featureSampling: .* either targetPerSecond or rate/,
      );
    });
  });

  describe('record', () => {
    it('records duration, label count and confidence as exact data points', async () => {
      const m = monitor();
      m.record({ durationSeconds: 0.003, label: 'churn', confidence: 0.92 });
      m.record({ durationSeconds: 0.2, label: 'churn', confidence: 0.51 });
      m.record({ durationSeconds: 0.0004, label: 'stay', confidence: 0.97 });
      const all = await sdk.collect();
      const byName = new Map(all.map((x) => [x.descriptor.name, x]));

      const duration = byName.get('ml.inference.duration')!;
      assert.equal(duration.descriptor.unit, 's');
      const d = histogramPoint(duration, MODEL);
      assert.deepEqual(d.buckets.boundaries, [...LATENCY_BUCKETS]);
      const expected = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
      for (const v of [0.003, 0.2, 0.0004]) expected[bucketOf(LATENCY_BUCKETS, v)]! += 1;
      assert.deepEqual(d.buckets.counts, expected);
      assert.equal(d.count, 3);
      assert.ok(Math.abs(d.sum! - 0.2034) < 1e-12);

      const predictions = byName.get('ml.predictions')!;
      assert.equal(predictions.descriptor.unit, '{prediction}');
      assert.equal(predictions.descriptor.valueType, ValueType.INT);
      assert.deepEqual(points<number>(predictions), [
        { attributes: { ...MODEL, 'ml.prediction.label': 'churn' }, value: 2 },
        { attributes: { ...MODEL, 'ml.prediction.label': 'stay' }, value: 1 },
      ]);

      const confidence = byName.get('ml.prediction.confidence')!;
      assert.equal(confidence.descriptor.unit, '1');
      const c = histogramPoint(confidence, MODEL);
      assert.deepEqual(c.buckets.boundaries, [...CONFIDENCE_BUCKETS]);
      assert.ok(CONFIDENCE_BUCKETS.length >= 20, 'fine enough for PSI and calibration');
      const expectedC = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
      for (const v of [0.92, 0.51, 0.97]) expectedC[bucketOf(CONFIDENCE_BUCKETS, v)]! += 1;
      assert.deepEqual(c.buckets.counts, expectedC);

      assert.deepEqual(points<number>(byName.get('ml.inference.active_requests')!), [{ attributes: MODEL, value: 0 }]);
    });

    it("puts no model identity on points in 'resource' mode, and the operation only on RED metrics", async () => {
      const m = monitor({ modelIdentity: 'resource', operation: '/predict' });
      m.record({ durationSeconds: 0.01, label: 1, confidence: 0.5 });
      const op = { 'ml.operation.name': '/predict' };
      histogramPoint(await sdk.metric('ml.inference.duration'), op);
      assert.equal(pointWith<number>(await sdk.metric('ml.predictions'), { ...op, 'ml.prediction.label': '1' }), 1);
      histogramPoint(await sdk.metric('ml.prediction.confidence'), {});
    });

    it('counts numeric and string labels with the same text as one label', async () => {
      const m = monitor();
      m.record({ label: 1 });
      m.record({ label: '1' });
      m.record({ label: 1 });
      assert.deepEqual(points<number>(await sdk.metric('ml.predictions')), [
        { attributes: { ...MODEL, 'ml.prediction.label': '1' }, value: 3 },
      ]);
    });

    it('bounds label cardinality with __other__', async () => {
      const m = monitor({ maxLabels: 3 });
      for (let i = 0; i < 10; i++) m.record({ label: `class-${i}` });
      m.record({ label: OTHER_CATEGORY });
      const p = points<number>(await sdk.metric('ml.predictions'));
      assert.equal(p.length, 4);
      assert.equal(pointWith<number>(await sdk.metric('ml.predictions'), { ...MODEL, 'ml.prediction.label': OTHER_CATEGORY }), 8);
      assert.equal(p.reduce((s, x) => s + x.value, 0), 11);
    });

    it('records error.type on the duration and nothing else for a failed prediction', async () => {
      const m = monitor({ groundTruthSampleRate: 1 });
      class ModelTimeout extends Error {}
      const r1 = m.record({ durationSeconds: 0.5, error: new TypeError('bad input') });
      m.record({ durationSeconds: 0.6, error: new ModelTimeout('slow') });
      m.record({ durationSeconds: 0.7, error: 'timeout' });
      m.record({ durationSeconds: 0.8, error: 42 });
      assert.equal(r1.sampled, false);
      const duration = await sdk.metric('ml.inference.duration');
      for (const type of ['TypeError', 'ModelTimeout', 'timeout', '_OTHER']) {
        assert.equal(histogramPoint(duration, { ...MODEL, 'error.type': type }).count, 1, type);
      }
      const all = await sdk.collect();
      assert.equal(all.find((x) => x.descriptor.name === 'ml.predictions')?.dataPoints.length ?? 0, 0);
      assert.equal(sdk.logs().length, 0, 'failed predictions emit no ml.prediction event');
    });

    it('bounds distinct error types at 64, the rest as _OTHER', async () => {
      const m = monitor();
      for (let i = 0; i < 100; i++) m.record({ durationSeconds: 0.1, error: `code-${i}` });
      const duration = await sdk.metric('ml.inference.duration');
      assert.equal(duration.dataPoints.length, 65);
      assert.equal(histogramPoint(duration, { ...MODEL, 'error.type': '_OTHER' }).count, 36);
    });

    it('records regression values with the sign rule for negatives', async () => {
      const m = monitor({ task: 'regression' });
      for (const value of [2.5, 4, -1.5, -8, 0]) m.record({ value });
      const value = await sdk.metric('ml.prediction.value');
      assert.equal(value.descriptor.unit, '{value}');
      const pos = exponentialPoint(value, MODEL);
      assert.deepEqual([pos.count, pos.sum, pos.min, pos.max, pos.zeroCount], [3, 6.5, 0, 4, 1]);
      const neg = exponentialPoint(value, { ...MODEL, 'ml.feature.sign': 'negative' });
      assert.deepEqual([neg.count, neg.sum, neg.min, neg.max], [2, 9.5, 1.5, 8]);
      assert.deepEqual(points<number>(await sdk.metric('ml.predictions')), [{ attributes: MODEL, value: 5 }]);
    });

    it('records numeric features into the exponential histogram, negatives by the sign rule, and counts missing values', async () => {
      const m = monitor({ features: { age: 'numeric', balance: 'numeric' } });
      m.record({ label: 'a', features: { age: 30, balance: -120.5 } });
      m.record({ label: 'a', features: { age: 40, balance: 80 } });
      m.record({ label: 'a', features: { age: null, balance: Number.NaN } });
      m.record({ label: 'a', features: { balance: Number.POSITIVE_INFINITY } });
      m.record({ label: 'a', features: { age: '41' as unknown as number, balance: 1 } });
      const value = await sdk.metric('ml.feature.value');
      assert.equal(value.dataPointType, DataPointType.EXPONENTIAL_HISTOGRAM);
      const age = exponentialPoint(value, { ...MODEL, 'ml.feature.name': 'age' });
      assert.deepEqual([age.count, age.sum, age.min, age.max], [2, 70, 30, 40]);
      const balance = exponentialPoint(value, { ...MODEL, 'ml.feature.name': 'balance' });
      assert.deepEqual([balance.count, balance.sum, balance.min, balance.max], [2, 81, 1, 80]);
      const negative = exponentialPoint(value, { ...MODEL, 'ml.feature.name': 'balance', 'ml.feature.sign': 'negative' });
      assert.deepEqual([negative.count, negative.sum], [1, 120.5]);
      assert.deepEqual(points<number>(await sdk.metric('ml.feature.missing')), [
        { attributes: { ...MODEL, 'ml.feature.name': 'age' }, value: 3 },
        { attributes: { ...MODEL, 'ml.feature.name': 'balance' }, value: 2 },
      ]);
    });

    it('counts categorical values with __other__ past maxCategories', async () => {
      const m = monitor({ features: { country: 'categorical', premium: 'categorical' }, maxCategories: 2 });
      for (const country of ['US', 'US', 'FR', 'DE', 'JP', 'US', null]) m.record({ features: { country, premium: country === 'US' } });
      const obs = await sdk.metric('ml.feature.observations');
      assert.equal(obs.descriptor.unit, '{observation}');
      const at = (name: string, category: string) => pointWith<number>(obs, { ...MODEL, 'ml.feature.name': name, 'ml.feature.category': category });
      assert.equal(at('country', 'US'), 3);
      assert.equal(at('country', 'FR'), 1);
      assert.equal(at('country', OTHER_CATEGORY), 2);
      assert.equal(at('premium', 'true'), 3);
      assert.equal(at('premium', 'false'), 4);
      assert.equal(obs.dataPoints.length, 5);
      assert.equal(pointWith<number>(await sdk.metric('ml.feature.missing'), { ...MODEL, 'ml.feature.name': 'country' }), 1);
    });

    it('reports a feature outside the schema once through diag and ignores it', async () => {
      const captured = captureDiag();
      try {
        const m = monitor({ features: { age: 'numeric' } });
        for (let i = 0; i < 5; i++) m.record({ features: { age: 1, agee: 2 } });
        const warnings = captured.messages.filter((x) => x.text.includes('"agee"'));
        assert.equal(warnings.length, 1);
        assert.match(warnings[0]!.text, /not in the schema/);
        const value = await sdk.metric('ml.feature.value');
        assert.equal(value.dataPoints.length, 1);
      } finally {
        captured.restore();
      }
    });

    it('infers feature kinds from values when no schema is given, up to maxFeatures', async () => {
      const m = monitor({ maxFeatures: 2 });
      m.record({ features: { age: 30, country: 'US', extra: 5 } });
      m.record({ features: { age: 31, country: 'FR', extra: 6 } });
      assert.equal(exponentialPoint(await sdk.metric('ml.feature.value'), { ...MODEL, 'ml.feature.name': 'age' }).count, 2);
      assert.equal((await sdk.metric('ml.feature.value')).dataPoints.length, 1);
      assert.equal((await sdk.metric('ml.feature.observations')).dataPoints.length, 2);
    });

    it('records features only for the sampled fraction of predictions', async () => {
      const m = monitor({ features: { x: 'numeric' }, featureSampling: { rate: 0.25 }, random: seededRandom(42) });
      const n = 20_000;
      for (let i = 0; i < n; i++) m.record({ label: 'a', features: { x: i } });
      const count = exponentialPoint(await sdk.metric('ml.feature.value'), { ...MODEL, 'ml.feature.name': 'x' }).count;
      const sigma = Math.sqrt(n * 0.25 * 0.75);
      assert.ok(Math.abs(count - n / 4) < 4 * sigma, `count=${count}`);
      assert.equal(pointWith<number>(await sdk.metric('ml.predictions'), { ...MODEL, 'ml.prediction.label': 'a' }), n);
    });

    it('adapts feature sampling to traffic with the injected clock', async () => {
      const clock = manualClock();
      const m = monitor({ features: { x: 'numeric' }, featureSampling: { targetPerSecond: 20 }, now: clock.now, random: seededRandom(3) });
      for (let i = 0; i < 30_000; i++) { clock.advance(1); m.record({ features: { x: 1 } }); } // 1000/s for 30 s
      const count = exponentialPoint(await sdk.metric('ml.feature.value'), { ...MODEL, 'ml.feature.name': 'x' }).count;
      assert.ok(Math.abs(count - 600) < 4 * Math.sqrt(600) + 20, `count=${count}`); // +20: the first window samples at rate 1 until its budget is spent
      assert.ok(m.featureSampleRate < 0.03);
    });

    it('reports observable counts as exact deltas under delta temporality', async () => {
      const m = monitor({ features: { c: 'categorical' } }, { temporality: 'delta' });
      for (let i = 0; i < 3; i++) m.record({ label: 'a', features: { c: 'x' } });
      assert.equal(pointWith<number>(await sdk.metric('ml.predictions'), { ...MODEL, 'ml.prediction.label': 'a' }), 3);
      for (let i = 0; i < 2; i++) m.record({ label: 'a', features: { c: 'x' } });
      m.record({ label: 'b' });
      const all = await sdk.collect();
      const predictions = all.find((x) => x.descriptor.name === 'ml.predictions')!;
      assert.equal(pointWith<number>(predictions, { ...MODEL, 'ml.prediction.label': 'a' }), 2);
      assert.equal(pointWith<number>(predictions, { ...MODEL, 'ml.prediction.label': 'b' }), 1);
      const obs = all.find((x) => x.descriptor.name === 'ml.feature.observations')!;
      assert.equal(pointWith<number>(obs, { ...MODEL, 'ml.feature.name': 'c', 'ml.feature.category': 'x' }), 2);
    });

    it('returns the given prediction id, or generates a distinct one', () => {
      const m = monitor();
      assert.equal(m.record({ label: 'a', predictionId: 'req-1' }).predictionId, 'req-1');
      const ids = new Set(Array.from({ length: 100 }, () => m.record({ label: 'a' }).predictionId));
      assert.equal(ids.size, 100);
    });

    it('never throws, even when the SDK does, and reports through diag', () => {
      const captured = captureDiag();
      try {
        const throwing: ApiHistogram = { record() { throw new Error('broken sdk'); } };
        const meter = new Proxy({} as Meter, {
          get: (_t, key) => (key === 'createHistogram' ? () => throwing
            : key === 'addBatchObservableCallback' || key === 'removeBatchObservableCallback' ? () => undefined
            : () => ({})),
        });
        const provider: ApiMeterProvider = { getMeter: () => meter };
        const m = new ModelMonitor({ model: { name: 'm' }, task: 'classification', meterProvider: provider, featureSampling: { rate: 1 } });
        const r = m.record({ durationSeconds: 1, label: 'a', predictionId: 'p' });
        assert.deepEqual(r, { predictionId: 'p', sampled: false });
        assert.deepEqual(m.record(null as never), { predictionId: '', sampled: false });
        assert.ok(captured.messages.some((x) => x.level === 'warn' && x.text.includes('record() needs a prediction object, got null')));
        assert.doesNotThrow(() => m.record({ confidence: 7, durationSeconds: -1, value: Number.NaN, features: 3 as never }));
        assert.ok(captured.messages.some((x) => x.level === 'error' && x.text.includes('internal error in record')));
      } finally {
        captured.restore();
      }
    });

    it('skips invalid confidence and duration values with a diag warning', async () => {
      const captured = captureDiag();
      try {
        const m = monitor();
        m.record({ durationSeconds: -1, confidence: 1.2, label: 'a' });
        m.record({ durationSeconds: Number.NaN, confidence: Number.NaN, label: 'a' });
        const all = await sdk.collect();
        assert.equal(all.find((x) => x.descriptor.name === 'ml.prediction.confidence')?.dataPoints.length ?? 0, 0);
        assert.equal(all.find((x) => x.descriptor.name === 'ml.inference.duration')?.dataPoints.length ?? 0, 0);
        assert.ok(captured.messages.some((x) => x.text.includes('confidence must be a number in [0, 1], got 1.2')));
        assert.ok(captured.messages.some((x) => x.text.includes('durationSeconds must be a finite number >= 0, got -1')));
      } finally {
        captured.restore();
      }
    });
  });

  describe('observe', () => {
    it('times a sync function, keeps its this and result, and records the extracted prediction', async () => {
      const clock = manualClock();
      const m = monitor({ now: clock.now, features: { len: 'numeric' } });
      const model = {
        bias: 0.5,
        predict(this: { bias: number }, text: string) {
          clock.advance(30); // 30 ms of "inference"
          return { label: text.length > 3 ? 'long' : 'short', score: this.bias };
        },
      };
      const predict = m.observe(model.predict, {
        features: (text) => ({ len: text.length }),
        prediction: (r) => ({ label: r.label, confidence: r.score }),
      });
      assert.deepEqual(predict.call(model, 'hello'), { label: 'long', score: 0.5 });
      const d = histogramPoint(await sdk.metric('ml.inference.duration'), MODEL);
      assert.equal(d.count, 1);
      assert.ok(Math.abs(d.sum! - 0.03) < 1e-12);
      assert.equal(d.buckets.counts[bucketOf(LATENCY_BUCKETS, 0.03)], 1);
      assert.equal(pointWith<number>(await sdk.metric('ml.predictions'), { ...MODEL, 'ml.prediction.label': 'long' }), 1);
      assert.equal(exponentialPoint(await sdk.metric('ml.feature.value'), { ...MODEL, 'ml.feature.name': 'len' }).sum, 5);
    });

    it('times an async function and counts it as active while in flight', async () => {
      const clock = manualClock();
      const m = monitor({ now: clock.now });
      let release!: () => void;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      const predict = m.observe(async (x: number) => { await gate; clock.advance(120); return x * 2; }, { prediction: () => ({ label: 'ok' }) });
      const pending = predict(21);
      assert.equal(pointWith<number>(await sdk.metric('ml.inference.active_requests'), MODEL), 1);
      release();
      assert.equal(await pending, 42);
      assert.equal(pointWith<number>(await sdk.metric('ml.inference.active_requests'), MODEL), 0);
      const d = histogramPoint(await sdk.metric('ml.inference.duration'), MODEL);
      assert.ok(Math.abs(d.sum! - 0.12) < 1e-12);
    });

    it('rethrows the same error from a sync function and records error.type', async () => {
      const m = monitor();
      const boom = new RangeError('nope');
      const predict = m.observe(() => { throw boom; });
      assert.throws(() => predict(), (err) => err === boom);
      assert.equal(histogramPoint(await sdk.metric('ml.inference.duration'), { ...MODEL, 'error.type': 'RangeError' }).count, 1);
      assert.equal(pointWith<number>(await sdk.metric('ml.inference.active_requests'), MODEL), 0);
    });

    it('passes a rejection through unchanged and records error.type', async () => {
      const m = monitor();
      const boom = new SyntaxError('bad model');
      const predict = m.observe(async () => { throw boom; });
      await assert.rejects(predict(), (err) => err === boom);
      assert.equal(histogramPoint(await sdk.metric('ml.inference.duration'), { ...MODEL, 'error.type': 'SyntaxError' }).count, 1);
    });

    it('calls the features extractor only for sampled predictions', () => {
      const m = monitor({ featureSampling: { rate: 0 } });
      let calls = 0;
      const predict = m.observe((x: number) => x, { features: () => { calls++; return { x: 1 }; } });
      for (let i = 0; i < 100; i++) predict(i);
      assert.equal(calls, 0);
    });

    it('survives throwing extractors and callbacks without affecting the result', async () => {
      const captured = captureDiag();
      try {
        const m = monitor();
        const predict = m.observe((x: number) => x + 1, {
          features: () => { throw new Error('f'); },
          prediction: () => { throw new Error('p'); },
          onRecord: () => { throw new Error('o'); },
        });
        assert.equal(predict(1), 2);
        assert.equal(histogramPoint(await sdk.metric('ml.inference.duration'), MODEL).count, 1);
        assert.equal(captured.messages.filter((x) => x.level === 'warn').length, 3);
      } finally {
        captured.restore();
      }
    });

    it('hands the recording result to onRecord (for a review queue)', () => {
      const m = monitor({ groundTruthSampleRate: 1 });
      const seen: string[] = [];
      const predict = m.observe((id: string) => id.length, {
        prediction: (_r, id) => ({ label: 'a', predictionId: id }),
        onRecord: (rec) => { if (rec.sampled) seen.push(rec.predictionId); },
      });
      predict('req-9');
      assert.deepEqual(seen, ['req-9']);
    });
  });

  describe('ground-truth events', () => {
    it('emits ml.prediction for sampled predictions with the active trace context', (t) => {
      const contextManager = new AsyncLocalStorageContextManager().enable();
      context.setGlobalContextManager(contextManager);
      t.after(() => { context.disable(); });
      const m = monitor({ groundTruthSampleRate: 1, operation: '/predict' });
      const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
      const r = context.with(trace.setSpanContext(context.active(), spanContext), () =>
        m.record({ label: 'churn', confidence: 0.8, segment: 'mobile', predictionId: 'req-1' }));
      assert.deepEqual(r, { predictionId: 'req-1', sampled: true });
      const [record] = sdk.logs();
      assert.ok(record);
      assert.equal(record.eventName, 'ml.prediction');
      assert.deepEqual({ ...record.attributes }, {
        ...MODEL,
        'ml.operation.name': '/predict',
        'ml.prediction.id': 'req-1',
        'ml.prediction.label': 'churn',
        'ml.prediction.confidence': 0.8,
        'ml.segment': 'mobile',
      });
      assert.equal(record.spanContext?.traceId, spanContext.traceId);
      assert.equal(record.spanContext?.spanId, spanContext.spanId);
    });

    it('samples by a hash of the prediction id, so the decision is reproducible anywhere', () => {
      const rate = 0.25;
      const m = monitor({ groundTruthSampleRate: rate });
      const n = 20_000;
      let sampled = 0;
      for (let i = 0; i < n; i++) {
        const r = m.record({ label: 'a' });
        assert.equal(r.sampled, predictionIdHash(r.predictionId) < rate);
        assert.equal(m.isSampled(r.predictionId), r.sampled);
        if (r.sampled) sampled++;
      }
      assert.ok(Math.abs(sampled - n * rate) < 4 * Math.sqrt(n * rate * (1 - rate)), `sampled=${sampled}`);
      assert.equal(sdk.logs().length, sampled);
    });

    it('changes the rate at run time and rejects a bad one', () => {
      const m = monitor({ groundTruthSampleRate: 0 });
      assert.equal(m.record({ label: 'a' }).sampled, false);
      m.setGroundTruthSampleRate(1);
      assert.equal(m.record({ label: 'a' }).sampled, true);
      assert.throws(() => m.setGroundTruthSampleRate(-0.1), /groundTruthSampleRate: received -0.1, expected a number in \[0, 1\]/);
    });

    it('emits ml.ground_truth from feedback only for sampled ids', () => {
      const m = monitor({ groundTruthSampleRate: 0.5 });
      const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
      const emitted = ids.filter((id) => m.feedback(id, 1));
      assert.deepEqual(emitted, ids.filter((id) => predictionIdHash(id) < 0.5));
      const first = sdk.logs()[0]!;
      assert.equal(first.eventName, 'ml.ground_truth');
      assert.deepEqual({ ...first.attributes }, { ...MODEL, 'ml.prediction.id': emitted[0], 'ml.ground_truth.label': '1' });
    });

    it('sends a regression ground truth as a value and rejects a non-number', () => {
      const captured = captureDiag();
      try {
        const m = monitor({ task: 'regression', groundTruthSampleRate: 1 });
        assert.equal(m.feedback('p1', 41.5), true);
        assert.equal(m.feedback('p2', 'high'), false);
        assert.equal(sdk.logs().length, 1);
        assert.equal(sdk.logs()[0]!.attributes['ml.ground_truth.value'], 41.5);
        assert.ok(captured.messages.some((x) => x.text.includes('needs a finite number')));
      } finally {
        captured.restore();
      }
    });
  });

  describe('startRequest', () => {
    it('counts a request as active until its idempotent end', async () => {
      const m = monitor();
      const end1 = m.startRequest();
      const end2 = m.startRequest();
      assert.equal(pointWith<number>(await sdk.metric('ml.inference.active_requests'), MODEL), 2);
      end1();
      end1();
      assert.equal(pointWith<number>(await sdk.metric('ml.inference.active_requests'), MODEL), 1);
      end2();
      assert.equal(pointWith<number>(await sdk.metric('ml.inference.active_requests'), MODEL), 0);
    });
  });

  describe('close', () => {
    it('stops reporting the monitor and makes recording a no-op', async () => {
      const m = monitor();
      m.record({ label: 'a', durationSeconds: 0.1 });
      m.close();
      m.record({ label: 'a', durationSeconds: 0.1 });
      const all = await sdk.collect();
      assert.equal(all.find((x) => x.descriptor.name === 'ml.predictions')?.dataPoints.length ?? 0, 0);
      assert.equal(histogramPoint(all.find((x) => x.descriptor.name === 'ml.inference.duration')!, MODEL).count, 1);
    });
  });
});
