import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointFormatError, decodeCheckpoint, encodeCheckpoint, isBinaryCheckpoint } from '../../src/store/checkpoint-format.js';

describe('checkpoint format', () => {
  describe('encodeCheckpoint', () => {
    it('round-trips the JSON value and the sections, in order and of their kind', () => {
      const sections = [new Uint8Array([1, 2, 3]), new Float64Array([0.5, 2 ** 53, -1]), new Uint8Array(0), new Float64Array(0)];
      const value = { engine: { slots: 0, pos: [4, 1] }, delta: 'text', n: null };
      const data = encodeCheckpoint(value, sections);
      assert.ok(isBinaryCheckpoint(data));
      const back = decodeCheckpoint(data);
      assert.deepEqual(back.value, value);
      assert.deepEqual(back.sections, sections);
    });

    it('starts every section at a multiple of 8 bytes, so Float64Arrays are views, not copies', () => {
      const data = encodeCheckpoint({ a: 'xyz' }, [new Uint8Array(3), new Float64Array([1, 2])]);
      const f = decodeCheckpoint(data).sections[1] as Float64Array;
      assert.equal(f.buffer, data.buffer);
      assert.equal(f.byteOffset % 8, 0);
    });

    it('refuses a value with no JSON form', () => {
      assert.throws(() => encodeCheckpoint(undefined, []), /has no JSON form/);
    });
  });

  describe('decodeCheckpoint', () => {
    it('reads sections at an unaligned offset (a copy)', () => {
      const data = encodeCheckpoint({}, [new Float64Array([3, 4])]);
      const shifted = new Uint8Array(data.length + 1).subarray(1);
      shifted.set(data);
      assert.deepEqual(decodeCheckpoint(shifted).sections[0], new Float64Array([3, 4]));
    });

    it('names what is wrong: no header, a newer version, truncation, an unknown section kind', () => {
      assert.throws(() => decodeCheckpoint(new TextEncoder().encode('{"format":1}')), (e: Error) => e instanceof CheckpointFormatError && /no MWCP header/.test(e.message));
      const data = encodeCheckpoint({ a: 1 }, [new Uint8Array(16)]);
      const newer = data.slice();
      new DataView(newer.buffer).setUint32(4, 2, true);
      assert.throws(() => decodeCheckpoint(newer), /format version 2 is unknown to this modelwatch, which reads version 1/);
      assert.throws(() => decodeCheckpoint(data.subarray(0, data.length - 8)), /truncated: section 0 ends at byte/);
      const odd = data.slice();
      odd[16] = 9;
      assert.throws(() => decodeCheckpoint(odd), /section 0 has kind 9/);
    });
  });
});
