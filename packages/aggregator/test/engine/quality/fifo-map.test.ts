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
  });
});
