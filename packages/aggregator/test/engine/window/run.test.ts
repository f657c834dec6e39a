import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Run } from '../../../src/engine/window/run.js';
import { rng } from '../helpers.js';

/** The counts of a run by bucket index. */
function byIndex(r: Run): Map<number, number> {
  const m = new Map<number, number>();
  for (let k = 0; k < r.len; k++) if ((r.c[k] as number) !== 0) m.set(r.off + k, r.c[k] as number);
  return m;
}

describe('Run', () => {
  describe('addCounts', () => {
    // The same-scale path is unrolled eight buckets at a time: every remainder
    // (lengths 0..40) and both paths (shift 0 and > 0) are compared with a
    // bucket-by-bucket reference.
    it('adds exactly the counts k0..k1 at their (shifted) indexes and returns their total', () => {
      const random = rng(7);
      for (let trial = 0; trial < 2000; trial++) {
        const run = new Run();
        const expected = new Map<number, number>();
        for (let point = 0; point < 4; point++) {
          const n = Math.floor(random() * 41) + 1;
          const counts = Float64Array.from({ length: n }, () => (random() < 0.3 ? 0 : Math.floor(random() * 300)));
          const offset = Math.floor(random() * 200) - 100;
          const shift = random() < 0.5 ? 0 : Math.floor(random() * 3) + 1;
          const k0 = Math.floor(random() * n);
          const k1 = k0 + Math.floor(random() * (n - k0));
          let total = 0;
          for (let k = k0; k <= k1; k++) {
            const v = counts[k] as number;
            total += v;
            if (v > 0) {
              const j = (offset + k) >> shift;
              expected.set(j, (expected.get(j) ?? 0) + v);
            }
          }
          assert.equal(run.addCounts(offset, counts, k0, k1, shift), total, `trial ${trial}, point ${point}: total`);
        }
        assert.deepEqual(byIndex(run), expected, `trial ${trial}: counts by index`);
      }
    });
  });
});
