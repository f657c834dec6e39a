/**
 * examples/stack, checked as data (no Docker engine runs here): the compose
 * file parses and every file it mounts or builds from exists; the Prometheus
 * and Alertmanager files it mounts pass promtool and amtool, read through the
 * compose mounts as the containers see them; and the generated rules,
 * Alertmanager config and dashboards are what `modelwatch` generates today
 * from the stack's modelwatch.yaml.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { MODELWATCH_BIN, ROOT, tempDir } from '../helpers/aggregator.js';
import { validateConfig } from '../helpers/collector.js';

const STACK = join(ROOT, 'examples/stack');

interface Service { build?: { context: string; dockerfile: string }; volumes?: string[]; image?: string }
const compose = parse(readFileSync(join(STACK, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };

/** host path -> container path of a service's bind mounts. */
function mounts(service: string): Array<{ host: string; container: string }> {
  return (compose.services[service]?.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host = '', container = ''] = v.split(':');
      return { host: resolve(STACK, host), container };
    });
}

/** A copy of `text` with each container path replaced by the host path it is mounted from. */
function asOnHost(text: string, service: string): string {
  let out = text;
  for (const m of mounts(service).sort((a, b) => b.container.length - a.container.length)) out = out.replaceAll(m.container, m.host);
  return out;
}

describe('examples/stack', () => {
  it('has every service of the stack, and every mounted or built-from file', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['alertmanager', 'grafana', 'modelwatch', 'otel-collector', 'prometheus', 'sentiment-service', 'traffic']);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mounts(name)) assert.ok(existsSync(m.host), `${name} mounts ${m.host}, which does not exist`);
      if (s.build) assert.ok(existsSync(resolve(STACK, s.build.context, s.build.dockerfile)), `${name} builds from a missing Dockerfile`);
    }
  });

  it('mounts a Prometheus config that promtool accepts, with its rules', () => {
    const prom = mounts('prometheus').find((m) => m.container === '/etc/prometheus/prometheus.yml');
    assert.ok(prom);
    const file = join(tempDir(), 'prometheus.yml');
    writeFileSync(file, asOnHost(readFileSync(prom.host, 'utf8'), 'prometheus'));
    const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /SUCCESS: \d+ rules found/);
  });

  it('mounts an Alertmanager config that amtool accepts', () => {
    const am = mounts('alertmanager').find((m) => m.container === '/etc/alertmanager/alertmanager.yml');
    assert.ok(am);
    const r = spawnSync('amtool', ['check-config', am.host], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it('provisions Grafana with the Prometheus datasource and the dashboards directory it mounts', () => {
    const provider = parse(readFileSync(join(STACK, 'grafana/provisioning/dashboards/modelwatch.yaml'), 'utf8')) as { providers: Array<{ options: { path: string } }> };
    const path = provider.providers[0]?.options.path;
    const mounted = mounts('grafana').find((m) => m.container === path);
    assert.ok(mounted, `the provider reads ${path}, which no volume mounts`);
    assert.deepEqual(readdirSync(mounted.host).sort(), ['modelwatch-drift.json', 'modelwatch-health.json', 'modelwatch-quality.json', 'modelwatch-resources.json']);
    const ds = parse(readFileSync(join(STACK, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8')) as { datasources: Array<{ type: string; url: string }> };
    assert.equal(ds.datasources[0]?.type, 'prometheus');
  });

  it('mounts a Collector config that our real Collector (scripts/build-collector.sh) validates', () => {
    const c = mounts('otel-collector').find((m) => m.container === '/etc/otelcol/config.yaml');
    assert.ok(c);
    // The stack's image is otelcol-contrib; ours has the components this config uses (OTLP, memory_limiter, batch, otlphttp).
    const v = validateConfig([c.host], { MODELWATCH_AUTH_TOKEN: 'change-me-to-a-long-random-token' });
    assert.ok(v.ok, v.output);
  });

  it('has a Collector config whose pipelines send metrics and logs to the aggregator', () => {
    const c = parse(readFileSync(join(STACK, 'collector/otel-collector.yaml'), 'utf8')) as { exporters: Record<string, { endpoint: string }>; service: { pipelines: Record<string, { exporters: string[] }> } };
    assert.equal(c.exporters['otlphttp/modelwatch']?.endpoint, 'http://modelwatch:4318');
    assert.deepEqual(Object.keys(c.service.pipelines).sort(), ['logs', 'metrics']);
  });

  it('holds exactly what modelwatch generates today from the stack\'s modelwatch.yaml (run examples/stack/generate.sh after changing it)', () => {
    const out = tempDir();
    const config = join(STACK, 'modelwatch/modelwatch.yaml');
    const run = (args: string[]): void => {
      const r = spawnSync(process.execPath, [MODELWATCH_BIN, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    run(['rules', '--config', config, '--naming', 'otel-js', '--out', join(out, 'rules.yml')]);
    run(['alertmanager', '--config', config, '--out', join(out, 'alertmanager.yml')]);
    run(['dashboards', '--config', config, '--naming', 'otel-js', '--out', join(out, 'dashboards')]);
    assert.equal(readFileSync(join(STACK, 'prometheus/modelwatch.rules.yml'), 'utf8'), readFileSync(join(out, 'rules.yml'), 'utf8'));
    assert.equal(readFileSync(join(STACK, 'alertmanager/alertmanager.yml'), 'utf8'), readFileSync(join(out, 'alertmanager.yml'), 'utf8'));
    for (const f of readdirSync(join(out, 'dashboards'))) {
      assert.equal(readFileSync(join(STACK, 'grafana/dashboards', f), 'utf8'), readFileSync(join(out, 'dashboards', f), 'utf8'), f);
    }
  });
});
