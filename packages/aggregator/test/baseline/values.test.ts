import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MISSING_TOKENS, disguisedNumber, readCell } from '../../src/baseline/values.js';

describe('values', () => {
  describe('readCell', () => {
    it('reads null, undefined, NaN, empty and NA-style texts as missing', () => {
      for (const raw of [null, undefined, Number.NaN, '', '  ', 'NA', 'NaN', 'null', 'None', ' n/a ']) {
        assert.equal(readCell(raw).kind, 'missing', JSON.stringify(raw));
      }
      assert.ok(MISSING_TOKENS.has('NaN'));
    });

    it('reads decimal texts, numbers and bigints as numbers, keeping their text', () => {
      assert.deepEqual(readCell(' -1.5e3 '), { kind: 'number', value: -1500, text: '-1.5e3' });
      assert.deepEqual(readCell('.5'), { kind: 'number', value: 0.5, text: '.5' });
      assert.deepEqual(readCell(42), { kind: 'number', value: 42, text: '42' });
      assert.deepEqual(readCell(12345678901n), { kind: 'number', value: 12345678901, text: '12345678901' });
    });

    it('does not take hex, Infinity or words for numbers', () => {
      assert.deepEqual(readCell('0x10'), { kind: 'text', text: '0x10' });
      assert.deepEqual(readCell('Infinity'), { kind: 'text', text: 'Infinity' });
      assert.deepEqual(readCell('en'), { kind: 'text', text: 'en' });
    });

    it('reads booleans as text and infinities, objects and overflowing decimals as unsupported', () => {
      assert.deepEqual(readCell(true), { kind: 'text', text: 'true' });
      assert.equal(readCell(Infinity).kind, 'unsupported');
      assert.equal(readCell('1e400').kind, 'unsupported');
      assert.deepEqual(readCell({ a: 1 }), { kind: 'unsupported', text: '{"a":1}' });
      assert.equal(readCell([1n]).kind, 'unsupported');
    });

    it('reads a Date (Parquet timestamp) as its ISO text', () => {
      assert.deepEqual(readCell(new Date(Date.UTC(2024, 0, 2))), { kind: 'text', text: '2024-01-02T00:00:00.000Z' });
    });
  });

  describe('disguisedNumber', () => {
    it('finds the number in a call wrapper: numpy 2 repr, Decimal, float32', () => {
      assert.equal(disguisedNumber('np.float64(100.02)'), 100.02);
      assert.equal(disguisedNumber('np.float64(0.53)'), 0.53);
      assert.equal(disguisedNumber('numpy.int64(-3)'), -3);
      assert.equal(disguisedNumber("Decimal('1.5')"), 1.5);
      assert.equal(disguisedNumber('Decimal("2e3")'), 2000);
      assert.equal(disguisedNumber('float32(3)'), 3);
      assert.equal(disguisedNumber(' tensor( .25 ) '), 0.25);
    });

    it('finds the number in matching single or double quotes', () => {
      assert.equal(disguisedNumber("'1.5'"), 1.5);
      assert.equal(disguisedNumber('"1.5"'), 1.5);
      assert.equal(disguisedNumber("'-7'"), -7);
    });

    it('rejects texts that are not one decimal in a wrapper', () => {
      for (const t of ['abc(x)', '1.5kg', 'v1.2.3', '1.5', '(1.5)', 'f(1, 2)', "'1.5\"", "'abc'", 'np.float64(nan)', 'np.float64(inf)', 'f(0x10)', '.f(1)', 'np.float64(1e400)', '', 'en']) {
        assert.equal(disguisedNumber(t), undefined, JSON.stringify(t));
      }
    });
  });
});
