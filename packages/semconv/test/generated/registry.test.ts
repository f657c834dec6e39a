// The names issue 2 fixes (other languages' SDKs emit them) must exist with
// exactly these instruments, units and attributes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as semconv from '../../src/index.js';
import { ATTRIBUTES, EVENTS, METRICS, type MetricName } from '../../src/generated/registry.js';

function attrs(metric: MetricName): Record<string, string> {
  return Object.fromEntries(METRICS[metric].attributes.map((u) => [u.name, u.requirementLevel]));
}

describe('registry', () => {
  describe('METRICS', () => {
    const fixed: [string, string, string][] = [
      ['ml.inference.duration', 'histogram', 's'],
      ['ml.inference.active_requests', 'updowncounter', '{request}'],
      ['ml.predictions', 'counter', '{prediction}'],
      ['ml.prediction.confidence', 'histogram', '1'],
      ['ml.feature.observations', 'counter', '{observation}'],
      ['ml.feature.missing', 'counter', '{observation}'],
    ];
    for (const [name, instrument, unit] of fixed) {
      it(`defines ${name} as a ${instrument} in ${unit}`, () => {
        const m = (METRICS as Record<string, { instrument: string; unit: string }>)[name];
        assert.ok(m !== undefined, `${name} missing`);
        assert.equal(m.instrument, instrument);
        assert.equal(m.unit, unit);
      });
    }

    it('puts error.type on ml.inference.duration, required only on failure', () => {
      const use = METRICS['ml.inference.duration'].attributes.find((u) => u.name === 'error.type');
      assert.equal(use?.requirementLevel, 'conditionally_required');
      assert.match(use?.condition ?? '', /fail/);
    });

    it('advises the issue\'s latency buckets for ml.inference.duration', () => {
      assert.deepEqual([...METRICS['ml.inference.duration'].advice.explicitBucketBoundaries],
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
      assert.deepEqual(METRICS['ml.inference.duration'].advice.explicitBucketBoundaries, semconv.LATENCY_BUCKETS);
      assert.deepEqual(METRICS['ml.prediction.confidence'].advice.explicitBucketBoundaries, semconv.CONFIDENCE_BUCKETS);
    });

    it('keys predictions by label and features by name and category', () => {
      assert.ok('ml.prediction.label' in attrs('ml.predictions'));
      assert.equal(attrs('ml.feature.value')['ml.feature.name'], 'required');
      assert.equal(attrs('ml.feature.observations')['ml.feature.name'], 'required');
      assert.equal(attrs('ml.feature.observations')['ml.feature.category'], 'required');
      assert.equal(attrs('ml.feature.missing')['ml.feature.name'], 'required');
    });

    it('recommends exponential aggregation and carries the sign for feature and regression values', () => {
      for (const name of ['ml.feature.value', 'ml.prediction.value'] as const) {
        assert.equal(METRICS[name].instrument, 'histogram');
        assert.equal(METRICS[name].advice.aggregation, 'exponential_histogram');
        assert.equal(attrs(name)['ml.feature.sign'], 'conditionally_required');
      }
      assert.deepEqual(ATTRIBUTES['ml.feature.sign'].members.map((m) => m.value), ['negative']);
    });

    it('defines the aggregator outputs the issue lists', () => {
      for (const name of [
        'ml.drift.ks.statistic', 'ml.drift.ks.p_value', 'ml.drift.psi', 'ml.drift.severity', 'ml.accuracy',
        'ml.accuracy.estimated', 'ml.slo.compliance', 'ml.slo.error_budget.remaining', 'ml.slo.burn_rate', 'ml.alerts.firing',
      ]) {
        assert.ok(name in METRICS, `${name} missing`);
      }
      assert.ok('ml.segment' in attrs('ml.accuracy'));
      assert.equal(attrs('ml.slo.burn_rate')['ml.slo.window'], 'required');
    });

    it('has a METRIC_ constant for every metric and no other', () => {
      const constants = Object.entries(semconv).filter(([k]) => k.startsWith('METRIC_'));
      assert.deepEqual(constants.map(([, v]) => v).sort(), Object.keys(METRICS).sort());
      for (const [k, v] of constants) assert.equal(k, `METRIC_${String(v).toUpperCase().replace(/[.-]/g, '_')}`);
    });
  });

  describe('EVENTS', () => {
    it('defines ml.prediction with id, label or value, confidence and segment', () => {
      const uses = Object.fromEntries(EVENTS['ml.prediction'].attributes.map((u) => [u.name, u.requirementLevel]));
      assert.equal(uses['ml.prediction.id'], 'required');
      for (const a of ['ml.prediction.label', 'ml.prediction.value', 'ml.prediction.confidence', 'ml.segment']) assert.ok(a in uses, a);
      assert.equal(semconv.EVENT_ML_PREDICTION, 'ml.prediction');
    });

    it('defines ml.ground_truth with the prediction id and the true label or value', () => {
      const uses = Object.fromEntries(EVENTS['ml.ground_truth'].attributes.map((u) => [u.name, u.requirementLevel]));
      assert.equal(uses['ml.prediction.id'], 'required');
      assert.equal(uses['ml.ground_truth.label'], 'conditionally_required');
      assert.equal(uses['ml.ground_truth.value'], 'conditionally_required');
      assert.equal(semconv.EVENT_ML_GROUND_TRUTH, 'ml.ground_truth');
    });
  });

  describe('ATTRIBUTES', () => {
    it('has an ATTR_ constant for every attribute and a _VALUE_ constant for every enum member', () => {
      const exported = semconv as unknown as Record<string, unknown>;
      for (const a of Object.values(ATTRIBUTES)) {
        const constant = `ATTR_${a.name.toUpperCase().replace(/[.-]/g, '_')}`;
        assert.equal(exported[constant], a.name, constant);
        for (const m of 'members' in a ? a.members : []) {
          assert.equal(exported[`${constant}_VALUE_${m.id.toUpperCase()}`], m.value);
        }
      }
      assert.equal(semconv.ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE, 'negative');
      assert.equal(semconv.ATTR_ERROR_TYPE, 'error.type');
      assert.equal(semconv.ATTR_ML_DRIFT_SUBJECT_VALUE_PREDICTION_CONFIDENCE, 'prediction.confidence');
    });
  });
});
