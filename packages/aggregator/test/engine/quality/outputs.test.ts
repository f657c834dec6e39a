import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  METRIC_ML_ACCURACY,
  METRIC_ML_ACCURACY_CHANGE,
  METRIC_ML_ACCURACY_ESTIMATED,
  METRIC_ML_ACCURACY_ROLLING,
  METRIC_ML_CLASSIFICATION_F1,
  METRIC_ML_CLASSIFICATION_PRECISION,
  METRIC_ML_CLASSIFICATION_RECALL,
  METRIC_ML_REGRESSION_BIAS,
  METRIC_ML_REGRESSION_MAE,
  METRIC_ML_REGRESSION_RMSE,
  METRIC_ML_CALIBRATION_ERROR,
  METRIC_ML_CONFUSION_MATRIX,
  METRIC_ML_GROUND_TRUTH_LABELS,
  METRIC_ML_GROUND_TRUTH_PENDING,
} from '@modelwatch/semconv';
import { QualityTracker, qualityOutputs } from '../../../src/engine/quality/index.js';
import { T0 } from './scenario.js';

describe('qualityOutputs', () => {
  it('turns a report into gauges with registry names and attributes', () => {
    const q = new QualityTracker({ task: 'classification' });
    const rows: [string, string, string, number][] = [
      ['a', 'x', 'x', 0.9],
      ['b', 'x', 'y', 0.8],
      ['c', 'y', 'y', 0.7],
    ];
    rows.forEach(([id, pred, truth, c]) => {
      q.recordPrediction({ id, time: T0, label: pred, confidence: c, segment: id === 'c' ? 'web' : 'app' }, T0);
      q.recordGroundTruth({ id, label: truth }, T0 + 1);
    });
    q.recordPrediction({ id: 'd', time: T0, label: 'x', confidence: 0.6 }, T0);
    const out = qualityOutputs(q.report(T0 + 2), { 'ml.model.name': 'm' });
    const find = (name: string, attrs: Record<string, string> = {}) =>
      out.filter((o) => o.name === name && Object.entries(attrs).every(([k, v]) => o.attributes[k] === v));
    assert.equal(find(METRIC_ML_ACCURACY)[0]!.value, 2 / 3);
    assert.equal(find(METRIC_ML_ACCURACY, { 'ml.segment': 'app' })[0]!.value, 0.5);
    assert.equal(find(METRIC_ML_ACCURACY, { 'ml.segment': 'web' })[0]!.value, 1);
    assert.equal(find(METRIC_ML_CONFUSION_MATRIX, { 'ml.ground_truth.label': 'y', 'ml.prediction.label': 'x' })[0]!.value, 1);
    assert.equal(find(METRIC_ML_CONFUSION_MATRIX).length, 3);
    assert.equal(find(METRIC_ML_GROUND_TRUTH_PENDING)[0]!.value, 1);
    assert.equal(find(METRIC_ML_GROUND_TRUTH_LABELS, { 'ml.ground_truth.outcome': 'joined' })[0]!.value, 3);
    assert.equal(find(METRIC_ML_ACCURACY_ESTIMATED).length, 1);
    assert.equal(find(METRIC_ML_CALIBRATION_ERROR).length, 1);
    assert.equal(find(METRIC_ML_ACCURACY_ROLLING)[0]!.value, 2 / 3);
    assert.equal(find(METRIC_ML_ACCURACY_CHANGE)[0]!.value, 0);
    // Class x: predicted twice, right once (precision 1/2); truly x once, found (recall 1).
    assert.equal(find(METRIC_ML_CLASSIFICATION_PRECISION, { 'ml.prediction.label': 'x' })[0]!.value, 0.5);
    assert.equal(find(METRIC_ML_CLASSIFICATION_RECALL, { 'ml.prediction.label': 'x' })[0]!.value, 1);
    assert.equal(find(METRIC_ML_CLASSIFICATION_F1, { 'ml.prediction.label': 'x' })[0]!.value, 2 / 3);
    q.recordGroundTruth({ id: 'b', label: 'x' }, T0 + 3);
    const relabeled = qualityOutputs(q.report(T0 + 4), { 'ml.model.name': 'm' });
    assert.equal(relabeled.find((o) => o.name === METRIC_ML_GROUND_TRUTH_LABELS && o.attributes['ml.ground_truth.outcome'] === 'relabeled')!.value, 1);
    for (const o of out) assert.equal(o.attributes['ml.model.name'], 'm');
  });

  it('exports MAE, RMSE and bias for a regression model, overall and per segment', () => {
    const q = new QualityTracker({ task: 'regression' });
    q.recordPrediction({ id: 'a', time: T0, value: 3, segment: 's' }, T0);
    q.recordPrediction({ id: 'b', time: T0, value: 10 }, T0);
    q.recordGroundTruth({ id: 'a', value: 1 }, T0 + 1);
    q.recordGroundTruth({ id: 'b', value: 14 }, T0 + 1);
    const out = qualityOutputs(q.report(T0 + 2), { 'ml.model.name': 'm' });
    const overall = (name: string) => out.find((o) => o.name === name && o.attributes['ml.segment'] === undefined)?.value;
    assert.equal(overall(METRIC_ML_REGRESSION_MAE), 3);
    assert.equal(overall(METRIC_ML_REGRESSION_RMSE), Math.sqrt((4 + 16) / 2));
    assert.equal(overall(METRIC_ML_REGRESSION_BIAS), (2 - 4) / 2);
    assert.equal(out.find((o) => o.name === METRIC_ML_REGRESSION_MAE && o.attributes['ml.segment'] === 's')?.value, 2);
  });

  it('exports no accuracy gauges for a regression model', () => {
    const q = new QualityTracker({ task: 'regression' });
    q.recordPrediction({ id: 'a', time: T0, value: 3 }, T0);
    const out = qualityOutputs(q.report(T0), { 'ml.model.name': 'm' });
    assert.deepEqual(out.map((o) => o.name).filter((n) => n.startsWith('ml.accuracy') || n === METRIC_ML_CONFUSION_MATRIX), []);
    assert.equal(out.find((o) => o.name === METRIC_ML_GROUND_TRUTH_PENDING)!.value, 1);
  });
});
