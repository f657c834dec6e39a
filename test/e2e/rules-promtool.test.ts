/**
 * One catalogue, two engines, checked by Prometheus' own tool: for every rule
 * of the catalogue (and for per-model overrides), series that make it fire and
 * series just on the other side are run through the aggregator's embedded
 * evaluator, and the alerts it fires become the expected alerts of a
 * `promtool test rules` unit test over the generated Prometheus rules. promtool
 * passing means Prometheus fires exactly the same alerts (names and labels),
 * after the same `for`, on the same series.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ALERT_CATALOGUE, resolveAlertRules, type AlertRule, type AlertTerm, type AlertOverrides } from '@modelwatch/semconv';
import { NAMINGS, labelName, prometheusRules, ruleScopes, seriesName, type RulesInput } from '@modelwatch/rules';
import { evaluateAlerts, type AlertRuleSet } from '../../packages/aggregator/src/alerts/evaluator.js';
import { EMPTY_ALERTS_STATE, type AlertsState } from '../../packages/aggregator/src/alerts/state.js';
import type { OutputSignal } from '../../packages/aggregator/src/engine/types.js';
import { parseDuration } from '../../packages/aggregator/src/config/duration.js';
import { tempDir } from '../helpers/aggregator.js';

const STEP_MS = 60_000;

/** Identity attributes every synthesized series carries (those a rule's `by` names are kept). */
const IDENTITY: Record<string, string> = { 'ml.model.name': 'm', 'ml.model.version': 'v1', 'ml.feature.name': 'x', 'ml.slo.name': 'errors' };

/** A value on the firing side of a comparison, or just on the other side. */
function valueFor(term: AlertTerm, threshold: number | undefined, fire: boolean): number {
  const x = term.value === 'threshold' ? (threshold as number) : term.value;
  switch (term.op) {
    case '>':
      return fire ? x + Math.max(0.01, Math.abs(x) * 0.1) : x;
    case '>=':
      return fire ? x : x - Math.max(0.01, Math.abs(x) * 0.1);
    case '<':
      return fire ? x - Math.max(0.001, Math.abs(x) * 0.1) : x;
    case '<=':
      return fire ? x : x + Math.max(0.01, Math.abs(x) * 0.1);
    case '==':
      return fire ? x : x + 1;
    case '!=':
      return fire ? x + 1 : x;
  }
}

/** The signals of the first alternative of `rule`, all firing, or with the first term quiet. */
function signalsFor(rule: AlertRule, model: string, fire: boolean): OutputSignal[] {
  const [first = []] = rule.when;
  return first.map((term, i) => {
    const attributes: Record<string, string> = {};
    for (const a of rule.by) if (IDENTITY[a] !== undefined) attributes[a] = a === 'ml.model.name' ? model : (IDENTITY[a] as string);
    for (const [k, v] of Object.entries(term.match ?? {})) if (v !== '') attributes[k] = v;
    return { name: term.metric, value: valueFor(term, rule.threshold, fire || i > 0), attributes };
  });
}

/** The embedded evaluator's firing alerts after holding `signals` for `forMs` (plus one step). */
function embeddedFiring(rules: AlertRuleSet, signals: OutputSignal[], forMs: number): Array<Record<string, string>> {
  let state: AlertsState = EMPTY_ALERTS_STATE;
  const steps = Math.ceil(forMs / STEP_MS) + 1;
  for (let i = 0; i <= steps; i++) state = evaluateAlerts(rules, signals, state, i * STEP_MS).state;
  return state.active.filter((a) => a.status === 'firing').map((a) => a.labels);
}

/** The rules of `input` as the embedded evaluator holds them. */
function embeddedRules(input: RulesInput): AlertRuleSet {
  const scopes = ruleScopes(input);
  const byModel = new Map<string, AlertRule[]>();
  for (const s of scopes) if (s.only !== undefined) byModel.set(s.only, s.rules);
  return { defaults: scopes.find((s) => s.only === undefined)?.rules ?? [], byModel };
}

interface Case {
  name: string;
  rule: AlertRule;
  signals: OutputSignal[];
}

function promSeries(signals: OutputSignal[], steps: number): Array<{ series: string; values: string }> {
  return signals.map((s) => {
    const labels = Object.entries(s.attributes).map(([k, v]) => `${labelName(k, 'aggregator')}="${String(v)}"`).join(',');
    return { series: `${seriesName(s.name, 'aggregator')}{${labels}}`, values: `${s.value}x${steps}` };
  });
}

/** Rules without annotations: the unit tests are about firing; promtool check covers the templates. */
function firingOnly(input: RulesInput): string {
  const { groups } = prometheusRules(input, 'aggregator');
  return stringify({ groups: groups.map((g) => ({ ...g, rules: g.rules.map((r) => ('alert' in r ? { ...r, annotations: {} } : r)) })) }, { lineWidth: 0 });
}

function promtoolTest(input: RulesInput, cases: Case[], rules: AlertRuleSet): { status: number | null; output: string; expected: number } {
  const dir = tempDir();
  writeFileSync(join(dir, 'rules.yml'), firingOnly(input));
  let expected = 0;
  const tests = cases.map((c) => {
    const forMs = parseDuration(c.rule.for);
    const steps = Math.ceil(forMs / STEP_MS) + 2;
    const fired = embeddedFiring(rules, c.signals, forMs).filter((l) => l['alertname'] === c.rule.alertname);
    expected += fired.length;
    const alertTests = [{ eval_time: `${steps * (STEP_MS / 60_000)}m`, alertname: c.rule.alertname, exp_alerts: fired.map((labels) => ({ exp_labels: labels })) }];
    // Before `for` has passed nothing fires (only a rule with a `for` can show that).
    if (forMs >= 2 * STEP_MS) alertTests.push({ eval_time: `${Math.floor(forMs / STEP_MS) - 1}m`, alertname: c.rule.alertname, exp_alerts: [] });
    return { name: c.name, interval: '1m', input_series: promSeries(c.signals, steps + 1), alert_rule_test: alertTests };
  });
  writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
  const r = spawnSync('promtool', ['test', 'rules', join(dir, 'tests.yml')], { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`, expected };
}

describe('generated Prometheus rules, checked by promtool', () => {
  before(() => {
    const v = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0, 'promtool is missing: run scripts/install-system-deps.sh (npm test does when root)');
  });

  const input: RulesInput = {
    defaults: { alerts: { HighLowConfidencePredictions: { threshold: 0.3 } } },
    models: [
      { name: 'strict', alerts: { HighErrorRate: { threshold: 0.01, for: '2m' }, ModelDown: { enabled: false } } as AlertOverrides },
      { name: 'fast', slos: [{ name: 'p95', kind: 'latency', objective: 0.95, threshold: 0.25 }, { name: 'errors', kind: 'error_rate', objective: 0.99 }] },
    ],
  };

  for (const naming of NAMINGS) {
    it(`pass promtool check rules with --naming ${naming}`, () => {
      const dir = tempDir();
      const { groups, warnings } = prometheusRules(input, naming);
      assert.deepEqual(warnings, []);
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups }, { lineWidth: 0 }));
      const r = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS: \d+ rules found/);
    });
  }

  it('fire in Prometheus exactly where the embedded evaluator fires, for every catalogue rule, firing and quiet', () => {
    const rules = embeddedRules(input);
    const defaults = resolveAlertRules({ defaults: input.defaults?.alerts ?? {} });
    const cases: Case[] = [];
    for (const rule of defaults) {
      cases.push({ name: `${rule.id} fires`, rule, signals: signalsFor(rule, 'm', true) });
      cases.push({ name: `${rule.id} stays quiet`, rule, signals: signalsFor(rule, 'm', false) });
    }
    assert.equal(new Set(cases.map((c) => c.rule.id)).size, ALERT_CATALOGUE.length, 'every catalogue rule has cases');
    const r = promtoolTest(input, cases, rules);
    assert.equal(r.status, 0, r.output);
    assert.ok(r.expected >= ALERT_CATALOGUE.length, `the firing cases fired in the embedded evaluator (${r.expected})`);
  });

  it('with otel-js naming, fire the RED and SLO alerts from the services\' own histograms (recording rules), after their `for`', () => {
    // A service counting 600 requests a minute (10/s): one model failing 10%, one healthy; the failing one also slow
    // (all its requests between 0.5 and 1 s: above twice the 0.25 s SLO threshold). Counters as the OTel JS Prometheus exporter exposes them.
    const dir = tempDir();
    const { groups } = prometheusRules(input, 'otel-js');
    writeFileSync(join(dir, 'rules.yml'), stringify({ groups: groups.map((g) => ({ ...g, rules: g.rules.map((r) => ('alert' in r ? { ...r, annotations: {} } : r)) })) }, { lineWidth: 0 }));
    const steps = 40;
    const counter = (perMinute: number): string => `0+${perMinute}x${steps}`;
    const bounds = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
    const series = (model: string, ok: number, errors: number, slow: boolean): Array<{ series: string; values: string }> => [
      { series: `ml_inference_duration_count{ml_model_name="${model}"}`, values: counter(ok) },
      ...(errors > 0 ? [{ series: `ml_inference_duration_count{ml_model_name="${model}",error_type="Error"}`, values: counter(errors) }] : []),
      ...bounds.map((le) => ({ series: `ml_inference_duration_bucket{ml_model_name="${model}",le="${le}"}`, values: counter(slow && Number(le) < 1 ? 0 : ok) })),
    ];
    const fast = { ml_model_name: 'fast' };
    const tests = [{
      interval: '1m',
      input_series: [...series('fast', 540, 60, true), ...series('calm', 600, 0, false)],
      alert_rule_test: [
        { eval_time: '4m', alertname: 'HighErrorRate', exp_alerts: [] },
        { eval_time: '12m', alertname: 'HighErrorRate', exp_alerts: [{ exp_labels: { ...fast, severity: 'critical' } }] },
        { eval_time: '20m', alertname: 'HighLatencyP95', exp_alerts: [{ exp_labels: { ...fast, severity: 'critical' } }] },
        // 10% errors against a 1% budget (burn 10) and every request slower than the 0.25 s p95 SLO (burn 20): the
        // latency SLO pages (over 14.4 in 1h and 5m), the error SLO does not (10 < 14.4), but burns over 6h/30m (> 6).
        { eval_time: '31m', alertname: 'SLOErrorBudgetBurn', exp_alerts: [
          { exp_labels: { ...fast, ml_slo_name: 'p95', severity: 'critical' } },
          { exp_labels: { ...fast, ml_slo_name: 'errors', severity: 'critical' } },
          { exp_labels: { ...fast, ml_slo_name: 'p95', severity: 'warning' } },
          { exp_labels: { ...fast, ml_slo_name: 'errors', severity: 'warning' } },
        ] },
      ],
    }];
    writeFileSync(join(dir, 'tests.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
    const r = spawnSync('promtool', ['test', 'rules', join(dir, 'tests.yml')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('judge each model by its own rules in both engines: a stricter threshold and `for`, a rule turned off, a latency SLO', () => {
    const rules = embeddedRules(input);
    const rule = (model: string, id: string): AlertRule => {
      const list = rules.byModel.get(model) ?? rules.defaults;
      const r = list.find((x) => x.id === id) ?? rules.defaults.find((x) => x.id === id);
      assert.ok(r, `${model} ${id}`);
      return r;
    };
    const err = (model: string, v: number): OutputSignal[] => [{ name: 'ml.inference.error_ratio', value: v, attributes: { 'ml.model.name': model } }];
    const p95 = (model: string, v: number): OutputSignal[] => [{ name: 'ml.inference.latency', value: v, attributes: { 'ml.model.name': model, 'ml.quantile': 0.95 } }];
    const cases: Case[] = [
      { name: 'strict fires at 2% errors', rule: rule('strict', 'HighErrorRate'), signals: err('strict', 0.02) },
      { name: 'a default model does not at 2%', rule: rule('m', 'HighErrorRate'), signals: err('m', 0.02) },
      { name: 'strict is never down', rule: rule('m', 'ModelDown'), signals: [{ name: 'ml.model.up', value: 0, attributes: { 'ml.model.name': 'strict' } }] },
      { name: 'fast fires above twice its 0.25 s SLO', rule: rule('fast', 'HighLatencyP95'), signals: p95('fast', 0.6) },
      { name: 'a default model does not at 0.6 s', rule: rule('m', 'HighLatencyP95'), signals: p95('m', 0.6) },
    ];
    const fired = cases.map((c) => embeddedFiring(rules, c.signals, parseDuration(c.rule.for)).length);
    assert.deepEqual(fired, [1, 0, 0, 1, 0], 'the embedded evaluator judged each model by its own rules');
    const r = promtoolTest(input, cases, rules);
    assert.equal(r.status, 0, r.output);
  });
});
