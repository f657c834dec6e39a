import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Engine,
  engineConfig,
  BASELINE_FORMAT,
  ENGINE_SNAPSHOT_FORMAT,
  ENGINE_SNAPSHOT_FORMAT_V1,
  ENGINE_SNAPSHOT_FORMAT_V2,
  parseBaseline,
  type Baseline,
  type DriftReport,
  type EngineConfig,
  type EngineSnapshot,
  type ModelStatus,
  type SnapshotSection,
} from '../../src/engine/index.js';
import type { WindowVerdict } from '../../src/engine/types.js';
import { base64ToBytes } from '../../src/engine/window/base64.js';
import { exactKs, expHistogram, explicitCounts, metric, normals, request, rng, type MetricSpec } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MIN = 60_000;
const MODEL = { 'ml.model.name': 'm' };

function config(over: Partial<Parameters<typeof engineConfig>[0]> = {}): EngineConfig {
  return engineConfig({
    models: [{ name: 'm', task: 'classification', window: 10 * MIN, slot: MIN, features: { f1: 'numeric', f2: 'numeric', c1: 'categorical' } }],
    ...over,
  });
}

const CATS = ['a', 'b', 'c'];
const CAT_P = [0.5, 0.3, 0.2];

function pickCat(r: () => number, cats: string[], probs: number[]): string {
  let u = r();
  for (let i = 0; i < cats.length; i++) {
    u -= probs[i] as number;
    if (u <= 0) return cats[i] as string;
  }
  return cats[cats.length - 1] as string;
}

/** Sends one slot of data at time t: f1, f2 ~ N(100, 20) (f1 shifted by shift sd), c1 categories. */
function sendSlot(e: Engine, r: () => number, t: number, n: number, opts: { shift?: number; cats?: string[]; probs?: number[] } = {}): { f1: number[]; f2: number[] } {
  const f1 = normals(r, n, 100 + (opts.shift ?? 0) * 20, 20);
  const f2 = normals(r, n, 100, 20);
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const c = pickCat(r, opts.cats ?? CATS, opts.probs ?? CAT_P);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const specs: MetricSpec[] = [
    { kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1' }, values: f1, time: t },
    { kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f2' }, values: f2, time: t },
    ...[...counts].map(([c, v]): MetricSpec => ({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': 'c1', 'ml.feature.category': c }, value: v, time: t })),
  ];
  const res = e.ingestMetrics(request(specs.map(metric), MODEL), t);
  assert.equal(res.rejectedDataPoints, 0, res.errors.join('; '));
  return { f1, f2 };
}

/** Baseline of the same distributions, from raw samples. */
function makeBaseline(r: () => number, n: number): { baseline: Baseline; f1: number[] } {
  const f1 = normals(r, n, 100, 20);
  const f2 = normals(r, n, 100, 20);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const c = pickCat(r, CATS, CAT_P);
    counts[c] = (counts[c] ?? 0) + 1;
  }
  const baseline = parseBaseline({
    format: BASELINE_FORMAT,
    model: 'm',
    createdAt: new Date(T0).toISOString(),
    features: {
      f1: { type: 'numeric', histogram: expHistogram(f1), missing: 0 },
      f2: { type: 'numeric', histogram: expHistogram(f2), missing: 0 },
      c1: { type: 'categorical', counts, missing: 0 },
    },
  });
  return { baseline, f1 };
}

function severities(e: Engine): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of e.driftReport('m')?.features ?? []) out[f.name] = f.severity;
  return out;
}

describe('Engine', () => {
  describe('evaluate', () => {
    it('keeps a stationary stream at severity none', () => {
      const r = rng(11);
      const e = new Engine(config());
      e.setBaseline('m', makeBaseline(r, 5000).baseline);
      for (let s = 0; s < 10; s++) sendSlot(e, r, T0 + s * MIN + 30_000, 300);
      e.evaluate(T0 + 10 * MIN - 1);
      assert.deepEqual(severities(e), { c1: 'none', f1: 'none', f2: 'none' });
    });

    it('flags a +0.5 sd mean shift and a new dominant category on exactly those features', () => {
      const r = rng(12);
      const e = new Engine(config());
      e.setBaseline('m', makeBaseline(r, 5000).baseline);
      for (let s = 0; s < 10; s++) sendSlot(e, r, T0 + s * MIN + 30_000, 300, { shift: 0.5, cats: ['a', 'b', 'c', 'new'], probs: [0.2, 0.1, 0.1, 0.6] });
      e.evaluate(T0 + 10 * MIN - 1);
      const sev = severities(e);
      // D of a 0.5 sd shift is 2*Phi(0.25) - 1 = 0.197: warning (0.15..0.25).
      assert.equal(sev.f1, 'warning');
      assert.equal(sev.f2, 'none');
      assert.equal(sev.c1, 'critical');
      const f1 = e.driftReport('m')?.features.find((f) => f.name === 'f1');
      assert.ok(f1?.ks && f1.ks.statistic <= 0.197 + 0.03 && f1.ks.bound >= 0.197 - 0.03);
    });

    it('reports insufficient_data below minSamples and the counts beside it', () => {
      const r = rng(13);
      const e = new Engine(config());
      e.setBaseline('m', makeBaseline(r, 5000).baseline);
      sendSlot(e, r, T0 + 30_000, 40, { shift: 2 });
      e.evaluate(T0 + MIN);
      const f1 = e.driftReport('m')?.features.find((f) => f.name === 'f1');
      assert.equal(f1?.severity, 'insufficient_data');
      assert.equal(f1?.currentCount, 40);
      assert.equal(f1?.referenceCount, 5000);
    });

    it('grades a feature the ready baseline lacks as error with a reason, and insufficient_data while learning', () => {
      const r = rng(15);
      const e = new Engine(config());
      sendSlot(e, r, T0 + 30_000, 200);
      e.evaluate(T0 + MIN);
      assert.deepEqual(e.driftReport('m')?.features.map((f) => f.severity), ['insufficient_data', 'insufficient_data', 'insufficient_data'], 'learning is not an error');
      const { baseline } = makeBaseline(r, 5000);
      delete baseline.features['c1'];
      e.setBaseline('m', baseline);
      e.evaluate(T0 + MIN + 1);
      const report = e.driftReport('m');
      const c1 = report?.features.find((f) => f.name === 'c1');
      assert.equal(c1?.severity, 'error');
      assert.match(c1?.reason ?? '', /no baseline for this feature/);
      assert.equal(report?.severity, 'error', 'the model verdict shows the error');
      assert.deepEqual(e.modelStatus('m')?.drift.errors.map((x) => x.feature), ['c1']);
      const gauge = e.outputs().find((o) => o.name === 'ml.drift.severity' && o.attributes['ml.feature.name'] === 'c1');
      assert.equal(gauge?.value, -2);
    });

    it('refuses a baseline that types a configured feature the other way, naming it and both types', () => {
      const e = new Engine(config());
      const { baseline } = makeBaseline(rng(16), 200);
      baseline.features['f1'] = { type: 'categorical', counts: { x: 3 }, missing: 0 };
      assert.throws(() => e.setBaseline('m', baseline), { name: 'BaselineConflictError', message: /feature "f1" is categorical in the baseline .* but numeric in the config/ });
      assert.equal(e.baseline('m'), undefined, 'nothing installed');
      assert.throws(() => new Engine(engineConfig({ models: [{ ...config().models[0]!, baseline }] })), /feature "f1" is categorical in the baseline/);
    });

    it('brackets the exact KS of the raw samples: statistic <= D <= bound', () => {
      const r = rng(14);
      const e = new Engine(config());
      const { baseline, f1: ref } = makeBaseline(r, 3000);
      e.setBaseline('m', baseline);
      const cur: number[] = [];
      for (let s = 0; s < 10; s++) cur.push(...sendSlot(e, r, T0 + s * MIN + 30_000, 200, { shift: 0.2 }).f1);
      e.evaluate(T0 + 10 * MIN - 1);
      const ks = e.driftReport('m')?.features.find((f) => f.name === 'f1')?.ks;
      const d = exactKs(ref, cur);
      assert.ok(ks, 'ks present');
      assert.ok(ks.statistic <= d + 1e-12, `${ks.statistic} <= ${d}`);
      assert.ok(d <= ks.bound + 1e-12, `${d} <= ${ks.bound}`);
    });

    it('expires slots that leave the window', () => {
      const r = rng(15);
      const e = new Engine(config());
      for (let s = 0; s < 3; s++) sendSlot(e, r, T0 + s * MIN + 30_000, 100);
      e.evaluate(T0 + 3 * MIN);
      assert.equal(e.driftReport('m')?.features.find((f) => f.name === 'f1')?.currentCount, 300);
      // The window is the last 10 slots, the current one included: at 10 min slot 0 has left it.
      e.evaluate(T0 + 10 * MIN + 1);
      assert.equal(e.driftReport('m')?.features.find((f) => f.name === 'f1')?.currentCount, 200);
      e.evaluate(T0 + 11 * MIN + 1);
      assert.equal(e.driftReport('m')?.features.find((f) => f.name === 'f1')?.currentCount, 100);
      e.evaluate(T0 + 20 * MIN);
      assert.equal(e.driftReport('m')?.features.find((f) => f.name === 'f1')?.currentCount, 0);
    });

    it('learns the baseline from the first full window, then keeps it frozen', () => {
      const r = rng(16);
      const e = new Engine(config());
      for (let s = 0; s < 11; s++) sendSlot(e, r, T0 + s * MIN + 30_000, 100);
      e.evaluate(T0 + 9 * MIN + 59_000);
      assert.equal(e.driftReport('m')?.baseline.state, 'learning');
      e.evaluate(T0 + 10 * MIN + 30_000);
      const rep = e.driftReport('m');
      assert.equal(rep?.baseline.state, 'ready');
      assert.equal(rep?.baseline.source, 'learned');
      const learned = e.baseline('m');
      assert.equal(learned?.features.f1?.type, 'numeric');
      assert.doesNotThrow(() => parseBaseline(JSON.parse(JSON.stringify(learned))));
      const refCount = rep?.features.find((f) => f.name === 'f1')?.referenceCount;
      assert.equal(refCount, 1000);
      // Shifted data afterwards is compared with the frozen baseline.
      for (let s = 11; s < 21; s++) sendSlot(e, r, T0 + s * MIN + 30_000, 100, { shift: 1.5 });
      e.evaluate(T0 + 20 * MIN + 59_000);
      assert.equal(e.driftReport('m')?.features.find((f) => f.name === 'f1')?.referenceCount, 1000);
      assert.equal(severities(e).f1, 'critical');
      e.resetBaseline('m');
      e.evaluate(T0 + 20 * MIN + 59_500);
      assert.equal(e.driftReport('m')?.baseline.state, 'learning');
    });

    it('uses an explicit-bucket feature at reduced precision', () => {
      const r = rng(17);
      const e = new Engine(config());
      const bounds = [0, 25, 50, 75, 100, 125, 150, 175, 200];
      const send = (t: number, shift: number): void => {
        const vs = normals(r, 300, 100 + shift * 20, 20);
        e.ingestMetrics(request([metric({ kind: 'explicit', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1' }, bounds, counts: explicitCounts(vs, bounds), time: t })], MODEL), t);
      };
      for (let s = 0; s < 11; s++) send(T0 + s * MIN + 30_000, 0);
      e.evaluate(T0 + 10 * MIN + 30_000);
      for (let s = 11; s < 21; s++) send(T0 + s * MIN + 30_000, 1);
      e.evaluate(T0 + 20 * MIN + 59_000);
      const f1 = e.driftReport('m')?.features.find((f) => f.name === 'f1');
      assert.equal(f1?.precision, 'reduced');
      assert.ok(f1?.ks && f1.ks.statistic > 0.25 && f1.ks.bound >= f1.ks.statistic);
      assert.equal(f1?.severity, 'critical');
    });

    it('compares an explicit-bucket feature with an exponential baseline file, with bounds around the raw KS', () => {
      const r = rng(20);
      const e = new Engine(config());
      const { baseline, f1: ref } = makeBaseline(r, 4000);
      e.setBaseline('m', baseline);
      const bounds = [0, 25, 50, 75, 100, 125, 150, 175, 200];
      const cur = normals(r, 1500, 110, 20);
      const t = T0 + 30_000;
      e.ingestMetrics(request([metric({ kind: 'explicit', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1' }, bounds, counts: explicitCounts(cur, bounds), time: t })], MODEL), t);
      e.evaluate(t + 1);
      const f1 = e.driftReport('m')?.features.find((f) => f.name === 'f1');
      assert.equal(f1?.precision, 'reduced');
      const d = exactKs(ref, cur);
      assert.ok(f1?.ks && f1.ks.statistic <= d && d <= f1.ks.bound, `${f1?.ks?.statistic} <= ${d} <= ${f1?.ks?.bound}`);
      // +0.5 sd: D = 0.197, a warning, visible through the bucket at 100.
      assert.equal(f1?.severity, 'warning');
    });

    it('folds sign=negative streams back onto the negative axis', () => {
      const r = rng(18);
      const e = new Engine(config());
      const ref = normals(r, 4000, 0, 10);
      e.setBaseline('m', {
        format: BASELINE_FORMAT,
        model: 'm',
        createdAt: new Date(T0).toISOString(),
        features: { f1: { type: 'numeric', histogram: expHistogram(ref), missing: 0 } },
      });
      const cur = normals(r, 2000, 0, 10);
      const t = T0 + 30_000;
      const pos = cur.filter((v) => v >= 0);
      const negMag = cur.filter((v) => v < 0).map((v) => -v);
      e.ingestMetrics(
        request(
          [
            metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1' }, values: pos, time: t }),
            metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1', 'ml.feature.sign': 'negative' }, values: negMag, time: t }),
          ],
          MODEL,
        ),
        t,
      );
      e.evaluate(t + 1);
      const f1 = e.driftReport('m')?.features.find((f) => f.name === 'f1');
      const d = exactKs(ref, cur);
      assert.equal(f1?.severity, 'none');
      assert.ok(f1?.ks && f1.ks.statistic <= d + 1e-12 && d <= f1.ks.bound + 1e-12, `${f1?.ks?.statistic} <= ${d} <= ${f1?.ks?.bound}`);
      const dist = e.featureDistributions('m', 'f1');
      assert.ok(dist?.type === 'numeric');
      const negCurrent = dist.bins.reduce((s, b, i) => s + (b.upper <= 0 ? (dist.current[i] as number) : 0), 0);
      assert.equal(negCurrent, negMag.length);
    });
  });

  describe('ingestMetrics', () => {
    it('takes the model identity from the data point, then the scope, then the resource', () => {
      const e = new Engine(engineConfig({ discovery: { enabled: true, maxModels: 10 } }));
      const spec = (attrs: Record<string, unknown>): MetricSpec => ({ kind: 'sum', name: 'ml.feature.missing', attrs: { 'ml.feature.name': 'x', ...attrs }, value: 1, time: T0 });
      e.ingestMetrics(request([metric(spec({ 'ml.model.name': 'point' }))], { 'ml.model.name': 'res' }, { 'ml.model.name': 'scope' }), T0);
      e.ingestMetrics(request([metric(spec({}))], { 'ml.model.name': 'res' }, { 'ml.model.name': 'scope', 'ml.model.version': 'v2' }), T0);
      e.ingestMetrics(request([metric(spec({}))], { 'ml.model.name': 'res' }), T0);
      const models = e.listModels().map((m) => `${m.name}@${m.version}`).sort();
      assert.deepEqual(models, ['point@null', 'res@null', 'scope@v2']);
      const res = e.ingestMetrics(request([metric(spec({}))]), T0);
      assert.equal(res.rejectedDataPoints, 1);
      assert.match(res.errors[0] ?? '', /no ml\.model\.name/);
    });

    it('follows a version change between points of one request (the per-call model memo)', () => {
      const e = new Engine(engineConfig({ discovery: { enabled: true, maxModels: 10 } }));
      const point = (version: string, feature: string): MetricSpec => ({
        kind: 'sum',
        name: 'ml.feature.missing',
        attrs: { 'ml.model.name': 'm', 'ml.model.version': version, 'ml.feature.name': feature },
        value: 1,
        time: T0,
      });
      const res = e.ingestMetrics(request([metric(point('1', 'a')), metric(point('1', 'b')), metric(point('2', 'c'))]), T0);
      assert.equal(res.acceptedDataPoints, 3);
      assert.deepEqual(e.listModels().map((m) => `${m.name}@${m.version}`), ['m@2']);
      assert.equal(e.modelStatus('m')?.accepted.dataPoints, 3);
    });

    it('bounds discovery and refuses past it with a reason', () => {
      const e = new Engine(engineConfig({ discovery: { enabled: true, maxModels: 2 } }));
      const send = (name: string) =>
        e.ingestMetrics(request([metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.model.name': name, 'ml.prediction.label': 'x' }, value: 1, time: T0 })]), T0);
      assert.equal(send('a').acceptedDataPoints, 1);
      assert.equal(send('b').acceptedDataPoints, 1);
      const third = send('c');
      assert.equal(third.rejectedDataPoints, 1);
      assert.match(third.errors[0] ?? '', /discovery limit of 2/);
      const off = new Engine(engineConfig({ discovery: { enabled: false, maxModels: 2 } }));
      assert.equal(off.ingestMetrics(request([metric({ kind: 'sum', name: 'ml.predictions', attrs: MODEL, value: 1, time: T0 })]), T0).rejectedDataPoints, 1);
    });

    it('refuses features past maxSeriesPerModel and names longer than maxAttributeLength, with reasons', () => {
      const e = new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: {} }], bounds: { maxSeriesPerModel: 2, maxAttributeLength: 8 } }));
      const spec = (name: string): MetricSpec => ({ kind: 'sum', name: 'ml.feature.missing', attrs: { 'ml.feature.name': name }, value: 1, time: T0 });
      const res = e.ingestMetrics(request(['a', 'b', 'c', 'a', 'much-too-long'].map((n) => metric(spec(n))), MODEL), T0);
      assert.equal(res.acceptedDataPoints, 3);
      assert.equal(res.rejectedDataPoints, 2);
      assert.ok(res.errors.some((m) => /series limit of 2/.test(m)));
      assert.ok(res.errors.some((m) => /longer than 8/.test(m)));
    });

    it('refuses malformed points with a reason and never throws', () => {
      const e = new Engine(config());
      const bad: MetricSpec[] = [
        { kind: 'explicit', name: 'ml.inference.duration', bounds: [1, 0.5], counts: [1, 1, 1], time: T0 },
        { kind: 'explicit', name: 'ml.prediction.confidence', bounds: [0.5], counts: [1, 2, 3], time: T0 },
        { kind: 'sum', name: 'ml.predictions', value: -3, time: T0 },
        { kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.category': 'x' }, value: 1, time: T0 },
      ];
      const m = bad.map(metric);
      const exp = metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1' }, values: [1, 2], time: T0 });
      if (exp.type === 'exponentialHistogram') (exp.points[0] as { scale: number }).scale = 42;
      m.push(exp);
      const res = e.ingestMetrics(request(m, MODEL), T0);
      assert.equal(res.rejectedDataPoints, 5);
      assert.equal(res.acceptedDataPoints, 0);
      assert.ok(res.errors.length >= 4, res.errors.join('; '));
      assert.doesNotThrow(() => e.evaluate(T0 + 1));
    });

    it('refuses exponential points with invalid bucket counts without creating their window', () => {
      const e = new Engine(config());
      const clean = new Engine(config());
      const exp = (name: string, attrs: Record<string, string>, v: number): ReturnType<typeof metric> => {
        const m = metric({ kind: 'exp', name, attrs, values: [1, 2, 4], time: T0 });
        if (m.type === 'exponentialHistogram') (m.points[0] as { positive: { bucketCounts: number[] } }).positive.bucketCounts[0] = v;
        return m;
      };
      const good = metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f2' }, values: [1, 2, 4], time: T0 });
      const res = e.ingestMetrics(request([exp('ml.feature.value', { 'ml.feature.name': 'f1' }, -1), exp('ml.prediction.value', {}, Number.NaN), good], MODEL), T0);
      clean.ingestMetrics(request([good], MODEL), T0);
      assert.equal(res.rejectedDataPoints, 2);
      for (const why of ['ml.feature.value (f1): invalid bucket counts', 'ml.prediction.value: invalid bucket counts']) {
        assert.ok(res.errors.some((x) => x.startsWith(why)), `${why} in ${res.errors.join('; ')}`);
      }
      const snap = e.snapshot();
      const cleanSnap = clean.snapshot();
      assert.deepEqual(snap.models[0]?.features.find((f) => f.name === 'f1')?.exp ?? null, null);
      assert.deepEqual(snap.models[0]?.value, cleanSnap.models[0]?.value);
    });

    it('counts categories past maxCategories as __other__ and accepts unrelated metrics', () => {
      const e = new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: {} }], bounds: { maxCategories: 3 } }));
      const specs: MetricSpec[] = ['a', 'b', 'c', 'd', 'e'].map((c) => ({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'ml.feature.name': 'k', 'ml.feature.category': c }, value: 2, time: T0 }));
      specs.push({ kind: 'sum', name: 'http.server.requests', value: 5, time: T0 });
      specs.push({ kind: 'sum', name: 'ml.feature.observations', attrs: { 'otel.metric.overflow': true }, value: 1, time: T0 });
      const res = e.ingestMetrics(request(specs.map(metric), MODEL), T0);
      assert.equal(res.acceptedDataPoints, 7);
      const dist = e.featureDistributions('m', 'k');
      assert.ok(dist?.type === 'categorical');
      assert.deepEqual(dist.categories, ['a', 'b', 'c', '__other__']);
      assert.deepEqual(dist.current, [2, 2, 2, 4]);
    });
  });

  describe('modelStatus', () => {
    it('judges throughput and cost SLOs by minutes: degraded minutes within the promised rate are bad, minutes above it do not count', () => {
      const bounds = [0.1, 0.25, 0.5, 1];
      const e = new Engine(engineConfig({
        models: [{
          name: 'm', task: 'classification', window: 10 * MIN, features: {},
          slos: [
            { name: 'lat', kind: 'latency', objective: 0.9, threshold: 0.25 },
            { name: 'err', kind: 'error_rate', objective: 0.99 },
            { name: 'tput', kind: 'throughput', objective: 0.9, threshold: 2 },
            { name: 'cost', kind: 'cost', objective: 0.5, threshold: 0.5, costPerHour: 3 },
          ],
        }],
      }));
      // Minute by minute (requests per minute, errors, fast requests): a good minute at 1/s; a degraded one (errors) at 1/s;
      // a degraded one (slow) at 1.5/s; an overloaded one at 3/s (degraded, but above the promised 2/s); one with no traffic.
      const minutes: Array<[number, number, number]> = [[60, 0, 60], [60, 5, 60], [90, 0, 30], [180, 50, 10], [0, 0, 0]];
      minutes.forEach(([n, errors, fast], i) => {
        if (n === 0) return;
        const t = T0 + i * MIN + 30_000;
        const ok = n - errors;
        const okFast = Math.min(ok, fast);
        e.ingestMetrics(request([
          metric({ kind: 'explicit', name: 'ml.inference.duration', bounds, counts: [okFast, 0, ok - okFast, 0, 0], time: t }),
          ...(errors > 0 ? [metric({ kind: 'explicit', name: 'ml.inference.duration', attrs: { 'error.type': 'E' }, bounds, counts: [errors, 0, 0, 0, 0], time: t })] : []),
        ], MODEL), t);
        e.evaluate(t + 1000);
      });
      e.evaluate(T0 + 6 * MIN);
      const slos = e.modelStatus('m')?.slos ?? [];
      const tput = slos.find((x) => x.name === 'tput');
      assert.deepEqual([tput?.good, tput?.total], [1, 3], 'three minutes within 2/s, one of them good');
      assert.ok(Math.abs((tput?.burnRates.find((b) => b.window === '30m')?.value ?? 0) - (2 / 3) / 0.1) < 1e-9);
      const cost = slos.find((x) => x.name === 'cost');
      // 3 per hour = 0.05 per minute: per 1,000 requests 0.83 at 60/min (bad), 0.56 at 90 (bad), 0.28 at 180 (good).
      assert.deepEqual([cost?.good, cost?.total], [1, 4]);
      assert.ok(Math.abs((cost?.costPer1000 ?? 0) - (3 * 4 / 60 / 390) * 1000) < 1e-9);
      // Judged once: another evaluation adds nothing.
      e.evaluate(T0 + 6 * MIN + 1000);
      assert.equal(e.modelStatus('m')?.slos.find((x) => x.name === 'tput')?.total, 3);
    });

    it('computes RED, SLO compliance, error budget and burn rates from the duration histogram', () => {
      const bounds = [0.1, 0.25, 0.5, 1];
      const e = new Engine(
        engineConfig({
          models: [
            {
              name: 'm',
              task: 'classification',
              window: 10 * MIN,
              features: {},
              slos: [
                { name: 'lat', kind: 'latency', objective: 0.9, threshold: 0.25 },
                { name: 'avail', kind: 'availability', objective: 0.99 },
              ],
            },
          ],
        }),
      );
      const t = T0 + 5 * MIN;
      e.ingestMetrics(
        request(
          [
            metric({ kind: 'explicit', name: 'ml.inference.duration', bounds, counts: [50, 30, 10, 5, 5], time: t }),
            metric({ kind: 'explicit', name: 'ml.inference.duration', attrs: { 'error.type': 'TypeError' }, bounds, counts: [4, 0, 0, 0, 0], time: t }),
          ],
          MODEL,
        ),
        t,
      );
      e.evaluate(t + 1000);
      const st = e.modelStatus('m');
      assert.ok(st);
      assert.equal(st.red.requests, 104);
      assert.equal(st.red.errors, 4);
      assert.equal(st.red.requestRate, 104 / 600);
      assert.equal(st.red.errorRatio, 4 / 104);
      // p50: rank 52 of 104 falls in (0.1, 0.25] after 54 in the first bucket? 54 >= 52, so in the first: 0 + 0.1 * 52/54.
      assert.ok(Math.abs((st.red.latency.p50 ?? 0) - 0.1 * (52 / 54)) < 1e-12);
      // p95: rank 98.8; cumulative 54, 84, 94, 99 -> bucket (0.5, 1]: 0.5 + 0.5 * (98.8 - 94) / 5.
      assert.ok(Math.abs((st.red.latency.p95 ?? 0) - (0.5 + (0.5 * 4.8) / 5)) < 1e-12);
      const lat = st.slos.find((s) => s.name === 'lat');
      assert.equal(lat?.good, 84);
      assert.equal(lat?.total, 104);
      assert.ok(Math.abs((lat?.compliance ?? 0) - 84 / 104) < 1e-12);
      assert.ok(Math.abs((lat?.errorBudgetRemaining ?? 0) - (1 - 20 / 104 / 0.1)) < 1e-12);
      assert.equal(lat?.state, 'breached');
      const avail = st.slos.find((s) => s.name === 'avail');
      const burn1h = avail?.burnRates.find((b) => b.window === '1h')?.value ?? 0;
      assert.ok(Math.abs(burn1h - 4 / 104 / 0.01) < 1e-9);
      assert.ok(e.outputs().some((o) => o.name === 'ml.slo.burn_rate' && o.attributes['ml.slo.window'] === '1h'));
      // Ten minutes later the 5m window is empty while 30m still holds the requests.
      e.evaluate(t + 10 * MIN);
      const later = e.modelStatus('m')?.slos.find((s) => s.name === 'avail');
      assert.equal(later?.burnRates.find((b) => b.window === '5m')?.value, null);
      assert.ok(Math.abs((later?.burnRates.find((b) => b.window === '30m')?.value ?? 0) - 4 / 104 / 0.01) < 1e-9);
    });

    it('flags a model that stopped reporting', () => {
      const e = new Engine(config());
      e.ingestMetrics(request([metric({ kind: 'sum', name: 'ml.predictions', value: 1, time: T0 })], MODEL), T0);
      e.evaluate(T0 + 1000);
      assert.equal(e.modelStatus('m')?.liveness.up, true);
      e.evaluate(T0 + 301_000);
      assert.equal(e.modelStatus('m')?.liveness.up, false);
      assert.ok(e.outputs().some((o) => o.name === 'ml.model.up' && o.value === 0));
    });
  });

  describe('evaluation', () => {
    it('step by step gives the same reports as evaluate, one model per step', () => {
      const a = new Engine(config());
      const b = new Engine(config());
      for (const x of [a, b]) for (let s = 0; s < 3; s++) sendSlot(x, rng(7), T0 + s * MIN + 30_000, 100);
      a.evaluate(T0 + 3 * MIN);
      const steps = [...b.evaluation(T0 + 3 * MIN)];
      assert.deepEqual(steps, b.listModels().map((m) => m.name));
      assert.deepEqual(b.driftReport('m'), a.driftReport('m'));
      assert.deepEqual(b.modelStatus('m'), a.modelStatus('m'));
      assert.equal(b.evaluatedAt, T0 + 3 * MIN);
    });
  });

  describe('snapshot', () => {
    it('restores to an engine that gives identical reports', () => {
      const r = rng(19);
      const cfg = (): EngineConfig => {
        const c = config();
        (c.models[0] as { slos?: unknown }).slos = [{ name: 'lat', kind: 'latency', objective: 0.9, threshold: 0.25 }];
        return c;
      };
      const e = new Engine(cfg());
      const dur = (x: Engine, t: number): void => {
        x.ingestMetrics(request([metric({ kind: 'explicit', name: 'ml.inference.duration', bounds: [0.1, 0.25, 1], counts: [5, 3, 2, 1], time: t })], MODEL), t);
      };
      for (let s = 0; s < 12; s++) {
        sendSlot(e, r, T0 + s * MIN + 30_000, 100, { shift: s > 10 ? 1 : 0 });
        dur(e, T0 + s * MIN + 30_000);
      }
      e.evaluate(T0 + 10 * MIN + 30_000);
      const json = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<Engine['snapshot']>;
      const back = Engine.restore(cfg(), json);
      for (const x of [e, back]) {
        sendSlot(x, rng(5), T0 + 12 * MIN + 30_000, 100, { shift: 1 });
        dur(x, T0 + 12 * MIN + 30_000);
        x.evaluate(T0 + 12 * MIN + 59_000);
      }
      assert.deepEqual(back.driftReport('m'), e.driftReport('m'));
      assert.deepEqual(back.modelStatus('m'), e.modelStatus('m'));
      assert.deepEqual(back.outputs(), e.outputs());
      assert.equal(back.modelStatus('m')?.slos[0]?.total, 143);
    });

    it('with a section list, restores to the same engine as its JSON-only form', () => {
      const e = new Engine(config());
      for (let s = 0; s < 12; s++) sendSlot(e, rng(s), T0 + s * MIN + 30_000, 100, { shift: s > 10 ? 1 : 0 });
      e.evaluate(T0 + 10 * MIN + 30_000);
      const sections: SnapshotSection[] = [];
      const withSections = JSON.parse(JSON.stringify(e.snapshot(sections))) as ReturnType<Engine['snapshot']>;
      const json = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<Engine['snapshot']>;
      assert.equal(withSections.format, ENGINE_SNAPSHOT_FORMAT);
      assert.equal(json.format, ENGINE_SNAPSHOT_FORMAT);
      assert.ok(sections.length > 0);
      const fromSections = Engine.restore(config(), withSections, sections);
      const fromJson = Engine.restore(config(), json);
      for (const x of [fromJson, fromSections]) x.evaluate(T0 + 12 * MIN);
      assert.deepEqual(fromSections.driftReport('m'), fromJson.driftReport('m'));
      assert.deepEqual(fromSections.snapshot(), fromJson.snapshot());
      assert.throws(() => Engine.restore(config(), withSections), /section \d+ is missing \(0 sections\)/);
    });

    it('keeps the fine slots of recent data through a snapshot: the same windows, and the same windows again after more data', () => {
      const e = new Engine(config());
      e.setBaseline('m', makeBaseline(rng(40), 3000).baseline);
      // Exports every 10 s: the last minute is in fine slots, the rest in one-minute slots.
      const feed = (x: Engine, from: number, to: number): void => {
        for (let t = from; t <= to; t += 10_000) sendSlot(x, rng(t), t, 80, { shift: t >= T0 + 7 * MIN ? 1 : 0 });
      };
      feed(e, T0 + 10_000, T0 + 7 * MIN + 25_000);
      e.evaluate(T0 + 7 * MIN + 25_000);
      const sections: SnapshotSection[] = [];
      const snap = JSON.parse(JSON.stringify(e.snapshot(sections))) as EngineSnapshot;
      const f1 = snap.models[0]?.features.find((f) => f.name === 'f1')?.exp;
      assert.equal(f1?.ratio, 6, 'fine slots of 10 s in slots of 1 min');
      const back = Engine.restore(config(), snap, sections);
      back.evaluate(T0 + 7 * MIN + 25_000);
      assert.deepEqual(back.driftReport('m'), e.driftReport('m'));
      for (const x of [e, back]) {
        feed(x, T0 + 7 * MIN + 30_000, T0 + 8 * MIN + 50_000);
        x.evaluate(T0 + 8 * MIN + 55_000);
      }
      assert.deepEqual(back.driftReport('m'), e.driftReport('m'));
      assert.deepEqual(back.snapshot(), e.snapshot());
    });

    describe('snapshots from before fine slots', () => {
      // Written by the engine before fine slots (every window keyed by one-minute slot),
      // in both of its forms: JSON alone (v1) and with a section list (v2).
      const fixture = JSON.parse(readFileSync(new URL('../fixtures/engine-snapshot/v1-v2.json', import.meta.url), 'utf8')) as {
        v1: EngineSnapshot;
        v2: { snapshot: EngineSnapshot; sections: Array<{ type: 'Uint8Array' | 'Float64Array'; base64: string }> };
        evaluatedAt: number;
        driftReport: DriftReport;
        modelStatus: ModelStatus;
      };
      const sections = fixture.v2.sections.map(({ type, base64 }): SnapshotSection => {
        const bytes = base64ToBytes(base64);
        return type === 'Uint8Array' ? bytes : new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      });
      // The fixture's reports were made by that engine with the drift windows it had by default then (1m and the
      // model's 10m): pinned, so the reports must come back identical. Under today's defaults (10s, 1m, 10m) the
      // false-alert budget is split over three windows instead of two, so every needed count differs (see the last test here).
      const oldConfig = (): EngineConfig =>
        engineConfig({ models: [{ name: 'm', task: 'classification', window: 10 * MIN, slot: MIN, driftWindows: [MIN, 10 * MIN], features: { f1: 'numeric', c1: 'categorical' } }] });
      const forms: Array<[string, () => Engine]> = [
        ['v1', () => Engine.restore(oldConfig(), fixture.v1)],
        ['v2', () => Engine.restore(oldConfig(), fixture.v2.snapshot, sections)],
      ];
      assert.equal(fixture.v1.format, ENGINE_SNAPSHOT_FORMAT_V1);
      assert.equal(fixture.v2.snapshot.format, ENGINE_SNAPSHOT_FORMAT_V2);

      for (const [form, restore] of forms) {
        it(`restores a ${form} snapshot to the reports its engine gave, its slots becoming one-minute slots`, () => {
          const e = restore();
          e.evaluate(fixture.evaluatedAt);
          assert.deepEqual(e.driftReport('m'), fixture.driftReport);
          assert.deepEqual(e.modelStatus('m'), fixture.modelStatus);
        });

        it(`takes new data into fine slots after restoring a ${form} snapshot, and snapshots it as ${ENGINE_SNAPSHOT_FORMAT}`, () => {
          const e = restore();
          const count = (x: Engine, window: string): number | undefined => x.driftReport('m')?.features.find((f) => f.name === 'f1')?.windows?.find((w) => w.window === window)?.currentCount;
          // Every 10 s from the next minute on: 100 values of f1 each.
          const send = (t: number): void => {
            const res = e.ingestMetrics(request([metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'f1' }, values: normals(rng(t), 100, 100, 20), time: t })], MODEL), t);
            assert.equal(res.rejectedDataPoints, 0);
          };
          for (let t = T0 + 6 * MIN; t <= T0 + 7 * MIN + 30_000; t += 10_000) send(t);
          e.evaluate(T0 + 7 * MIN + 35_000);
          assert.equal(count(e, '1m'), 600, 'the last 60 s: six exports');
          const old = fixture.driftReport.features.find((f) => f.name === 'f1')?.currentCount ?? 0;
          assert.equal(old, 1800);
          assert.equal(count(e, '10m'), old + 1000, 'the old slots and the new data');
          const snap = e.snapshot();
          assert.equal(snap.format, ENGINE_SNAPSHOT_FORMAT);
          const back = Engine.restore(oldConfig(), JSON.parse(JSON.stringify(snap)) as EngineSnapshot);
          back.evaluate(T0 + 7 * MIN + 35_000);
          assert.deepEqual(back.driftReport('m'), e.driftReport('m'));
        });
      }

      it('restores a v1 snapshot under today\'s default windows: the same data in 1m and 10m, a 10s window beside them, each level split three ways', () => {
        const e = Engine.restore(engineConfig({ models: [{ name: 'm', task: 'classification', window: 10 * MIN, slot: MIN, features: { f1: 'numeric', c1: 'categorical' } }] }), fixture.v1);
        e.evaluate(fixture.evaluatedAt);
        const report = e.driftReport('m');
        for (const old of fixture.driftReport.features) {
          const now = report?.features.find((f) => f.name === old.name);
          assert.deepEqual(now?.windows?.map((w) => w.window), ['10s', '1m', '10m'], old.name);
          assert.equal(now?.windows?.[0]?.currentCount, 0, `${old.name}: the old slots are whole minutes, none within the last 10 s`);
          for (const [i, w] of (old.windows ?? []).entries()) {
            const restored: WindowVerdict | undefined = now?.windows?.[i + 1];
            assert.ok(restored, `${old.name} ${w.window}`);
            // Everything but the needed count: the same data, the same statistics, the same verdict.
            assert.deepEqual({ ...restored, neededCount: null }, { ...w, neededCount: null }, `${old.name} ${w.window}`);
            assert.ok((restored.neededCount ?? 0) > (w.neededCount ?? Infinity), `${old.name} ${w.window}: a smaller level needs more samples (${restored.neededCount} vs ${w.neededCount})`);
          }
        }
      });
    });

    it('restores a snapshot taken with other fine slots (or none) as one-minute slots, with the same totals', () => {
      const fineCfg = (fineSlot: number): EngineConfig => config({ defaults: { ...engineConfig().defaults, fineSlot } });
      const e = new Engine(fineCfg(10_000));
      for (let t = T0 + 10_000; t <= T0 + 5 * MIN; t += 10_000) sendSlot(e, rng(t), t, 50);
      e.evaluate(T0 + 5 * MIN);
      const snap = JSON.parse(JSON.stringify(e.snapshot())) as EngineSnapshot;
      for (const fineSlot of [MIN, 20_000]) {
        const back = Engine.restore(fineCfg(fineSlot), snap);
        back.evaluate(T0 + 5 * MIN);
        const byName = (x: Engine) => Object.fromEntries((x.driftReport('m')?.features ?? []).map((f) => [f.name, f.currentCount]));
        assert.deepEqual(byName(back), byName(e));
        assert.deepEqual(back.featureDistributions('m', 'f1'), e.featureDistributions('m', 'f1'));
      }
    });

    describe('beginSnapshot', () => {
      const twoModels = (): EngineConfig =>
        engineConfig({
          models: [
            { name: 'm', task: 'classification', window: 10 * MIN, slot: MIN, features: { f1: 'numeric', f2: 'numeric', c1: 'categorical' } },
            { name: 'm2', task: 'classification', window: 10 * MIN, slot: MIN, features: {} },
          ],
          discovery: { enabled: true, maxModels: 5 },
        });
      const feed = (e: Engine, model: string, t: number, seed: number): void => {
        const res = e.ingestMetrics(request([metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'x' }, values: normals(rng(seed), 200, 50, 10), time: t })], { 'ml.model.name': model }), t);
        assert.equal(res.rejectedDataPoints, 0, res.errors.join('; '));
      };

      it('returns the state as of its start although data, evaluation and the baseline API change the engine between steps', () => {
        const e = new Engine(twoModels());
        for (let s = 0; s < 4; s++) {
          sendSlot(e, rng(s), T0 + s * MIN + 30_000, 100);
          feed(e, 'm2', T0 + s * MIN + 30_000, 100 + s);
        }
        const atStart = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<Engine['snapshot']>;
        const sections: SnapshotSection[] = [];
        const steps = e.beginSnapshot(sections);
        assert.equal(steps.step(), undefined);
        // m is copied; m2 is not yet, and every kind of change reaches it first.
        sendSlot(e, rng(9), T0 + 4 * MIN + 30_000, 100, { shift: 2 });
        feed(e, 'm2', T0 + 4 * MIN + 30_000, 200);
        feed(e, 'discovered', T0 + 4 * MIN + 30_000, 300);
        e.evaluate(T0 + 5 * MIN);
        e.resetBaseline('m2');
        assert.throws(() => e.beginSnapshot([]), /another snapshot is still being taken/);
        let snap = steps.step();
        while (snap === undefined) snap = steps.step();
        assert.throws(() => steps.step(), /has finished/);
        const taken = JSON.parse(JSON.stringify(snap)) as ReturnType<Engine['snapshot']>;
        assert.equal(taken.format, ENGINE_SNAPSHOT_FORMAT);
        assert.deepEqual(taken.models.map((m) => m.name), ['m', 'm2']);
        // The same engine as one restored from a snapshot taken in one go at the start.
        assert.deepEqual(Engine.restore(twoModels(), taken, sections).snapshot(), Engine.restore(twoModels(), atStart).snapshot());
        // The engine went on: it differs from the snapshot, and it can take the next one.
        assert.notDeepEqual(e.snapshot(), Engine.restore(twoModels(), atStart).snapshot());
        assert.doesNotThrow(() => e.beginSnapshot([]).cancel());
      });

      // Each kind of change, made to a model not copied yet, must reach it after its copy.
      const changes: Array<[string, (e: Engine) => void]> = [
        ['ingest', (e) => feed(e, 'm2', T0 + 4 * MIN + 30_000, 7)],
        ['evaluation (expires its slots)', (e) => e.evaluate(T0 + 30 * MIN)],
        ['setBaseline', (e) => e.setBaseline('m2', { ...makeBaseline(rng(3), 50).baseline, model: 'm2' })],
        ['resetBaseline', (e) => e.resetBaseline('m2')],
      ];
      for (const [kind, change] of changes) {
        it(`copies a model before ${kind} changes it`, () => {
          const e = new Engine(twoModels());
          for (let s = 0; s < 3; s++) feed(e, 'm2', T0 + s * MIN + 30_000, s);
          e.setBaseline('m2', { ...makeBaseline(rng(1), 50).baseline, model: 'm2', createdAt: new Date(T0 - 1).toISOString() });
          const atStart = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<Engine['snapshot']>;
          const sections: SnapshotSection[] = [];
          const steps = e.beginSnapshot(sections);
          change(e);
          assert.notDeepEqual(e.snapshot(), Engine.restore(twoModels(), atStart).snapshot(), `${kind} changes the engine`);
          let snap = steps.step();
          while (snap === undefined) snap = steps.step();
          assert.deepEqual(Engine.restore(twoModels(), JSON.parse(JSON.stringify(snap)), sections).snapshot(), Engine.restore(twoModels(), atStart).snapshot());
        });
      }

      it('stops copying when the caller gives up on it', () => {
        const e = new Engine(twoModels());
        feed(e, 'm', T0 + 30_000, 1);
        const steps = e.beginSnapshot([]);
        steps.cancel();
        assert.throws(() => steps.step(), /was cancelled/);
        // No snapshot in progress: a new one starts, and changes are not copied into the abandoned one.
        feed(e, 'm', T0 + 40_000, 2);
        const sections: SnapshotSection[] = [];
        const again = e.beginSnapshot(sections);
        let snap = again.step();
        while (snap === undefined) snap = again.step();
        assert.deepEqual(Engine.restore(twoModels(), JSON.parse(JSON.stringify(snap)), sections).snapshot(), e.snapshot());
      });
    });

    it('keeps the learned baseline on restore unless the config brings a newer file', () => {
      const r = rng(21);
      const e = new Engine(config());
      for (let s = 0; s < 11; s++) sendSlot(e, r, T0 + s * MIN + 30_000, 50);
      e.evaluate(T0 + 10 * MIN + 30_000);
      const learned = e.baseline('m');
      assert.equal(learned?.source?.kind, 'learned');
      const snap = JSON.parse(JSON.stringify(e.snapshot())) as ReturnType<Engine['snapshot']>;
      assert.deepEqual(Engine.restore(config(), snap).baseline('m'), learned);
      const file = { ...makeBaseline(r, 500).baseline, createdAt: new Date(T0 + 11 * MIN).toISOString() };
      const withFile = config();
      (withFile.models[0] as { baseline?: Baseline }).baseline = file;
      assert.equal(Engine.restore(withFile, snap).baseline('m')?.createdAt, file.createdAt);
    });
  });
});
