import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Adwin } from '../../../src/engine/quality/adwin.js';
import { rng } from '../helpers.js';

/** Labels until the first drop is flagged after `before` stationary labels at p0, then labels at p1; -1 if none within `limit`. */
function detectionDelay(seed: number, p0: number, p1: number, before: number, limit: number): number {
  const r = rng(seed);
  const a = new Adwin();
  for (let i = 0; i < before; i++) a.add(r() < p0 ? 1 : 0);
  for (let i = 1; i <= limit; i++) {
    const c = a.add(r() < p1 ? 1 : 0);
    if (c?.direction === 'drop') return i;
  }
  return -1;
}

function falseAlarms(seed: number, p: number, n: number): number {
  const r = rng(seed);
  const a = new Adwin();
  let alarms = 0;
  for (let i = 0; i < n; i++) if (a.add(r() < p ? 1 : 0)) alarms++;
  return alarms;
}

describe('Adwin', () => {
  describe('add', () => {
    it('raises no flag over 10^5 labels at a stationary 0.90', () => {
      assert.equal(falseAlarms(42, 0.9, 100_000), 0);
    });

    it('raises no flag over 10^5 stationary labels for 8 more seeds', (t) => {
      const alarms = [1, 2, 3, 4, 5, 6, 7, 8].map((s) => falseAlarms(1000 + s, 0.9, 100_000));
      t.diagnostic(`false alarms per seed: ${alarms.join(',')}`);
      assert.deepEqual(alarms, [0, 0, 0, 0, 0, 0, 0, 0]);
    });

    it('flags a drop from 0.90 to 0.75 within 500 labels of the change', () => {
      const d = detectionDelay(7, 0.9, 0.75, 5000, 2000);
      assert.ok(d > 0 && d <= 500, `delay ${d}`);
    });

    it('flags the drop within 500 labels for 20 seeds, whatever the history length', (t) => {
      const delays = Array.from({ length: 20 }, (_, i) => detectionDelay(200 + i, 0.9, 0.75, 1000 + 1000 * (i % 10), 2000)).sort((x, y) => x - y);
      t.diagnostic(`delays (sorted): ${delays.join(',')}; median ${delays[10]}, max ${delays[19]}`);
      for (const d of delays) assert.ok(d > 0 && d <= 500, `delay ${d}`);
    });

    it('reports a rise as a rise, with the means either side of the cut', () => {
      const r = rng(3);
      const a = new Adwin();
      for (let i = 0; i < 3000; i++) a.add(r() < 0.6 ? 1 : 0);
      let change = null;
      for (let i = 0; i < 2000 && !change; i++) change = a.add(r() < 0.95 ? 1 : 0);
      assert.ok(change);
      assert.equal(change.direction, 'rise');
      assert.ok(change.before < change.after);
      assert.equal(a.drops, 0);
      assert.equal(a.changes, 1);
    });

    it('shrinks the window to the data after the change', () => {
      const r = rng(9);
      const a = new Adwin();
      for (let i = 0; i < 20_000; i++) a.add(r() < 0.9 ? 1 : 0);
      for (let i = 0; i < 3000; i++) a.add(r() < 0.5 ? 1 : 0);
      assert.ok(a.width < 4000, `width ${a.width}`);
      assert.ok(Math.abs((a.mean as number) - 0.5) < 0.05, `mean ${a.mean}`);
    });

    it('keeps the exact count and mean of a window without change', () => {
      const a = new Adwin();
      let sum = 0;
      for (let i = 0; i < 777; i++) {
        const v = i % 3 === 0 ? 0 : 1;
        sum += v;
        a.add(v);
      }
      assert.equal(a.width, 777);
      assert.ok(Math.abs((a.mean as number) - sum / 777) < 1e-12);
      assert.equal(a.seen, 777);
    });

    it('ignores NaN and clamps values to [0, 1]', () => {
      const a = new Adwin();
      a.add(Number.NaN);
      a.add(5);
      a.add(-1);
      assert.equal(a.width, 2);
      assert.equal(a.mean, 0.5);
    });
  });

  describe('constructor', () => {
    it('names the bad option', () => {
      assert.throws(() => new Adwin({ delta: 0 }), /adwin\.delta/);
      assert.throws(() => new Adwin({ maxBuckets: 1 }), /adwin\.maxBuckets/);
      assert.throws(() => new Adwin({ clock: 0.5 }), /adwin\.clock/);
      assert.throws(() => new Adwin({ minSubWindow: 0 }), /adwin\.minSubWindow/);
    });
  });

  describe('snapshot', () => {
    it('resumes exactly where it left off, through JSON', () => {
      const r = rng(11);
      const a = new Adwin();
      for (let i = 0; i < 6000; i++) a.add(r() < 0.9 ? 1 : 0);
      const b = Adwin.restore(JSON.parse(JSON.stringify(a.snapshot())));
      assert.deepEqual(b.snapshot(), a.snapshot());
      const ca = [];
      const cb = [];
      for (let i = 0; i < 3000; i++) {
        const v = r() < 0.7 ? 1 : 0;
        ca.push(a.add(v));
        cb.push(b.add(v));
      }
      assert.deepEqual(cb, ca);
      assert.ok(ca.some((c) => c !== null), 'the drop after the snapshot is detected');
      assert.equal(b.width, a.width);
    });
  });
});
