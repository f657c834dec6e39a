import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main, type CliIo } from '../../src/cli/main.js';
import { parseGenerateArgs } from '../../src/cli/generate.js';
import { UsageError } from '../../src/cli/args.js';

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
}

function config(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-gen-'));
  writeFileSync(join(dir, 'modelwatch.yaml'), text);
  return join(dir, 'modelwatch.yaml');
}

const YAML = `alerting: { routing: { slackWebhookUrl: "https://hooks.example.test/x" } }
models:
  - name: sentiment
    slos: [ { name: p95, kind: latency, objective: 0.95, threshold: 0.3 } ]
    alerts: { DataDriftDetected: { for: 10m } }
`;

describe('cli', () => {
  describe('parseGenerateArgs', () => {
    it('requires --config and a known --naming, naming the flag', () => {
      assert.throws(() => parseGenerateArgs('rules', []), (e: unknown) => e instanceof UsageError && /--config FILE is required/.test(e.message));
      assert.throws(() => parseGenerateArgs('rules', ['--config', 'x', '--naming', 'prom']), /--naming: expected one of aggregator, otel-js, collector, got "prom"/);
      assert.throws(() => parseGenerateArgs('alertmanager', ['--config', 'x', '--naming', 'otel-js']), /Unknown option '--naming'/);
      assert.deepEqual(parseGenerateArgs('rules', ['-c', 'x']), { help: false, config: 'x', naming: 'aggregator' });
    });
  });

  describe('main rules / alertmanager', () => {
    it('writes rules that promtool accepts, warning about a latency threshold that is not a bucket bound', async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'mw-gen-')), 'rules', 'modelwatch.rules.yml');
      const io = capture();
      assert.equal(await main(['rules', '--config', config(YAML), '--naming', 'otel-js', '--out', out], {}, io), 0, io.err.join('\n'));
      assert.match(io.err.join('\n'), /warning: model "sentiment" SLO "p95": latency threshold 0\.3s is not a bucket bound/);
      const rules = parse(readFileSync(out, 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert?: string; for?: string }> }> };
      assert.equal(rules.groups.find((g) => g.name === 'modelwatch-alerts-sentiment')?.rules.find((r) => r.alert === 'DataDriftDetected')?.for, '10m');
      const r = spawnSync('promtool', ['check', 'rules', out], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    });

    it('prints an Alertmanager configuration with the configured receiver', async () => {
      const io = capture();
      assert.equal(await main(['alertmanager', '--config', config(YAML)], {}, io), 0, io.err.join('\n'));
      const text = io.out.join('\n');
      assert.match(text, /api_url: https:\/\/hooks\.example\.test\/x/);
      assert.match(text, /Fill in every REPLACE_ME: the PagerDuty routing key/);
    });

    it('writes the four dashboards as JSON files into --out', async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'mw-gen-')), 'dashboards');
      const io = capture();
      assert.equal(await main(['dashboards', '--config', config(YAML), '--out', dir, '--naming', 'collector'], {}, io), 0, io.err.join('\n'));
      for (const f of ['modelwatch-health', 'modelwatch-quality', 'modelwatch-drift', 'modelwatch-resources']) {
        const d = JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')) as { uid: string; panels: unknown[] };
        assert.equal(d.uid, f);
        assert.ok(d.panels.length >= 4);
      }
      assert.equal(await main(['dashboards', '--config', config(YAML)], {}, capture()), 2, '--out is required');
    });

    it('exits 2 on a bad flag and 2 on an invalid config', async () => {
      const io = capture();
      assert.equal(await main(['rules', '--naming', 'x'], {}, io), 2);
      const io2 = capture();
      assert.equal(await main(['rules', '--config', config('models: [ { name: m, alerts: { Nope: {} } } ]\n')], {}, io2), 2);
      assert.match(io2.err.join('\n'), /unknown alert; known alerts are HighErrorRate/);
    });
  });
});
