import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyRow, rowElement, rowStatistic, rowView, type RowView } from '../../src/onnxruntime/tensor.js';

const tensor = (type: string, data: ArrayLike<number | bigint>, dims: number[], location?: string): unknown => ({
  type, data, dims, ...(location === undefined ? {} : { location }),
});
const view = (data: number[], dims: number[]): RowView => {
  const v = rowView(tensor('float32', Float32Array.from(data), dims));
  assert.ok(v);
  return v;
};

describe('tensor', () => {
  describe('rowView', () => {
    it('treats the first dimension of a rank >= 2 tensor as the batch', () => {
      const v = view([1, 2, 3, 4, 5, 6], [2, 3]);
      assert.equal(v.rows, 2);
      assert.equal(v.width, 3);
      const v3 = view(Array.from({ length: 12 }, (_, i) => i), [2, 3, 2]);
      assert.equal(v3.rows, 2);
      assert.equal(v3.width, 6);
    });

    it('treats a rank-1 tensor as one row', () => {
      const v = view([1, 2, 3], [3]);
      assert.equal(v.rows, 1);
      assert.equal(v.width, 3);
    });

    it('reads int64 tensors, whose data are bigints', () => {
      const v = rowView(tensor('int64', BigInt64Array.from([3n, -7n]), [1, 2]));
      assert.ok(v);
      assert.equal(rowStatistic(v, 0, 'min'), -7);
    });

    it('refuses strings, float16 bits, GPU tensors and inconsistent dims', () => {
      assert.equal(rowView(tensor('string', ['a'] as unknown as number[], [1])), undefined);
      assert.equal(rowView(tensor('float16', Uint16Array.from([15360]), [1])), undefined);
      assert.equal(rowView(tensor('float32', new Float32Array(2), [2], 'gpu-buffer')), undefined);
      assert.equal(rowView(tensor('float32', new Float32Array(3), [2, 2])), undefined);
      assert.equal(rowView(tensor('float32', [1, 2] as unknown as Float32Array, [2])), undefined);
      assert.equal(rowView(null), undefined);
      assert.equal(rowView({}), undefined);
    });

    it('accepts an empty batch as zero rows', () => {
      const v = rowView(tensor('float32', new Float32Array(0), [0, 4]));
      assert.ok(v);
      assert.equal(v.rows, 0);
    });
  });

  describe('rowStatistic', () => {
    it('computes mean, min and max of each row separately', () => {
      const v = view([1, 2, 6, -4, 0, 10], [2, 3]);
      assert.equal(rowStatistic(v, 0, 'mean'), 3);
      assert.equal(rowStatistic(v, 0, 'min'), 1);
      assert.equal(rowStatistic(v, 0, 'max'), 6);
      assert.equal(rowStatistic(v, 1, 'mean'), 2);
      assert.equal(rowStatistic(v, 1, 'min'), -4);
      assert.equal(rowStatistic(v, 1, 'max'), 10);
    });

    it('gives NaN when the row holds a NaN, so the feature counts as missing', () => {
      const v = view([1, Number.NaN, 3], [1, 3]);
      for (const s of ['mean', 'min', 'max'] as const) assert.ok(Number.isNaN(rowStatistic(v, 0, s)), s);
    });
  });

  describe('rowElement', () => {
    it('reads a column of a row, and NaN past the row end', () => {
      const v = view([1, 2, 3, 4, 5, 6], [2, 3]);
      assert.equal(rowElement(v, 1, 2), 6);
      assert.ok(Number.isNaN(rowElement(v, 0, 3)));
    });
  });

  describe('classifyRow', () => {
    it('takes the argmax and its probability', () => {
      const v = view([0.2, 0.7, 0.1, 0.5, 0.25, 0.25], [2, 3]);
      assert.deepEqual(classifyRow(v, 0, 'probabilities'), { classIndex: 1, confidence: Math.fround(0.7) });
      assert.deepEqual(classifyRow(v, 1, 'probabilities'), { classIndex: 0, confidence: 0.5 });
    });

    it('keeps the first of tied maxima, like numpy argmax', () => {
      const v = view([0.4, 0.4, 0.2], [1, 3]);
      assert.equal(classifyRow(v, 0, 'probabilities')?.classIndex, 0);
    });

    it('applies softmax to logits, stable for large values', () => {
      const logits = [1, 3, -2];
      const c = classifyRow(view(logits, [1, 3]), 0, 'logits');
      const z = logits.reduce((s, x) => s + Math.exp(x), 0);
      assert.equal(c?.classIndex, 1);
      assert.ok(Math.abs((c?.confidence ?? 0) - Math.exp(3) / z) < 1e-12);
      const big = classifyRow(view([1000, 999, 0], [1, 3]), 0, 'logits');
      assert.ok(Math.abs((big?.confidence ?? 0) - 1 / (1 + Math.exp(-1))) < 1e-12);
    });

    it('reads one column as P(class 1), or as its logit through a sigmoid', () => {
      assert.deepEqual(classifyRow(view([0.8], [1, 1]), 0, 'probabilities'), { classIndex: 1, confidence: Math.fround(0.8) });
      const low = classifyRow(view([0.25], [1, 1]), 0, 'probabilities');
      assert.deepEqual(low, { classIndex: 0, confidence: 0.75 });
      const logit = classifyRow(view([-2], [1, 1]), 0, 'logits');
      assert.equal(logit?.classIndex, 0);
      assert.ok(Math.abs((logit?.confidence ?? 0) - (1 - 1 / (1 + Math.exp(2)))) < 1e-12);
    });

    it('returns undefined for an empty or all-NaN row', () => {
      assert.equal(classifyRow(view([Number.NaN, Number.NaN], [1, 2]), 0, 'probabilities'), undefined);
      assert.equal(classifyRow(view([Number.NaN], [1, 1]), 0, 'probabilities'), undefined);
    });
  });
});
