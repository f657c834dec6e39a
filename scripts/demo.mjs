#!/usr/bin/env node
// `npm run demo`: builds the packages, starts `modelwatch serve` on the demo
// configuration, the example sentiment service and its traffic (which drifts
// after a minute), and prints the drift verdicts as they change.
// Runs until Ctrl-C / SIGTERM, or for `-- --duration 5m`. Exits 0 and leaves no
// process behind.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    'drift-after': { type: 'string', default: '60' },
    http: { type: 'string', default: '127.0.0.1:9470' },
    otlp: { type: 'string', default: '127.0.0.1:4318' },
    'otlp-grpc': { type: 'string', default: '127.0.0.1:4317' },
    'skip-build': { type: 'boolean', default: false },
  },
});

function parseDurationMs(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text ?? '');
  if (!m) throw new Error(`--duration: expected e.g. 90s, 5m or 1h, got ${JSON.stringify(text)}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
}
const durationMs = values.duration !== undefined ? parseDurationMs(values.duration) : undefined;

if (!values['skip-build']) {
  console.log('demo: building packages…');
  const b = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const children = [];
const dataDir = mkdtempSync(join(tmpdir(), 'modelwatch-demo-'));
let stopping = false;

function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  createInterface({ input: child.stderr }).on('line', (l) => console.error(`[${name}] ${l}`));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`demo: ${name} exited unexpectedly (${signal ?? code}); stopping`);
      void shutdown(1);
    }
  });
  return child;
}

function firstJsonLine(child, name) {
  return new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => rej(new Error(`${name} did not report ready within 60 s`)), 60_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      try {
        res(JSON.parse(line));
      } catch {
        rej(new Error(`${name} printed ${line}`));
      }
    });
  });
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const c of [...children].reverse()) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null
        ? undefined
        : new Promise((r) => {
            const t = setTimeout(() => (c.kill('SIGKILL'), r()), 10_000);
            c.once('exit', () => (clearTimeout(t), r()));
          }),
    ),
  );
  rmSync(dataDir, { recursive: true, force: true });
  console.log('demo: stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const aggregator = start('aggregator', process.execPath, [
  'packages/aggregator/bin/modelwatch.js', 'serve',
  '--config', 'examples/demo/modelwatch.yaml',
  '--data-dir', dataDir,
  '--http', values.http, '--otlp', values.otlp, '--otlp-grpc', values['otlp-grpc'],
]);
const ready = await firstJsonLine(aggregator, 'aggregator').catch((e) => (console.error(`demo: ${e.message}`), shutdown(1)));
const service = start('service', process.execPath, ['--import', 'tsx', 'examples/sentiment-service/src/main.ts'], {
  OTEL_EXPORTER_OTLP_ENDPOINT: ready.otlpHttp,
  OTEL_METRIC_EXPORT_INTERVAL: '5000',
  OTEL_SERVICE_NAME: 'sentiment-service',
});
const svc = await firstJsonLine(service, 'service').catch((e) => (console.error(`demo: ${e.message}`), shutdown(1)));
start('traffic', process.execPath, [
  '--import', 'tsx', 'examples/sentiment-service/src/traffic.ts',
  '--url', svc.url, '--rate', '20', '--drift-after', values['drift-after'],
]);

const api = `${ready.http}/api/v1/models/sentiment_classifier`;
console.log(`
modelwatch demo is running.
  aggregator API   ${ready.http}/api/v1/models
  model status     ${api}
  drift report     ${api}/drift
  alerts           ${ready.http}/api/v1/alerts
  one feature      ${api}/drift/text_length
  Prometheus       ${ready.http}/metrics
  example service  ${svc.url} (POST /predict, POST /feedback)
The baseline is learned from the first 30 s window; traffic drifts after ${values['drift-after']} s
(longer texts, Portuguese becomes the dominant language). Ctrl-C stops everything.
`);

let last = '';
const announced = new Set();
const poll = setInterval(async () => {
  try {
    const r = await fetch(`${api}/drift`);
    if (!r.ok) return;
    const d = await r.json();
    const parts = (d.features ?? []).map((f) => `${f.name}=${f.severity}`);
    if (d.prediction?.confidence) parts.push(`confidence=${d.prediction.confidence.severity}`);
    if (d.prediction?.labels) parts.push(`labels=${d.prediction.labels.severity}`);
    const line = `baseline ${d.baseline?.state ?? '?'}; ${parts.join(' ') || 'no data yet'}`;
    const now = new Date().toISOString().slice(11, 19);
    if (line !== last) {
      last = line;
      console.log(`demo [${now}] ${line}`);
    }
    // Alerts as they fire and resolve (what Alertmanager or a webhook would receive).
    const a = await (await fetch(`${ready.http}/api/v1/alerts`)).json();
    for (const alert of a.active ?? []) {
      if (alert.status !== 'firing' || announced.has(alert.fingerprint)) continue;
      announced.add(alert.fingerprint);
      console.log(`demo [${now}] ALERT ${alert.labels.severity} ${alert.labels.alertname}: ${alert.annotations.summary}`);
    }
    for (const alert of a.resolved ?? []) {
      if (!announced.delete(alert.fingerprint)) continue;
      console.log(`demo [${now}] resolved ${alert.labels.alertname}: ${alert.annotations.summary}`);
    }
  } catch {
    // the aggregator may be starting or stopping
  }
}, 5000);
poll.unref();
if (durationMs !== undefined) setTimeout(() => void shutdown(0), durationMs);
