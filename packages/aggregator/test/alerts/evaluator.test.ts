import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ALERT_CATALOGUE, resolveAlertRules, type AlertOverrides } from '@modelwatch/semconv';
import type { OutputSignal } from '../../src/engine/types.js';
import { evaluateAlerts, type AlertRuleSet } from '../../src/alerts/evaluator.js';
import { EMPTY_ALERTS_STATE } from '../../src/alerts/state.js';

const M = { 'ml.model.name': 'm', 'ml.model.version': 'v1' };
const sig = (name: string, value: number, attrs: Record<string, string | number> = {}): OutputSignal => ({ name, value, attributes: { ...M, ...attrs } });
const feature = (f: string): Record<string, string> => ({ 'ml.drift.subject': 'feature', 'ml.feature.name': f });
const burn = (w: string, v: number): OutputSignal => sig('ml.slo.burn_rate', v, { 'ml.slo.name': 'availability', 'ml.slo.type': 'availability', 'ml.slo.window': w });

/** Every rule with `for: 0s`, so one evaluation shows whether it fires. */
function immediate(extra: AlertOverrides = {}): AlertRuleSet {
  const overrides: Record<string, { for: string }> = {};
  for (const r of ALERT_CATALOGUE) overrides[r.alertname] = { for: '0s' };
  return { defaults: resolveAlertRules({ defaults: { ...overrides, ...extra } }), byModel: new Map() };
}

/** The alerts firing after one evaluation, as `alertname/severity`. */
function firing(signals: OutputSignal[], rules = immediate()): string[] {
  return evaluateAlerts(rules, signals, EMPTY_ALERTS_STATE, 0).state.active.filter((a) => a.status === 'firing').map((a) => `${a.labels['alertname']}/${a.labels['severity']}`).sort();
}

// One case per catalogue rule: signals that fire it, and signals just on the other side of its threshold.
const cases: Array<{ id: string; fires: OutputSignal[]; quiet: OutputSignal[] }> = [
  { id: 'HighErrorRate', fires: [sig('ml.inference.error_ratio', 0.06)], quiet: [sig('ml.inference.error_ratio', 0.05)] },
  { id: 'HighLatencyP95', fires: [sig('ml.inference.latency', 1.2, { 'ml.quantile': 0.95 })], quiet: [sig('ml.inference.latency', 1.2, { 'ml.quantile': 0.5 }), sig('ml.inference.latency', 0.9, { 'ml.quantile': 0.95 })] },
  { id: 'DataDriftDetected:warning', fires: [sig('ml.drift.severity', 2, feature('x'))], quiet: [sig('ml.drift.severity', 1, feature('x')), sig('ml.drift.severity', -1, feature('y')), sig('ml.drift.severity', -2, feature('z'))] },
  { id: 'DataDriftDetected:critical', fires: [sig('ml.drift.severity', 3, feature('x'))], quiet: [sig('ml.drift.severity', 2, feature('x'))] },
  { id: 'ConceptDriftDetected', fires: [sig('ml.drift.severity', 2, { 'ml.drift.subject': 'prediction.confidence' })], quiet: [sig('ml.drift.severity', 1, { 'ml.drift.subject': 'prediction.label' }), sig('ml.drift.severity', -1, { 'ml.drift.subject': 'prediction.value' }), sig('ml.drift.severity', 3, feature('x'))] },
  { id: 'LowModelAccuracy', fires: [sig('ml.accuracy', 0.6), sig('ml.accuracy.sample_count', 30)], quiet: [sig('ml.accuracy', 0.7), sig('ml.accuracy.sample_count', 500), sig('ml.accuracy', 0.1, { 'ml.segment': 'mobile' })] },
  { id: 'GroundTruthCoverageLow', fires: [sig('ml.accuracy.sample_count', 29)], quiet: [sig('ml.accuracy.sample_count', 30), sig('ml.accuracy.sample_count', 2, { 'ml.segment': 'mobile' })] },
  { id: 'HighLowConfidencePredictions', fires: [sig('ml.prediction.low_confidence_ratio', 0.25, { 'ml.prediction.confidence.threshold': 0.7 })], quiet: [sig('ml.prediction.low_confidence_ratio', 0.2)] },
  { id: 'ModelDown', fires: [sig('ml.model.up', 0)], quiet: [sig('ml.model.up', 1)] },
  { id: 'AccuracyDropDetected', fires: [sig('ml.accuracy.change', -1)], quiet: [sig('ml.accuracy.change', 0), sig('ml.accuracy.change', 1)] },
  { id: 'EstimatedAccuracyLow', fires: [sig('ml.accuracy.estimated', 0.65)], quiet: [sig('ml.accuracy.estimated', 0.75)] },
  { id: 'FeatureMissingValuesHigh', fires: [sig('ml.feature.missing_rate', 0.3, { 'ml.feature.name': 'x' })], quiet: [sig('ml.feature.missing_rate', 0.1, { 'ml.feature.name': 'x' })] },
  { id: 'SLOErrorBudgetBurn:critical', fires: [burn('1h', 15), burn('5m', 20)], quiet: [burn('1h', 15), burn('5m', 10), burn('6h', 7), burn('30m', 5)] },
  { id: 'SLOErrorBudgetBurn:warning', fires: [burn('3d', 1.5), burn('6h', 1.2)], quiet: [burn('3d', 1.5), burn('6h', 0.9), burn('1d', 2), burn('2h', 4)] },
];

describe('alerts/evaluator', () => {
  describe('evaluateAlerts over the default catalogue', () => {
    it('does not judge accuracy on too few labels: LowModelAccuracy needs 30', () => {
      assert.deepEqual(firing([sig('ml.accuracy', 0.5), sig('ml.accuracy.sample_count', 10)]), ['GroundTruthCoverageLow/info']);
    });

    it('has a case for every catalogue rule', () => {
      assert.deepEqual(cases.map((c) => c.id).sort(), ALERT_CATALOGUE.map((r) => r.id).sort());
    });
    for (const c of cases) {
      const rule = ALERT_CATALOGUE.find((r) => r.id === c.id);
      const expected = `${rule?.alertname}/${rule?.severity}`;
      it(`${c.id} fires above its threshold`, () => {
        assert.ok(firing(c.fires).includes(expected), `fired: ${firing(c.fires).join(', ')}`);
      });
      it(`${c.id} stays quiet on the other side`, () => {
        assert.ok(!firing(c.quiet).includes(expected), `fired: ${firing(c.quiet).join(', ')}`);
      });
    }

    it('labels a drift alert with the exported metrics\' Prometheus label names and shows KS and p-value', () => {
      const step = evaluateAlerts(immediate(), [
        sig('ml.drift.severity', 3, feature('text_length')),
        sig('ml.drift.ks.statistic', 0.31, feature('text_length')),
        sig('ml.drift.ks.p_value', 0.00012, feature('text_length')),
        sig('ml.drift.psi', 0.4, feature('text_length')),
      ], EMPTY_ALERTS_STATE, 0);
      const critical = step.state.active.find((a) => a.labels['severity'] === 'critical');
      assert.deepEqual(critical?.labels, { alertname: 'DataDriftDetected', severity: 'critical', ml_model_name: 'm', ml_model_version: 'v1', ml_feature_name: 'text_length' });
      assert.match(critical?.annotations['description'] ?? '', /Numeric feature: KS statistic 0\.31 \(p-value 0\.00012\)\. .* Both: PSI 0\.4\./);
      assert.match(critical?.annotations['runbook'] ?? '', /^1\. Compare the current and baseline distributions: GET \/api\/v1\/models\/m\/drift\/text_length/);
    });

    it('shows a categorical feature\'s chi-square p-value and Jensen-Shannon distance, and says why KS reads n/a (regression: the description read "KS statistic n/a" alone)', () => {
      const step = evaluateAlerts(immediate(), [
        sig('ml.drift.severity', 2, feature('country')),
        sig('ml.drift.chi_square.p_value', 0.0003, feature('country')),
        sig('ml.drift.jensen_shannon', 0.21, feature('country')),
        sig('ml.drift.psi', 0.22, feature('country')),
      ], EMPTY_ALERTS_STATE, 0);
      const warning = step.state.active.find((a) => a.labels['severity'] === 'warning');
      const description = warning?.annotations['description'] ?? '';
      assert.match(description, /Categorical feature: chi-square p-value 0\.0003, Jensen-Shannon distance 0\.21\. Both: PSI 0\.22\./);
      assert.match(description, /Numeric feature: KS statistic n\/a \(p-value n\/a\)/);
      assert.match(description, /A statistic that does not apply to this feature's kind reads n\/a/);
    });

    it('judges each model by its own rules: a per-model threshold and a rule turned off', () => {
      const rules: AlertRuleSet = {
        defaults: immediate().defaults,
        byModel: new Map([['strict', resolveAlertRules({ defaults: { HighErrorRate: { for: '0s' } }, model: { HighErrorRate: { threshold: 0.01 }, ModelDown: { enabled: false } } })]]),
      };
      const signals = [
        { name: 'ml.inference.error_ratio', value: 0.02, attributes: { 'ml.model.name': 'strict' } },
        { name: 'ml.inference.error_ratio', value: 0.02, attributes: { 'ml.model.name': 'lenient' } },
        { name: 'ml.model.up', value: 0, attributes: { 'ml.model.name': 'strict' } },
      ];
      const active = evaluateAlerts(rules, signals, EMPTY_ALERTS_STATE, 0).state.active.map((a) => `${a.labels['ml_model_name']}:${a.labels['alertname']}`);
      assert.deepEqual(active, ['strict:HighErrorRate']);
    });

    it('takes HighLatencyP95\'s threshold from twice the model\'s latency SLO', () => {
      const rules = resolveAlertRules({ defaults: { HighLatencyP95: { for: '0s' } } }, { latencySloThreshold: 0.2 });
      const set: AlertRuleSet = { defaults: rules, byModel: new Map() };
      assert.deepEqual(firing([sig('ml.inference.latency', 0.45, { 'ml.quantile': 0.95 })], set), ['HighLatencyP95/critical']);
      assert.deepEqual(firing([sig('ml.inference.latency', 0.35, { 'ml.quantile': 0.95 })], set), []);
    });
  });
});
