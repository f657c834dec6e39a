import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpWindow, type SnapshotSection } from '../../../src/engine/window/exp-window.js';
import { CountWindow } from '../../../src/engine/window/count-window.js';
import { ExplicitWindow } from '../../../src/engine/window/explicit-window.js';
import { coarseKey, lastKeyOf, slotKey } from '../../../src/engine/window/slot-grid.js';
import type { ExpHistogramData } from '../../../src/engine/index.js';
import { expHistogram, normals, rng } from '../helpers.js';

/** Counts by bucket of a histogram at `scale` (at or below its own). */
function keyed(h: ExpHistogramData, scale: number): Map<string, number> {
  const m = new Map<string, number>();
  const shift = h.scale - scale;
  const put = (k: string, v: number): void => {
    if (v > 0) m.set(k, (m.get(k) ?? 0) + v);
  };
  h.positive.bucketCounts.forEach((v, k) => put(`p${(h.positive.offset + k) >> shift}`, v));
  h.negative.bucketCounts.forEach((v, k) => put(`n${(h.negative.offset + k) >> shift}`, v));
  put('z', h.zeroCount);
  return m;
}

/** Counts by bucket of raw values at `scale`. */
function keyedValues(vs: readonly number[], scale: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of vs) {
    const k = v === 0 ? 'z' : `${v > 0 ? 'p' : 'n'}${Math.ceil(Math.log2(Math.abs(v)) * 2 ** scale) - 1}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

describe('window/slot-grid', () => {
  describe('slotKey', () => {
    it('keys a fine slot by itself while fine, by its coarse slot once aged', () => {
      assert.equal(slotKey(13, 11, 6), 13);
      assert.equal(slotKey(11, 11, 6), 6);
      assert.equal(slotKey(5, 11, 6), 0);
      assert.equal(slotKey(5, Number.NEGATIVE_INFINITY, 6), 5);
      assert.equal(coarseKey(17, 6), 12);
      assert.equal(lastKeyOf(2, 6), 17, 'coarse slot 2 is fine slots 12..17');
      assert.equal(lastKeyOf(2, 1), 2);
    });
  });

  // Fine slots of 10 s in slots of 1 min: exports every 10 s for 8 minutes.
  const grid = { ratio: 6, horizon: 6 };
  const exports = (): Array<{ j: number; vs: number[] }> => {
    const r = rng(11);
    return Array.from({ length: 48 }, (_, j) => ({ j, vs: normals(r, 50 + (j % 7) * 10, 100, 20) }));
  };

  describe('ExpWindow on a fine grid', () => {
    it('merges fine slots into their coarse slots exactly: the same histograms as a window built at the coarse slot from the same points', () => {
      const fine = new ExpWindow(160, 60, grid);
      const coarse = new ExpWindow(160, 60);
      for (const { j, vs } of exports()) {
        fine.add(j, expHistogram(vs), false);
        coarse.add(Math.floor(j / 6), expHistogram(vs), false);
      }
      // Nothing aged yet past the amortized merges: age the lot, minute by minute.
      fine.age(47);
      assert.equal(fine.slotCount, 8, 'one slot per minute once every fine slot is aged');
      assert.deepEqual(fine.toData(), coarse.toData());
      // Every coarse suffix (the last k minutes) holds the identical histogram.
      const cuts = Array.from({ length: 8 }, (_, k) => 7 - k - 1);
      assert.deepEqual(fine.suffixesData(cuts.map((c) => lastKeyOf(c, 6))), coarse.suffixesData(cuts));
      // And snapshots of the two agree slot for slot, keys aside.
      const fs = fine.snapshot();
      const cs = coarse.snapshot();
      assert.deepEqual([fs.scale, fs.zero, fs.count, fs.pos, fs.neg], [cs.scale, cs.zero, cs.count, cs.pos, cs.neg]);
    });

    it('keeps the horizon\'s fine slots apart: a window of the last k fine slots holds exactly their points, at any phase of the minute', () => {
      const all = exports();
      const w = new ExpWindow(160, 60, grid);
      for (const { j, vs } of all) {
        w.add(j, expHistogram(vs), false);
        w.age(j - grid.horizon);
        for (let k = 1; k <= grid.horizon; k++) {
          const d = w.suffixData(j - k);
          const want = all.filter((e) => e.j > j - k && e.j <= j).flatMap((e) => e.vs);
          assert.equal(d.count, want.length, `at fine slot ${j}, the last ${k}`);
          assert.deepEqual(keyed(d, d.scale), keyedValues(want, d.scale));
        }
      }
      // Six fine slots (the horizon) and the older minutes merged.
      assert.equal(w.slotCount, 6 + 7);
    });

    it('puts a point older than the horizon into its coarse slot, and one within it into its fine slot', () => {
      const w = new ExpWindow(160, 60, grid);
      for (let j = 0; j < 30; j++) w.add(j, expHistogram([1, 2, 3]), false);
      w.age(30 - grid.horizon);
      const slots = w.slotCount;
      w.add(26, expHistogram([4]), false);
      w.add(8, expHistogram([4, 4]), false);
      assert.equal(w.slotCount, slots, 'both joined slots that exist');
      assert.equal(w.suffixData(25).count, 4 * 3 + 1);
      assert.equal(w.suffixData(lastKeyOf(0, 6)).count, w.count - 18, 'the late pair is in minute 1, not minute 0');
    });

    it('gives the same windows after a snapshot round trip (JSON or sections), and ages the same way after it', () => {
      const w = new ExpWindow(160, 60, grid);
      const all = exports();
      for (const { j, vs } of all.slice(0, 40)) w.add(j, expHistogram(vs), false);
      const sections: SnapshotSection[] = [];
      const snap = w.snapshot(sections);
      assert.equal(snap.ratio, 6);
      assert.equal(typeof snap.agedTo, 'number');
      const copies = [ExpWindow.restore(160, snap, 60, sections, grid), ExpWindow.restore(160, JSON.parse(JSON.stringify(w.snapshot())) as ReturnType<ExpWindow['snapshot']>, 60, [], grid)];
      for (const x of [w, ...copies]) {
        for (const { j, vs } of all.slice(40)) x.add(j, expHistogram(vs), false);
        x.age(47 - grid.horizon);
      }
      for (const c of copies) {
        assert.deepEqual(c.suffixesData([44, 41, 35, 23]), w.suffixesData([44, 41, 35, 23]));
        assert.deepEqual(c.snapshot(), w.snapshot());
      }
    });

    it('restores a snapshot from before fine slots (slot ids) as the same one-minute slots', () => {
      const coarse = new ExpWindow(160, 60);
      for (const { j, vs } of exports()) coarse.add(Math.floor(j / 6), expHistogram(vs), false);
      const old = JSON.parse(JSON.stringify(coarse.snapshot())) as ReturnType<ExpWindow['snapshot']>;
      assert.equal(old.ratio, undefined, 'a window without fine slots writes what it always wrote');
      const w = ExpWindow.restore(160, old, 60, [], grid);
      assert.deepEqual(w.toData(), coarse.toData());
      assert.deepEqual(w.suffixesData([lastKeyOf(6, 6), lastKeyOf(3, 6)]), coarse.suffixesData([6, 3]));
      // New points of the current minute go to fine slots after the old minute.
      w.add(7 * 6 + 2, expHistogram([5, 6]), false);
      assert.equal(w.suffixData(7 * 6 + 1).count, 2);
    });
  });

  describe('CountWindow and ExplicitWindow on a fine grid', () => {
    it('merge fine slots into their coarse slots exactly: the same counts as windows built at the coarse slot', () => {
      const cats = ['a', 'b', 'c', 'd'];
      const bounds = [0.5, 0.9];
      const fineC = new CountWindow(grid);
      const coarseC = new CountWindow();
      const fineE = new ExplicitWindow(grid);
      const coarseE = new ExplicitWindow();
      const r = rng(5);
      for (let j = 0; j < 48; j++) {
        for (const c of cats) {
          const v = Math.floor(r() * 20);
          fineC.add(j, c, v);
          coarseC.add(Math.floor(j / 6), c, v);
        }
        const counts = [Math.floor(r() * 9), Math.floor(r() * 9), Math.floor(r() * 9)];
        fineE.add(j, bounds, counts);
        coarseE.add(Math.floor(j / 6), bounds, counts);
        if (j % 4 === 3) {
          fineC.age(j - grid.horizon);
          fineE.age(j - grid.horizon);
        }
      }
      fineC.age(47);
      fineE.age(47);
      for (let c = -1; c < 8; c++) {
        assert.deepEqual(fineC.suffixCounts(lastKeyOf(c, 6)), coarseC.suffixCounts(c));
        assert.deepEqual(fineE.suffixCounts(lastKeyOf(c, 6)), coarseE.suffixCounts(c));
      }
      assert.deepEqual(fineC.snapshot().slots, coarseC.snapshot().slots.map(([id, pairs]) => [id * 6, pairs]));
      assert.deepEqual(fineE.snapshot().slots, coarseE.snapshot().slots.map(([id, counts]) => [id * 6, counts]));
      // Expiry by coarse slot drops the same data.
      fineC.expire(lastKeyOf(4, 6));
      coarseC.expire(4);
      assert.deepEqual(fineC.counts(), coarseC.counts());
    });

    it('round-trip their fine slots through a snapshot, and read a snapshot from before fine slots as coarse slots', () => {
      const w = new CountWindow(grid);
      for (let j = 0; j < 20; j++) w.add(j, j % 2 ? 'x' : 'y', j);
      w.age(20 - grid.horizon - 1);
      const back = CountWindow.restore(JSON.parse(JSON.stringify(w.snapshot())) as ReturnType<CountWindow['snapshot']>, grid);
      assert.deepEqual(back.snapshot(), w.snapshot());
      assert.deepEqual(back.suffixCounts(15), w.suffixCounts(15));
      const old = { keys: ['x'], slots: [[2, [[0, 5]]], [3, [[0, 7]]]] as [number, [number, number][]][] };
      const up = CountWindow.restore(old, grid);
      assert.deepEqual(up.suffixCounts(lastKeyOf(2, 6)), { x: 7 });
      const e = ExplicitWindow.restore({ bounds: [1], slots: [[2, [1, 2]], [3, [3, 4]]] }, grid);
      assert.deepEqual(e.suffixCounts(lastKeyOf(2, 6)), [3, 4]);
      e.add(3 * 6 + 4, [1], [1, 1]);
      assert.deepEqual(e.suffixCounts(3 * 6 + 3), [1, 1], 'new data of the current minute is fine');
    });
  });

  it('agrees with direct merges and with windows built at the coarse slot over random histories (late points, expiry, restores)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = rng(seed);
      const ratio = [2, 3, 6][seed % 3] as number;
      const horizon = 1 + Math.floor(r() * ratio * 2);
      const g = { ratio, horizon };
      const hint = 3 + Math.floor(r() * 6);
      const maxBuckets = seed % 5 === 0 ? 8 : 160;
      const fine = new ExpWindow(maxBuckets, hint, g);
      const coarse = new ExpWindow(maxBuckets, hint);
      const log: { j: number; vs: number[] }[] = [];
      let j = Math.floor(r() * 20);
      let maxJ = j;
      let now = 0;
      for (let step = 0; step < 100; step++) {
        // Mostly in order, sometimes late (within or past the horizon), sometimes after a gap.
        const u = r();
        let at: number;
        if (u < 0.6) at = j += Math.floor(r() * 3);
        else if (u < 0.8) at = Math.max(0, Math.max(maxJ, now) - Math.floor(r() * (horizon + ratio * 2)));
        else at = j += Math.floor(r() * ratio * 3);
        maxJ = Math.max(maxJ, at);
        const vs = normals(r, 1 + Math.floor(r() * 30), seed % 2 ? 100 : 0, seed % 7 === 0 ? 1000 : 20).map((v) => (r() < 0.05 ? 0 : v));
        const negate = r() < 0.1;
        fine.add(at, expHistogram(vs), negate);
        coarse.add(Math.floor(at / ratio), expHistogram(vs), negate);
        log.push({ j: at, vs: negate ? vs.map((v) => -v) : vs });
        if (r() >= 0.3) continue;
        // An evaluation: age, expire, then every window against the log.
        now = Math.max(now, maxJ + Math.floor(r() * 3));
        const nowC = Math.floor(now / ratio);
        fine.age(now - horizon);
        fine.expire(lastKeyOf(nowC - hint, ratio));
        coarse.expire(nowC - hint);
        const keptFrom = (nowC - hint + 1) * ratio;
        const fineCuts = Array.from({ length: horizon }, (_, k) => now - k - 1);
        const coarseCuts = Array.from({ length: hint }, (_, k) => nowC - k - 1);
        const datas = fine.suffixesData([...fineCuts, ...coarseCuts.map((c) => lastKeyOf(c, ratio))]);
        const all = fine.toData();
        const where = `seed ${seed} step ${step}`;
        assert.deepEqual(all, coarse.toData(), where);
        assert.deepEqual(datas.slice(horizon), coarse.suffixesData(coarseCuts), where);
        fineCuts.forEach((cut, k) => {
          const want = log.filter((e) => e.j > cut && e.j >= keptFrom).flatMap((e) => e.vs);
          assert.deepEqual(keyed(datas[k] as ExpHistogramData, all.scale), keyedValues(want, all.scale), `${where}: the last ${k + 1} fine slots`);
        });
        const sections: SnapshotSection[] = [];
        assert.deepEqual(ExpWindow.restore(maxBuckets, fine.snapshot(sections), hint, sections, g).snapshot(), fine.snapshot(), where);
        const up = ExpWindow.restore(maxBuckets, JSON.parse(JSON.stringify(coarse.snapshot())) as ReturnType<ExpWindow['snapshot']>, hint, [], g);
        assert.deepEqual(up.suffixesData(coarseCuts.map((c) => lastKeyOf(c, ratio))), datas.slice(horizon), `${where}: from coarse slot ids`);
        const down = ExpWindow.restore(maxBuckets, JSON.parse(JSON.stringify(fine.snapshot())) as ReturnType<ExpWindow['snapshot']>, hint);
        assert.deepEqual(down.suffixesData(coarseCuts), datas.slice(horizon), `${where}: to coarse slot ids`);
      }
    }
  });
});
