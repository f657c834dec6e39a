/**
 * Overload with real processes: a bounded, loopback-only load generator pushes
 * `modelwatch serve` above its capacity for 20 s, with
 * `limits.maxInFlightRequests: 4` and `limits.maxResidentMemory: 300MiB`:
 *
 * - 16 OTLP/HTTP and 8 OTLP/gRPC clients send small protobuf requests of one
 *   model (metric points and log records, encoded by the OpenTelemetry SDK),
 *   far more at once than the receivers admit;
 * - 6 OTLP/HTTP clients send 2.5 MB OTLP/JSON requests (a Collector's batch of
 *   a fleet's exports), whose decoding drives resident memory to the guard.
 *
 * The clients are hostile: after a refusal they pause 20 ms, not the
 * Retry-After they were given, and send the next request. Each client stops
 * after 20 s or 20,000 requests. The test asserts that:
 *
 * - every refusal is a 429 or 503 with Retry-After, or RESOURCE_EXHAUSTED or
 *   UNAVAILABLE with a retry delay, and no request fails otherwise;
 * - the memory guard engaged (503 / UNAVAILABLE naming the resident memory and
 *   the limit, and /readyz showed it), and the aggregator's resident memory
 *   (VmRSS of its process, read every 100 ms) stayed under the limit;
 * - the p99 latency of accepted small requests stayed under 5 s;
 * - after the load, a normal request succeeds and /readyz is ready with memory
 *   admitted within 10 s, with no restart;
 * - nothing acknowledged is lost: the model's accepted points and records equal
 *   what was acknowledged, and the aggregator's refusal counter
 *   (ml.aggregator.refused) equals the refusals the clients saw, by reason.
 *
 * The figures are printed and written to test-artifacts/overload.json.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';
import { getJson, ROOT, startAggregator, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { largeJsonPayload, sdkPayloads, type Payload } from '../helpers/otlp-payloads.js';
import { seeded } from '../helpers/random.js';

const MODEL = 'overload-model';
const MIB = 1024 ** 2;
const LIMIT_BYTES = 300 * MIB;
const MAX_IN_FLIGHT = 4;
const LOAD_MS = 20_000;
const HTTP_CLIENTS = 16;
const GRPC_CLIENTS = 8;
const LARGE_CLIENTS = 6;
const LARGE_BODY_BYTES = 2_500_000;
const MAX_REQUESTS_PER_CLIENT = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PAUSE_AFTER_REFUSAL_MS = 20;
const P99_BOUND_MS = 5_000;
const RECOVERY_BOUND_MS = 10_000;
const SEED = 20261208;

const CONFIG = `evaluation: { interval: 2s }
limits: { maxInFlightRequests: ${MAX_IN_FLIGHT}, maxResidentMemory: ${LIMIT_BYTES / MIB}MiB }
defaults: { window: 1h, driftWindows: [] }
`;

type Reason = 'in_flight' | 'memory';
type Outcome =
  | { kind: 'ok'; rejected: number; ms: number }
  | { kind: 'refused'; reason: Reason; retryAfter: string | undefined; answer: string }
  | { kind: 'error'; detail: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `partial_success.rejected_*` (field 1 of field 1) of an Export*ServiceResponse; 0 without one. */
function rejectedOfResponse(body: Uint8Array): number {
  const r = protobuf.Reader.create(body);
  let rejected = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag !== 10) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 8) rejected += Number(r.int64());
      else r.skipType(t & 7);
    }
  }
  return rejected;
}

/** `message` (field 2) of a google.rpc.Status. */
function statusMessage(body: Uint8Array): string {
  const r = protobuf.Reader.create(body);
  let message = '';
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === 18) message = r.string();
    else r.skipType(t & 7);
  }
  return message;
}

const reasonOf = (message: string): Reason => (/resident memory/.test(message) ? 'memory' : 'in_flight');

async function sendHttp(base: string, p: Payload, json: boolean): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const r = await fetch(`${base}/v1/${p.kind}`, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'application/x-protobuf' },
      body: p.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = new Uint8Array(await r.arrayBuffer());
    if (r.status === 200) {
      const partial = json ? (JSON.parse(new TextDecoder().decode(body)) as { partialSuccess?: Record<string, unknown> }).partialSuccess : undefined;
      const rejected = json ? Number(partial?.rejectedDataPoints ?? partial?.rejectedLogRecords ?? 0) : rejectedOfResponse(body);
      return { kind: 'ok', rejected, ms: performance.now() - t0 };
    }
    const message = json ? String((JSON.parse(new TextDecoder().decode(body)) as { message?: string }).message) : statusMessage(body);
    if (r.status === 429 || r.status === 503) {
      return { kind: 'refused', reason: reasonOf(message), retryAfter: r.headers.get('retry-after') ?? undefined, answer: `HTTP ${r.status}: ${message}` };
    }
    return { kind: 'error', detail: `HTTP ${r.status}: ${message}` };
  } catch (err) {
    return { kind: 'error', detail: `${String(err)} (${String((err as Error).cause ?? '')})` };
  }
}

const GRPC_METHODS = {
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

function grpcSender(target: string): { send: (p: Payload) => Promise<Outcome>; close: () => void } {
  const client = new grpc.Client(target.replace(/^[a-z]+:\/\//, ''), grpc.credentials.createInsecure());
  const identity = (b: Buffer): Buffer => b;
  return {
    send: (p) =>
      new Promise((resolve) => {
        const t0 = performance.now();
        client.makeUnaryRequest(GRPC_METHODS[p.kind], identity, identity, Buffer.from(p.body), new grpc.Metadata(), { deadline: Date.now() + REQUEST_TIMEOUT_MS }, (err, res) => {
          if (err === null) resolve({ kind: 'ok', rejected: res === undefined ? 0 : rejectedOfResponse(res), ms: performance.now() - t0 });
          else if (err.code === grpc.status.RESOURCE_EXHAUSTED || (err.code === grpc.status.UNAVAILABLE && /resident memory/.test(err.details))) {
            const retryAfter = err.metadata.get('retry-after')[0];
            resolve({ kind: 'refused', reason: reasonOf(err.details), retryAfter: retryAfter === undefined ? undefined : String(retryAfter), answer: `gRPC ${grpc.status[err.code]}: ${err.details}` });
          } else resolve({ kind: 'error', detail: `gRPC ${grpc.status[err.code]}: ${err.details}` });
        });
      }),
    close: () => client.close(),
  };
}

/** VmRSS of a process, in bytes. */
function residentBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/** What one class of clients saw. */
class Tally {
  ok = 0;
  refused: Record<Reason, number> = { in_flight: 0, memory: 0 };
  withoutRetryAfter: string[] = [];
  errors: string[] = [];
  latenciesMs: number[] = [];
  answers = new Set<string>();
  acknowledged = { dataPoints: 0, logRecords: 0 };

  record(p: Payload, o: Outcome): void {
    if (o.kind === 'ok') {
      this.ok++;
      this.latenciesMs.push(o.ms);
      // A partial success's rejected items were not taken: only the rest counts as acknowledged.
      if (p.kind === 'metrics') this.acknowledged.dataPoints += p.dataPoints - o.rejected;
      else this.acknowledged.logRecords += p.logRecords - o.rejected;
    } else if (o.kind === 'refused') {
      this.refused[o.reason]++;
      if (this.answers.size < 10) this.answers.add(o.answer.replace(/\d+\.\d+ MiB/, 'N MiB'));
      if (o.retryAfter === undefined || !(Number(o.retryAfter) >= 1)) this.withoutRetryAfter.push(o.answer);
    } else {
      this.errors.push(o.detail);
    }
  }

  latency(): { p50Ms: number; p99Ms: number; maxMs: number } {
    const s = [...this.latenciesMs].sort((a, b) => a - b);
    return { p50Ms: +quantile(s, 0.5).toFixed(1), p99Ms: +quantile(s, 0.99).toFixed(1), maxMs: +(s.at(-1) ?? Number.NaN).toFixed(1) };
  }
}

/** ml_aggregator_refused_total by reason, from the Prometheus text of /metrics. */
async function refusedCounter(http: string): Promise<Record<Reason, number>> {
  const text = await (await fetch(`${http}/metrics`)).text();
  const out: Record<Reason, number> = { in_flight: 0, memory: 0 };
  for (const line of text.split('\n')) {
    const m = /^ml_aggregator_refused_total\{([^}]*)\} (\S+)/.exec(line);
    const reason = /ml_refusal_reason="([^"]+)"/.exec(m?.[1] ?? '')?.[1] as Reason | undefined;
    if (m && reason !== undefined && reason in out) out[reason] += Number(m[2]);
  }
  return out;
}

interface Readiness {
  status: string;
  memory: { residentBytes: number; limitBytes: number | null; refusing: boolean; refusedRequests: number };
}

describe('modelwatch serve above its capacity', () => {
  let aggregator: RunningAggregator | undefined;
  after(async () => {
    await aggregator?.stop('SIGKILL');
  });

  it('refuses with a retry delay, keeps memory under its limit and latency bounded, recovers by itself and loses nothing acknowledged', async () => {
    const rand = seeded(SEED).uniform;
    const small = await sdkPayloads({ rand, temporality: 'delta', model: MODEL, features: ['f0', 'f1', 'f2', 'f3'], count: 300, serviceName: 'overload-test' });
    const large = await largeJsonPayload({ model: MODEL, targetBytes: LARGE_BODY_BYTES, rand });
    aggregator = await startAggregator(CONFIG);
    const { otlpHttp, otlpGrpc, http } = aggregator.addresses;
    const pid = aggregator.process.pid!;
    const idleRss = residentBytes(pid);

    // Resident memory every 100 ms, and /readyz every 200 ms, while the load runs.
    let maxRss = idleRss;
    const rssTimer = setInterval(() => {
      try {
        maxRss = Math.max(maxRss, residentBytes(pid));
      } catch {
        // the process is gone: the assertions below say so
      }
    }, 100);
    let refusingSeen = false;
    let readyzLimit: number | null = null;
    let polling = true;
    const poller = (async () => {
      for (let i = 0; i < 500 && polling; i++) {
        const r = await getJson<Readiness>(`${http}/readyz`).catch(() => undefined);
        if (r?.memory.refusing) refusingSeen = true;
        if (r !== undefined) readyzLimit = r.memory.limitBytes;
        await sleep(200);
      }
    })();

    const tallies = { http: new Tally(), grpc: new Tally(), large: new Tally() };
    const grpcClient = grpcSender(otlpGrpc!);
    const until = performance.now() + LOAD_MS;
    const client = async (tally: Tally, send: (p: Payload) => Promise<Outcome>, pick: () => Payload): Promise<void> => {
      for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && performance.now() < until; i++) {
        const p = pick();
        const o = await send(p);
        tally.record(p, o);
        if (o.kind !== 'ok') await sleep(PAUSE_AFTER_REFUSAL_MS);
      }
    };
    const pickSmall = (): Payload => small[Math.floor(rand() * small.length)]!;
    const started = performance.now();
    await Promise.all([
      ...Array.from({ length: HTTP_CLIENTS }, () => client(tallies.http, (p) => sendHttp(otlpHttp, p, false), pickSmall)),
      ...Array.from({ length: GRPC_CLIENTS }, () => client(tallies.grpc, grpcClient.send, pickSmall)),
      ...Array.from({ length: LARGE_CLIENTS }, () => client(tallies.large, (p) => sendHttp(otlpHttp, p, true), () => large)),
    ]);
    const stoppedAt = performance.now();
    const loadSeconds = (stoppedAt - started) / 1000;
    polling = false;
    await poller;

    // Recovery: a normal request answered 200, and /readyz ready with memory admitted, with no restart.
    let recoveryRequestMs = Number.NaN;
    for (let i = 0; i < 100 && Number.isNaN(recoveryRequestMs); i++) {
      const p = small[0]!;
      const o = await sendHttp(otlpHttp, p, false);
      tallies.http.record(p, o);
      if (o.kind === 'ok') recoveryRequestMs = performance.now() - stoppedAt;
      else await sleep(100);
    }
    const ready = await waitFor('/readyz ready with memory admitted', async () => {
      const r = await getJson<Readiness>(`${http}/readyz`);
      return r.status === 'ready' && !r.memory.refusing ? r : undefined;
    }, 30_000, 100);
    const recoveryReadyMs = performance.now() - stoppedAt;
    clearInterval(rssTimer);
    grpcClient.close();
    assert.equal(aggregator.process.exitCode, null, `the aggregator exited; stderr:\n${aggregator.stderr()}`);

    const all = Object.values(tallies);
    const sum = (f: (t: Tally) => number): number => all.reduce((s, t) => s + f(t), 0);
    const acknowledged = { dataPoints: sum((t) => t.acknowledged.dataPoints), logRecords: sum((t) => t.acknowledged.logRecords) };
    const refused = { in_flight: sum((t) => t.refused.in_flight), memory: sum((t) => t.refused.memory) };
    // The model's status is as of the last evaluation: wait for one after the last acknowledged request.
    const lastAcknowledgedAt = Date.now();
    const status = await waitFor('an evaluation after the last request', async () => {
      const s = await getJson<{ evaluatedAt: string | null; accepted: { dataPoints: number; logRecords: number } }>(`${http}/api/v1/models/${MODEL}`);
      return s.evaluatedAt !== null && Date.parse(s.evaluatedAt) > lastAcknowledgedAt ? s : undefined;
    }, 10_000, 100);
    const counted = await refusedCounter(http);
    const smallLatency = { http: tallies.http.latency(), grpc: tallies.grpc.latency() };
    const figures = {
      setup: { maxInFlightRequests: MAX_IN_FLIGHT, maxResidentMemoryBytes: LIMIT_BYTES, httpClients: HTTP_CLIENTS, grpcClients: GRPC_CLIENTS, largeClients: LARGE_CLIENTS, largeBodyBytes: large.body.length, loadSeconds: +loadSeconds.toFixed(1), pauseAfterRefusalMs: PAUSE_AFTER_REFUSAL_MS },
      requests: Object.fromEntries(Object.entries(tallies).map(([k, t]) => [k, { accepted: t.ok, refusedInFlight: t.refused.in_flight, refusedMemory: t.refused.memory, errors: t.errors.length }])),
      acceptedRequestsPerSecond: +(sum((t) => t.ok) / loadSeconds).toFixed(1),
      refusedRequestsPerSecond: +((refused.in_flight + refused.memory) / loadSeconds).toFixed(1),
      latencyMs: { http: smallLatency.http, grpc: smallLatency.grpc, large: tallies.large.latency() },
      idleRssBytes: idleRss,
      overloadMaxRssBytes: maxRss,
      maxResidentMemoryBytes: LIMIT_BYTES,
      memoryGuardEngaged: refused.memory > 0,
      refusingSeenOnReadyz: refusingSeen,
      recoveryRequestMs: +recoveryRequestMs.toFixed(0),
      recoveryReadyMs: +recoveryReadyMs.toFixed(0),
      rssAfterRecoveryBytes: ready.memory.residentBytes,
      acknowledged,
      accepted: status.accepted,
      acknowledgedLost: { dataPoints: acknowledged.dataPoints - status.accepted.dataPoints, logRecords: acknowledged.logRecords - status.accepted.logRecords },
      refusedSeenByClients: refused,
      refusedCountedByAggregator: counted,
      answers: [...new Set(all.flatMap((t) => [...t.answers]))],
      node: process.version,
      date: new Date().toISOString(),
    };
    process.stdout.write(`overload test:\n${JSON.stringify(figures, null, 2)}\n`);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(join(ROOT, 'test-artifacts', 'overload.json'), `${JSON.stringify(figures, null, 2)}\n`);

    for (const [name, t] of Object.entries(tallies)) {
      assert.deepEqual(t.errors.slice(0, 5), [], `${name}: requests failed other than by a refusal`);
      assert.deepEqual(t.withoutRetryAfter.slice(0, 5), [], `${name}: refusals without a retry delay`);
      assert.ok(t.ok > 0, `${name}: nothing was accepted`);
    }
    assert.ok(tallies.http.refused.in_flight > 0 && tallies.grpc.refused.in_flight > 0, 'both receivers refused for load (429 / RESOURCE_EXHAUSTED)');
    assert.ok(refused.memory > 0, `the memory guard never engaged (max RSS ${(maxRss / MIB).toFixed(1)} MiB)`);
    assert.equal(readyzLimit, LIMIT_BYTES, '/readyz names the limit');
    assert.equal(ready.memory.refusedRequests, refused.memory, '/readyz counts the refusals for memory');
    assert.ok(maxRss < LIMIT_BYTES, `resident memory reached ${(maxRss / MIB).toFixed(1)} MiB, over the limit of ${LIMIT_BYTES / MIB} MiB`);
    for (const [name, l] of Object.entries(smallLatency)) assert.ok(l.p99Ms < P99_BOUND_MS, `${name}: p99 latency of accepted requests ${l.p99Ms} ms`);
    assert.ok(recoveryRequestMs < RECOVERY_BOUND_MS && recoveryReadyMs < RECOVERY_BOUND_MS, `recovery took ${recoveryRequestMs} ms (request), ${recoveryReadyMs} ms (/readyz)`);
    assert.deepEqual(status.accepted, acknowledged, 'the accepted points and records are exactly the acknowledged ones');
    assert.deepEqual(counted, refused, 'ml.aggregator.refused counts every refusal the clients saw');
    await aggregator.stop();
    aggregator = undefined;
  });
});
