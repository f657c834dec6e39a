import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BaselineWarning, FeatureSummary } from '../../src/baseline/accumulator.js';
import { formatSummary } from '../../src/baseline/summary.js';

const base = { values: 10, missing: 0, distinct: 3, distinctCapped: false, nonNumericShare: 0, disguisedNumbers: 0 };

describe('summary', () => {
  describe('formatSummary', () => {
    it('prints a header and one aligned line per column, with how each type was chosen', () => {
      const columns: FeatureSummary[] = [
        { ...base, column: 'language', type: 'categorical', inferred: 'categorical', nonNumericShare: 1, missing: 2 },
        { ...base, column: 'text_length', type: 'categorical', inferred: 'categorical', distinct: 1001, distinctCapped: true, values: 2000, nonNumericShare: 1, disguisedNumbers: 2000 },
        { ...base, column: 'age', type: 'numeric', declared: 'numeric', inferred: 'numeric', nonNumericShare: 0.25 },
        { ...base, column: 'zip', type: 'categorical', declared: 'categorical', inferred: 'numeric' },
      ];
      assert.deepEqual(formatSummary({ columns, warnings: [] }), [
        'column       type                                       values  distinct  missing  non-numeric',
        'language     categorical (inferred)                         10         3        2         100%',
        'text_length  categorical (inferred)                       2000     1001+        0         100%',
        'age          numeric (declared)                             10         3        0        25.0%',
        'zip          categorical (declared; inferred: numeric)      10         3        0           0%',
      ]);
    });

    it('keeps a few non-numeric values visible instead of rounding them to 0% or 100%', () => {
      const lines = formatSummary({
        columns: [
          { ...base, column: 'a', type: 'numeric', nonNumericShare: 1 / 20_000 },
          { ...base, column: 'b', type: 'categorical', nonNumericShare: 1 - 1 / 20_000 },
        ],
        warnings: [],
      });
      assert.match(lines[1] ?? '', /<0\.1%$/);
      assert.match(lines[2] ?? '', />99\.9%$/);
    });

    it('prints each warning as "warning: <message>" after the table', () => {
      const w: BaselineWarning = { column: 'x', kind: 'disguised_numbers', count: 1, message: 'column "x": 1 of 1 values are numbers written as text' };
      const lines = formatSummary({ columns: [{ ...base, column: 'x', type: 'categorical' }], warnings: [w] });
      assert.equal(lines.length, 3);
      assert.equal(lines[2], 'warning: column "x": 1 of 1 values are numbers written as text');
    });

    it('says so when there is no feature column', () => {
      assert.deepEqual(formatSummary({ columns: [], warnings: [] }).slice(1), ['(no feature columns)']);
    });
  });
});
