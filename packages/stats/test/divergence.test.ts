import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { histogramWasserstein, jensenShannonDistance, normalizedWasserstein, wassersteinDistance } from '../src/divergence.js';
import { ExponentialHistogram, type ExplicitHistogramData } from '../src/exponential-histogram.js';
import { assertClose, fixtures } from './helpers/fixtures.js';
import { normals } from './helpers/random.js';

function expHist(xs: readonly number[]): ExponentialHistogram {
  const h = new ExponentialHistogram();
  for (const x of xs) h.record(x);
  return h;
}

describe('jensenShannonDistance', () => {
  describe('against scipy.spatial.distance.jensenshannon(base=2)', () => {
    it(`matches every fixture case (${fixtures.jensenShannon.length}) to 1e-12 relative`, () => {
      assert.ok(fixtures.jensenShannon.length >= 50);
      for (const [i, c] of fixtures.jensenShannon.entries()) {
        assertClose(jensenShannonDistance(c.p, c.q), c.distance, 1e-12, 1e-15, `case ${i}`);
      }
    });
  });

  describe('range', () => {
    it('is 0 for identical, 1 for disjoint distributions, and always within [0, 1]', () => {
      assert.equal(jensenShannonDistance([1, 2, 3], [2, 4, 6]), 0);
      assert.equal(jensenShannonDistance([1, 0], [0, 5]), 1);
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.nat(1000), fc.nat(1000)), { minLength: 1, maxLength: 30 }).filter((t) => t.some(([a]) => a > 0) && t.some(([, b]) => b > 0)), (pairs) => {
          const d = jensenShannonDistance(pairs.map(([a]) => a), pairs.map(([, b]) => b));
          assert.ok(d >= 0 && d <= 1 + 1e-15);
        }),
      );
    });
  });

  describe('bad input', () => {
    it('names empty, mismatched, negative, NaN and all-zero inputs', () => {
      assert.throws(() => jensenShannonDistance([], []), /jensenShannonDistance: p is empty/);
      assert.throws(() => jensenShannonDistance([1], [1, 2]), /p has 1 entries but q has 2/);
      assert.throws(() => jensenShannonDistance([1, -1], [1, 2]), /p\[1\] must be non-negative/);
      assert.throws(() => jensenShannonDistance([1, 1], [Infinity, 2]), /q\[0\] must be a finite number, got Infinity/);
      assert.throws(() => jensenShannonDistance([0, 0], [1, 2]), /p is all zeros/);
    });
  });
});

describe('wassersteinDistance', () => {
  describe('against scipy.stats.wasserstein_distance', () => {
    it(`matches every fixture case (${fixtures.wasserstein.length}) to 1e-12 relative, normalised by the reference sd (ddof 0) too`, () => {
      assert.ok(fixtures.wasserstein.length >= 50);
      for (const [i, c] of fixtures.wasserstein.entries()) {
        assertClose(wassersteinDistance(c.x, c.y), c.distance, 1e-12, 1e-15, `case ${i}`);
        if (c.normalized !== null) assertClose(normalizedWasserstein(c.x, c.y), c.normalized, 1e-12, 1e-15, `case ${i} normalised`);
      }
    });
  });

  describe('properties', () => {
    it('is symmetric and equals the shift for a translated sample', () => {
      const x = normals(200, 7);
      assertClose(wassersteinDistance(x, x.map((v) => v + 0.5)), 0.5, 1e-12, 0, 'shift');
      assert.equal(wassersteinDistance(x, [1, 2]), wassersteinDistance([1, 2], x));
    });
  });

  describe('bad input', () => {
    it('names empty and non-finite samples', () => {
      assert.throws(() => wassersteinDistance([], [1]), /wassersteinDistance: x is empty/);
      assert.throws(() => wassersteinDistance([1], [NaN]), /y\[0\] must be a finite number, got NaN/);
    });
    it('documents a constant reference: 0 when nothing moved, Infinity otherwise', () => {
      assert.equal(normalizedWasserstein([3, 3], [3]), 0);
      assert.equal(normalizedWasserstein([3, 3], [4]), Infinity);
    });
  });
});

describe('histogramWasserstein', () => {
  it('is close to the raw-sample normalised distance for exponential histograms', () => {
    for (const [seed, shift] of [[11, 0], [12, 0.3], [13, 1], [14, -2]] as const) {
      const ref = normals(3000, seed, 50, 5);
      const cur = normals(3000, seed + 100, 50 + shift * 5, 5);
      const exact = normalizedWasserstein(ref, cur);
      const approx = histogramWasserstein(expHist(ref), expHist(cur));
      assert.ok(Math.abs(approx - exact) < 0.01 + 0.02 * exact, `shift ${shift}: ${approx} vs ${exact}`);
    }
  });

  it('handles negative values and the zero bucket', () => {
    const ref = [...normals(2000, 21), 0, 0, 0];
    const cur = [...normals(2000, 22, 0.5), 0];
    const exact = normalizedWasserstein(ref, cur);
    const approx = histogramWasserstein(expHist(ref), expHist(cur));
    assert.ok(Math.abs(approx - exact) < 0.02, `${approx} vs ${exact}`);
  });

  it('is 0 for identical histograms', () => {
    const h = expHist(normals(500, 3));
    assert.equal(histogramWasserstein(h, h.clone()), 0);
  });

  it('works on explicit-bucket histograms (open-ended buckets bounded by min/max)', () => {
    const bounds = [-2, -1, -0.5, 0, 0.5, 1, 2];
    const toExplicit = (xs: number[]): ExplicitHistogramData => {
      const counts = new Array<number>(bounds.length + 1).fill(0);
      for (const x of xs) {
        let k = 0;
        while (k < bounds.length && x > (bounds[k] as number)) k++;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      return { bounds, counts, count: xs.length, min: Math.min(...xs), max: Math.max(...xs) };
    };
    const ref = normals(4000, 31);
    const cur = normals(4000, 32, 0.5);
    const exact = normalizedWasserstein(ref, cur);
    const approx = histogramWasserstein(toExplicit(ref), toExplicit(cur));
    assert.ok(Math.abs(approx - exact) < 0.05, `${approx} vs ${exact}`);
  });

  it('returns Infinity for a constant reference that moved', () => {
    assert.equal(histogramWasserstein(expHist([0, 0]), expHist([1])), Infinity);
  });
});
