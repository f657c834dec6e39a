import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALERT_CATALOGUE, ALERT_NAMES, alertOverrideProblems, fillSettings, resolveAlertRules, METRICS } from '../src/index.js';

describe('alerts', () => {
  describe('ALERT_CATALOGUE', () => {
    it('holds the seed\'s rules under the seed\'s names, severities and `for`', () => {
      const seed: Array<[string, string, string, number | undefined]> = [
        ['HighErrorRate', 'critical', '5m', 0.05],
        ['HighLatencyP95', 'critical', '10m', 1],
        // The drift rules fire at once (judged windows replace the seed's 1h ride-out), see catalogue.ts.
        ['DataDriftDetected:warning', 'warning', '0s', undefined],
        ['ConceptDriftDetected', 'warning', '0s', undefined],
        ['LowModelAccuracy', 'critical', '30m', 0.7],
        ['HighLowConfidencePredictions', 'info', '1h', 0.2],
        ['ModelDown', 'critical', '0s', undefined],
      ];
      for (const [id, severity, dur, threshold] of seed) {
        const r = ALERT_CATALOGUE.find((x) => x.id === id);
        assert.ok(r, id);
        assert.equal(r.severity, severity, id);
        assert.equal(r.for, dur, id);
        assert.equal(r.threshold, threshold, id);
        assert.ok(r.annotations.runbook.length >= 3, `${id} has runbook steps`);
      }
    });

    it('has unique ids, and only registry metrics in its conditions and context', () => {
      assert.equal(new Set(ALERT_CATALOGUE.map((r) => r.id)).size, ALERT_CATALOGUE.length);
      for (const r of ALERT_CATALOGUE) {
        for (const t of r.when.flat()) assert.ok(t.metric in METRICS, `${r.id}: ${t.metric}`);
        for (const c of Object.values(r.context ?? {})) assert.ok(c.metric in METRICS, `${r.id}: ${c.metric}`);
      }
    });

    it('is listed in docs/alerting.md with each rule\'s severity and `for`', () => {
      const doc = readFileSync(new URL('../../../docs/alerting.md', import.meta.url), 'utf8');
      for (const r of ALERT_CATALOGUE) {
        const row = doc.split('\n').find((l) => l.startsWith(`| \`${r.alertname}\` | ${r.severity}`));
        assert.ok(row, `no row for ${r.id}`);
        const last = row.trimEnd().replace(/\|$/, '').split('|').at(-1)?.trim() ?? '';
        assert.ok(last === r.for || last.startsWith(`${r.for} (`), `${r.id}: the \`for\` cell says "${last}", the catalogue ${r.for}`);
        if (r.keepFiringFor !== '0s') assert.ok(last.includes(`keeps firing ${r.keepFiringFor}`), `${r.id}: ${last}`);
      }
    });
  });

  describe('alertOverrideProblems', () => {
    it('names an unknown alertname and lists the known ones', () => {
      const [p] = alertOverrideProblems({ HighErorRate: { for: '1m' } }, 'models.m.alerts');
      assert.match(p ?? '', /^models\.m\.alerts\.HighErorRate: unknown alert; known alerts are HighErrorRate, HighLatencyP95, /);
      for (const n of ALERT_NAMES) assert.ok(p?.includes(n));
    });

    it('refuses a threshold on a drift rule, a severity on a two-severity alert, and windows the aggregator does not compute', () => {
      const problems = alertOverrideProblems({
        DataDriftDetected: { threshold: 0.2, severity: 'info' },
        SLOErrorBudgetBurn: { burnWindows: [{ long: '2d', short: '5m', factor: 0 }] },
        HighErrorRate: { burnWindows: [{ long: '1h', short: '5m', factor: 2 }] },
      }, 'defaults.alerts');
      assert.deepEqual(problems.map((p) => p.split(':')[0]), [
        'defaults.alerts.DataDriftDetected.threshold',
        'defaults.alerts.DataDriftDetected.severity',
        'defaults.alerts.SLOErrorBudgetBurn.burnWindows.0.long',
        'defaults.alerts.SLOErrorBudgetBurn.burnWindows.0.factor',
        'defaults.alerts.HighErrorRate.burnWindows',
      ]);
    });

    it('accepts every documented key on a rule that has them', () => {
      assert.deepEqual(alertOverrideProblems({ HighErrorRate: { enabled: true, for: '1m', keepFiringFor: '5m', threshold: 0.1, severity: 'warning', summary: 's', description: 'd', runbook: ['a'], runbookUrl: 'https://x' } }, 'a'), []);
    });
  });

  describe('resolveAlertRules', () => {
    it('applies the defaults, then the model\'s overrides, and drops disabled rules', () => {
      const rules = resolveAlertRules({ defaults: { HighErrorRate: { threshold: 0.1, for: '1m' }, ModelDown: { enabled: false } }, model: { HighErrorRate: { threshold: 0.02 } } });
      const r = rules.find((x) => x.alertname === 'HighErrorRate');
      assert.equal(r?.threshold, 0.02);
      assert.equal(r?.for, '1m');
      assert.ok(!rules.some((x) => x.alertname === 'ModelDown'));
      assert.match(r?.annotations.description ?? '', /threshold 2%, for 1m/);
    });

    it('doubles the latency SLO threshold for HighLatencyP95 unless overridden', () => {
      assert.equal(resolveAlertRules({}, { latencySloThreshold: 0.25 }).find((r) => r.alertname === 'HighLatencyP95')?.threshold, 0.5);
      assert.equal(resolveAlertRules({ model: { HighLatencyP95: { threshold: 3 } } }, { latencySloThreshold: 0.25 }).find((r) => r.alertname === 'HighLatencyP95')?.threshold, 3);
    });

    it('rebuilds a burn-rate condition from overridden windows, and says so in the description', () => {
      const page = resolveAlertRules({ model: { SLOErrorBudgetBurn: { burnWindows: [{ long: '1h', short: '5m', factor: 10 }] } } }).find((r) => r.id === 'SLOErrorBudgetBurn:critical');
      assert.deepEqual(page?.when, [[
        { metric: 'ml.slo.burn_rate', match: { 'ml.slo.window': '1h' }, op: '>', value: 10 },
        { metric: 'ml.slo.burn_rate', match: { 'ml.slo.window': '5m' }, op: '>', value: 10 },
      ]]);
      assert.match(page?.annotations.description ?? '', /page: 10x over 1h and 5m\)/);
    });
  });

  describe('fillSettings', () => {
    it('fills threshold, percentages, for and the burn windows, leaving runtime templates alone', () => {
      assert.equal(fillSettings('{{ threshold }} {{ threshold | humanizePercentage }} {{ for }} {{ $value }}', { threshold: 0.05, for: '5m' }), '0.05 5% 5m {{ $value }}');
    });
  });
});
