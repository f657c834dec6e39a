import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ksBucketed, ksMixed, psiBucketed } from '../../src/engine/measures.js';
import { exactKs, explicitCounts, expHistogram, normals, rng } from './helpers.js';

function explicit(values: number[], bounds: number[]): { bounds: number[]; counts: number[]; count: number } {
  return { bounds, counts: explicitCounts(values, bounds), count: values.length };
}

describe('measures', () => {
  describe('ksMixed', () => {
    it('brackets the exact KS of the raw samples for exponential vs explicit buckets', () => {
      const bounds = [-40, -20, -10, -5, 0, 5, 10, 20, 25, 30, 40, 50, 75, 100];
      for (let seed = 1; seed <= 25; seed++) {
        const r = rng(seed);
        const a = normals(r, 300 + seed * 20, seed % 3 === 0 ? 0 : 20, 15);
        const b = normals(r, 200 + seed * 10, 20 + (seed % 5) * 3, 15 + (seed % 4));
        const ks = ksMixed(expHistogram(a), explicit(b, bounds));
        const d = exactKs(a, b);
        assert.ok(ks.statistic <= d + 1e-12 && d <= ks.bound + 1e-12, `seed ${seed}: ${ks.statistic} <= ${d} <= ${ks.bound}`);
        // Either orientation gives the same bounds.
        assert.deepEqual(ksBucketed(explicit(b, bounds), expHistogram(a)), ks);
      }
    });

    it('finds a clear shift through coarse explicit buckets', () => {
      const r = rng(99);
      const bounds = [0, 25, 50, 75, 100, 125, 150, 175, 200];
      const ks = ksMixed(expHistogram(normals(r, 3000, 100, 20)), explicit(normals(r, 2000, 130, 20), bounds));
      assert.ok(ks.statistic > 0.4 && ks.pValue < 1e-10);
      const psi = psiBucketed(expHistogram(normals(r, 3000, 100, 20)), explicit(normals(r, 2000, 130, 20), bounds));
      assert.ok(psi.psi > 0.25);
      const same = psiBucketed(expHistogram(normals(r, 3000, 100, 20)), explicit(normals(r, 2000, 100, 20), bounds));
      assert.ok(same.psi < 0.1, `stationary PSI ${same.psi}`);
    });
  });
});
