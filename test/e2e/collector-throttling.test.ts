/**
 * Throttling and partial success between the real agent Collector
 * (collector-config/agent.yaml, over OTLP/HTTP with agent-http.yaml and over
 * OTLP/gRPC) and `modelwatch serve`, as the OTLP specification asks of both:
 *
 * - The aggregator throttles for real: one request in flight per receiver
 *   (`limits.maxInFlightRequests: 1`) and a durable commit that takes a second
 *   (`storage.maxBatchDelay: 1s`, a group commit that waits that long), so while
 *   one request is being stored every other is refused with 429 + `Retry-After: 1`
 *   (HTTP) or RESOURCE_EXHAUSTED + RetryInfo of 1 s (gRPC).
 * - The agent backs off as asked. Its own backoff is cut to 100-200 ms in this
 *   test, so a spacing of a second between two attempts of one request can only
 *   come from the aggregator's retry delay; at most one refused attempt per
 *   exporter consumer per second reaches the aggregator (no retry storm: ten
 *   consumers ignoring the delay would send about 65 a second).
 * - Nothing accepted is lost or counted twice: after the throttling, the
 *   aggregator's accepted points and records and its per-feature counts equal
 *   those of an aggregator fed the same traffic directly, and every request was
 *   accepted exactly once.
 * - Partial success: the traffic includes a model the aggregator does not take
 *   (discovery off), so requests mixing it with the others are answered 200 with
 *   `rejected_data_points` / `rejected_log_records`; the agent logs them and does
 *   not send them again, and the refused counts equal the direct run's too.
 *
 * Every attempt is seen on the wire by a recording proxy between the agent and
 * the aggregator (test/helpers/otlp-recorder.ts), which notes its arrival time,
 * which request it was (a hash of its body) and the answer.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelwatch } from '@modelwatch/node';
import { getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { COLLECTOR_CONFIG_DIR, collectorBinary, startCollector, tierListeners, type RunningCollector } from '../helpers/collector.js';
import { startGrpcRecorder, startHttpRecorder, startOtlpBackend, type Attempt, type OtlpBackend, type Recorder } from '../helpers/otlp-recorder.js';
import { seeded } from '../helpers/random.js';

const config = (name: string): string => join(COLLECTOR_CONFIG_DIR, name);
const MODELS = ['alpha', 'beta'] as const;
/** Sent in the same requests as MODELS, refused by the aggregator (discovery is off). */
const REFUSED_MODEL = 'gamma';
const LANGS = ['en', 'es', 'de'] as const;
const ROUNDS = 2;
const PER_ROUND = 150;
/** The exporter's `sending_queue.num_consumers` at this release (agent.yaml keeps the default): requests in flight at once. */
const CONSUMERS = 10;
/** The aggregator's retry delay (its receivers' default `Retry-After: 1` / RetryInfo 1 s). */
const RETRY_AFTER_MS = 1000;

const aggregatorConfig = (throttled: boolean): string => `
evaluation: { interval: 1s }
discovery: { enabled: false }
models:
${MODELS.map((m) => `  - { name: ${m}, task: classification, features: { x: numeric, lang: categorical } }`).join('\n')}
${throttled ? 'limits: { maxInFlightRequests: 1 }\nstorage: { maxBatchDelay: 1s }\n' : ''}`;

/**
 * One round of traffic from one SDK: PER_ROUND predictions with features and an
 * `ml.prediction` event for each model, ground truth for every other one.
 */
async function sendRound(endpoint: string, round: number): Promise<void> {
  const sdk = startModelwatch({ serviceName: 'e2e-throttling', otlpEndpoint: endpoint, hostMetrics: false, runtimeMetrics: false, setGlobal: false, exportIntervalMillis: 60_000 });
  const r = seeded(100 + round);
  for (const name of [...MODELS, REFUSED_MODEL]) {
    const monitor = sdk.monitor({ model: { name }, task: 'classification', features: { x: 'numeric', lang: 'categorical' }, featureSampling: { rate: 1 }, groundTruthSampleRate: 1 });
    for (let i = 0; i < PER_ROUND; i++) {
      const u = r.uniform();
      const predictionId = `${name}-${round}-${i}`;
      monitor.record({ predictionId, durationSeconds: 0.01, label: u < 0.5 ? 'a' : 'b', confidence: 0.8, features: { x: r.normal(100, 20), lang: LANGS[Math.floor(u * 3)] ?? 'en' } });
      if (i % 2 === 0) monitor.feedback(predictionId, u < 0.4 ? 'a' : 'b');
    }
  }
  await sdk.forceFlush();
  await sdk.shutdown();
}

interface Results { models: Record<string, { dataPoints: number; logRecords: number; currentCount: Record<string, number> }>; rejected: Record<string, number> }

/** Accepted points and records and per-feature counts of MODELS, and the points and records refused. */
async function results(aggregator: RunningAggregator): Promise<Results> {
  const models: Results['models'] = {};
  for (const m of MODELS) {
    const status = await getJson<{ accepted: { dataPoints: number; logRecords: number } }>(`${aggregator.addresses.http}/api/v1/models/${m}`);
    const drift = await getJson<{ features: Array<{ name: string; currentCount: number }> }>(`${aggregator.addresses.http}/api/v1/models/${m}/drift`);
    models[m] = {
      dataPoints: status.accepted.dataPoints,
      logRecords: status.accepted.logRecords,
      currentCount: Object.fromEntries(drift.features.map((f) => [f.name, f.currentCount]).sort()),
    };
  }
  const text = await (await fetch(`${aggregator.addresses.http}/metrics`)).text();
  const rejected: Record<string, number> = {};
  for (const m of text.matchAll(/^ml_aggregator_rejected_total\{[^}]*ml_signal="(\w+)"[^}]*\} (\S+)$/gm)) rejected[m[1] ?? ''] = Number(m[2]);
  return { models, rejected };
}

/** The lines of a Collector log that report data given up (see collector.test.ts). */
const losses = (log: string): string[] => log.split('\n').filter((l) => /Dropping data|Rejecting data/.test(l) && !/interrupted due to shutdown/.test(l));

/** What the recorder saw, summed up for the assertions and the report. */
interface Analysis {
  attempts: number;
  requests: number;
  refused: number;
  partial: number;
  /** First to last refused attempt, ms. */
  throttledForMs: number;
  /** Most refused attempts within any 950 ms. */
  maxRefusedPerSecond: number;
  /** Gaps between an attempt that was refused and the next attempt of the same request, ms. */
  gaps: number[];
  /** Requests accepted more or less than once, and requests attempted again after being accepted. */
  notOnce: string[];
  retriedAfterAcceptance: string[];
  retryAfterMs: number[];
}

function analyse(attempts: readonly Attempt[]): Analysis {
  const byRequest = new Map<string, Attempt[]>();
  for (const a of attempts) {
    const key = `${a.path} ${a.request.slice(0, 12)}`;
    byRequest.set(key, [...(byRequest.get(key) ?? []), a]);
  }
  const refused = attempts.filter((a) => a.outcome === 'throttled' || a.outcome === 'unavailable').map((a) => a.at).sort((x, y) => x - y);
  let maxRefusedPerSecond = 0;
  for (let i = 0, j = 0; i < refused.length; i++) {
    while ((refused[i] ?? 0) - (refused[j] ?? 0) >= 950) j++;
    maxRefusedPerSecond = Math.max(maxRefusedPerSecond, i - j + 1);
  }
  const gaps: number[] = [];
  const notOnce: string[] = [];
  const retriedAfterAcceptance: string[] = [];
  for (const [key, list] of byRequest) {
    list.sort((x, y) => x.at - y.at);
    const accepted = list.filter((a) => a.outcome === 'accepted' || a.outcome === 'partial');
    if (accepted.length !== 1) notOnce.push(`${key}: ${list.map((a) => a.outcome).join(',')}`);
    if (list[list.length - 1]?.outcome !== 'accepted' && list[list.length - 1]?.outcome !== 'partial') retriedAfterAcceptance.push(`${key}: ${list.map((a) => a.outcome).join(',')}`);
    for (let i = 1; i < list.length; i++) gaps.push((list[i]?.at ?? 0) - (list[i - 1]?.at ?? 0));
  }
  return {
    attempts: attempts.length,
    requests: byRequest.size,
    refused: refused.length,
    partial: attempts.filter((a) => a.outcome === 'partial').length,
    throttledForMs: refused.length > 0 ? (refused[refused.length - 1] ?? 0) - (refused[0] ?? 0) : 0,
    maxRefusedPerSecond,
    gaps: gaps.sort((x, y) => x - y),
    notOnce,
    retriedAfterAcceptance,
    retryAfterMs: [...new Set(attempts.flatMap((a) => (a.retryAfterMs !== undefined ? [a.retryAfterMs] : [])))],
  };
}

/**
 * The scenario over one transport: a throttled aggregator behind the agent (through the
 * recorder), a direct one, the same traffic to both, then the comparisons.
 */
function throttlingSuite(transport: 'http' | 'grpc'): void {
  let throttled: RunningAggregator;
  let direct: RunningAggregator;
  let recorder: Recorder;
  let backend: OtlpBackend;
  let agent: RunningCollector;
  let agentHttp = '';

  before(async () => {
    collectorBinary();
    [throttled, direct, backend] = await Promise.all([startAggregator(aggregatorConfig(true)), startAggregator(aggregatorConfig(false)), startOtlpBackend()]);
    recorder = transport === 'http' ? await startHttpRecorder(throttled.addresses.otlpHttp) : await startGrpcRecorder(throttled.addresses.otlpGrpc ?? '');
    const exporter = transport === 'http' ? 'otlp_http/modelwatch' : 'otlp_grpc/modelwatch';
    // The test's overlay: small batches, so the agent has many requests to send at once, and the
    // agent's own backoff far below the aggregator's retry delay, so that the spacing it keeps can
    // only come from the aggregator's answers.
    const overlay = join(tempDir(), 'test-overlay.yaml');
    writeFileSync(overlay, `processors:
  batch:
    send_batch_size: 100
    send_batch_max_size: 100
exporters:
  ${exporter}:
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 200ms
`);
    const own = await tierListeners('agent');
    agent = await startCollector({
      configs: transport === 'http' ? [config('agent.yaml'), config('agent-http.yaml'), overlay] : [config('agent.yaml'), overlay],
      env: {
        MODELWATCH_OTLP_ENDPOINT: transport === 'grpc' ? recorder.endpoint : '127.0.0.1:1',
        MODELWATCH_OTLP_HTTP_ENDPOINT: recorder.endpoint,
        MODELWATCH_OTLP_INSECURE: 'true',
        MODELWATCH_BACKEND_OTLP_ENDPOINT: backend.url,
        ...own.env,
      },
      health: own.health,
    });
    agentHttp = own.http;
  });

  after(async () => {
    await agent?.stop();
    await Promise.all([throttled?.stop(), direct?.stop(), recorder?.close(), backend?.close()]);
  });

  it('backs off as the aggregator asks, and loses or duplicates nothing it accepted, partial successes included', async (t: TestContext) => {
    for (let round = 0; round < ROUNDS; round++) await Promise.all([sendRound(agentHttp, round), sendRound(direct.addresses.otlpHttp, round)]);

    // Every prediction's features, event and half of the labels; the refused model's too, refused.
    const complete = (r: Results): boolean =>
      Object.values(r.models).every((m) => m.logRecords === ROUNDS * PER_ROUND * 1.5 && Object.keys(m.currentCount).length === 2 && Object.values(m.currentCount).every((c) => c === ROUNDS * PER_ROUND));
    let want: Results | undefined;
    let got: Results | undefined;
    await waitFor('the throttled aggregator to have everything the direct one has', async () => {
      want = await results(direct);
      if (!complete(want)) return undefined;
      got = await results(throttled);
      return JSON.stringify(got) === JSON.stringify(want) ? true : undefined;
    }, 90_000, 500).catch((e: Error) => {
      throw new Error(`${e.message}\ndirect    ${JSON.stringify(want)}\nthrottled ${JSON.stringify(got)}\n${JSON.stringify(analyse(recorder.attempts))}\nthe agent's losses:\n${losses(agent.stderr()).join('\n')}`, { cause: e });
    });
    // The last request is ingested before its commit ends and its answer is seen: wait for
    // three quiet seconds on the wire, then nothing has changed (no request came again).
    let seen = -1;
    await waitFor('three seconds without an attempt', async () => {
      const now = recorder.attempts.length;
      if (now === seen) return true;
      seen = now;
      return undefined;
    }, 20_000, 3000);
    assert.deepEqual(await results(throttled), want);
    assert.ok((want?.rejected.metrics ?? 0) > 0 && (want?.rejected.logs ?? 0) > 0, `the refused model's points and records are counted: ${JSON.stringify(want?.rejected)}`);

    const a = analyse(recorder.attempts);
    const spacing = a.gaps.length > 0 ? `${a.gaps[0]?.toFixed(0)} ms min, ${a.gaps[Math.floor(a.gaps.length / 2)]?.toFixed(0)} ms median, ${a.gaps[a.gaps.length - 1]?.toFixed(0)} ms max` : 'none';
    t.diagnostic(`${transport}: ${a.requests} requests, ${a.attempts} attempts, ${a.refused} refused over ${(a.throttledForMs / 1000).toFixed(1)} s (at most ${a.maxRefusedPerSecond} in any 950 ms), ${a.partial} partial successes; retry spacing ${spacing}; retry delay asked ${a.retryAfterMs.join(',')} ms`);

    // The aggregator did throttle, and said for how long.
    assert.ok(a.refused >= 5, `expected the agent to be throttled: ${JSON.stringify(a)}`);
    assert.deepEqual(a.retryAfterMs, [RETRY_AFTER_MS]);
    // Every refused request was sent again no sooner than asked (a few ms of timer and proxy jitter allowed).
    assert.ok((a.gaps[0] ?? Infinity) >= RETRY_AFTER_MS - 50, `a retry ${a.gaps[0]} ms after its refusal`);
    // No storm: each consumer sends at most one refused attempt per retry delay.
    assert.ok(a.maxRefusedPerSecond <= CONSUMERS, `${a.maxRefusedPerSecond} refusals within 950 ms with ${CONSUMERS} consumers`);
    assert.ok(a.refused <= CONSUMERS * (a.throttledForMs / RETRY_AFTER_MS + 1), `${a.refused} refusals in ${a.throttledForMs} ms`);
    // Each request accepted exactly once, and never attempted after that: a partial success is final.
    assert.deepEqual(a.notOnce, []);
    assert.deepEqual(a.retriedAfterAcceptance, []);
    assert.ok(a.partial >= 1, 'requests mixing the refused model were answered with partial success');
    assert.match(agent.stderr(), /Partial success response/);
    assert.deepEqual(losses(agent.stderr()), [], 'the agent logged a loss');
  });
}

describe('throttling and partial success honoured by the real agent Collector', () => {
  describe('over OTLP/HTTP (agent-http.yaml): 429 with Retry-After', () => throttlingSuite('http'));
  describe('over OTLP/gRPC (agent.yaml): RESOURCE_EXHAUSTED with RetryInfo', () => throttlingSuite('grpc'));
});
