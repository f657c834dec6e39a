// Hostile but valid telemetry (issue 16): huge attribute values, a
// cardinality attack on model, feature, category and label names, NaN and
// infinities, absurd histogram scales, offsets and bucket arrays, counts that
// disagree with their buckets, timestamps far off. The engine stays bounded,
// counts and explains every rejection, and a healthy model evaluated beside the
// attack gets exactly the results it gets alone.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, engineConfig, BASELINE_FORMAT, parseBaseline, type EngineConfig } from '../../src/engine/index.js';
import type { Metric, MetricsRequest } from '../../src/receiver/otlp/types.js';
import { expHistogram, metric, normals, request, rng } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function config(): EngineConfig {
  return engineConfig({
    models: [{ name: 'good', task: 'classification', window: 10 * MIN, features: { x: 'numeric', c: 'categorical' } }],
    discovery: { enabled: true, maxModels: 20 },
    bounds: { maxSeriesPerModel: 50, maxCategories: 20, maxAttributeLength: 256, maxBuckets: 160 },
  });
}

/** The healthy model's traffic: ten minutes of x ~ N(100, 20) and three categories, one export a minute. */
function healthy(e: Engine): void {
  e.setBaseline('good', parseBaseline({
    format: BASELINE_FORMAT, model: 'good', createdAt: new Date(T0).toISOString(),
    features: { x: { type: 'numeric', histogram: expHistogram(normals(rng(1), 5000, 100, 20)), missing: 0 }, c: { type: 'categorical', counts: { a: 300, b: 200, c: 100 }, missing: 0 } },
  }));
  const r = rng(2);
  for (let i = 0; i < 10; i++) {
    const t = T0 + i * MIN + 30_000;
    const res = e.ingestMetrics(request([
      metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'x' }, values: normals(r, 500, 104, 20), time: t }),
      ...(['a', 'b', 'c'] as const).map((c, k) => metric({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': 'c', 'ml.feature.category': c }, value: 50 + k * 10, time: t })),
      metric({ kind: 'explicit', name: 'ml.inference.duration', bounds: [0.1, 1], counts: [400, 90, 10], time: t }),
    ], { 'ml.model.name': 'good' }), t);
    assert.equal(res.rejectedDataPoints, 0, res.errors.join('; '));
  }
}

const huge = 'x'.repeat(1_000_000);

/** Requests an attacker sends, all valid OTLP, each hostile in its own way. */
function attack(t: number): MetricsRequest[] {
  const reqs: MetricsRequest[] = [];
  // Huge attribute values: model, feature, category and label names.
  reqs.push(request([metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': huge }, value: 1, time: t })], { 'ml.model.name': huge }));
  reqs.push(request([
    metric({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': huge, 'ml.feature.category': 'a' }, value: 1, time: t }),
    metric({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': 'c', 'ml.feature.category': huge }, value: 1, time: t }),
  ], { 'ml.model.name': 'evil' }));
  // Cardinality: 5,000 model names, 5,000 feature names, 5,000 categories and labels.
  for (let i = 0; i < 5000; i++) reqs.push(request([metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': 'a' }, value: 1, time: t })], { 'ml.model.name': `m-${i}` }));
  reqs.push(request(Array.from({ length: 5000 }, (_, i) => metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': `f-${i}` }, values: [1, 2, 3], time: t })), { 'ml.model.name': 'evil' }));
  reqs.push(request(Array.from({ length: 5000 }, (_, i) => metric({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': 'cat', 'ml.feature.category': `v-${i}` }, value: 1, time: t })), { 'ml.model.name': 'evil' }));
  reqs.push(request(Array.from({ length: 5000 }, (_, i) => metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': `l-${i}` }, value: 1, time: t })), { 'ml.model.name': 'evil' }));
  // NaN and infinities in every number.
  for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1]) {
    reqs.push(request([
      metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': 'a' }, value: v, time: t }),
      metric({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': 'cat', 'ml.feature.category': 'a' }, value: v, time: t }),
      metric({ kind: 'explicit', name: 'ml.inference.duration', bounds: [0.1, v], counts: [1, v, 1], time: t }),
      metric({ kind: 'explicit', name: 'ml.prediction.confidence', bounds: [0.5], counts: [v, 1], time: t }),
    ], { 'ml.model.name': 'evil' }));
  }
  // Absurd exponential histograms: scales beyond the OTel range, huge offsets, a million buckets, counts that disagree.
  const exp = (p: Record<string, unknown>): Metric => ({
    name: 'ml.feature.value', description: '', unit: '', metadata: Object.create(null) as never, type: 'exponentialHistogram', temporality: 'delta',
    points: [{ attributes: Object.assign(Object.create(null) as object, { 'ml.feature.name': 'x' }) as never, startTimeUnixNano: BigInt(t - 10_000) * 1_000_000n, timeUnixNano: BigInt(t) * 1_000_000n, flags: 0, count: 3, scale: 0, zeroCount: 0, zeroThreshold: 0, positive: { offset: 0, bucketCounts: [1, 1, 1] }, negative: { offset: 0, bucketCounts: [] }, ...p } as never],
  });
  for (const p of [
    { scale: 100 }, { scale: -100 }, { scale: Number.NaN },
    { positive: { offset: 2 ** 31 - 1, bucketCounts: [1, 1, 1] } }, { positive: { offset: -(2 ** 31), bucketCounts: [1, 1, 1] } },
    { positive: { offset: 0, bucketCounts: new Array<number>(1_000_000).fill(1) }, count: 1_000_000 },
    { positive: { offset: 0, bucketCounts: [1, Number.NaN, 1] } }, { positive: { offset: 0, bucketCounts: [1, -5, 1] } },
    { count: 999 }, { zeroCount: Number.POSITIVE_INFINITY }, { zeroThreshold: -1 },
  ]) {
    reqs.push(request([exp(p)], { 'ml.model.name': 'evil' }));
  }
  // Explicit histograms whose counts disagree with their bounds, or with the total.
  reqs.push(request([{ ...metric({ kind: 'explicit', name: 'ml.inference.duration', bounds: [0.1, 1], counts: [1, 1, 1], time: t }), points: [{ ...(metric({ kind: 'explicit', name: 'ml.inference.duration', bounds: [0.1, 1], counts: [1, 1, 1], time: t }).points[0] as object), count: 999, bucketCounts: [1, 1] } as never] }], { 'ml.model.name': 'evil' }));
  reqs.push(request([metric({ kind: 'explicit', name: 'ml.inference.duration', bounds: [1, 0.1], counts: [1, 1, 1], time: t })], { 'ml.model.name': 'evil' }));
  return reqs;
}

describe('engine under hostile telemetry', () => {
  it('keeps a healthy model\'s results exactly, bounds what the attacker creates, and counts every rejection with a reason', () => {
    const alone = new Engine(config());
    healthy(alone);
    alone.evaluate(T0 + 10 * MIN - 1);

    const attacked = new Engine(config());
    let rejected = 0;
    const reasons = new Set<string>();
    // Attack before, between and after the healthy traffic, with timestamps far in the past and the future too.
    for (const t of [T0 - 365 * 24 * 60 * MIN, T0 + 5 * MIN, T0 + 100 * 365 * 24 * 60 * MIN]) {
      for (const req of attack(t)) {
        const res = attacked.ingestMetrics(req, T0 + 5 * MIN);
        rejected += res.rejectedDataPoints;
        for (const e of res.errors) reasons.add(e.replace(/[0-9]+/g, 'N').slice(0, 80));
      }
    }
    healthy(attacked);
    attacked.evaluate(T0 + 10 * MIN - 1);

    // The healthy model: identical drift, status and exported signals.
    const strip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
    assert.deepEqual(strip(attacked.driftReport('good')), strip(alone.driftReport('good')));
    const status = (e: Engine): unknown => ({ ...strip(e.modelStatus('good')), accepted: undefined });
    assert.deepEqual(status(attacked), status(alone));
    const goodSignals = (e: Engine): unknown => e.outputs().filter((o) => o.attributes['ml.model.name'] === 'good');
    assert.deepEqual(goodSignals(attacked), goodSignals(alone));

    // Bounded: models, features, categories and labels stay within their limits.
    const models = attacked.listModels();
    assert.ok(models.length <= 20 + 1, `${models.length} models (20 discovered at most, plus the configured one)`);
    const evil = attacked.driftReport('evil');
    assert.ok((evil?.features.length ?? 0) <= 50, `${evil?.features.length} features`);
    const snap = JSON.stringify(attacked.snapshot());
    assert.ok(snap.length < 5_000_000, `snapshot of ${snap.length} bytes`);
    assert.ok(!snap.includes(huge.slice(0, 1000)), 'no huge attribute kept');

    // Every rejection is counted and explained.
    assert.ok(rejected > 10_000, `${rejected} points rejected`);
    assert.ok(reasons.size >= 5, [...reasons].join('\n'));
    console.log(`# ${rejected} points rejected, for ${reasons.size} kinds of reason, e.g.:\n# ${[...reasons].slice(0, 8).join('\n# ')}`);
    for (const r of reasons) assert.ok(r.length > 10, `an explained reason: ${r}`);
  });
});
