import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sortedCopy } from '../src/ks/sort.js';

describe('sort', () => {
  describe('sortedCopy', () => {
    it('agrees with the built-in typed-array sort, on both sides of the radix threshold', () => {
      const special = fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, -Number.MAX_VALUE);
      const value = fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 }), special);
      fc.assert(
        fc.property(fc.array(value, { minLength: 0, maxLength: 6000 }), (values) => {
          const got = sortedCopy(values, 'v');
          const want = Float64Array.from(values).sort();
          assert.equal(got.length, want.length);
          for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `index ${i}: ${got[i]} vs ${want[i]}`);
        }),
        { numRuns: 40 },
      );
    });

    it('leaves its input untouched', () => {
      const input = new Float64Array(5000).map((_, i) => (i * 7919) % 5000 - 2500);
      const before = input.slice();
      sortedCopy(input, 'v');
      assert.deepEqual(input, before);
    });

    it('throws a RangeError naming the argument and index for NaN', () => {
      assert.throws(() => sortedCopy([0, 1, Number.NaN], 'sample'), { name: 'RangeError', message: /sample contains NaN .* index 2/ });
    });
  });
});
