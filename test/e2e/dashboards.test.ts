/**
 * The whole Prometheus path, end to end: the example service (with its OTel
 * JS Prometheus exporter on) serves traffic that later drifts, sends OTLP to
 * `modelwatch serve`, and a real Prometheus scrapes both, with the rules
 * `modelwatch rules --naming otel-js` generated, sending its alerts to a real
 * Alertmanager configured by `modelwatch alertmanager` (its chat receiver
 * pointed at a webhook run by the test). Every query of every panel of the
 * generated dashboards returns data (panels empty by nature, such as GPU on a
 * machine without one, are named and skipped), and once the traffic drifts,
 * Prometheus' drift alert reaches the webhook through that routing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dashboardQueries } from '@modelwatch/rules';
import { MODELWATCH_BIN, ROOT, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { freePort, startAlertmanager, startWebhookSink, type RunningAlertmanager, type WebhookSink } from '../helpers/alertmanager.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const DEMO_CONFIG = join(ROOT, 'examples/demo/modelwatch.yaml');

function node(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('generated dashboards over a real Prometheus', () => {
  let aggregator: RunningAggregator;
  let prometheus: RunningPrometheus;
  let am: RunningAlertmanager;
  let hook: WebhookSink;
  const children: ChildProcess[] = [];

  before(async () => {
    const dir = tempDir();
    const rules = spawnSync(process.execPath, [MODELWATCH_BIN, 'rules', '--config', DEMO_CONFIG, '--naming', 'otel-js', '--out', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.equal(rules.status, 0, rules.stderr);
    // The generated routing, its Slack receiver swapped for the test's webhook and the group timings shortened.
    hook = await startWebhookSink();
    const routing = spawnSync(process.execPath, [MODELWATCH_BIN, 'alertmanager', '--config', DEMO_CONFIG], { encoding: 'utf8' });
    assert.equal(routing.status, 0, routing.stderr);
    const amConfig = parse(routing.stdout) as { route: Record<string, unknown>; receivers: Array<Record<string, unknown>> };
    amConfig.route['group_wait'] = '1s';
    amConfig.route['group_interval'] = '2s';
    amConfig.receivers = amConfig.receivers.map((r) => ({ name: r['name'], webhook_configs: [{ url: hook.url, send_resolved: true }] }));
    am = await startAlertmanager(stringify(amConfig));
    aggregator = await startAggregator(readFileSync(DEMO_CONFIG, 'utf8'), { dataDir: tempDir() });
    const promPort = await freePort();
    const service = node(['examples/sentiment-service/src/main.ts'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: aggregator.addresses.otlpHttp,
      OTEL_METRIC_EXPORT_INTERVAL: '2000',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort),
    });
    children.push(service);
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('the example service did not start in 30 s')), 30_000);
      createInterface({ input: service.stdout! }).once('line', (line) => {
        clearTimeout(t);
        resolve((JSON.parse(line) as { url: string }).url);
      });
    });
    children.push(node(['examples/sentiment-service/src/traffic.ts', '--url', url, '--rate', '20', '--drift-after', '40', '--duration', '240'], {}));
    prometheus = await startPrometheus({ rulesFile: join(dir, 'rules.yml'), targets: [new URL(aggregator.addresses.http).host, `127.0.0.1:${promPort}`], alertmanager: new URL(am.url).host });
  });

  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    await prometheus?.stop();
    await aggregator?.stop();
    await am?.stop();
    await hook?.close();
  });

  it('returns data for every panel query (--naming otel-js)', async () => {
    const queries = dashboardQueries('otel-js');
    const skipped = queries.filter((q) => q.mayBeEmpty !== undefined);
    for (const q of skipped) console.log(`# not required to have data: ${q.dashboard} / ${q.panel} (${q.mayBeEmpty})`);
    let empty: string[] = [];
    await waitFor('every panel query to return data', async () => {
      empty = [];
      for (const q of queries) {
        if (q.mayBeEmpty !== undefined) continue;
        if ((await prometheus.query(q.expr)).length === 0) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
      }
      return empty.length === 0 ? true : undefined;
    }, 150_000, 3000).catch((err: Error) => {
      throw new Error(`${err.message}; still empty:\n  ${empty.join('\n  ')}`);
    });
    assert.deepEqual(empty, []);
  });

  it('delivers Prometheus\' drift alert through the generated Alertmanager routing once the traffic drifts', async () => {
    const alert = await waitFor('Prometheus\' DataDriftDetected at the webhook', async () =>
      hook.received.flatMap((n) => n.alerts.map((a) => ({ ...a, receiver: n.receiver })))
        .find((a) => a.labels['alertname'] === 'DataDriftDetected' && a.status === 'firing' && a.generatorURL.startsWith(prometheus.url)), 150_000, 1000);
    assert.equal(alert.labels['ml_model_name'], 'sentiment_classifier');
    assert.ok(['language', 'text_length'].includes(alert.labels['ml_feature_name'] ?? ''), JSON.stringify(alert.labels));
    assert.ok((alert.labels['severity'] === 'critical' ? ['pager', 'chat'] : ['chat']).includes(alert.receiver), `routed by severity: ${alert.labels['severity']} to ${alert.receiver}`);
    assert.match(alert.annotations['runbook'] ?? '', /^1\. Compare the current and baseline distributions/);
  });
});
