import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FifoMap } from '../../../src/engine/quality/fifo-map.js';
import { rng } from '../helpers.js';

describe('FifoMap', () => {
  describe('set / delete / shift', () => {
    it('keeps insertion order; a replaced entry becomes the newest', () => {
      const m = new FifoMap<number>();
      m.set('a', 1);
      m.set('b', 2);
      m.set('c', 3);
      m.set('a', 4);
      m.delete('b');
      assert.deepEqual([...m.entries()], [['c', 3], ['a', 4]]);
      assert.deepEqual(m.peek(), ['c', 3]);
      assert.deepEqual(m.shift(), ['c', 3]);
      assert.deepEqual(m.shift(), ['a', 4]);
      assert.equal(m.shift(), undefined);
      assert.equal(m.size, 0);
    });

    it('agrees with a reference model over a long random sequence (compaction included)', () => {
      const r = rng(5);
      const m = new FifoMap<number>();
      let ref: [string, number][] = [];
      for (let i = 0; i < 20_000; i++) {
        const id = `k${Math.floor(r() * 400)}`;
        const u = r();
        if (u < 0.5) {
          m.set(id, i);
          ref = ref.filter(([k]) => k !== id);
          ref.push([id, i]);
        } else if (u < 0.8) {
          assert.equal(m.delete(id), ref.some(([k]) => k === id));
          ref = ref.filter(([k]) => k !== id);
        } else {
          assert.deepEqual(m.shift(), ref.shift());
        }
        if (i % 2000 === 0) assert.deepEqual([...m.entries()], ref);
      }
      assert.deepEqual([...m.entries()], ref);
      assert.equal(m.size, ref.length);
    });

    it('holds a constant factor of its live entries when used as a bounded queue (regression: the soak found every node ever set kept)', () => {
      const m = new FifoMap<number>();
      // A bound of 2,000 entries, as the ground-truth join keeps them: each new entry pushes out the oldest.
      for (let i = 0; i < 200_000; i++) {
        m.set(`p${i}`, i);
        if (m.size > 2000) m.shift();
      }
      assert.equal(m.size, 2000);
      assert.deepEqual(m.peek(), ['p198000', 198_000]);
      // The node array is private; its length is what the heap holds.
      const held = (m as unknown as { queue: unknown[] }).queue.length;
      assert.ok(held <= 2 * 2000 + 1024, `${held} nodes held for 2000 entries`);
    });
  });
});
