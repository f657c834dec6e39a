import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertRule } from '@modelwatch/semconv';
import { EMPTY_ALERTS_STATE, stepAlerts, type AlertsState, type RuleEvaluation } from '../../src/alerts/state.js';

const S = 1000;
const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  alertname: 'HighErrorRate',
  id: 'HighErrorRate',
  severity: 'critical',
  by: ['ml.model.name'],
  when: [],
  for: '30s',
  keepFiringFor: '0s',
  enabled: true,
  annotations: { summary: 'errors of {{ $labels.ml_model_name }}', description: 'at {{ $value | humanizePercentage }}', runbook: ['look', 'fix {{ $labels.ml_model_name }}'] },
  ...over,
});

const holding = (r: AlertRule, value = 0.1): RuleEvaluation => ({ rule: r, holding: [{ labels: { ml_model_name: 'm' }, value, context: {} }] });
const idle = (r: AlertRule): RuleEvaluation => ({ rule: r, holding: [] });

/** Runs `pattern` (true: the condition holds at that tick) every 10 s and returns each tick's statuses. */
function run(r: AlertRule, pattern: boolean[]): { statuses: string[]; fired: number[]; resolved: number[]; state: AlertsState } {
  let state = EMPTY_ALERTS_STATE;
  const statuses: string[] = [];
  const fired: number[] = [];
  const resolved: number[] = [];
  pattern.forEach((h, i) => {
    const step = stepAlerts(state, [h ? holding(r) : idle(r)], i * 10 * S);
    state = step.state;
    statuses.push(state.active[0]?.status ?? 'inactive');
    if (step.fired.length > 0) fired.push(i);
    if (step.resolved.length > 0) resolved.push(i);
  });
  return { statuses, fired, resolved, state };
}

describe('alerts/state', () => {
  describe('stepAlerts', () => {
    it('goes pending, then firing once the condition has held for `for`, then resolved', () => {
      const r = run(rule({ for: '30s' }), [true, true, true, true, false, false]);
      assert.deepEqual(r.statuses, ['pending', 'pending', 'pending', 'firing', 'inactive', 'inactive']);
      assert.deepEqual(r.fired, [3]);
      assert.deepEqual(r.resolved, [4]);
      assert.equal(r.state.resolved[0]?.resolvedAt, 40 * S);
      assert.equal(r.state.resolved[0]?.firedAt, 30 * S);
    });

    it('fires at the first evaluation when `for` is 0s', () => {
      const r = run(rule({ for: '0s' }), [true]);
      assert.deepEqual(r.statuses, ['firing']);
      assert.deepEqual(r.fired, [0]);
    });

    it('drops a pending alert that stops holding, without a resolve, and starts its `for` afresh (flapping)', () => {
      const r = run(rule({ for: '20s' }), [true, true, false, true, true, true]);
      assert.deepEqual(r.statuses, ['pending', 'pending', 'inactive', 'pending', 'pending', 'firing']);
      assert.deepEqual(r.fired, [5]);
      assert.deepEqual(r.resolved, []);
    });

    it('keeps firing for keepFiringFor after the condition stops holding, and does not fire anew when it returns', () => {
      const r = run(rule({ for: '0s', keepFiringFor: '25s' }), [true, false, false, true, false, false, false, false]);
      assert.deepEqual(r.statuses, ['firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'inactive', 'inactive']);
      assert.deepEqual(r.fired, [0], 'one firing, not two');
      assert.deepEqual(r.resolved, [6], 'resolved 25 s after it last held (at 30 s), at the first tick past it');
    });

    it('renders annotations with the labels and value, and numbers the runbook', () => {
      const r = run(rule({ for: '0s' }), [true]);
      const a = r.state.active[0];
      assert.deepEqual(a?.labels, { ml_model_name: 'm', alertname: 'HighErrorRate', severity: 'critical' });
      assert.equal(a?.annotations['summary'], 'errors of m');
      assert.equal(a?.annotations['description'], 'at 10%');
      assert.equal(a?.annotations['runbook'], '1. look\n2. fix m');
    });

    it('resolves a firing alert whose rule is no longer evaluated (turned off in the config)', () => {
      const r = rule({ for: '0s' });
      const first = stepAlerts(EMPTY_ALERTS_STATE, [holding(r)], 0);
      const next = stepAlerts(first.state, [], 10 * S);
      assert.equal(next.resolved.length, 1);
      assert.deepEqual(next.state.active, []);
    });

    it('keeps one alert per label set', () => {
      const r = rule({ for: '0s' });
      const ev: RuleEvaluation = { rule: r, holding: [{ labels: { ml_model_name: 'a' }, value: 1, context: {} }, { labels: { ml_model_name: 'b' }, value: 1, context: {} }] };
      const s = stepAlerts(EMPTY_ALERTS_STATE, [ev], 0);
      assert.deepEqual(s.state.active.map((a) => a.labels['ml_model_name']).sort(), ['a', 'b']);
      assert.notEqual(s.state.active[0]?.fingerprint, s.state.active[1]?.fingerprint);
    });

    it('bounds the history of resolved alerts', () => {
      let state = EMPTY_ALERTS_STATE;
      const r = rule({ for: '0s' });
      for (let i = 0; i < 10; i++) {
        state = stepAlerts(state, [holding(r)], i * 20 * S, { historyLimit: 3 }).state;
        state = stepAlerts(state, [idle(r)], (i * 20 + 10) * S, { historyLimit: 3 }).state;
      }
      assert.equal(state.resolved.length, 3);
      assert.equal(state.resolved[0]?.resolvedAt, 190 * S, 'newest first');
    });
  });
});
