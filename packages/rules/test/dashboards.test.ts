import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { NAMINGS, dashboardQueries, grafanaDashboards } from '../src/index.js';

describe('dashboards', () => {
  describe('dashboardQueries', () => {
    for (const naming of NAMINGS) {
      it(`every panel query parses in promtool (--naming ${naming})`, () => {
        const queries = dashboardQueries(naming);
        assert.ok(queries.length >= 20, `${queries.length} queries`);
        // promtool parses PromQL when checking rules: each query becomes a recording rule.
        const rules = { groups: [{ name: 'dashboard-queries', rules: queries.map((q, i) => ({ record: `dashboard:query:${i}`, expr: q.expr })) }] };
        const file = join(mkdtempSync(join(tmpdir(), 'mw-dash-')), 'queries.yml');
        writeFileSync(file, stringify(rules, { lineWidth: 0 }));
        const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      });
    }
  });

  describe('grafanaDashboards', () => {
    it('writes the seed\'s four tiers, each with datasource and model variables', () => {
      const d = grafanaDashboards('otel-js');
      assert.deepEqual(Object.keys(d), ['modelwatch-health.json', 'modelwatch-quality.json', 'modelwatch-drift.json', 'modelwatch-resources.json']);
      for (const [file, dash] of Object.entries(d)) {
        assert.equal(dash.uid, file.replace('.json', ''));
        const vars = (dash.templating?.list ?? []).map((v) => v.name);
        assert.ok(vars.includes('datasource') && vars.includes('model'), `${file}: ${vars.join(', ')}`);
        for (const p of dash.panels ?? []) assert.deepEqual((p as { datasource?: unknown }).datasource, { type: 'prometheus', uid: '${datasource}' });
      }
    });

    it('draws the seed\'s drift thresholds and maps the severity encoding to words', () => {
      const drift = grafanaDashboards('aggregator')['modelwatch-drift.json'];
      const ks = drift?.panels?.find((p) => (p as { title?: string }).title === 'KS statistic per feature') as { fieldConfig: { defaults: { thresholds: { steps: Array<{ value: number | null }> }; custom: { thresholdsStyle: { mode: string } } } } };
      assert.deepEqual(ks.fieldConfig.defaults.thresholds.steps.map((s) => s.value), [null, 0.1, 0.15, 0.25]);
      assert.equal(ks.fieldConfig.defaults.custom.thresholdsStyle.mode, 'dashed');
      const severity = drift?.panels?.find((p) => (p as { title?: string }).title === 'Severity') as { fieldConfig: { defaults: { mappings: Array<{ options: Record<string, { text: string }> }> } } };
      assert.equal(severity.fieldConfig.defaults.mappings[0]?.options['-2']?.text, 'error');
      assert.equal(severity.fieldConfig.defaults.mappings[0]?.options['3']?.text, 'critical');
    });

    it('reads RED from the aggregator\'s gauges or from the recording rules, by naming', () => {
      const q = (naming: (typeof NAMINGS)[number]): string => dashboardQueries(naming).find((x) => x.panel === 'Error rate')?.expr ?? '';
      assert.match(q('aggregator'), /ml_inference_error_ratio\{/);
      assert.match(q('otel-js'), /modelwatch:ml_inference_error_ratio:rate5m\{/);
      assert.match(dashboardQueries('collector').find((x) => x.panel === 'Memory')?.expr ?? '', /process_memory_usage_bytes\{/);
    });
  });
});
