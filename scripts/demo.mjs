#!/usr/bin/env node
// `npm run demo`: builds the packages, starts `modelwatch serve` on the demo
// configuration, the example sentiment service and its traffic generator
// running a scenario (default: the tour), and prints what the aggregator sees:
// the dashboard's URL first, then the scenario's phases, drift verdicts as
// they change, alerts as they fire (with their runbook) and resolve, and the
// accuracy changes ADWIN detects on the late labels.
//
//   npm run demo [-- --scenario NAME] [--duration 5m]
//
// Runs until Ctrl-C / SIGTERM, or for `--duration`. Exits 0 and leaves no
// process behind.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const TRAFFIC = 'examples/sentiment-service/src/traffic.ts';
const MODEL = 'sentiment_classifier';
const USAGE = `usage: npm run demo [-- --scenario NAME] [--duration 5m]
  --scenario NAME   one scenario of the traffic generator (default: tour)
  --duration D      stop after D (e.g. 90s, 5m, 1h); default: run until Ctrl-C
  --http, --otlp, --otlp-grpc HOST:PORT   the aggregator's addresses (default 127.0.0.1:9470, :4318, :4317)
  --skip-build      do not build the packages first`;

function usageError(message) {
  console.error(`demo: ${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      scenario: { type: 'string', default: 'tour' },
      duration: { type: 'string' },
      http: { type: 'string', default: '127.0.0.1:9470' },
      otlp: { type: 'string', default: '127.0.0.1:4318' },
      'otlp-grpc': { type: 'string', default: '127.0.0.1:4317' },
      'skip-build': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  usageError(err.message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function parseDurationMs(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text ?? '');
  if (!m) usageError(`--duration: expected e.g. 90s, 5m or 1h, got ${JSON.stringify(text)}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
}
const durationMs = values.duration !== undefined ? parseDurationMs(values.duration) : undefined;

// The traffic generator owns the scenarios; ask it for them, so the names and
// timings printed here are the ones it runs. Checked before the build, so a
// typo fails at once.
const listed = spawnSync(process.execPath, ['--import', 'tsx', TRAFFIC, '--list-scenarios'], { cwd: root, encoding: 'utf8' });
if (listed.status !== 0) {
  console.error(`demo: could not list the traffic scenarios:\n${listed.stderr}`);
  process.exit(1);
}
const scenarios = JSON.parse(listed.stdout);
const scenario = scenarios.find((s) => s.name === values.scenario);
if (!scenario) {
  const names = scenarios.map((s) => `  ${s.name.padEnd(14)} ${s.summary}`).join('\n');
  console.error(`demo: unknown scenario ${JSON.stringify(values.scenario)}. Choose one of:\n${names}`);
  process.exit(2);
}

if (!values['skip-build']) {
  console.log('demo: building packages…');
  const b = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const children = [];
const dataDir = mkdtempSync(join(tmpdir(), 'modelwatch-demo-'));
let stopping = false;
// Child log lines wait until the dashboard's URL is out, so that it is the first thing printed about the run.
let held = [];
const log = (line) => (held ? held.push(line) : console.error(line));

function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  createInterface({ input: child.stderr }).on('line', (l) => {
    // The demo prints each alert itself, with its runbook.
    if (name === 'aggregator' && /^modelwatch: alert (firing|resolved):/.test(l)) return;
    log(`[${name}] ${l}`);
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`demo: ${name} exited unexpectedly (${signal ?? code}); stopping`);
      void shutdown(1);
    }
  });
  return child;
}

/** The first stdout line of a child, as JSON (its readiness report); later lines go to `onLine`. */
function firstJsonLine(child, name, onLine = () => {}) {
  return new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    const timer = setTimeout(() => rej(new Error(`${name} did not report ready within 60 s`)), 60_000);
    let first = true;
    rl.on('line', (line) => {
      if (!first) return onLine(line);
      first = false;
      clearTimeout(timer);
      try {
        res(JSON.parse(line));
      } catch {
        rej(new Error(`${name} printed ${line}`));
      }
    });
  });
}

const seen = { drift: new Set(), fired: new Set(), resolved: new Set(), adwinDrops: 0 };

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
  if (held) held.forEach((l) => console.error(l));
  const list = (s) => [...s].join(', ') || 'none';
  console.log(`demo: seen: drift on ${list(seen.drift)}; fired ${list(seen.fired)}; resolved ${list(seen.resolved)}; ADWIN accuracy drops ${seen.adwinDrops}`);
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
console.log(`modelwatch demo: dashboard ${ready.http}/`);
held.forEach((l) => console.error(l));
held = undefined;

const service = start('service', process.execPath, ['--import', 'tsx', 'examples/sentiment-service/src/main.ts'], {
  OTEL_EXPORTER_OTLP_ENDPOINT: ready.otlpHttp,
  OTEL_METRIC_EXPORT_INTERVAL: '5000',
  OTEL_SERVICE_NAME: 'sentiment-service',
});
const svc = await firstJsonLine(service, 'service').catch((e) => (console.error(`demo: ${e.message}`), shutdown(1)));

const api = `${ready.http}/api/v1/models/${MODEL}`;
const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
console.log(`
  aggregator API   ${ready.http}/api/v1/models
  model status     ${api}
  drift report     ${api}/drift
  quality (ADWIN)  ${api}/quality
  alerts           ${ready.http}/api/v1/alerts
  Prometheus       ${ready.http}/metrics
  example service  ${svc.url} (POST /predict, POST /feedback)

Scenario ${scenario.name}: ${scenario.summary}
${scenario.phases.map((p) => `  +${clock(p.at)}  ${p.name.padEnd(14)} ${p.description}`).join('\n')}
Ctrl-C stops everything.
`);

const started = Date.now();
const stamp = () => `demo [${new Date().toISOString().slice(11, 19)} +${clock((Date.now() - started) / 1000)}]`;
const traffic = start('traffic', process.execPath, ['--import', 'tsx', TRAFFIC, '--url', svc.url, '--rate', '40', '--scenario', scenario.name]);
createInterface({ input: traffic.stdout }).on('line', (line) => {
  try {
    const e = JSON.parse(line);
    if (e.event === 'phase') console.log(`${stamp()} phase ${e.phase}: ${e.description}`);
  } catch {
    // not a phase event
  }
});

let lastDrift = '';
let lastChangeState = 'stable';
const announced = new Set();
const runbookShown = new Set();
async function poll() {
  const r = await fetch(`${api}/drift`);
  if (r.ok) {
    const d = await r.json();
    const parts = (d.features ?? []).map((f) => `${f.name}=${f.severity}`);
    if (d.prediction?.confidence) parts.push(`confidence=${d.prediction.confidence.severity}`);
    if (d.prediction?.labels) parts.push(`labels=${d.prediction.labels.severity}`);
    for (const f of d.features ?? []) if (['warning', 'critical'].includes(f.severity)) seen.drift.add(f.name);
    const line = `baseline ${d.baseline?.state ?? '?'}; ${parts.join(' ') || 'no data yet'}`;
    if (line !== lastDrift) {
      lastDrift = line;
      console.log(`${stamp()} ${line}`);
    }
  }
  // ADWIN on the 0/1 correctness of the joined (late) labels.
  const q = await fetch(`${api}/quality`);
  if (q.ok) {
    const cd = (await q.json()).changeDetection;
    // A drop is often cut several times in a row; say it once, when the state changes.
    if (cd && cd.state !== lastChangeState && cd.lastChange) {
      lastChangeState = cd.state;
      const c = cd.lastChange;
      if (c.direction === 'drop') seen.adwinDrops++;
      const pct = (v) => `${Math.round(v * 100)}%`;
      console.log(`${stamp()} ADWIN: accuracy ${c.direction} on the late labels, ${pct(c.before)} -> ${pct(c.after)} (label ${c.at}; ${cd.windowLength} labels in its window)`);
    }
  }
  // Alerts as they fire and resolve (what Alertmanager or a webhook would receive).
  const a = await (await fetch(`${ready.http}/api/v1/alerts`)).json();
  for (const alert of a.active ?? []) {
    if (alert.status !== 'firing' || announced.has(alert.fingerprint)) continue;
    announced.add(alert.fingerprint);
    const name = alert.labels.alertname;
    seen.fired.add(name);
    console.log(`${stamp()} ALERT ${alert.labels.severity} ${name}: ${alert.annotations.summary}`);
    // The runbook once per alertname: the first steps an on-call engineer would take.
    if (!runbookShown.has(name) && alert.annotations.runbook) {
      runbookShown.add(name);
      console.log(`    runbook:\n${alert.annotations.runbook.split('\n').map((l) => `      ${l}`).join('\n')}`);
    }
  }
  for (const alert of a.resolved ?? []) {
    if (!announced.delete(alert.fingerprint)) continue;
    seen.resolved.add(alert.labels.alertname);
    console.log(`${stamp()} resolved ${alert.labels.alertname}: ${alert.annotations.summary}`);
  }
}
let polling = false;
const poller = setInterval(() => {
  if (polling || stopping) return;
  polling = true;
  // The aggregator may be starting or stopping: a failed poll is retried at the next tick.
  poll().catch(() => {}).finally(() => (polling = false));
}, 2500);
poller.unref();
if (durationMs !== undefined) setTimeout(() => void shutdown(0), durationMs);
