/**
 * Processor mode (`forward`, issue 15) with real processes: the SDK's
 * requests go through the real agent Collector (collector-config/agent.yaml,
 * OTLP/gRPC) to `modelwatch serve`, which forwards every request it
 * acknowledges over OTLP/gRPC, and again over OTLP/HTTP (protobuf), to a
 * downstream real Collector, which passes
 * it on to an OTLP/HTTP backend that this test reads (sent as OTLP/JSON).
 *
 *   requests -> agent Collector -> (recorder) -> modelwatch serve (forward) -> downstream Collector -> backend
 *
 * A recording proxy between the agent and the aggregator sees every attempt
 * and its answer (test/helpers/otlp-recorder.ts). Three phases, one setup:
 *
 * 1. Everything flows: the backend gets exactly the points and records sent,
 *    and the aggregator's own signals (`service.name=modelwatch-aggregator`).
 * 2. The downstream is stopped: the aggregator's queue (its ingest log) fills
 *    to `forward.maxQueueBytes`, it answers the agent UNAVAILABLE with a retry
 *    delay, the agent keeps the data in its persistent queue and retries no
 *    sooner than asked; the downstream comes back and everything arrives once,
 *    the aggregator having ingested each request once (its counts equal those
 *    of an aggregator fed the same requests directly).
 * 3. The downstream is stopped again, requests are acknowledged into the
 *    aggregator's backlog, the aggregator is killed with SIGKILL and started
 *    again on the same data directory; once the downstream is back, the
 *    backlog arrives, with nothing lost and nothing twice.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, startAggregator, tempDir, tempFile, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { freePort } from '../helpers/alertmanager.js';
import { COLLECTOR_CONFIG_DIR, collectorBinary, startCollector, tierListeners, type RunningCollector, type TierListeners } from '../helpers/collector.js';
import { startGrpcRecorder, startOtlpBackend, type Attempt, type OtlpBackend, type Recorder } from '../helpers/otlp-recorder.js';
import { sdkPayloads, type Payload } from '../helpers/otlp-payloads.js';
import { seeded } from '../helpers/random.js';

const MODEL = 'forwarded';
const SERVICE = 'e2e-processor';
/** The aggregator's queue bound: a few of the agent's batches. */
const MAX_QUEUE_BYTES = 24 * 1024;
/** The aggregator's own retry delay to its senders while its queue is full (its forward.retry.maxInterval, at least 1 s). */
const RETRY_AFTER_MS = 1000;

/** Points and records per service seen by the backend. */
interface Seen { points: Record<string, number>; records: Record<string, number>; ownMetrics: Set<string> }

type JsonAttr = { key: string; value: { stringValue?: string } };
type JsonMetric = { name: string } & Record<string, { dataPoints?: unknown[] } | string | undefined>;

function serviceOf(resource: { attributes?: JsonAttr[] } | undefined): string {
  return resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
}

/** Counts what the backend received (OTLP/JSON from the downstream Collector). */
function seen(backend: OtlpBackend): Seen {
  const out: Seen = { points: {}, records: {}, ownMetrics: new Set() };
  for (const r of backend.requests) {
    const body = JSON.parse(r.body.toString('utf8')) as {
      resourceMetrics?: Array<{ resource?: { attributes?: JsonAttr[] }; scopeMetrics?: Array<{ metrics?: JsonMetric[] }> }>;
      resourceLogs?: Array<{ resource?: { attributes?: JsonAttr[] }; scopeLogs?: Array<{ logRecords?: unknown[] }> }>;
    };
    for (const rm of body.resourceMetrics ?? []) {
      const svc = serviceOf(rm.resource);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          for (const kind of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
            const n = (m[kind] as { dataPoints?: unknown[] } | undefined)?.dataPoints?.length ?? 0;
            out.points[svc] = (out.points[svc] ?? 0) + n;
          }
          if (svc === 'modelwatch-aggregator') out.ownMetrics.add(m.name);
        }
      }
    }
    for (const rl of body.resourceLogs ?? []) {
      const svc = serviceOf(rl.resource);
      for (const sl of rl.scopeLogs ?? []) out.records[svc] = (out.records[svc] ?? 0) + (sl.logRecords?.length ?? 0);
    }
  }
  return out;
}

/** Posts SDK-made requests to an OTLP/HTTP receiver (the agent's, or the direct aggregator's), in order. */
async function post(base: string, payloads: readonly Payload[]): Promise<void> {
  for (const p of payloads) {
    const r = await fetch(`${base}/v1/${p.kind}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: p.body });
    if (!r.ok) throw new Error(`POST ${base}/v1/${p.kind}: ${r.status} ${await r.text()}`);
  }
}

const total = (ps: readonly Payload[]): { points: number; records: number } =>
  ps.reduce((a, p) => ({ points: a.points + p.dataPoints, records: a.records + p.logRecords }), { points: 0, records: 0 });

async function accepted(a: RunningAggregator): Promise<{ dataPoints: number; logRecords: number } | undefined> {
  try {
    return (await getJson<{ accepted: { dataPoints: number; logRecords: number } }>(`${a.addresses.http}/api/v1/models/${MODEL}`)).accepted;
  } catch {
    return undefined;
  }
}

interface ForwardReadiness { queueBytes: number; maxQueueBytes: number; refusing: boolean; failing: boolean; forwardedSeq: number; loggedSeq: number; refusedRequests: number }
const readiness = async (a: RunningAggregator): Promise<ForwardReadiness> => (await getJson<{ forward: ForwardReadiness }>(`${a.addresses.http}/readyz`)).forward;

/** Sum of the series of `name` on the aggregator's /metrics whose labels include every one of `labels`. */
async function metric(a: RunningAggregator, name: string, labels: readonly string[]): Promise<number> {
  const text = await (await fetch(`${a.addresses.http}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^(\w+)\{([^}]*)\} (\S+)$/gm)) if (m[1] === name && labels.every((l) => (m[2] ?? '').includes(l))) sum += Number(m[3]);
  return sum;
}

/** The lines of a Collector log that report data given up (see collector.test.ts). */
const losses = (log: string): string[] => log.split('\n').filter((l) => /Dropping data|Rejecting data/.test(l) && !/interrupted due to shutdown/.test(l));

// Both forward protocols, each against a real downstream Collector's own receiver for it: gRPC
// gzipped (grpc-js's gzip against Go gRPC's), OTLP/HTTP as shipped (uncompressed).
const RUNS = [
  { protocol: 'grpc', compression: 'gzip' },
  { protocol: 'http/protobuf', compression: 'none' },
] as const;
for (const { protocol, compression } of RUNS) describe(`processor mode over ${protocol} (compression ${compression}): the aggregator between the agent Collector and a downstream Collector`, () => {
  let backend: OtlpBackend;
  let agentBackend: OtlpBackend;
  let direct: RunningAggregator;
  let aggregator: RunningAggregator;
  let recorder: Recorder;
  let agent: RunningCollector;
  let agentOwn: TierListeners;
  let downstream: RunningCollector | undefined;
  let downstreamConfig = '';
  let downstreamHealth = '';
  let downstreamEndpoint = '';
  let aggregatorYaml = '';
  let aggregatorArgs: string[] = [];
  let dataDir = '';
  const r = seeded(15);
  const sent: Payload[] = [];

  const startDownstream = async (): Promise<void> => {
    downstream = await startCollector({ configs: [downstreamConfig], env: {}, health: downstreamHealth });
  };
  const stopDownstream = async (): Promise<void> => {
    await downstream?.stop();
    downstream = undefined;
  };
  const startForwarding = (): Promise<RunningAggregator> =>
    startAggregator(aggregatorYaml, { dataDir, args: aggregatorArgs, env: { OTEL_METRIC_EXPORT_INTERVAL: '1000', OTEL_EXPORTER_OTLP_ENDPOINT: '' } });

  /** Sends through the agent and to the direct aggregator alike. */
  const send = async (payloads: Payload[]): Promise<void> => {
    sent.push(...payloads);
    await Promise.all([post(agentOwn.http, payloads), post(direct.addresses.otlpHttp, payloads)]);
  };

  /** Waits until the backend holds exactly what was sent and the aggregator has ingested what the direct one has. */
  const allArrived = async (what: string, timeoutMs: number): Promise<void> => {
    const want = total(sent);
    let last: unknown;
    await waitFor(what, async () => {
      const s = seen(backend);
      const [a, d] = [await accepted(aggregator), await accepted(direct)];
      last = { backend: { points: s.points[SERVICE] ?? 0, records: s.records[SERVICE] ?? 0 }, want, aggregator: a, direct: d };
      return (s.points[SERVICE] ?? 0) >= want.points && (s.records[SERVICE] ?? 0) >= want.records && a !== undefined && JSON.stringify(a) === JSON.stringify(d) ? true : undefined;
    }, timeoutMs, 250).catch((e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(last)}\nthe agent's losses:\n${losses(agent.stderr()).join('\n')}\nthe aggregator:\n${aggregator.stderr().slice(-3000)}`, { cause: e });
    });
    // Exactly: nothing more arrives (no request twice) once the last one has.
    await new Promise((res) => setTimeout(res, 1500));
    const s = seen(backend);
    assert.deepEqual({ points: s.points[SERVICE] ?? 0, records: s.records[SERVICE] ?? 0 }, want, 'the backend holds exactly what was sent');
    assert.deepEqual(await accepted(aggregator), await accepted(direct), 'the aggregator ingested each request once');
  };

  before(async () => {
    collectorBinary();
    [backend, agentBackend] = await Promise.all([startOtlpBackend(), startOtlpBackend()]);
    const [dsGrpc, dsHealth, aggGrpc] = [await freePort(), await freePort(), await freePort()];
    downstreamHealth = `127.0.0.1:${dsHealth}`;
    downstreamEndpoint = `http://127.0.0.1:${dsGrpc}`;
    // The downstream: a plain Collector tier (OTLP/gRPC or OTLP/HTTP in, as the aggregator forwards; OTLP/HTTP as JSON out to the backend).
    downstreamConfig = tempFile('downstream.yaml', `extensions:
  health_check:
    endpoint: ${downstreamHealth}
receivers:
  otlp:
    protocols:
      ${protocol === 'grpc' ? 'grpc' : 'http'}:
        endpoint: 127.0.0.1:${dsGrpc}
exporters:
  otlp_http/backend:
    endpoint: ${backend.url}
    encoding: json
    retry_on_failure:
      enabled: true
service:
  extensions: [health_check]
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [otlp_http/backend]
    logs:
      receivers: [otlp]
      exporters: [otlp_http/backend]
`);
    await startDownstream();
    dataDir = tempDir();
    aggregatorArgs = ['--otlp-grpc', `127.0.0.1:${aggGrpc}`];
    aggregatorYaml = `
evaluation: { interval: 1s }
forward:
  endpoint: ${downstreamEndpoint}
  protocol: ${protocol}
  compression: ${compression}
  maxQueueBytes: ${MAX_QUEUE_BYTES}
  timeout: 5s
  retry: { initialInterval: 200ms, maxInterval: 1s }
`;
    [aggregator, direct] = await Promise.all([startForwarding(), startAggregator('evaluation: { interval: 1s }\n')]);
    recorder = await startGrpcRecorder(`http://127.0.0.1:${aggGrpc}`);
    // The agent: small batches (many requests), and its own backoff far below the aggregator's retry
    // delay, so that the spacing of its retries can only come from the aggregator's answers.
    const overlay = join(tempDir(), 'test-overlay.yaml');
    writeFileSync(overlay, `processors:
  batch:
    send_batch_size: 40
    send_batch_max_size: 40
    timeout: 100ms
exporters:
  otlp_grpc/modelwatch:
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 200ms
`);
    agentOwn = await tierListeners('agent');
    agent = await startCollector({
      configs: [join(COLLECTOR_CONFIG_DIR, 'agent.yaml'), overlay],
      env: { MODELWATCH_OTLP_ENDPOINT: recorder.endpoint, MODELWATCH_OTLP_INSECURE: 'true', MODELWATCH_BACKEND_OTLP_ENDPOINT: agentBackend.url, ...agentOwn.env },
      health: agentOwn.health,
    });
  });

  after(async () => {
    await agent?.stop();
    await Promise.all([aggregator?.stop(), direct?.stop(), stopDownstream(), recorder?.close()]);
    await Promise.all([backend?.close(), agentBackend?.close()]);
  });

  it('forwards everything it receives, and its own signals, to the downstream', async (t: TestContext) => {
    await send(await sdkPayloads({ rand: r.uniform, temporality: 'delta', model: MODEL, features: ['a', 'b'], count: 30, serviceName: SERVICE }));
    await allArrived('phase 1: everything at the backend', 60_000);
    // The aggregator's own results, pushed to the same endpoint.
    await waitFor('the aggregator\'s own signals at the backend', async () => (seen(backend).ownMetrics.has('ml.aggregator.accepted') ? true : undefined), 20_000, 250);
    const s = seen(backend);
    t.diagnostic(`phase 1: ${s.points[SERVICE]} points, ${s.records[SERVICE]} records forwarded; ${s.ownMetrics.size} of the aggregator's own metrics arrived`);
    assert.ok(s.ownMetrics.has('ml.aggregator.forward.queue.size'));
    const f = await readiness(aggregator);
    assert.equal(f.failing, false);
    assert.equal(f.forwardedSeq, f.loggedSeq);
  });

  it('refuses the agent with UNAVAILABLE while the downstream is down and its queue is full; the agent retries as asked and nothing is lost', async (t: TestContext) => {
    const before = recorder.attempts.length;
    await stopDownstream();
    await send(await sdkPayloads({ rand: r.uniform, temporality: 'delta', model: MODEL, features: ['a', 'b'], count: 90, serviceName: SERVICE }));
    // The queue reaches its bound and the aggregator says so.
    const full = await waitFor('the aggregator to refuse for its full forward queue', async () => {
      const f = await readiness(aggregator);
      return f.refusing && f.failing ? f : undefined;
    }, 60_000, 200);
    assert.ok(full.queueBytes >= MAX_QUEUE_BYTES && full.queueBytes < MAX_QUEUE_BYTES + 64 * 1024, `queue ${full.queueBytes} bytes`);
    await waitFor('refused attempts on the wire', async () => (recorder.attempts.slice(before).filter((a) => a.outcome === 'unavailable').length >= 3 ? true : undefined), 30_000, 200);
    assert.equal(await metric(aggregator, 'ml_aggregator_degraded', ['ml_aggregator_component="forward"']), 1);
    const refusedCount = await metric(aggregator, 'ml_aggregator_refused_total', ['ml_refusal_reason="forward_queue"']);
    assert.ok(refusedCount >= 3, `ml.aggregator.refused{forward_queue} = ${refusedCount}`);

    await startDownstream();
    await allArrived('phase 2: everything at the backend after the downstream is back', 120_000);

    const attempts = recorder.attempts.slice(before);
    const byRequest = new Map<string, Attempt[]>();
    for (const a of attempts) byRequest.set(`${a.path} ${a.request}`, [...(byRequest.get(`${a.path} ${a.request}`) ?? []), a]);
    const refused = attempts.filter((a) => a.outcome === 'unavailable');
    const gaps: number[] = [];
    const notOnce: string[] = [];
    for (const [key, list] of byRequest) {
      list.sort((x, y) => x.at - y.at);
      if (list.filter((a) => a.outcome === 'accepted').length !== 1 || list[list.length - 1]?.outcome !== 'accepted') notOnce.push(`${key.slice(0, 60)}: ${list.map((a) => a.outcome).join(',')}`);
      for (let i = 1; i < list.length; i++) if (list[i - 1]?.outcome === 'unavailable') gaps.push((list[i]?.at ?? 0) - (list[i - 1]?.at ?? 0));
    }
    gaps.sort((x, y) => x - y);
    t.diagnostic(`phase 2: ${byRequest.size} requests, ${attempts.length} attempts, ${refused.length} refused UNAVAILABLE (retry delay asked: ${[...new Set(refused.map((a) => a.retryAfterMs))].join(',')} ms); retry spacing ${gaps[0]?.toFixed(0)}-${gaps[gaps.length - 1]?.toFixed(0)} ms`);
    assert.ok(refused.length >= 3, 'the agent was refused');
    assert.deepEqual([...new Set(refused.map((a) => a.retryAfterMs))], [RETRY_AFTER_MS], 'every refusal asked for the retry delay');
    // The real Collector honours UNAVAILABLE + RetryInfo: it sends the request again, no sooner than asked.
    assert.ok(gaps.length >= refused.length, 'every refused request was sent again');
    assert.ok((gaps[0] ?? 0) >= RETRY_AFTER_MS - 50, `a retry ${gaps[0]} ms after its refusal`);
    // Each request was taken exactly once, and none was given up by the agent.
    assert.deepEqual(notOnce, []);
    assert.deepEqual(losses(agent.stderr()), [], 'the agent logged a loss');
    const f = await readiness(aggregator);
    assert.equal(f.refusing, false);
    assert.equal(f.forwardedSeq, f.loggedSeq);
  });

  it('forwards a backlog left by kill -9 after the restart', async (t: TestContext) => {
    await stopDownstream();
    const batch = await sdkPayloads({ rand: r.uniform, temporality: 'delta', model: MODEL, features: ['a', 'b'], count: 12, serviceName: SERVICE });
    const want = total(sent);
    await send(batch);
    // Wait until the aggregator has acknowledged all of it (it is then in its log only).
    const backlog = await waitFor('the aggregator to hold the backlog', async () => {
      const [a, d] = [await accepted(aggregator), await accepted(direct)];
      const f = await readiness(aggregator);
      return a !== undefined && JSON.stringify(a) === JSON.stringify(d) && f.queueBytes > 0 && !f.refusing ? f : undefined;
    }, 60_000, 200);
    // A request is ingested (and counted) just before its durable write and its answer: wait until the
    // agent has had every answer (the recorder notes an attempt once its answer passed) and sends no more,
    // so that no request is in doubt at the kill (that case is at-least-once, as test/e2e/crash.test.ts measures).
    let seenAttempts = -1;
    await waitFor('the agent to have had every answer', async () => {
      const n = recorder.attempts.length;
      if (n === seenAttempts) return true;
      seenAttempts = n;
      return undefined;
    }, 20_000, 1500);
    // Read again now that the agent sends no more: requests it sent while the first reading was taken are in the backlog too.
    const atKill = await readiness(aggregator);
    assert.ok(atKill.forwardedSeq === backlog.forwardedSeq && atKill.forwardedSeq < atKill.loggedSeq, `nothing was forwarded meanwhile: ${JSON.stringify({ backlog, atKill })}`);
    assert.deepEqual({ points: seen(backend).points[SERVICE] ?? 0, records: seen(backend).records[SERVICE] ?? 0 }, want, 'nothing of the backlog arrived yet');
    await aggregator.stop('SIGKILL');
    aggregator = await startForwarding();
    const restarted = await readiness(aggregator);
    t.diagnostic(`phase 3: ${atKill.loggedSeq - atKill.forwardedSeq} requests (${atKill.queueBytes} bytes) in the backlog at the kill; after the restart ${restarted.loggedSeq - restarted.forwardedSeq} requests (${restarted.queueBytes} bytes)`);
    assert.equal(restarted.forwardedSeq, atKill.forwardedSeq, 'the cursor survived');
    assert.equal(restarted.queueBytes, atKill.queueBytes, 'the backlog survived');
    await startDownstream();
    await allArrived('phase 3: the backlog at the backend after the restart', 60_000);
  });
});
