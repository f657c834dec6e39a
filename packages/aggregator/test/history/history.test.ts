import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignalHistory, HISTORY_MAX_POINTS, type SignalHistoryConfig } from '../../src/history/history.js';
import type { OutputSignal, SnapshotSection } from '../../src/engine/index.js';

const S = 1000;
const T0 = 1_700_000_000_000;

function history(over: Partial<SignalHistoryConfig> = {}): SignalHistory {
  return new SignalHistory({ intervalMs: 30 * S, retentionMs: 5 * 30 * S, maxSeriesPerModel: 10, maxModels: 10, ...over });
}

const sig = (model: string | undefined, name: string, value: number, extra: OutputSignal['attributes'] = {}): OutputSignal => ({
  name,
  value,
  attributes: model === undefined ? { ...extra } : { 'ml.model.name': model, ...extra },
});

/** The points of the one series of `signal` (no attributes but the model). */
function points(h: SignalHistory, model: string, signal: string, since?: number): Array<[number, number]> {
  const q = h.query(model, signal, since);
  assert.ok(q !== undefined, `${model} has history of ${signal}`);
  assert.equal(q.length, 1);
  return q[0]!.points;
}

describe('SignalHistory', () => {
  describe('constructor', () => {
    it('throws naming the option out of range', () => {
      assert.throws(() => history({ intervalMs: 0 }), /intervalMs/);
      assert.throws(() => history({ retentionMs: 10 * S }), /retentionMs must be at least intervalMs/);
      assert.throws(() => history({ intervalMs: 1, retentionMs: HISTORY_MAX_POINTS + 1 }), /at most 100000 points/);
      assert.throws(() => history({ maxSeriesPerModel: 0 }), /maxSeriesPerModel/);
      assert.throws(() => history({ maxModels: -1 }), /maxModels/);
    });

    it('keeps floor(retention / interval) points per series', () => {
      assert.equal(history({ intervalMs: 30 * S, retentionMs: 6 * 3600 * S }).capacity, 720);
      assert.equal(history({ intervalMs: 7 * S, retentionMs: 30 * S }).capacity, 4);
    });
  });

  describe('record', () => {
    it('records only when an interval has passed since the last point, whatever the tick', () => {
      const h = history();
      const recorded: number[] = [];
      // A tick every 10 s, a point every 30 s.
      for (let t = 0; t <= 100 * S; t += 10 * S) if (h.record([sig('m', 'rate', t / S)], T0 + t)) recorded.push(t / S);
      assert.deepEqual(recorded, [0, 30, 60, 90]);
      assert.deepEqual(points(h, 'm', 'rate'), [0, 30, 60, 90].map((s) => [T0 + s * S, s]));
    });

    it('records a tick a little early, as ticks at the same period come a few ms either side', () => {
      const h = history();
      assert.equal(h.record([sig('m', 'rate', 1)], T0), true);
      assert.equal(h.record([sig('m', 'rate', 2)], T0 + 29_990), true);
      assert.equal(h.record([sig('m', 'rate', 3)], T0 + 29_990 + 20 * S), false, 'two thirds of an interval is too early');
    });

    it('records nothing while the clock is behind the last point', () => {
      const h = history();
      h.record([sig('m', 'rate', 1)], T0);
      assert.equal(h.record([sig('m', 'rate', 2)], T0 - 3600 * S), false);
      assert.equal(h.record([sig('m', 'rate', 3)], T0 + 30 * S), true);
      assert.deepEqual(points(h, 'm', 'rate'), [[T0, 1], [T0 + 30 * S, 3]]);
    });

    it('keeps only per-model signals, and no non-finite value', () => {
      const h = history();
      h.record([sig(undefined, 'ml.aggregator.accepted', 5), sig('m', 'rate', Number.NaN), sig('m', 'ratio', Number.POSITIVE_INFINITY), sig('m', 'up', 1)], T0);
      assert.deepEqual(h.signals('m'), [{ name: 'up', series: 1 }]);
      assert.deepEqual(h.signals('nobody'), []);
    });

    it('leaves a gap where a series is absent at a recorded time', () => {
      const h = history();
      h.record([sig('m', 'a', 1), sig('m', 'b', 1)], T0);
      h.record([sig('m', 'a', 2)], T0 + 30 * S);
      h.record([sig('m', 'a', 3), sig('m', 'b', 3)], T0 + 60 * S);
      assert.deepEqual(points(h, 'm', 'b'), [[T0, 1], [T0 + 60 * S, 3]]);
    });

    it('wraps the ring keeping exactly the last N points, in time order', () => {
      const h = history(); // 5 points
      for (let i = 0; i < 12; i++) h.record([sig('m', 'rate', i)], T0 + i * 30 * S);
      assert.deepEqual(points(h, 'm', 'rate'), [7, 8, 9, 10, 11].map((i) => [T0 + i * 30 * S, i]));
      assert.deepEqual(points(h, 'm', 'rate', T0 + 9 * 30 * S), [9, 10, 11].map((i) => [T0 + i * 30 * S, i]), 'since');
    });

    it('keys a series by its other attributes in any order, the model name left out', () => {
      const h = history();
      h.record([sig('m', 'lat', 1, { 'ml.quantile': 0.5, 'ml.model.version': 'v1' }), sig('m', 'lat', 9, { 'ml.quantile': 0.99, 'ml.model.version': 'v1' })], T0);
      h.record([sig('m', 'lat', 2, { 'ml.model.version': 'v1', 'ml.quantile': 0.5 })], T0 + 30 * S);
      const q = h.query('m', 'lat');
      assert.deepEqual(q, [
        { attributes: { 'ml.quantile': 0.5, 'ml.model.version': 'v1' }, points: [[T0, 1], [T0 + 30 * S, 2]] },
        { attributes: { 'ml.quantile': 0.99, 'ml.model.version': 'v1' }, points: [[T0, 9]] },
      ]);
      assert.deepEqual(h.signals('m'), [{ name: 'lat', series: 2 }]);
    });

    it('refuses new series past maxSeriesPerModel and counts them, until a series leaves the retention', () => {
      const h = history({ maxSeriesPerModel: 3 });
      const features = (n: number): OutputSignal[] => Array.from({ length: n }, (_, i) => sig('m', 'psi', i, { 'ml.feature.name': `f${i}` }));
      h.record([...features(5), sig('other', 'psi', 1)], T0);
      assert.deepEqual(h.signals('m'), [{ name: 'psi', series: 3 }]);
      assert.equal(h.refusedSeries('m'), 2);
      assert.equal(h.refusedSeries('other'), 0, 'counted per model');
      h.record([...features(5), ...features(5)], T0 + 30 * S);
      assert.equal(h.refusedSeries('m'), 2, 'distinct series, each counted once');
      assert.deepEqual(h.query('m', 'psi')?.map((s) => s.attributes['ml.feature.name']), ['f0', 'f1', 'f2']);
      // f1..f2 stop; f0 and f4 go on. Once f1's and f2's last points have left the 5-point ring, f4 takes a place.
      for (let i = 2; i < 7; i++) {
        h.record([sig('m', 'psi', 0, { 'ml.feature.name': 'f0' }), sig('m', 'psi', 4, { 'ml.feature.name': 'f4' })], T0 + i * 30 * S);
        const expected = i < 6 ? 1 : 0;
        assert.equal(h.refusedSeries('m'), expected, `record ${i}`);
      }
      assert.deepEqual(h.query('m', 'psi')?.map((s) => [s.attributes['ml.feature.name'], s.points.length]), [['f0', 5], ['f4', 1]]);
    });

    it('forgets a model absent for longer than the retention, and refuses models past maxModels', () => {
      const h = history({ maxModels: 2 });
      h.record([sig('a', 'up', 1), sig('b', 'up', 1), sig('c', 'up', 1)], T0);
      assert.equal(h.refusedModels, 1);
      assert.deepEqual([h.hasModel('a'), h.hasModel('b'), h.hasModel('c')], [true, true, false]);
      // b goes quiet: its point stays while the ring holds it, the model for the retention (150 s), then it goes.
      for (let i = 1; i <= 4; i++) h.record([sig('a', 'up', 1)], T0 + i * 30 * S);
      assert.deepEqual(points(h, 'b', 'up'), [[T0, 1]]);
      h.record([sig('a', 'up', 1)], T0 + 5 * 30 * S);
      assert.equal(h.hasModel('b'), true, 'absent for exactly the retention');
      assert.deepEqual(h.signals('b'), [], 'its last point has left the ring');
      h.record([sig('a', 'up', 1), sig('c', 'up', 1)], T0 + 6 * 30 * S);
      assert.equal(h.hasModel('b'), false, 'absent for longer than the retention');
      assert.equal(h.hasModel('c'), true, 'its place went to c');
      assert.equal(h.refusedModels, 0);
    });
  });

  describe('boundBytesPerModel', () => {
    it('is 8 bytes per point, for the timestamps and each of maxSeriesPerModel series', () => {
      assert.equal(history({ intervalMs: 30 * S, retentionMs: 6 * 3600 * S, maxSeriesPerModel: 400 }).boundBytesPerModel, 8 * 720 * 401);
      assert.equal(history({ intervalMs: 30 * S, retentionMs: 6 * 3600 * S, maxSeriesPerModel: 400 }).boundBytesPerModel, 2_309_760);
      assert.equal(history({ intervalMs: 5 * S, retentionMs: 1800 * S, maxSeriesPerModel: 60 }).boundBytesPerModel, 8 * 360 * 61);
    });

    it('bounds the bytes a full model snapshots', () => {
      const h = history({ maxSeriesPerModel: 4 });
      for (let i = 0; i < 9; i++) h.record(Array.from({ length: 6 }, (_, k) => sig('m', 's', i, { k })), T0 + i * 30 * S);
      const sections: SnapshotSection[] = [];
      h.snapshot(sections);
      assert.equal(sections.length, 1);
      assert.equal(sections[0]!.byteLength, h.boundBytesPerModel, 'full ring, full series: exactly the bound');
    });
  });

  describe('snapshot and restore', () => {
    const filled = (): SignalHistory => {
      const h = history({ maxSeriesPerModel: 3 });
      for (let i = 0; i < 8; i++) {
        const s = [sig('m', 'rate', i * 1.5), sig('m', 'lat', i / 7, { 'ml.quantile': 0.5 }), sig('n', 'up', i % 2)];
        if (i % 3 === 0) s.push(sig('m', 'psi', 1e-300 * i, { 'ml.feature.name': 'x' }), sig('m', 'psi', 2, { 'ml.feature.name': 'y' }));
        h.record(s, T0 + i * 30 * S + (i % 2));
      }
      return h;
    };
    const everything = (h: SignalHistory): unknown =>
      ['m', 'n'].map((model) => ({ signals: h.signals(model), refused: h.refusedSeries(model), series: h.signals(model).map((s) => h.query(model, s.name)) }));

    it('round-trips: the restored history answers and snapshots as the original, and records on alike', () => {
      const h = filled();
      const sections: SnapshotSection[] = [new Uint8Array(3)]; // sections of others come first
      const snap = h.snapshot(sections);
      const r = SignalHistory.restore(h.config, JSON.parse(JSON.stringify(snap)), sections);
      assert.deepEqual(everything(r), everything(h));
      const again: SnapshotSection[] = [new Uint8Array(3)];
      assert.deepEqual(r.snapshot(again), snap);
      assert.deepEqual(again, sections);
      for (const x of [h, r]) x.record([sig('m', 'rate', 42), sig('m', 'psi', 3, { 'ml.feature.name': 'z' })], T0 + 8 * 30 * S);
      assert.deepEqual(everything(r), everything(h));
      assert.equal(r.refusedSeries('m'), 1);
    });

    it('is not changed by records after it', () => {
      const h = filled();
      const sections: SnapshotSection[] = [];
      const snap = h.snapshot(sections);
      const copy = sections.map((s) => s.slice());
      h.record([sig('m', 'rate', 99)], T0 + 3600 * S);
      assert.deepEqual(sections, copy);
      assert.deepEqual(everything(SignalHistory.restore(h.config, snap, sections)), everything(filled()));
    });

    it('keeps the newest rows under a shorter retention', () => {
      const h = filled();
      const sections: SnapshotSection[] = [];
      const snap = h.snapshot(sections);
      const r = SignalHistory.restore({ ...h.config, retentionMs: 30 * S }, snap, sections);
      assert.deepEqual(points(r, 'm', 'rate'), points(h, 'm', 'rate').slice(-1));
      assert.equal(r.query('m', 'psi'), undefined, 'its last point was older than the row kept');
    });

    it('throws saying what is wrong with a damaged snapshot', () => {
      const h = filled();
      const sections: SnapshotSection[] = [];
      const snap = h.snapshot(sections);
      assert.throws(() => SignalHistory.restore(h.config, { format: 'other' }, sections), /expected format "modelwatch.history\/v1"/);
      assert.throws(() => SignalHistory.restore(h.config, snap, []), /section 0 must be a Float64Array of \d+ numbers, is missing/);
      assert.throws(() => SignalHistory.restore(h.config, snap, sections.map((s) => s.slice(1))), /is a Float64Array of/);
    });
  });
});
