/**
 * Re-export to "any OTLP backend", end to end on a real OpenTelemetry Collector
 * (collector-config/agent.yaml + agent-signals.yaml):
 *
 *   SDK --OTLP/HTTP--> agent --OTLP/gRPC--> modelwatch serve
 *                        ^                        | OTLP/HTTP push of its own signals
 *                        +---- otlp/signals <-----+   (OTEL_EXPORTER_OTLP_ENDPOINT)
 *                               |-> otlp_http/backend (an OTLP/HTTP backend, here a recording one, as OTLP/JSON)
 *                               |-> debug/signals (verbosity detailed, into a file the test reads)
 *
 * The contrib prometheus and file exporters are not in the build (neither can be
 * built at v0.160.0 here: see builder-config.yaml), so the Collector's own output
 * is read from its debug exporter, and "any OTLP backend" is a real OTLP/HTTP
 * server the Collector exports to. The aggregator's drift verdict (KS statistic
 * and severity) for the drifted feature, its request rate, SLO burn rates and
 * its own counters arrive with the same attributes (Prometheus labels on the
 * aggregator's /metrics) and values, with the registry's units, and never come
 * back into modelwatch.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelwatch } from '@modelwatch/node';
import { METRICS, prometheusName } from '@modelwatch/semconv';
import { getJson, MODELWATCH_BIN, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { freePort } from '../helpers/alertmanager.js';
import { COLLECTOR_CONFIG_DIR, collectorBinary, startCollector, tierListeners, type RunningCollector } from '../helpers/collector.js';
import { startOtlpBackend, type OtlpBackend } from '../helpers/otlp-recorder.js';
import { seeded } from '../helpers/random.js';

const config = (name: string): string => join(COLLECTOR_CONFIG_DIR, name);
const MODEL = 'alpha';
const LANGS = ['en', 'es', 'de'] as const;
/** The aggregator's signals compared (registry names). */
const COMPARED = ['ml.drift.ks.statistic', 'ml.drift.severity', 'ml.inference.request_rate', 'ml.slo.burn_rate', 'ml.aggregator.accepted'] as const;

/** One numeric point: its metric, unit and attributes (values as strings), from wherever it was read. */
interface Point { name: string; unit: string; attributes: Record<string, string>; value: number }

/** Prometheus label name of an attribute, as the aggregator's exporter writes it. */
const labelName = (key: string): string => key.replace(/[^a-zA-Z0-9_]/g, '_');
/** Identity of a series: its labels, sorted. */
const seriesKey = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
const asLabels = (attributes: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(attributes).map(([k, v]) => [labelName(k), v]));

/** The series of the Prometheus text format: name -> series key -> value. */
function parsePrometheus(text: string): Map<string, Map<string, { labels: Record<string, string>; value: number }>> {
  const out = new Map<string, Map<string, { labels: Record<string, string>; value: number }>>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      // The exporter's own label naming the instrumentation scope: not an attribute of the point.
      if (l[1]?.startsWith('otel_scope_')) continue;
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    }
    const name = m[1] ?? '';
    if (!out.has(name)) out.set(name, new Map());
    out.get(name)?.set(seriesKey(labels), { labels, value: Number(m[3]) });
  }
  return out;
}

/**
 * The number points the debug exporter printed (verbosity detailed), oldest first. Its
 * text: `Metric #i` / `-> Name:` / `-> Unit:` per metric, then per point
 * `NumberDataPoints #j`, `Data point attributes:` with `-> key: Str(value)` lines, and
 * `Value: <%f or %d>`.
 */
function parseDebug(text: string): Point[] {
  const points: Point[] = [];
  let metric = { name: '', unit: '' };
  let attributes: Record<string, string> | null = null;
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^\s+-> Name: (.*)$/.exec(line)) !== null && attributes === null) metric = { name: m[1] ?? '', unit: '' };
    else if ((m = /^\s+-> Unit: (.*)$/.exec(line)) !== null && attributes === null) metric.unit = m[1] ?? '';
    else if (/^NumberDataPoints #\d+$/.test(line)) attributes = {};
    else if ((m = /^\s+-> (.+?): \w+\((.*)\)$/.exec(line)) !== null && attributes !== null) attributes[m[1] ?? ''] = m[2] ?? '';
    else if ((m = /^Value: (\S+)$/.exec(line)) !== null && attributes !== null) {
      points.push({ ...metric, attributes, value: Number(m[1]) });
      attributes = null;
    } else if (/^(Metric|ResourceMetrics|ScopeMetrics) #\d+$/.test(line)) attributes = null;
  }
  return points;
}

interface JsonAnyValue { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean }
interface JsonNumberPoint { attributes?: Array<{ key: string; value: JsonAnyValue }>; asDouble?: number; asInt?: string | number }
interface JsonMetric { name: string; unit?: string; gauge?: { dataPoints: JsonNumberPoint[] }; sum?: { dataPoints: JsonNumberPoint[] } }
interface JsonMetricsRequest { resourceMetrics?: Array<{ resource?: { attributes?: Array<{ key: string; value: JsonAnyValue }> }; scopeMetrics?: Array<{ metrics?: JsonMetric[] }> }> }

const anyValue = (v: JsonAnyValue): string => String(v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue ?? '');

/** The number points of OTLP/JSON metrics requests, oldest first, with the resource attributes of each. */
function parseOtlpJson(bodies: readonly string[]): Array<Point & { resource: Record<string, string> }> {
  const points: Array<Point & { resource: Record<string, string> }> = [];
  for (const body of bodies) {
    for (const rm of (JSON.parse(body) as JsonMetricsRequest).resourceMetrics ?? []) {
      const resource = Object.fromEntries((rm.resource?.attributes ?? []).map((a) => [a.key, anyValue(a.value)]));
      for (const sm of rm.scopeMetrics ?? []) {
        for (const metric of sm.metrics ?? []) {
          for (const p of metric.gauge?.dataPoints ?? metric.sum?.dataPoints ?? []) {
            const attributes = Object.fromEntries((p.attributes ?? []).map((a) => [a.key, anyValue(a.value)]));
            points.push({ name: metric.name, unit: metric.unit ?? '', attributes, resource, value: Number(p.asDouble ?? p.asInt) });
          }
        }
      }
    }
  }
  return points;
}

/** The latest point of each series of `name`. */
function latest<P extends Point>(points: readonly P[], name: string): Map<string, P> {
  const out = new Map<string, P>();
  for (const p of points) if (p.name === name) out.set(seriesKey(asLabels(p.attributes)), p);
  return out;
}

/** A baseline for MODEL from x ~ N(100, 20), and the aggregator's configuration with an SLO. */
function aggregatorConfig(): string {
  const dir = tempDir();
  const r = seeded(11);
  const csv = join(dir, 'reference.csv');
  writeFileSync(csv, `x,lang\n${Array.from({ length: 1000 }, () => `${r.normal(100, 20)},${LANGS[Math.floor(r.uniform() * 3)] ?? 'en'}`).join('\n')}\n`);
  // One drift window (the model's), and a false-alert budget that lets N predictions decide
  // with a one-second evaluation interval (the default, one a year per feature, needs thousands).
  const text = `
evaluation: { interval: 1s }
defaults: { driftWindows: [], falseAlertInterval: 1h }
models:
  - name: ${MODEL}
    task: classification
    baseline: ${join(dir, `${MODEL}.json`)}
    features: { x: numeric, lang: categorical }
    slos:
      - { name: latency, kind: latency, objective: 0.95, threshold: 0.5 }
`;
  writeFileSync(join(dir, 'modelwatch.yaml'), text);
  const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', MODEL, '--input', csv, '--out', join(dir, `${MODEL}.json`), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
  assert.equal(b.status, 0, `modelwatch baseline failed: ${b.stderr}`);
  return text;
}

/** `n` predictions of MODEL with x drifted to N(130, 20) (1.5 sd), one in ten slower than the SLO's 0.5 s. */
async function sendDrifted(endpoint: string, n: number): Promise<void> {
  const sdk = startModelwatch({ serviceName: 'e2e-reexport', otlpEndpoint: endpoint, hostMetrics: false, runtimeMetrics: false, setGlobal: false, exportIntervalMillis: 60_000 });
  const monitor = sdk.monitor({ model: { name: MODEL }, task: 'classification', features: { x: 'numeric', lang: 'categorical' }, featureSampling: { rate: 1 } });
  const r = seeded(12);
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    monitor.record({ durationSeconds: i % 10 === 0 ? 1 : 0.01, label: u < 0.5 ? 'a' : 'b', confidence: 0.8, features: { x: r.normal(130, 20), lang: LANGS[Math.floor(u * 3)] ?? 'en' } });
  }
  await sdk.forceFlush();
  await sdk.shutdown();
}

describe("the aggregator's own signals through a real Collector to an OTLP backend (agent-signals.yaml)", () => {
  const N = 400;
  let aggregator: RunningAggregator;
  let agent: RunningCollector;
  let backend: OtlpBackend;
  const debugFile = join(tempDir(), 'signals-debug.txt');
  let agentHttp = '';

  before(async () => {
    // Fails here, with the build's output, when the Collector cannot be built.
    collectorBinary();
    const [own, signalsPort] = [await tierListeners('agent'), await freePort()];
    backend = await startOtlpBackend();
    aggregator = await startAggregator(aggregatorConfig(), {
      // The standard variables: push every second to the agent's signals receiver.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${signalsPort}`, OTEL_METRIC_EXPORT_INTERVAL: '1000' },
    });
    // The test's overlay: the debug exporter into a file instead of the agent's log, and the backend
    // exporter as OTLP/JSON, so the test reads both without a protobuf decoder of its own.
    const overlay = join(tempDir(), 'test-overlay.yaml');
    writeFileSync(overlay, `exporters:
  debug/signals:
    use_internal_logger: false
    output_paths: [${JSON.stringify(debugFile)}]
  otlp_http/backend:
    encoding: json
`);
    agent = await startCollector({
      configs: [config('agent.yaml'), config('agent-signals.yaml'), overlay],
      env: {
        MODELWATCH_OTLP_ENDPOINT: new URL(aggregator.addresses.otlpGrpc ?? '').host,
        MODELWATCH_OTLP_INSECURE: 'true',
        MODELWATCH_BACKEND_OTLP_ENDPOINT: backend.url,
        ...own.env,
        MODELWATCH_AGENT_SIGNALS_OTLP_HTTP: `127.0.0.1:${signalsPort}`,
        MODELWATCH_SIGNALS_DEBUG_VERBOSITY: 'detailed',
      },
      health: own.health,
    });
    agentHttp = own.http;
  });

  after(async () => {
    await agent?.stop();
    await Promise.all([aggregator?.stop(), backend?.close()]);
  });

  it('delivers the drift verdict, request rate, burn rates and counters with the labels and values of /metrics', async (t) => {
    await sendDrifted(agentHttp, N);
    // The verdict on x: critical, over the whole sample.
    let lastDrift: unknown;
    await waitFor('the aggregator to judge x as drifted on all the data', async () => {
      const drift = await getJson<{ features: Array<{ name: string; severity: string; currentCount: number }> }>(`${aggregator.addresses.http}/api/v1/models/${MODEL}/drift`);
      const x = drift.features.find((f) => f.name === 'x');
      lastDrift = x ?? drift;
      return x?.severity === 'critical' && x.currentCount === N ? x : undefined;
    }, 30_000, 250).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(lastDrift)}\nthe agent's log:\n${agent.stderr().slice(-3000)}`, { cause: e });
    });

    const backendMetrics = (): string[] => backend.requests.filter((r) => r.path === '/v1/metrics').map((r) => r.body.toString('utf8'));
    const debugPoints = (): Point[] => (existsSync(debugFile) ? parseDebug(readFileSync(debugFile, 'utf8')) : []);
    let report = '';
    // Values change from one evaluation to the next (a shorter drift window takes over, the
    // counters grow), and a pushed value is up to a push interval plus the agent's batch timeout
    // old: compare until one reading of /metrics matches the latest pushed points throughout.
    const checked = await waitFor('the pushed signals to match /metrics', async () => {
      const prom = parsePrometheus(await (await fetch(`${aggregator.addresses.http}/metrics`)).text());
      const pushed = parseOtlpJson(backendMetrics());
      const printed = debugPoints();
      const problems: string[] = [];
      let compared = 0;
      for (const name of COMPARED) {
        const series = prom.get(prometheusName(name, { scheme: 'otel-js' }));
        const fromBackend = latest(pushed, name);
        const fromDebug = latest(printed, name);
        if (series === undefined || series.size === 0) problems.push(`${name}: not on /metrics`);
        for (const [key, s] of series ?? []) {
          const b = fromBackend.get(key);
          const d = fromDebug.get(key);
          compared++;
          // OTLP/JSON carries the double itself; the debug exporter prints %f (6 decimals).
          if (b === undefined || Math.abs(b.value - s.value) > 1e-12 * Math.max(1, Math.abs(s.value))) problems.push(`${name} ${key}: /metrics ${s.value}, backend ${b?.value}`);
          if (d === undefined || Math.abs(d.value - s.value) > 5e-7 + 1e-9 * Math.abs(s.value)) problems.push(`${name} ${key}: /metrics ${s.value}, debug ${d?.value}`);
        }
      }
      report = problems.join('\n');
      return problems.length === 0 ? { prom, pushed, printed, compared } : undefined;
    }, 30_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\n${report}\nthe agent's log:\n${agent.stderr().slice(-3000)}`, { cause: e });
    });

    // The series the brief names are among them, with the model's and feature's labels.
    const ks = [...latest(checked.pushed, 'ml.drift.ks.statistic').values()].filter((p) => p.attributes['ml.model.name'] === MODEL && p.attributes['ml.feature.name'] === 'x');
    assert.equal(ks.length, 1, JSON.stringify(ks));
    assert.ok((ks[0]?.value ?? 0) > 0.25, `KS D of a 1.5 sd shift: ${ks[0]?.value}`);
    assert.deepEqual(Object.keys(ks[0]?.attributes ?? {}).sort(), ['ml.drift.subject', 'ml.drift.window', 'ml.feature.name', 'ml.model.name']);
    // The verdict's severity beside its KS statistic: same attributes (model, feature, deciding window).
    const severity = latest(checked.pushed, 'ml.drift.severity').get(seriesKey(asLabels(ks[0]?.attributes ?? {})));
    assert.equal(severity?.value, 3, 'critical is level 3');
    const rate = [...latest(checked.pushed, 'ml.inference.request_rate').values()].find((p) => p.attributes['ml.model.name'] === MODEL);
    assert.ok(rate !== undefined && rate.value > 0, JSON.stringify(rate));
    const burn = [...latest(checked.pushed, 'ml.slo.burn_rate').values()].filter((p) => p.attributes['ml.slo.name'] === 'latency');
    assert.ok(burn.length >= 2 && burn.some((p) => p.value > 1), `one request in ten misses an SLO allowing one in twenty: ${JSON.stringify(burn)}`);
    assert.ok(checked.compared >= 10, `compared ${checked.compared} series`);
    // The units are the registry's: what a Collector prometheus exporter derives its name suffixes from.
    for (const name of COMPARED) {
      const unit = (METRICS as unknown as Record<string, { unit: string }>)[name]?.unit;
      for (const p of [...latest(checked.pushed, name).values(), ...latest(checked.printed, name).values()]) assert.equal(p.unit, unit, `${name}'s unit`);
    }
    t.diagnostic(`${checked.compared} series equal on /metrics, at the backend and in the debug output; KS D(x) ${ks[0]?.value}, request rate ${rate.value}/s, burn rates ${burn.map((p) => `${p.attributes['ml.slo.window']}=${p.value}`).join(' ')}`);
    // The resource says who computed them (the backend also gets the SDK's own telemetry from the agent).
    const computed = checked.pushed.filter((p) => (COMPARED as readonly string[]).includes(p.name));
    assert.deepEqual([...new Set(computed.map((p) => p.resource['service.name']))], ['modelwatch-aggregator']);
  });

  it('keeps the signals out of modelwatch: no model but the SDK\'s, and no points accepted after the SDK stopped', async () => {
    const accepted = async (): Promise<number> => (await getJson<{ accepted: { dataPoints: number } }>(`${aggregator.addresses.http}/api/v1/models/${MODEL}`)).accepted.dataPoints;
    const before = await accepted();
    const pushes = backend.requests.length;
    // Three more pushes of the aggregator's signals through the agent.
    await waitFor('three more pushes through the agent', async () => (backend.requests.length >= pushes + 3 ? true : undefined), 20_000, 250);
    assert.equal(await accepted(), before);
    const models = await getJson<{ models: Array<{ name: string }> }>(`${aggregator.addresses.http}/api/v1/models`);
    assert.deepEqual(models.models.map((m) => m.name), [MODEL]);
  });
});
