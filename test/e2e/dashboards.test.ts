/**
 * The dashboards against a real Prometheus, end to end: the example service
 * (with its OTel JS Prometheus exporter on) serves traffic that later drifts,
 * sends OTLP to `modelwatch serve`, and a real Prometheus scrapes both, with
 * the rules `modelwatch rules --naming otel-js` generated. Every query of every
 * panel of the generated dashboards then returns data (panels that are empty
 * by nature, such as GPU on a machine without one, are named and skipped).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dashboardQueries } from '@modelwatch/rules';
import { MODELWATCH_BIN, ROOT, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { freePort } from '../helpers/alertmanager.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { readFileSync } from 'node:fs';

const DEMO_CONFIG = join(ROOT, 'examples/demo/modelwatch.yaml');

function node(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('generated dashboards over a real Prometheus', () => {
  let aggregator: RunningAggregator;
  let prometheus: RunningPrometheus;
  const children: ChildProcess[] = [];

  before(async () => {
    const dir = tempDir();
    const rules = spawnSync(process.execPath, [MODELWATCH_BIN, 'rules', '--config', DEMO_CONFIG, '--naming', 'otel-js', '--out', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.equal(rules.status, 0, rules.stderr);
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
    prometheus = await startPrometheus({ rulesFile: join(dir, 'rules.yml'), targets: [new URL(aggregator.addresses.http).host, `127.0.0.1:${promPort}`] });
  });

  after(async () => {
    for (const c of children) c.kill('SIGTERM');
    await prometheus?.stop();
    await aggregator?.stop();
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
});
