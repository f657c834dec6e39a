import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, engineConfig, BASELINE_FORMAT, parseBaseline, type Baseline } from '../../src/engine/index.js';
import { driftWindowSpecs, ksNeeded, windowAlpha, windowLabel } from '../../src/engine/drift-windows.js';
import { resolveSettings, DEFAULT_ENGINE_DEFAULTS } from '../../src/engine/config.js';
import { expHistogram, metric, normals, request, rng } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const MODEL = { 'ml.model.name': 'm' };

/** An engine with one model `m` (the default windows unless `driftWindows` is given). */
function engine(driftWindows?: number[]): Engine {
  return new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: { x: 'numeric' }, ...(driftWindows ? { driftWindows } : {}) }] }));
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
    it('judges 10s, 1m, 10m and the model window by default, names them, and drops windows that do not fit the slot grid', () => {
      const s = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {} }, 'm');
      // 10s is one fine slot of 10 s and 1m six (1m is not longer than a slot, so it is built from fine slots too); the others whole one-minute slots.
      assert.deepEqual(driftWindowSpecs(s).map((w) => [w.label, w.slots, w.fine, w.longest]), [['10s', 1, true, false], ['1m', 6, true, false], ['10m', 10, false, false], ['1h', 60, false, true]]);
      assert.equal(s.fineHorizon, MIN, 'the 10 s window lies within the 1m fine horizon: no more fine slots than with 1m alone');
      assert.equal(s.fineSlot, 10_000);
      const odd = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {}, window: 30 * MIN, driftWindows: [95_000, 90_000, 5 * MIN, 45 * MIN] }, 'm');
      assert.deepEqual(driftWindowSpecs(odd).map((w) => [w.label, w.fine]), [['90s', true], ['5m', false], ['30m', false]], '95s is off the 10 s grid, 45m is longer than the window');
      assert.equal(odd.fineHorizon, 90_000, 'the fine slots reach back to the shortest window');
      const coarse = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {}, window: 30 * MIN, fineSlot: MIN, driftWindows: [90_000, 5 * MIN] }, 'm');
      assert.deepEqual(driftWindowSpecs(coarse).map((w) => [w.label, w.fine]), [['5m', false], ['30m', false]], 'without fine slots, 90s is off the 1m grid');
      assert.equal(coarse.fineHorizon, 0);
      assert.equal(windowLabel(90_000), '90s');
    });

    it('builds every window up to the fine horizon from fine slots: the shortest, and any shorter than a slot or off the slot grid', () => {
      const specs = (driftWindows: number[]) =>
        driftWindowSpecs(resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {}, driftWindows }, 'm')).map((w) => `${w.label}${w.fine ? ' fine' : ''}`);
      assert.deepEqual(specs([30_000, MIN, 10 * MIN]), ['30s fine', '1m fine', '10m', '1h']);
      assert.deepEqual(specs([5 * MIN, 10 * MIN]), ['5m fine', '10m', '1h']);
      assert.deepEqual(specs([MIN, 150_000, 10 * MIN]), ['1m fine', '150s fine', '10m', '1h']);
      assert.deepEqual(specs([]), ['1h'], 'the model window alone keeps no fine slots');
    });
  });

  describe('resolveSettings (fine slots)', () => {
    const settings = (over: Record<string, unknown>) => resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {}, ...over }, 'm');
    it('defaults the fine slot to 10 s where it fits the slot, and turns fine slots off when it is the slot', () => {
      assert.equal(settings({}).fineSlot, 10_000);
      const off = settings({ fineSlot: MIN });
      assert.equal(off.fineSlot, MIN);
      assert.equal(off.fineHorizon, 0);
      // Nothing to build from fine slots: the fine slot is the slot.
      assert.equal(settings({ driftWindows: [] }).fineSlot, MIN);
      // Slots the default does not fit (no shorter, or not a multiple of it) keep no fine slots, as before.
      for (const slot of [1000, 10_000, 15_000]) {
        const s = settings({ slot, window: 100 * slot, driftWindows: [slot, 10 * slot] });
        assert.deepEqual([s.fineSlot, s.fineHorizon], [slot, 0], `slot ${slot}`);
        assert.deepEqual(driftWindowSpecs(s).map((w) => w.fine), [false, false, false]);
      }
      assert.equal(settings({ slot: 2 * MIN, window: 2 * 60 * MIN, driftWindows: [2 * MIN] }).fineHorizon, 2 * MIN);
    });

    it('refuses a fine slot that does not divide the slot, naming it', () => {
      for (const fineSlot of [7_000, 0, -10_000, 2.5, 2 * MIN]) {
        assert.throws(() => settings({ fineSlot }), new RegExp(`model "m": fineSlot \\(${fineSlot} ms\\) must be a positive whole number of ms that divides the slot \\(60000 ms\\)`));
      }
      assert.doesNotThrow(() => settings({ fineSlot: 15_000 }));
    });

    it('refuses a fine slot set so that its slots would outnumber the window\'s (more than double the memory), saying what to change', () => {
      assert.throws(() => settings({ driftWindows: [20 * MIN], fineSlot: 10_000 }), /the fine slots would outnumber the window's slots \(120 fine slots of 10000 ms for the 1200000 ms window, 60 slots in the window\).*raise fineSlot, or set it to the slot \(60000 ms\)/);
      assert.equal(settings({ driftWindows: [20 * MIN], fineSlot: 20_000 }).fineHorizon, 20 * MIN);
      assert.equal(settings({ driftWindows: [20 * MIN], fineSlot: MIN }).fineHorizon, 0);
      // The default one does not apply there: whole slots, and the windows on their grid.
      const auto = settings({ driftWindows: [20 * MIN, 1_530_000] });
      assert.deepEqual([auto.fineSlot, auto.fineHorizon], [MIN, 0]);
      assert.deepEqual(driftWindowSpecs(auto).map((w) => w.label), ['20m', '1h'], '25m30s is off the slot grid');
    });

    it('checks the defaults for discovered models when the engine is built, not when their first point arrives', () => {
      assert.throws(() => new Engine(engineConfig({ defaults: { fineSlot: 7_000 } })), /model "\(defaults, for discovered models\)": fineSlot \(7000 ms\)/);
      assert.doesNotThrow(() => new Engine(engineConfig({ defaults: { fineSlot: 7_000 }, discovery: { enabled: false } })));
    });
  });

  describe('windowAlpha', () => {
    it('spreads the false-alert budget over the looks and the windows', () => {
      const s = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {} }, 'm');
      // One look every 30 s for a year, four windows (10s, 1m, 10m, 1h).
      assert.equal(s.driftWindows.length, 4);
      assert.ok(Math.abs(windowAlpha(s) - 30_000 / (365 * 24 * 3_600_000) / 4) < 1e-18);
      // The figure docs/drift-windows.md gives: a KS window against 10,000 reference samples needs 368 at this level.
      assert.equal(ksNeeded(s, s.thresholds.ks, 10_000, windowAlpha(s)), 368);
      // Fewer windows, a larger level, fewer samples needed.
      const three = resolveSettings(DEFAULT_ENGINE_DEFAULTS, { name: 'm', task: 'classification', features: {}, driftWindows: [MIN, 10 * MIN] }, 'm');
      assert.ok(Math.abs(windowAlpha(three) - 30_000 / (365 * 24 * 3_600_000) / 3) < 1e-18);
      assert.equal(ksNeeded(three, three.thresholds.ks, 10_000, windowAlpha(three)), 361);
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
      assert.equal(f?.windows?.find((w) => w.window === '10s')?.currentCount, 0, 'the export at 30 s is not in the last 10 s');
      assert.equal(f?.severity, 'insufficient_data');
      assert.equal(f?.decidingWindow, null);
      send(e, r, T0 + 50_000, 800, 3);
      e.evaluate(T0 + 59_500);
      const g = e.driftReport('m')?.features.find((x) => x.name === 'x');
      const by = Object.fromEntries((g?.windows ?? []).map((w) => [w.window, w]));
      assert.deepEqual([by['10s']?.currentCount, by['1m']?.currentCount], [800, 1000]);
      assert.ok((by['10s']?.neededCount ?? Infinity) < 800, `needs ${by['10s']?.neededCount}`);
      assert.deepEqual([by['10s']?.severity, by['1m']?.severity], ['critical', 'critical']);
      assert.equal(g?.severity, 'critical');
      assert.equal(g?.decidingWindow, '10s', 'the shortest of the windows that agree');
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

    it('judges the 1m window on exactly the last 60 s wherever now falls in the slot, and the 10m window on whole slots', () => {
      const e = engine();
      e.setBaseline('m', baseline(10_000));
      const r = rng(6);
      // Exports every 10 s (100 values each), evaluated after each one, at every phase of the minute.
      for (let t = T0 + 10_000; t <= T0 + 15 * MIN; t += 10_000) {
        send(e, r, t, 100);
        e.evaluate(t + 5_000);
        const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
        const by = Object.fromEntries((f?.windows ?? []).map((w) => [w.window, w.currentCount]));
        const exportsSince = (from: number): number => Math.max(0, Math.floor((t - Math.max(from, T0 + 1)) / 10_000) + 1);
        assert.equal(by['10s'], 100, `10s at ${(t - T0) / 1000} s: the export at t alone`);
        assert.equal(by['1m'], 100 * exportsSince(t - 50_000), `1m at ${(t - T0) / 1000} s`);
        // 10 whole minutes: the current one and the nine before it.
        assert.equal(by['10m'], 100 * exportsSince(Math.floor((t + 5_000) / MIN) * MIN - 9 * MIN), `10m at ${(t - T0) / 1000} s`);
      }
    });

    it('lets the 1m window decide a step that starts mid-minute at high traffic once the last 60 s are shifted', () => {
      // Windows 1m and 10m: with the default 10s window, that one would decide first (10 s after the step).
      const e = engine([MIN, 10 * MIN]);
      e.setBaseline('m', baseline(10_000));
      const r = rng(7);
      // 100 predictions/s exported every 10 s; a 1 sd step at 35 s into minute 20.
      const step = T0 + 20 * MIN + 35_000;
      let first: { at: number; window: string | null } | null = null;
      for (let t = T0 + 10_000; t <= step + 3 * MIN && first === null; t += 10_000) {
        send(e, r, t, 1000, t > step ? 1 : 0);
        e.evaluate(t);
        const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
        if (t <= step) assert.ok(['none', 'info'].includes(f?.severity ?? ''), `before the step: ${f?.severity}`);
        else if (f?.severity === 'critical') first = { at: t - step, window: f.decidingWindow ?? null };
      }
      assert.equal(first?.window, '1m');
      // Critical needs D >= 0.25 of 0.38 at full shift: about two thirds of the last minute shifted.
      assert.ok((first?.at ?? Infinity) <= 60_000, `critical ${(first?.at ?? NaN) / 1000} s after the step`);
    });

    it('lets the 10s window decide a 0.5 sd step at high traffic at the first evaluation after it, wherever it falls in the minute', () => {
      // 100 predictions/s exported every 10 s. A sliding minute must be about 76% shifted before D crosses 0.15 (46 s);
      // the last 10 s hold 1,000 samples, enough to judge, and are all shifted at the first export after the step.
      for (const phase of [0, 20_000, 50_000]) {
        const e = engine();
        e.setBaseline('m', baseline(10_000));
        const r = rng(9 + phase);
        const step = T0 + 20 * MIN + phase;
        let first: { at: number; window: string | null } | null = null;
        for (let t = T0 + 10_000; t <= step + MIN && first === null; t += 10_000) {
          send(e, r, t, 1000, t > step ? 0.5 : 0);
          e.evaluate(t);
          const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
          if (t <= step) assert.ok(['none', 'info'].includes(f?.severity ?? ''), `before the step: ${f?.severity} by ${f?.decidingWindow}`);
          else if (f?.severity === 'warning' || f?.severity === 'critical') first = { at: t - step, window: f.decidingWindow ?? null };
        }
        assert.deepEqual(first, { at: 10_000, window: '10s' }, `step at ${phase / 1000} s into the minute`);
      }
    });

    it('lets the long window decide a slow ramp at low traffic, where the shorter windows hold too few samples', () => {
      const e = engine();
      e.setBaseline('m', baseline(10_000));
      const r = rng(8);
      // 0.5 predictions/s (one export of 30 values a minute), the mean ramping by 1 sd over 2 hours.
      let decided: { minute: number; window: string | null; windows: Record<string, string> } | null = null;
      for (let i = 0; i < 180 && decided === null; i++) {
        send(e, r, T0 + i * MIN + 30_000, 30, Math.min(1, i / 120));
        e.evaluate(T0 + i * MIN + 59_000);
        const f = e.driftReport('m')?.features.find((x) => x.name === 'x');
        if (f?.severity === 'warning' || f?.severity === 'critical') {
          decided = { minute: i, window: f.decidingWindow ?? null, windows: Object.fromEntries((f.windows ?? []).map((w) => [w.window, w.severity])) };
        }
      }
      assert.ok(decided !== null, 'the ramp is flagged within 3 hours');
      assert.equal(decided.window, '1h');
      assert.deepEqual([decided.windows['10s'], decided.windows['1m'], decided.windows['10m']], ['insufficient_data', 'insufficient_data', 'insufficient_data'], '0, 30 and 300 samples: below what a warning needs');
      assert.ok(decided.minute > 60 && decided.minute < 150, `flagged at minute ${decided.minute}`);
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
