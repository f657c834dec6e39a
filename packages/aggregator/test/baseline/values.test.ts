import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MISSING_TOKENS, readCell } from '../../src/baseline/values.js';

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
});
