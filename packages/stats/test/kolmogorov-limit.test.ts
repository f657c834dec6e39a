import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kolmogorovLimitSf } from '../src/kolmogorov-limit.js';
import { assertClose, fixtures } from './helpers/fixtures.js';

describe('kolmogorovLimitSf', () => {
  it(`matches scipy kstwobign.sf on ${fixtures.kolmogorovLimit.length} points to 1e-12 relative`, () => {
    for (const c of fixtures.kolmogorovLimit) assertClose(kolmogorovLimitSf(c.x), c.sf, 1e-12, 1e-300, `x=${c.x}`);
  });
  it('is 1 at 0 and rejects NaN', () => {
    assert.equal(kolmogorovLimitSf(0), 1);
    assert.throws(() => kolmogorovLimitSf(NaN), /x is NaN/);
  });
});
