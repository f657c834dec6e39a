import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquareSf, chiSquareTest } from '../src/chi-square.js';
import { assertClose, fixtures } from './helpers/fixtures.js';

describe('chiSquareTest', () => {
  describe('against scipy chi2_contingency(correction=False)', () => {
    it(`matches every fixture case (${fixtures.chiSquare.length}): statistic to 1e-12, p-value to 1e-9 relative`, () => {
      assert.ok(fixtures.chiSquare.length >= 50);
      for (const [i, c] of fixtures.chiSquare.entries()) {
        const r = chiSquareTest(c.reference, c.current);
        assertClose(r.statistic, c.statistic, 1e-12, 1e-300, `case ${i} statistic`);
        assertClose(r.pValue, c.pValue, 1e-9, 1e-300, `case ${i} p-value`);
        assert.equal(r.dof, c.dof, `case ${i} dof`);
      }
    });
  });

  describe('degenerate tables', () => {
    it('leaves out categories empty on both sides (scipy would raise) and reports fewer dof', () => {
      const withEmpty = chiSquareTest([10, 0, 20], [15, 0, 5]);
      const without = chiSquareTest([10, 20], [15, 5]);
      assert.deepEqual(withEmpty, without);
      assert.equal(without.dof, 1);
    });

    it('returns statistic 0, p-value 1, dof 0 for a single category', () => {
      assert.deepEqual(chiSquareTest([5], [9]), { statistic: 0, pValue: 1, dof: 0 });
    });
  });

  describe('bad input', () => {
    it('names empty, mismatched, negative, non-finite and all-zero inputs', () => {
      assert.throws(() => chiSquareTest([], []), /chiSquareTest: referenceCounts is empty/);
      assert.throws(() => chiSquareTest([1, 2], [1]), /referenceCounts has 2 entries but currentCounts has 1/);
      assert.throws(() => chiSquareTest([1, -2], [1, 1]), /referenceCounts\[1\] must be non-negative, got -2/);
      assert.throws(() => chiSquareTest([1, 2], [NaN, 1]), /currentCounts\[0\] must be a finite number, got NaN/);
      assert.throws(() => chiSquareTest([1, 2], [0, 0]), /currentCounts are all zero/);
    });
  });
});

describe('chiSquareSf', () => {
  it('is 1 at x = 0 and decreasing in x', () => {
    assert.equal(chiSquareSf(0, 3), 1);
    assert.ok(chiSquareSf(1, 3) > chiSquareSf(2, 3));
  });
  it('keeps precision in the far tail (no 1 - cdf cancellation)', () => {
    const p = chiSquareSf(200, 2);
    // For 2 dof the survival function is exactly exp(-x/2).
    assertClose(p, Math.exp(-100), 1e-12, 0, 'sf(200, 2)');
  });
});
