import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertmanagerYaml, PLACEHOLDER } from '../src/index.js';

function write(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mw-am-')), 'alertmanager.yml');
  writeFileSync(file, text);
  return file;
}

/** `amtool config routes test`: the receivers an alert with `labels` goes to. */
function routes(file: string, labels: Record<string, string>): string {
  const r = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('alertmanager', () => {
  describe('alertmanagerYaml', () => {
    it('passes amtool check-config, with placeholders marked and named in the header', () => {
      const text = alertmanagerYaml();
      assert.match(text, new RegExp(`Fill in every ${PLACEHOLDER}: the PagerDuty routing key`));
      const r = spawnSync('amtool', ['check-config', write(text)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /SUCCESS/);
      assert.match(r.stdout, /2 inhibit rules/);
    });

    it('routes critical to the pager and to chat, warning to chat, info to the low-priority channel (amtool config routes test)', () => {
      const file = write(alertmanagerYaml({ pagerdutyRoutingKey: 'k', slackWebhookUrl: 'https://hooks.example.test/x' }));
      assert.equal(routes(file, { alertname: 'HighErrorRate', severity: 'critical', ml_model_name: 'm' }), 'pager,chat');
      assert.equal(routes(file, { alertname: 'DataDriftDetected', severity: 'warning', ml_model_name: 'm' }), 'chat');
      assert.equal(routes(file, { alertname: 'HighLowConfidencePredictions', severity: 'info', ml_model_name: 'm' }), 'low-priority');
    });

    it('has no placeholder left when the receivers are given', () => {
      const text = alertmanagerYaml({ pagerdutyRoutingKey: 'k', slackWebhookUrl: 'https://hooks.example.test/x' });
      assert.ok(!text.includes(PLACEHOLDER), text);
    });
  });
});
