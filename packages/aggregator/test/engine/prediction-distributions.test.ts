import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, engineConfig, BASELINE_FORMAT } from '../../src/engine/index.js';
import { metric, request } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const MODEL = { 'ml.model.name': 'm' };

describe('engine', () => {
  describe('predictionDistributions', () => {
    it('aligns the current window\'s labels and confidences with the baseline\'s', () => {
      const e = new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: {} }] }));
      e.setBaseline('m', {
        format: BASELINE_FORMAT,
        model: 'm',
        createdAt: new Date(T0).toISOString(),
        features: {},
        prediction: { labels: { neg: 6, pos: 4 }, confidence: { bounds: [0.5, 0.9], counts: [1, 5, 4] } },
      });
      const res = e.ingestMetrics(
        request(
          [
            metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': 'pos' }, value: 7, time: T0 }),
            metric({ kind: 'sum', name: 'ml.predictions', attrs: { 'ml.prediction.label': 'new' }, value: 1, time: T0 }),
            metric({ kind: 'explicit', name: 'ml.prediction.confidence', bounds: [0.5, 0.9], counts: [0, 2, 6], time: T0 }),
          ],
          MODEL,
        ),
        T0,
      );
      assert.equal(res.rejectedDataPoints, 0, res.errors.join('; '));
      assert.deepEqual(e.predictionDistributions('m'), {
        model: 'm',
        labels: { categories: ['neg', 'new', 'pos'], reference: [6, 0, 4], current: [0, 1, 7] },
        confidence: { bounds: [0.5, 0.9], reference: [1, 5, 4], current: [0, 2, 6] },
      });
      assert.equal(e.predictionDistributions('other'), undefined);
    });

    it('gives no confidence reference when the baseline\'s buckets differ', () => {
      const e = new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: {} }] }));
      e.setBaseline('m', { format: BASELINE_FORMAT, model: 'm', createdAt: new Date(T0).toISOString(), features: {}, prediction: { confidence: { bounds: [0.3], counts: [1, 1] } } });
      e.ingestMetrics(request([metric({ kind: 'explicit', name: 'ml.prediction.confidence', bounds: [0.5, 0.9], counts: [1, 1, 1], time: T0 })], MODEL), T0);
      assert.deepEqual(e.predictionDistributions('m')?.confidence, { bounds: [0.5, 0.9], reference: null, current: [1, 1, 1] });
    });
  });
});
