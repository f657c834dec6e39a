/**
 * The Collector configurations of collector-config/, on a real OpenTelemetry
 * Collector built from collector-config/builder-config.yaml (scripts/build-collector.sh;
 * CI builds it in .ci/run, a cached build is reused):
 * - every configuration passes `otelcol validate`;
 * - the agent between the SDK and `modelwatch serve` changes nothing: the
 *   aggregator behind it reports the same counts and drift windows as one fed
 *   the same traffic directly, and the backend receives metrics and logs too;
 * - an aggregator restart (SIGTERM, then the same port and data directory),
 *   with an agent restart in between, loses nothing: the agent holds the data
 *   in its persistent queue;
 * - the gateway's load_balancing exporter keeps each model's metrics and logs
 *   together on one aggregator, whether the model's identity is on the
 *   resource or on the points.
 * A Collector that cannot be built fails these tests with the build's output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelwatch } from '@modelwatch/node';
import { MODELWATCH_BIN, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { COLLECTOR_CONFIG_DIR, collectorBinary, startCollector, tierListeners, validateConfig, type RunningCollector } from '../helpers/collector.js';
import { seeded } from '../helpers/random.js';

const config = (name: string): string => join(COLLECTOR_CONFIG_DIR, name);
const TOKEN = 'e2e-collector-token-0123456789';
const MODELS = ['alpha', 'beta'] as const;
const FEATURES = { x: 'numeric', lang: 'categorical' } as const;
const LANGS = ['en', 'es', 'de'] as const;

interface Row { x: number; lang: string; label: string; truth: string }

function rows(seed: number, n: number): Row[] {
  const r = seeded(seed);
  return Array.from({ length: n }, () => {
    const u = r.uniform();
    return { x: r.normal(100, 20), lang: LANGS[Math.floor(u * LANGS.length)] ?? 'en', label: u < 0.5 ? 'a' : 'b', truth: r.uniform() < 0.8 ? (u < 0.5 ? 'a' : 'b') : 'c' };
  });
}

/**
 * One SDK (as a service runs it, OTLP/HTTP to `endpoint`) sending `data` for
 * each of `models`: every prediction with its features and an `ml.prediction`
 * event, ground truth for every other one. Prediction ids are fixed, so two
 * runs send the same thing. `onResource` puts the model on the resource
 * (one model per process) instead of on every point.
 */
async function send(endpoint: string, models: readonly string[], data: readonly Row[], phase: string, onResource = false): Promise<void> {
  const sdk = startModelwatch({
    serviceName: 'e2e-collector',
    otlpEndpoint: endpoint,
    hostMetrics: false,
    runtimeMetrics: false,
    setGlobal: false,
    exportIntervalMillis: 60_000,
    ...(onResource && models.length === 1 ? { model: { name: models[0] ?? '' } } : {}),
  });
  for (const name of models) {
    const monitor = sdk.monitor({ model: { name }, task: 'classification', features: FEATURES, featureSampling: { rate: 1 }, groundTruthSampleRate: 1 });
    data.forEach((row, i) => {
      const predictionId = `${name}-${phase}-${i}`;
      monitor.record({ predictionId, durationSeconds: 0.01, label: row.label, confidence: 0.8, features: { x: row.x, lang: row.lang } });
      if (i % 2 === 0) monitor.feedback(predictionId, row.truth);
    });
  }
  await sdk.forceFlush();
  await sdk.shutdown();
}

/** GET JSON from an aggregator's API, with its bearer token when it has one; undefined on 404. */
async function api<T>(base: string, path: string, token?: string): Promise<T | undefined> {
  const r = await fetch(`${base}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`GET ${base}${path}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}

interface ModelResults { dataPoints: number; logRecords: number; currentCount: Record<string, number> }

/** What the brief compares: accepted points and records, and each feature's current-window count. */
async function results(aggregator: RunningAggregator, models: readonly string[], token?: string, drift = true): Promise<Record<string, ModelResults>> {
  const out: Record<string, ModelResults> = {};
  for (const m of models) {
    const status = await api<{ accepted: { dataPoints: number; logRecords: number } }>(aggregator.addresses.http, `/api/v1/models/${m}`, token);
    const features = drift ? (await api<{ features: Array<{ name: string; currentCount: number }> }>(aggregator.addresses.http, `/api/v1/models/${m}/drift`, token))?.features ?? [] : [];
    out[m] = {
      dataPoints: status?.accepted.dataPoints ?? 0,
      logRecords: status?.accepted.logRecords ?? 0,
      currentCount: Object.fromEntries(features.map((f) => [f.name, f.currentCount]).sort()),
    };
  }
  return out;
}

/**
 * Waits until the aggregator fed directly is `complete` and `other` reports the same as it (either
 * may still be ingesting or evaluating: both are read again on every try), and returns the results.
 */
async function sameAsDirect(
  what: string,
  direct: RunningAggregator,
  other: RunningAggregator,
  models: readonly string[],
  complete: (r: ModelResults) => boolean,
  token?: string,
): Promise<Record<string, ModelResults>> {
  let want: unknown;
  let got: unknown;
  try {
    return await waitFor(what, async () => {
      const d = await results(direct, models);
      want = d;
      if (!Object.values(d).every(complete)) return undefined;
      const o = await results(other, models, token);
      got = o;
      return JSON.stringify(o) === JSON.stringify(d) ? d : undefined;
    }, 60_000, 250);
  } catch (e) {
    throw new Error(`${(e as Error).message}\ndirect ${JSON.stringify(want)}\nother  ${JSON.stringify(got)}`, { cause: e });
  }
}

/**
 * The lines of a Collector log that report data given up. At shutdown the exporter logs the request it
 * was retrying as "Dropping data ... interrupted due to shutdown", but its persistent queue keeps that
 * request for the next start (the restart test's counts are the proof), so those lines are not losses.
 */
function losses(...logs: string[]): string[] {
  return logs.flatMap((log) => log.split('\n').filter((l) => /Dropping data|Rejecting data/.test(l) && !/interrupted due to shutdown/.test(l)));
}

/** An OTLP/HTTP backend that accepts everything and counts requests per signal path. */
async function startBackendSink(): Promise<{ url: string; requests: Map<string, number>; close(): Promise<void> }> {
  const requests = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.set(req.url ?? '', (requests.get(req.url ?? '') ?? 0) + 1);
      // An empty protobuf Export*ServiceResponse: full success.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** host:port of an aggregator URL (the otlp_grpc exporter takes host:port). */
const hostPort = (url: string | null): string => {
  assert.ok(url, 'the aggregator has a gRPC receiver');
  return new URL(url).host;
};

/** Aggregator config with baselines for MODELS, built by `modelwatch baseline` from a reference sample. */
function aggregatorConfig(): string {
  const dir = tempDir();
  const reference = rows(1, 500);
  const csv = join(dir, 'reference.csv');
  writeFileSync(csv, `x,lang\n${reference.map((r) => `${r.x},${r.lang}`).join('\n')}\n`);
  const text = `
evaluation: { interval: 1s }
models:
${MODELS.map((m) => `  - { name: ${m}, task: classification, baseline: ${join(dir, `${m}.json`)}, features: { x: numeric, lang: categorical } }`).join('\n')}
`;
  writeFileSync(join(dir, 'modelwatch.yaml'), text);
  for (const m of MODELS) {
    const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', m, '--input', csv, '--out', join(dir, `${m}.json`), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
    assert.equal(b.status, 0, `modelwatch baseline failed: ${b.stderr}`);
  }
  return text;
}

/**
 * An agent's environment for agent.yaml: loopback ports of its own, its queue
 * in a fresh directory, sending to `aggregator` and to the backend at
 * `backendUrl`, plus `extra`. Returns it with the agent's health and OTLP/HTTP addresses.
 */
async function agentSetup(aggregator: RunningAggregator, backendUrl: string, extra: NodeJS.ProcessEnv = {}): Promise<{ env: NodeJS.ProcessEnv; health: string; http: string }> {
  const own = await tierListeners('agent');
  const env: NodeJS.ProcessEnv = {
    MODELWATCH_OTLP_ENDPOINT: hostPort(aggregator.addresses.otlpGrpc),
    MODELWATCH_OTLP_INSECURE: 'true',
    MODELWATCH_BACKEND_OTLP_ENDPOINT: backendUrl,
    ...own.env,
    ...extra,
  };
  return { env, health: own.health, http: own.http };
}

describe('collector-config on a real OpenTelemetry Collector', () => {
  // First, so that a Collector that cannot be built fails here with the build's output (the suites
  // below, which need it, are then cancelled with the same reason).
  it('builds the Collector from builder-config.yaml (scripts/build-collector.sh, or its cached build)', () => {
    assert.match(collectorBinary(), /otelcol-modelwatch$/);
  });

  describe('otelcol validate', () => {
    const env = {
      MODELWATCH_OTLP_ENDPOINT: '127.0.0.1:4317',
      MODELWATCH_BACKEND_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      MODELWATCH_AGENT_STORAGE_DIR: join(tempDir(), 'queue'),
      MODELWATCH_AGGREGATORS: '[127.0.0.1:14317, 127.0.0.1:24317]',
      MODELWATCH_GATEWAY_STORAGE_DIR: join(tempDir(), 'queue'),
      MODELWATCH_AUTH_TOKEN: TOKEN,
      MODELWATCH_OTLP_HTTP_ENDPOINT: 'http://127.0.0.1:4318',
    };
    // Each configuration alone, and each overlay on the file it completes.
    const cases = [['agent.yaml'], ['agent.yaml', 'agent-auth.yaml'], ['agent.yaml', 'agent-http.yaml'], ['agent.yaml', 'agent-signals.yaml'], ['gateway.yaml'], ['gateway.yaml', 'gateway-auth.yaml']];

    it('accepts every configuration in collector-config', () => {
      for (const files of cases) {
        const v = validateConfig(files.map(config), env);
        assert.ok(v.ok, `${files.join(' + ')}: ${v.output}`);
      }
    });

    it('covers every configuration file in collector-config', () => {
      const covered = new Set(cases.flat());
      const files = readdirSync(COLLECTOR_CONFIG_DIR).filter((f) => /\.ya?ml$/.test(f) && f !== 'builder-config.yaml');
      assert.deepEqual(files.filter((f) => !covered.has(f)), [], 'a configuration file that no validate case checks');
    });

    it('refuses a configuration whose required variable is unset, naming what is missing', () => {
      const agent = validateConfig([config('agent.yaml')], { ...env, MODELWATCH_OTLP_ENDPOINT: '' });
      assert.equal(agent.ok, false);
      assert.match(agent.output, /otlp_grpc\/modelwatch.*endpoint/);
      const gateway = validateConfig([config('gateway.yaml')], { ...env, MODELWATCH_AGGREGATORS: '' });
      assert.equal(gateway.ok, false);
      assert.match(gateway.output, /no endpoints specified for the static resolver/);
    });
  });

  describe('the agent between the SDK and modelwatch serve', () => {
    const N1 = 300;
    const N2 = 200;
    let aggConfig = '';
    const behindDir = tempDir();
    let behind: RunningAggregator; // fed by the agent; requires a token
    let direct: RunningAggregator; // fed by the SDK directly
    let agent: RunningCollector;
    let backend: Awaited<ReturnType<typeof startBackendSink>>;
    let agentEnv: NodeJS.ProcessEnv = {};
    let health = '';
    let agentHttp = '';
    const agentConfigs = [config('agent.yaml'), config('agent-auth.yaml')];

    before(async () => {
      aggConfig = aggregatorConfig();
      [behind, direct, backend] = await Promise.all([
        startAggregator(aggConfig, { dataDir: behindDir, env: { MODELWATCH_AUTH_TOKEN: TOKEN } }),
        startAggregator(aggConfig),
        startBackendSink(),
      ]);
      const a = await agentSetup(behind, backend.url, { MODELWATCH_AUTH_TOKEN: TOKEN });
      [agentEnv, health, agentHttp] = [a.env, a.health, a.http];
      agent = await startCollector({ configs: agentConfigs, env: agentEnv, health });
    });

    after(async () => {
      await agent?.stop();
      await Promise.all([behind?.stop(), direct?.stop(), backend?.close()]);
    });

    it('forwards metrics and logs unchanged: the same counts and drift windows as the aggregator fed directly', async () => {
      const data = rows(2, N1);
      await Promise.all([send(agentHttp, MODELS, data, 'one'), send(direct.addresses.otlpHttp, MODELS, data, 'one')]);
      // One ml.prediction event per prediction (sample rate 1) and ground truth for every other one.
      const complete = (m: ModelResults): boolean =>
        Object.keys(m.currentCount).length === 2 && Object.values(m.currentCount).every((c) => c === N1) && m.logRecords === N1 * 1.5;
      const same = await sameAsDirect('the aggregator behind the agent to match the direct one', direct, behind, MODELS, complete, TOKEN).catch((e: Error) => {
        // The agent's log says why the aggregator refused (e.g. a request it could not decode).
        throw new Error(`${e.message}\nthe agent's losses:\n${losses(agent.stderr()).join('\n')}`, { cause: e });
      });
      for (const m of MODELS) assert.ok((same[m]?.dataPoints ?? 0) > 0, `${m}: ${JSON.stringify(same[m])}`);
      assert.deepEqual(losses(agent.stderr()), [], 'the agent logged a loss');
      assert.ok((backend.requests.get('/v1/metrics') ?? 0) > 0, `the backend got no metrics: ${JSON.stringify([...backend.requests])}`);
      assert.ok((backend.requests.get('/v1/logs') ?? 0) > 0, `the backend got no logs: ${JSON.stringify([...backend.requests])}`);
    });

    it('loses nothing when the aggregator restarts while the agent queues on disk (and the agent restarts too)', async () => {
      const grpc = hostPort(behind.addresses.otlpGrpc);
      const otlpHttp = new URL(behind.addresses.otlpHttp).host;
      const http = new URL(behind.addresses.http).host;
      assert.equal(await behind.stop('SIGTERM'), 0, behind.stderr());

      const data = rows(3, N2);
      await Promise.all([send(agentHttp, MODELS, data, 'two'), send(direct.addresses.otlpHttp, MODELS, data, 'two')]);
      // The agent has the data and cannot deliver it.
      await waitFor('the agent to retry the aggregator', async () => (/Exporting failed\. Will retry/.test(agent.stderr()) ? true : undefined), 30_000);
      // Its queue is on disk: a restart of the agent (SIGTERM) keeps what was not delivered.
      assert.equal(await agent.stop('SIGTERM'), 0, agent.stderr());
      const firstAgentLog = agent.stderr();
      agent = await startCollector({ configs: agentConfigs, env: agentEnv, health });

      behind = await startAggregator(aggConfig, {
        dataDir: behindDir,
        env: { MODELWATCH_AUTH_TOKEN: TOKEN },
        args: ['--otlp-grpc', grpc, '--otlp', otlpHttp, '--http', http],
      });
      const complete = (m: ModelResults): boolean => Object.values(m.currentCount).every((c) => c === N1 + N2) && m.logRecords === (N1 + N2) * 1.5;
      await sameAsDirect('the restarted aggregator to match the direct one', direct, behind, MODELS, complete, TOKEN).catch((e: Error) => {
        throw new Error(`${e.message}\nthe agent's losses:\n${losses(firstAgentLog, agent.stderr()).join('\n')}`, { cause: e });
      });
      assert.deepEqual(losses(firstAgentLog, agent.stderr()), [], 'the agent logged a loss');
    });
  });

  describe('the agent over OTLP/HTTP with JSON (agent-http.yaml)', () => {
    let behind: RunningAggregator;
    let direct: RunningAggregator;
    let agent: RunningCollector;
    let backend: Awaited<ReturnType<typeof startBackendSink>>;
    let agentHttp = '';

    before(async () => {
      const aggConfig = aggregatorConfig();
      [behind, direct, backend] = await Promise.all([startAggregator(aggConfig), startAggregator(aggConfig), startBackendSink()]);
      const a = await agentSetup(behind, backend.url, { MODELWATCH_OTLP_HTTP_ENDPOINT: behind.addresses.otlpHttp, MODELWATCH_OTLP_ENCODING: 'json' });
      agentHttp = a.http;
      agent = await startCollector({ configs: [config('agent.yaml'), config('agent-http.yaml')], env: a.env, health: a.health });
    });

    after(async () => {
      await agent?.stop();
      await Promise.all([behind?.stop(), direct?.stop(), backend?.close()]);
    });

    it('forwards metrics and logs as OTLP/JSON: the same counts and drift windows as the aggregator fed directly', async () => {
      const data = rows(3, 300);
      await Promise.all([send(agentHttp, MODELS, data, 'one'), send(direct.addresses.otlpHttp, MODELS, data, 'one')]);
      const complete = (m: ModelResults): boolean =>
        Object.keys(m.currentCount).length === 2 && Object.values(m.currentCount).every((c) => c === 300) && m.logRecords === 300 * 1.5;
      const same = await sameAsDirect('the aggregator behind the JSON agent to match the direct one', direct, behind, MODELS, complete).catch((e: Error) => {
        throw new Error(`${e.message}\nthe agent's losses:\n${losses(agent.stderr()).join('\n')}`, { cause: e });
      });
      for (const m of MODELS) assert.ok((same[m]?.dataPoints ?? 0) > 0, `${m}: ${JSON.stringify(same[m])}`);
      assert.deepEqual(losses(agent.stderr()), [], 'the agent logged a loss');
    });
  });

  describe('the gateway in front of two aggregators', () => {
    // Sixteen models from one service (one resource): routed by service or resource they would all land on
    // one aggregator; routed by model, all sixteen land on one of two with probability 2^-15. The last one
    // carries its identity on the resource (one model per process), the others on every point.
    const onPoints = Array.from({ length: 15 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const onResource = 'm15';
    const all = [...onPoints, onResource];
    const shards: RunningAggregator[] = [];
    let direct: RunningAggregator;
    let gateway: RunningCollector;

    before(async () => {
      // No baselines: models are discovered; the counts are what is compared.
      const text = 'evaluation: { interval: 1s }\n';
      const started = await Promise.all([startAggregator(text), startAggregator(text), startAggregator(text)]);
      [direct] = started.splice(2, 1) as [RunningAggregator];
      shards.push(...started);
      const own = await tierListeners('gateway');
      gateway = await startCollector({
        configs: [config('gateway.yaml')],
        env: {
          MODELWATCH_AGGREGATORS: `[${shards.map((s) => hostPort(s.addresses.otlpGrpc)).join(', ')}]`,
          MODELWATCH_OTLP_INSECURE: 'true',
          ...own.env,
        },
        health: own.health,
      });
      const data = rows(4, 100);
      const viaGateway = own.http;
      await Promise.all([
        send(viaGateway, onPoints, data, 'g'),
        send(viaGateway, [onResource], data, 'g', true),
        send(direct.addresses.otlpHttp, onPoints, data, 'g'),
        send(direct.addresses.otlpHttp, [onResource], data, 'g', true),
      ]);
    });

    it('sends each model, metrics and logs, whole to one aggregator, losing nothing', async () => {
      let want: Record<string, ModelResults> = {};
      let last: Array<Record<string, ModelResults>> = [];
      const placement = await waitFor('every model to arrive whole on one aggregator, as the direct one has it', async () => {
        want = await results(direct, all, undefined, false);
        if (!Object.values(want).every((m) => m.logRecords === 150)) return undefined;
        last = await Promise.all(shards.map((s) => results(s, all, undefined, false)));
        const where: Record<string, number> = {};
        for (const m of all) {
          const holders = last.flatMap((r, i) => ((r[m]?.dataPoints ?? 0) + (r[m]?.logRecords ?? 0) > 0 ? [i] : []));
          if (holders.length !== 1 || JSON.stringify(last[holders[0] ?? 0]?.[m]) !== JSON.stringify(want[m])) return undefined;
          where[m] = holders[0] ?? -1;
        }
        return where;
      }, 60_000, 250).catch((e: Error) => {
        throw new Error(`${e.message}\ndirect ${JSON.stringify(want)}\nshards ${JSON.stringify(last)}\nthe gateway's losses:\n${losses(gateway.stderr()).join('\n')}`, { cause: e });
      });
      assert.equal(new Set(Object.values(placement)).size, 2, `every model on one aggregator: not routed by model? ${JSON.stringify(placement)}`);
    });

    after(async () => {
      await gateway?.stop();
      await Promise.all([direct?.stop(), ...shards.map((s) => s.stop())]);
    });
  });
});
