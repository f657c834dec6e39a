import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIDENCE_BUCKETS } from '@modelwatch/semconv';
import { Engine, engineConfig, BASELINE_FORMAT, type Baseline } from '../../src/engine/index.js';
import { explicitCounts, expHistogram, metric, normals, request, rng, type MetricSpec } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const bounds = [...CONFIDENCE_BUCKETS];

/** Confidence scores: Beta-like via clamped normals around `mean`. */
function scores(r: () => number, n: number, mean: number): number[] {
  return normals(r, n, mean, 0.1).map((v) => Math.min(0.9999, Math.max(0.0001, v)));
}

function classification(): Engine {
  return new Engine(engineConfig({ models: [{ name: 'clf', task: 'classification', window: 10 * MIN, features: {} }] }));
}

function send(e: Engine, t: number, conf: number[], labels: Record<string, number>, version?: string): void {
  const specs: MetricSpec[] = [
    { kind: 'explicit', name: 'ml.prediction.confidence', bounds, counts: explicitCounts(conf, bounds), time: t },
    ...Object.entries(labels).map(([l, v]): MetricSpec => ({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': l }, value: v, time: t })),
  ];
  const res = e.ingestMetrics(request(specs.map(metric), { 'ml.model.name': 'clf', ...(version ? { 'ml.model.version': version } : {}) }), t);
  assert.equal(res.rejectedDataPoints, 0, res.errors.join('; '));
}

function baseline(r: () => number, version?: string): Baseline {
  const conf = scores(r, 5000, 0.85);
  const b: Baseline = {
    format: BASELINE_FORMAT,
    model: 'clf',
    createdAt: new Date(T0).toISOString(),
    features: {},
    prediction: { confidence: { bounds, counts: explicitCounts(conf, bounds) }, labels: { pos: 3000, neg: 2000 } },
  };
  if (version !== undefined) b.modelVersion = version;
  return b;
}

describe('Engine prediction drift', () => {
  describe('evaluate', () => {
    it('reports no confidence or label drift for the baseline distribution, and the low-confidence share', () => {
      const r = rng(31);
      const e = classification();
      e.setBaseline('clf', baseline(r));
      const conf = scores(r, 2000, 0.85);
      send(e, T0 + 30_000, conf, { pos: 1200, neg: 800 });
      e.evaluate(T0 + 40_000);
      const p = e.driftReport('clf')?.prediction;
      assert.equal(p?.confidence?.severity, 'none');
      assert.equal(p?.labels?.severity, 'none');
      // 0.7 is a bucket bound, so the share is exact: compare with the raw scores.
      assert.equal(p?.confidence?.lowConfidence.interpolated, false);
      assert.equal(p?.confidence?.lowConfidence.current, conf.filter((c) => c <= 0.7).length / conf.length);
      const out = e.outputs().find((o) => o.name === 'ml.prediction.low_confidence_ratio');
      assert.equal(out?.attributes['ml.prediction.confidence_threshold'], 0.7);
    });

    it('flags falling confidence and a flipped label mix', () => {
      const r = rng(32);
      const e = classification();
      e.setBaseline('clf', baseline(r));
      send(e, T0 + 30_000, scores(r, 2000, 0.6), { pos: 300, neg: 1700 });
      e.evaluate(T0 + 40_000);
      const p = e.driftReport('clf')?.prediction;
      assert.equal(p?.confidence?.severity, 'critical');
      assert.equal(p?.labels?.severity, 'critical');
      assert.ok((p?.labels?.chiSquare?.pValue ?? 1) < 1e-10);
      assert.ok((p?.confidence?.lowConfidence.current ?? 0) > (p?.confidence?.lowConfidence.baseline ?? 1));
    });

    it('compares regression outputs with KS and PSI, negative values included', () => {
      const r = rng(33);
      const e = new Engine(engineConfig({ models: [{ name: 'reg', task: 'regression', features: {} }] }));
      const ref = normals(r, 4000, 0, 5);
      e.setBaseline('reg', { format: BASELINE_FORMAT, model: 'reg', createdAt: new Date(T0).toISOString(), features: {}, prediction: { value: expHistogram(ref) } });
      const cur = normals(r, 2000, 3, 5);
      const t = T0 + 1000;
      e.ingestMetrics(
        request(
          [
            metric({ kind: 'exp', name: 'ml.prediction.value', values: cur.filter((v) => v >= 0), time: t }),
            metric({ kind: 'exp', name: 'ml.prediction.value', attrs: { 'ml.feature.sign': 'negative' }, values: cur.filter((v) => v < 0).map((v) => -v), time: t }),
          ],
          { 'ml.model.name': 'reg' },
        ),
        t,
      );
      e.evaluate(t + 1);
      const v = e.driftReport('reg')?.prediction.value;
      assert.equal(v?.currentCount, 2000);
      // A 0.6 sd shift: D about 0.236, clearly significant.
      assert.ok(v?.ks && v.ks.statistic > 0.15 && v.ks.bound >= v.ks.statistic);
      assert.ok(v?.severity === 'warning' || v?.severity === 'critical');
    });
  });

  describe('setBaseline', () => {
    it('keeps baselines per model version and uses the one of the current version', () => {
      const r = rng(34);
      const e = classification();
      e.setBaseline('clf', baseline(r, 'v1'));
      const b2 = baseline(r, 'v2');
      b2.prediction = { labels: { pos: 100, neg: 4900 } };
      e.setBaseline('clf', b2);
      send(e, T0 + 1000, scores(r, 500, 0.85), { pos: 300, neg: 200 }, 'v1');
      e.evaluate(T0 + 2000);
      assert.equal(e.driftReport('clf')?.baseline.modelVersion, 'v1');
      assert.equal(e.driftReport('clf')?.prediction.labels?.severity, 'none');
      send(e, T0 + 3000, scores(r, 500, 0.85), { pos: 300, neg: 200 }, 'v2');
      e.evaluate(T0 + 4000);
      assert.equal(e.driftReport('clf')?.baseline.modelVersion, 'v2');
      assert.equal(e.driftReport('clf')?.prediction.labels?.severity, 'critical');
    });
  });
});
