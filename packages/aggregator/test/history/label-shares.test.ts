import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelShares, LABEL_SHARE_SIGNAL } from '../../src/history/label-shares.js';
import type { PredictionDistributions } from '../../src/engine/index.js';

describe('history/label-shares', () => {
  describe('labelShares', () => {
    it('gives each predicted label its share of the current window, per model', () => {
      const dists: Record<string, PredictionDistributions> = {
        a: { model: 'a', labels: { categories: ['neg', 'pos'], reference: [5, 5], current: [1, 3] } },
        b: { model: 'b', labels: { categories: ['x'], reference: [1], current: [0] } },
        c: { model: 'c' },
      };
      const out = labelShares({ listModels: () => [{ name: 'a' }, { name: 'b' }, { name: 'c' }], predictionDistributions: (n) => dists[n] });
      assert.deepEqual(out, [
        { name: LABEL_SHARE_SIGNAL, value: 0.25, attributes: { 'ml.model.name': 'a', 'ml.prediction.label': 'neg' } },
        { name: LABEL_SHARE_SIGNAL, value: 0.75, attributes: { 'ml.model.name': 'a', 'ml.prediction.label': 'pos' } },
      ]);
    });
  });
});
