import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpWindow, type SnapshotSection } from '../../../src/engine/window/exp-window.js';
import { expHistogram, normals, rng } from '../helpers.js';
import type { ExpHistogramData } from '../../../src/engine/index.js';

/** Counts by value-ordered bucket key at a given scale, for comparing histograms. */
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

describe('ExpWindow', () => {
  describe('add', () => {
    it('holds the exact merge of its slots at the common scale', () => {
      const r = rng(1);
      const w = new ExpWindow(160);
      const all: number[] = [];
      for (let s = 0; s < 30; s++) {
        const vs = normals(r, 600, 100, 20);
        all.push(...vs);
        w.add(s, expHistogram(vs), false);
      }
      const d = w.toData();
      assert.equal(d.count, all.length);
      const direct = expHistogram(all);
      assert.ok(d.scale <= direct.scale);
      assert.deepEqual(keyed(d, d.scale), keyed(direct, d.scale));
      assert.ok(d.positive.bucketCounts.length <= 160);
    });

    it('holds the same window from counts marked as checked (typed views, zeros at the ends) as from plain arrays', () => {
      const r = rng(3);
      const plain = new ExpWindow(160);
      const checked = new ExpWindow(160);
      for (let s = 0; s < 20; s++) {
        const h = expHistogram(normals(r, 300, 100, 20));
        // Zeros at both ends, as a sender may write them; the checked path skips only those.
        const padded = (c: number[]): Float64Array => Float64Array.from([0, 0, ...c, 0]);
        plain.add(s, h, false);
        checked.add(
          s,
          { ...h, countsChecked: true, positive: { offset: h.positive.offset - 2, bucketCounts: padded(h.positive.bucketCounts) }, negative: { offset: 0, bucketCounts: new Float64Array(3) } },
          false,
        );
      }
      assert.deepEqual(checked.toData(), plain.toData());
      assert.deepEqual(checked.snapshot(), plain.snapshot());
    });

    it('folds a sign=negative stream onto the negative side, index for index', () => {
      const w = new ExpWindow(160);
      const mags = [0.5, 1.5, 3, 7];
      const h = expHistogram(mags);
      w.add(0, h, true);
      const d = w.toData();
      assert.deepEqual(d.positive.bucketCounts, []);
      assert.deepEqual(d.negative, h.positive);
      assert.equal(d.scale, h.scale);
    });

    it('merges many exports into the newest slot alike whether or not it was packed in between', () => {
      const r = rng(4);
      const points = Array.from({ length: 6 }, () => expHistogram(normals(r, 200, 100, 20)));
      const later = expHistogram(normals(r, 200, 100, 20));
      // `a` is packed and unpacked again between its points (expiry and a snapshot seal the open slot); `b` never is.
      const a = new ExpWindow(160);
      const b = new ExpWindow(160);
      points.forEach((p, i) => {
        a.add(7, p, false);
        b.add(7, p, false);
        if (i === 2) a.expire(0);
        if (i === 4) a.snapshot();
      });
      assert.deepEqual(a.snapshot(), b.snapshot());
      assert.equal(a.slotCount, 1);
      assert.equal(a.count, points.reduce((n, p) => n + p.count, 0));
      a.add(8, later, false);
      assert.equal(a.slotCount, 2);
      a.expire(7);
      assert.equal(a.count, later.count);
      assert.deepEqual(keyed(a.toData(), a.scale), keyed(later, a.scale));
    });

    it('holds the same window whether points join the open slot directly or through the full range check', () => {
      // `sealed` is packed after every point, so each one takes the full path
      // (unpack, range check on both signs and the totals); `open` keeps its
      // newest slot unpacked, so points inside its range at no finer scale
      // join it directly. Points vary in scale (narrow spreads are finer),
      // range (some outside the open slot's), zero counts and sign.
      // With 24 buckets the range check decides the scale; with 160 it rarely does.
      for (const maxBuckets of [160, 24]) {
        const r = rng(11);
        const sealed = new ExpWindow(maxBuckets);
        const open = new ExpWindow(maxBuckets);
        for (let i = 0; i < 400; i++) {
          const slot = 3 + Math.floor(i / 40);
          const spread = [20, 5, 0.5, 60, 2][i % 5] as number;
          const values = normals(r, 50 + (i % 7) * 30, 100, spread);
          if (i % 13 === 0) values.push(0, 0);
          if (i % 29 === 0) values.push(-7);
          const p = expHistogram(values, maxBuckets);
          const negate = i % 97 === 96;
          assert.equal(sealed.add(slot, p, negate), true);
          assert.equal(open.add(slot, p, negate), true);
          sealed.snapshot();
        }
        assert.deepEqual(open.snapshot(), sealed.snapshot(), `maxBuckets ${maxBuckets}`);
        assert.deepEqual(open.toData(), sealed.toData(), `maxBuckets ${maxBuckets}`);
      }
    });

    it('downscales for a point just past the range of the open slot, or coarser than the window, as for any other', () => {
      const pt = (scale: number, offset: number, counts: number[]): Parameters<ExpWindow['add']>[1] => ({
        scale,
        zeroCount: 0,
        positive: { offset, bucketCounts: counts },
        negative: { offset: 0, bucketCounts: [] },
      });
      const cases: [string, Parameters<ExpWindow['add']>[1]][] = [
        ['above', pt(0, 0, [1, 1, 1, 1])],
        ['below', pt(0, -4, [1, 1, 1, 1])],
        ['coarser', pt(-1, -1, [1, 1])],
      ];
      for (const [name, third] of cases) {
        const w = new ExpWindow(4);
        const reference = new ExpWindow(4);
        // Two points for slot 1 open it, covering buckets -2..1 at scale 0: the window's whole budget.
        for (const p of [pt(0, -2, [1, 0, 0, 1]), pt(0, -1, [1, 1])]) {
          w.add(1, p, false);
          reference.add(1, p, false);
          reference.snapshot();
        }
        w.add(1, third, false);
        reference.add(1, third, false);
        const d = w.toData();
        assert.ok(d.scale < 0, `${name}: scale ${d.scale}`);
        assert.ok(d.positive.bucketCounts.length <= 4, `${name}: ${d.positive.bucketCounts.length} buckets`);
        assert.equal(d.count, 4 + Array.from(third.positive.bucketCounts).reduce((a, b) => a + b, 0), name);
        assert.deepEqual(d, reference.toData(), name);
      }
    });

    it('refuses a point with a negative, NaN or infinite count on either sign and changes nothing', () => {
      const w = new ExpWindow(160);
      w.add(3, expHistogram([1, 2, 3]), false);
      w.add(3, expHistogram([4, 5]), false); // the newest slot is now open
      const before = JSON.stringify(w.snapshot());
      const count = w.count;
      for (const v of [-1, Number.NaN, Infinity]) {
        for (const side of ['positive', 'negative'] as const) {
          const p = expHistogram([1, 2, -3, 200]);
          p[side].bucketCounts[p[side].bucketCounts.length - 1] = v;
          assert.equal(w.add(3, p, false), false, `${side} ${v}`);
          assert.equal(w.add(9, p, true), false, `${side} ${v} negated`);
          assert.equal(w.count, count);
        }
      }
      assert.equal(JSON.stringify(w.snapshot()), before);
      assert.equal(w.add(3, expHistogram([1]), false), true);
    });

    it('merges a late point into its (older) slot', () => {
      const w = new ExpWindow(160);
      w.add(5, expHistogram([1, 2, 3]), false);
      w.add(3, expHistogram([4]), false);
      assert.equal(w.slotCount, 2);
      w.expire(4);
      assert.equal(w.count, 3);
    });
  });

  describe('expire', () => {
    it('subtracts expired slots exactly and empties the window', () => {
      const r = rng(2);
      const w = new ExpWindow(160);
      const kept: number[] = [];
      for (let s = 0; s < 10; s++) {
        const vs = normals(r, 100, 50, 5);
        if (s >= 6) kept.push(...vs);
        w.add(s, expHistogram(vs), false);
        w.add(s, expHistogram([1e3]), false);
      }
      w.expire(5);
      assert.equal(w.count, kept.length + 4);
      assert.equal(w.slotCount, 4);
      w.expire(9);
      assert.equal(w.count, 0);
      assert.equal(w.empty, true);
    });
  });

  describe('add (bounded)', () => {
    it('drops slots a window older than a new point, so bytes stay at one window between evaluations', () => {
      const w = new ExpWindow(160, 10);
      for (let s = 0; s < 25; s++) w.add(s, expHistogram([1, 2, 3, 4]), false);
      assert.equal(w.slotCount, 10);
      assert.equal(w.count, 40);
    });
  });

  describe('snapshot', () => {
    it('restores to the same data and keeps accepting points', () => {
      const r = rng(3);
      const w = new ExpWindow(160);
      for (let s = 0; s < 5; s++) w.add(s, expHistogram(normals(r, 50, -10, 3)), false);
      const json = JSON.parse(JSON.stringify(w.snapshot())) as ReturnType<ExpWindow['snapshot']>;
      const back = ExpWindow.restore(160, json);
      assert.deepEqual(back.toData(), w.toData());
      back.expire(2);
      w.expire(2);
      assert.deepEqual(back.toData(), w.toData());
    });

    it('with a section list, puts copies of its arrays there and restores from them to the same data', () => {
      const r = rng(4);
      const w = new ExpWindow(160);
      for (let s = 0; s < 5; s++) w.add(s, expHistogram(normals(r, 50, -10, 3)), false);
      const sections: SnapshotSection[] = [];
      const snap = w.snapshot(sections);
      assert.equal(typeof snap.slots, 'number');
      assert.deepEqual(sections.map((a) => a.constructor.name), ['Float64Array', 'Float64Array', 'Uint8Array']);
      const v1 = w.snapshot();
      // Later points do not reach the copies.
      w.add(5, expHistogram(normals(r, 50, 10, 3)), false);
      const back = ExpWindow.restore(160, snap, 60, sections);
      assert.deepEqual(back.toData(), ExpWindow.restore(160, v1).toData());
      back.add(5, expHistogram(normals(rng(4), 50, 10, 3)), false);
      assert.equal(back.count, w.count);
    });

    it('refuses a snapshot whose section is missing or of another type, naming it', () => {
      const w = new ExpWindow(160);
      w.add(0, expHistogram([1, 2, 3]), false);
      const sections: SnapshotSection[] = [];
      const snap = w.snapshot(sections);
      assert.throws(() => ExpWindow.restore(160, snap, 60, sections.slice(0, 2)), /section 2 is missing \(2 sections\), expected a Uint8Array/);
      assert.throws(() => ExpWindow.restore(160, snap, 60, [sections[2] as Uint8Array, ...sections.slice(1)]), /section 0 is a Uint8Array, expected a Float64Array/);
    });
  });
});
