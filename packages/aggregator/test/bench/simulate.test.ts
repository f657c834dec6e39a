import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram, mapToIndex } from '@modelwatch/stats';
import { BucketSampler, normal, normalCdfPrecise, rng } from '../../bench/simulate.js';

describe('BucketSampler', () => {
  describe('sample', () => {
    it("draws the buckets of recorded N(100, 20) values at scale 5, count for count within sampling noise", () => {
      const n = 400_000;
      const r = rng(3);
      const recorded = new ExponentialHistogram({ maxSize: 160 });
      for (let i = 0; i < n; i++) recorded.record(100 + 20 * normal(r));
      const rec = recorded.toData();
      assert.equal(rec.scale, 5, 'the recorded histogram settles at scale 5');
      const drawn = new BucketSampler(100, 20, 5).sample(rng(4), n);
      assert.equal(drawn.count, n);
      assert.equal(drawn.positive.bucketCounts.reduce((a, b) => a + b, 0) + drawn.negative.bucketCounts.reduce((a, b) => a + b, 0), n);
      const at = (d: typeof rec, index: number): number => d.positive.bucketCounts[index - d.positive.offset] ?? 0;
      let worst = 0;
      for (let i = mapToIndex(40, 5); i <= mapToIndex(160, 5); i++) {
        const a = at(rec, i);
        const b = at(drawn, i);
        // Two independent binomial counts: their difference has variance about a + b.
        worst = Math.max(worst, Math.abs(a - b) / Math.sqrt(a + b));
      }
      assert.ok(worst < 4.5, `largest standardised difference ${worst.toFixed(2)}`);
    });

    it('puts values below 0 in negative buckets, by magnitude', () => {
      const d = new BucketSampler(0, 1, 3).sample(rng(5), 100_000);
      const neg = d.negative.bucketCounts.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(neg - 50_000) < 4 * Math.sqrt(25_000), `${neg} negatives of 100,000`);
      assert.equal(d.negative.offset, d.positive.offset);
    });
  });
});

describe('normalCdfPrecise', () => {
  it("keeps the far tail to relative precision (Python's math.erfc)", () => {
    // Python: 0.5 * math.erfc(5 / math.sqrt(2)) = 2.866515718791946e-07; at 8: 6.220960574271819e-16
    assert.ok(Math.abs(1 - normalCdfPrecise(-5) / 2.866515718791946e-7) < 1e-9);
    assert.ok(Math.abs(1 - normalCdfPrecise(-8) / 6.220960574271819e-16) < 1e-9);
    assert.ok(Math.abs(normalCdfPrecise(0) - 0.5) < 2e-7);
  });
});
