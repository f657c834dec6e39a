import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, engineConfig, BASELINE_FORMAT, parseBaseline, type Baseline } from '../../src/engine/index.js';
import { driftWindowSpecs, ksNeeded, windowAlpha, windowLabel } from '../../src/engine/drift-windows.js';
import { resolveSettings, DEFAULT_ENGINE_DEFAULTS } from '../../src/engine/config.js';
import { expHistogram, metric, normals, request, rng } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const MODEL = { 'ml.model.name': 'm' };

function engine(): Engine {
  return new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: { x: 'numeric' } }] }));
}

function baseline(n: number): Baseline {
  return parseBaseline({
    format: BASELINE_FORMAT, model: 'm', createdAt: new Date(T0).toISOString(),
    features: { x: { type: 'numeric', histogram: expHistogram(normals(rng(1), n, 100, 20)), missing: 0 } },
  });
}

/** One export of `n` values of x ~ N(100 + shift * 20, 20) at time t. */
function send(e: Engine, r: () => number, t: number, n: number, shift = 0): void {
  e.ingestMetrics(request([metric({ kind: 'exp', name: 'ml.feature.value', attrs: { 'ml.feature.name': 'x' }, values: normals(r, n, 100 + shift * 20, 20), time: t })], MODEL), t);
}

describe('engine/drift-windows', () => {
  describe('driftWindowSpecs', () => {
    it('judges 1m, 10m and the model window by default, names them, and drops windows that do not fit the slot grid', () => {
      const s = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {} }, 'm');
      assert.deepEqual(driftWindowSpecs(s).map((w) => [w.label, w.slots, w.longest]), [['1m', 1, false], ['10m', 10, false], ['1h', 60, true]]);
      const odd = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {}, window: 30 * MIN, driftWindows: [90_000, 5 * MIN, 45 * MIN] }, 'm');
      assert.deepEqual(driftWindowSpecs(odd).map((w) => w.label), ['5m', '30m'], '90s is off the 1m grid, 45m is longer than the window');
      assert.equal(windowLabel(90_000), '90s');
    });
  });

  describe('windowAlpha', () => {
    it('spreads the false-alert budget over the looks and the windows', () => {
      const s = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {} }, 'm');
      // One look every 30 s for a year, three windows.
      assert.ok(Math.abs(windowAlpha(s) - 30_000 / (365 * 24 * 3_600_000) / 3) < 1e-18);
      assert.ok(ksNeeded(s, s.thresholds.ks, 10_000, windowAlpha(s)) > 300);
    });
  });

  describe('evaluate', () => {
    it('gives a window insufficient_data below the count it needs, with that count, and judges it above', () => {
      const e = engine();
      e.setBaseline('m', baseline(10_000));
      const r = rng(2);
      send(e, r, T0 + 30_000, 200, 3);
      e.evaluate(T0 + 59_000);
      const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
      const w1 = f?.windows?.find((w) => w.window === '1m');
      assert.equal(w1?.currentCount, 200);
      assert.ok((w1?.neededCount ?? 0) > 200, `needs ${w1?.neededCount}`);
      assert.equal(w1?.severity, 'insufficient_data', 'a 3 sd shift on 200 samples: too few for the budget');
      assert.equal(f?.severity, 'insufficient_data');
      assert.equal(f?.decidingWindow, null);
      send(e, r, T0 + 50_000, 800, 3);
      e.evaluate(T0 + 59_500);
      const g = e.driftReport('m')?.features.find((x) => x.name === 'x');
      assert.equal(g?.windows?.find((w) => w.window === '1m')?.severity, 'critical');
      assert.equal(g?.severity, 'critical');
      assert.equal(g?.decidingWindow, '1m', 'the shortest of the windows that agree');
    });

    it('lets the short window decide a large shift at high traffic while the long window is still mostly unshifted', () => {
      const e = engine();
      e.setBaseline('m', baseline(10_000));
      const r = rng(3);
      // 50 minutes of stationary traffic at 100/s (one export a minute), then one minute shifted by 1 sd.
      for (let i = 0; i < 50; i++) send(e, r, T0 + i * MIN + 30_000, 6000);
      send(e, r, T0 + 50 * MIN + 30_000, 6000, 1);
      e.evaluate(T0 + 50 * MIN + 59_000);
      const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
      const sev = Object.fromEntries((f?.windows ?? []).map((w) => [w.window, w.severity]));
      assert.equal(sev['1m'], 'critical');
      assert.equal(sev['1h'], 'none', 'one shifted minute in 51 moves the hour by ~0.01 in D');
      assert.equal(f?.decidingWindow, '1m');
      assert.equal(f?.severity, 'critical');
      // The metric says which window the numbers are from.
      const gauge = e.outputs().find((o) => o.name === 'ml.drift.severity' && o.attributes['ml.feature.name'] === 'x');
      assert.equal(gauge?.attributes['ml.drift.window'], '1m');
      assert.equal(gauge?.value, 3);
    });

    it('lets the long window decide a small shift at low traffic, where the short windows hold too few samples', () => {
      const e = engine();
      e.setBaseline('m', baseline(10_000));
      const r = rng(4);
      // 1 prediction/s for an hour, shifted by 0.5 sd: 60 per minute, 600 per 10 minutes, 3600 per hour.
      for (let i = 0; i < 60; i++) send(e, r, T0 + i * MIN + 30_000, 60, 0.5);
      e.evaluate(T0 + 59 * MIN + 59_000);
      const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
      const by = Object.fromEntries((f?.windows ?? []).map((w) => [w.window, w]));
      assert.equal(by['1m']?.severity, 'insufficient_data');
      assert.ok(['warning', 'critical'].includes(by['1h']?.severity ?? ''), `1h: ${by['1h']?.severity} (D ${by['1h']?.ks?.statistic})`);
      assert.equal(f?.decidingWindow, by['10m']?.severity === f?.severity ? '10m' : '1h');
      assert.equal(f?.currentCount, by[f?.decidingWindow ?? '']?.currentCount, 'the counts beside the verdict are the deciding window\'s');
    });

    it('raises no verdict above none on a stationary stream at any rate over many evaluations', () => {
      for (const perMinute of [60, 600, 6000]) {
        const e = engine();
        e.setBaseline('m', baseline(10_000));
        const r = rng(5 + perMinute);
        for (let i = 0; i < 120; i++) {
          send(e, r, T0 + i * MIN + 30_000, perMinute);
          e.evaluate(T0 + i * MIN + 59_000);
          const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
          assert.ok(['none', 'insufficient_data', 'info'].includes(f?.severity ?? ''), `${perMinute}/min minute ${i}: ${f?.severity} by ${f?.decidingWindow}`);
        }
      }
    });
  });
});
