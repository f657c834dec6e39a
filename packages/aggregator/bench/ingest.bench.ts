// Ingest benchmark: OTLP/protobuf over HTTP into a real aggregator process.
//
// The aggregator (bench/ingest-server.ts: startService with a validated
// configuration, loopback, port 0, a temporary data directory) runs in its own
// process pinned to core 0; this process is the load generator, pinned to
// core 1. One SDK-encoded export (bench/payload-ingest.ts: 100 models x 20
// features of ~160-bucket exponential histograms plus RED) is sent again and
// again over a few keep-alive connections:
//   - ingestPointsPerSecond: closed loop for a bounded time; histogram data
//     points accepted (200 responses minus partial-success rejections) per second.
//   - p99LatencyMs: open loop at 50% of that request rate for a bounded time;
//     latency measured from each request's scheduled send time, so a stalled
//     server cannot hide queueing (no coordinated omission).
//   - ingestPointsPerSecondVolatile: the same with durability off
//     (storage.ingestLog: false), measured in segments alternating with the
//     durable aggregator; ratioDurableVsVolatile is the quotient.
//   - receiveOnlyPointsPerSecond: the same against the aggregator's OTLP/HTTP
//     receiver alone, whose sink only decodes (no engine, no log), alternating
//     too: the floor of a served request, beside the in-process decode-only
//     figure (which has no HTTP, no kernel and a payload hot in the caches).
// Both processes' CPU time is sampled: ingestPointsPerSecond is per second of
// the aggregator's CPU time (what its one core sustains, like the decode-only
// figure), the wall-clock rate and the load generator's own cost are beside it.
// Run alone: node --import tsx packages/aggregator/bench/ingest.bench.ts
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import * as grpc from '@grpc/grpc-js';
import { validateConfig } from '../src/config/load.js';
import { cpuMsSelf, decodeOnlyRate } from './decode.bench.js';
import { inProcessRates, type InProcessRates } from './in-process.js';
import { buildIngestPayload, type IngestPayload } from './payload-ingest.js';

/** Options of {@link run}; the defaults are what `npm run bench` measures. */
export interface IngestBenchOptions {
  /** Seconds of saturation before measuring (JIT, socket warm-up). @default 1.5 */
  warmupSeconds?: number;
  /** Seconds of each closed-loop throughput run. @default 6 */
  throughputSeconds?: number;
  /** Seconds of the open-loop latency run. @default 6 */
  latencySeconds?: number;
  /** Concurrent keep-alive connections of the throughput run (enough to keep the aggregator busy while a durable append commits). @default 8 */
  connections?: number;
  /**
   * Raw configuration (as in modelwatch.yaml) that turns durability off, or
   * null for no volatile run. @default {@link VOLATILE_CONFIG} when the
   * aggregator's configuration accepts it
   */
  volatileConfig?: Record<string, unknown> | null;
}

/** What one throughput run measured. */
export interface ThroughputRun {
  /** Histogram points per second of the aggregator's CPU time: what its one core sustains. */
  histogramPointsPerCpuSecond: number;
  /** Histogram points per wall-clock second (lower when other work shares the core). */
  histogramPointsPerSecond: number;
  allPointsPerSecond: number;
  requestsPerSecond: number;
  requests: number;
  non200: number;
  rejectedPoints: number;
  seconds: number;
  /** CPU of the aggregator process over the run, as a share of one core. */
  serverCpuShare: number;
  /** CPU of this load generator over the run, as a share of one core. */
  loadGeneratorCpuShare: number;
  /** Load-generator CPU milliseconds per request. */
  loadGeneratorCpuMsPerRequest: number;
  serverCpuMsPerRequest: number;
}

/** What one open-loop latency run measured. */
export interface LatencyRun {
  targetRequestsPerSecond: number;
  achievedRequestsPerSecond: number;
  requests: number;
  non200: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuShare: number;
  loadGeneratorCpuShare: number;
  /** Longest event-loop stall of the aggregator during the run (ms). */
  maxStallMs: number;
  /** Evaluation ticks the run met (asked for at 1/3 and 2/3 of it). */
  ticks: number;
}

/** Result of {@link run}. */
export interface IngestBenchResult {
  /**
   * Histogram points accepted per second of the aggregator's CPU time (its one
   * core). CPU time, like the decode-only figure, so that other processes on a
   * shared machine do not count against the aggregator; the wall-clock rate and
   * the aggregator's CPU share are beside it.
   */
  ingestPointsPerSecond: number;
  ingestPointsPerSecondWallClock: number;
  /** Same run, all data points (counters included). */
  ingestAllPointsPerSecond: number;
  p99LatencyMs: number;
  /**
   * Longest event-loop stall of the aggregator during the latency phase
   * (ms), which always meets evaluation ticks (see {@link latency}).
   */
  tickStallMs: number;
  /** Decode-only rate of this very payload in this process (CPU time, histogram points). */
  decodeOnlySamePayloadPointsPerSecond: number;
  /**
   * The same decode-only rate measured inside the durable aggregator's process
   * right after its throughput rounds (its heap, its core, the load generator
   * idle). A shared VM's speed changes from one moment to the next (see
   * docs/performance.md), and this figure shares the ingest figure's process
   * and follows it closely in time.
   */
  decodeOnlyInServerPointsPerSecond: number;
  /** ingestPointsPerSecond / decodeOnlyInServerPointsPerSecond: the ratio with both figures from one process. */
  ratioIngestVsDecodeInServer: number;
  /**
   * The payload handled in the load generator's process before the servers
   * start, with no HTTP and no log: decode only, the service's ingest path
   * (delta converter and engine), and the merge floor (see in-process.ts),
   * in alternating rounds.
   */
  inProcess: InProcessRates;
  /** inProcess engine / decode: the ratio an aggregator without HTTP, log or kernel would reach. */
  ratioEngineInProcessVsDecode: number;
  /** inProcess merge floor / decode: the most any engine that merges every point into per-stream state could reach here. */
  ratioMergeFloorVsDecode: number;
  /**
   * Histogram points per CPU-second of the aggregator's OTLP/HTTP receiver
   * alone, its sink decoding each request and dropping it: the floor of a
   * served request (HTTP, kernel and the decode in a server process), measured
   * in rounds alternating with the others.
   */
  receiveOnlyPointsPerSecond: number;
  /** ingestPointsPerSecond / receiveOnlyPointsPerSecond: the share of a served request's floor that ingest keeps. */
  ratioIngestVsReceiveOnly: number;
  /**
   * The same receiver whose sink is the merge floor (in-process.ts): each
   * exponential point's counts added into one flat array per stream, no
   * engine, no log. What any engine that merges every point could at most
   * reach when served, measured in rounds alternating with the others.
   */
  servedMergeFloorPointsPerSecond: number;
  /** servedMergeFloorPointsPerSecond / decodeOnlySamePayloadPointsPerSecond: the highest ratioIngestVsDecode such an engine could reach. */
  ratioServedMergeFloorVsDecode: number;
  /**
   * The same durable aggregator driven over OTLP/gRPC (one channel, as many
   * calls in flight as HTTP connections), as a Collector's load_balancing
   * exporter sends: histogram points per aggregator CPU-second, in rounds
   * alternating with the others.
   */
  ingestGrpcPointsPerSecond: number;
  /** ingestGrpcPointsPerSecond / ingestPointsPerSecond. */
  ratioGrpcVsHttp: number;
  /** Histogram points per aggregator CPU-second of each alternating round, per mode (the spread of the run). */
  roundsPointsPerCpuSecond: { durable: number[]; volatile: number[] | null; receiveOnly: number[]; mergeFloor: number[]; grpc: number[] };
  ingestPointsPerSecondVolatile: number | null;
  ratioDurableVsVolatile: number | null;
  durabilityNote: string;
  payload: Omit<IngestPayload, 'body'> & { protobufBytes: number };
  throughput: ThroughputRun;
  throughputVolatile: ThroughputRun | null;
  throughputGrpc: ThroughputRun;
  latency: LatencyRun;
  setup: {
    aggregatorCore: string;
    loadGeneratorCore: string;
    connections: number;
    warmupSeconds: number;
    throughputSeconds: number;
    latencySeconds: number;
    transport: string;
  };
}

/** Durability off: no ingest log, so acknowledged requests live only in memory until a checkpoint. */
export const VOLATILE_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({ storage: { ingestLog: false } });

/** VOLATILE_CONFIG if this aggregator's configuration schema knows it, else null (an older aggregator). */
function volatileConfigIfSupported(): Record<string, unknown> | null {
  try {
    validateConfig({ ...VOLATILE_CONFIG }, tmpdir(), 'probe');
    return { ...VOLATILE_CONFIG };
  } catch {
    return null;
  }
}

/** Alternating segments per mode in the throughput measurement. */
const ROUNDS = 6;

const SERVER_SCRIPT = fileURLToPath(new URL('./ingest-server.ts', import.meta.url));

interface Server {
  child: ChildProcess;
  url: string;
  /** `host:port` of its OTLP/gRPC receiver; null when it has none. */
  grpcTarget: string | null;
  cpuMs(): Promise<number>;
  /** Longest event-loop stall of the aggregator since the last call, and the ticks asked for meanwhile. */
  stall(): Promise<{ maxMs: number; ticks: number }>;
  /** Asks the aggregator to run one evaluation tick now. */
  tick(): void;
  /** The decode-only rate of the payload measured inside the aggregator's process, on its core. */
  decodeRate(): Promise<number>;
  stop(): Promise<void>;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins this process (all its threads) to `core`; false when that is not possible here. */
export function pinSelf(core: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Sends `{ type }` to the aggregator process and resolves with `read` of its answer of the same type (10 s at most). */
function ask<M, T>(child: ChildProcess, type: string, silence: string, read: (m: M) => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(silence)), 10_000);
    const onMessage = (m: M & { type: string }): void => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(read(m));
    };
    child.on('message', onMessage);
    child.send({ type });
  });
}

/**
 * Starts the aggregator (bench/ingest-server.ts) on `core`. In mode `receive-only`,
 * only its OTLP/HTTP receiver, whose sink decodes each request and drops it;
 * in mode `merge-floor`, that receiver with the merge floor as its sink.
 */
async function startServer(config: Record<string, unknown>, core: number | null, mode: 'service' | 'receive-only' | 'merge-floor' = 'service'): Promise<Server> {
  // MW_BENCH_SERVER_NODE_ARGS adds flags to the aggregator process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.MW_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs = [...extra, '--import', 'tsx', SERVER_SCRIPT, JSON.stringify(config), ...(mode === 'service' ? [] : [mode])];
  const [cmd, args] = core === null ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(core), process.execPath, ...nodeArgs]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ otlpHttp: string; otlpGrpc: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the aggregator did not start within 60 s')), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the aggregator exited with ${code} before it was ready`));
    });
    child.on('message', (m: { type: string; otlpHttp?: string; otlpGrpc?: string | null }) => {
      if (m.type === 'ready' && m.otlpHttp !== undefined) {
        clearTimeout(timer);
        resolve({ otlpHttp: m.otlpHttp, otlpGrpc: m.otlpGrpc ?? null });
      }
    });
  });
  return {
    child,
    url: `${ready.otlpHttp.replace(/\/$/, '')}/v1/metrics`,
    grpcTarget: ready.otlpGrpc === null ? null : new URL(ready.otlpGrpc).host,
    cpuMs: () => ask(child, 'cpu', 'no CPU report from the aggregator', (m: { userMs?: number; systemMs?: number }) => (m.userMs ?? 0) + (m.systemMs ?? 0)),
    stall: () => ask(child, 'stall', 'no stall report from the aggregator', (m: { maxMs?: number; ticks?: number }) => ({ maxMs: m.maxMs ?? Number.NaN, ticks: m.ticks ?? 0 })),
    tick: () => void child.send({ type: 'tick' }),
    decodeRate: () => ask(child, 'decode', 'no decode rate from the aggregator', (m: { pointsPerSecond?: number }) => m.pointsPerSecond ?? Number.NaN),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Items an OTLP Export*ServiceResponse's partial success says were rejected: data points or log records (0 for an empty body). */
export function rejectedPoints(body: Buffer): number {
  if (body.length === 0) return 0;
  const r = protobuf.Reader.create(body);
  let rejected = 0;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const end = r.uint32() + r.pos;
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === 1 && (t & 7) === 0) rejected += Number(r.int64());
        else r.skipType(t & 7);
      }
    } else {
      r.skipType(tag & 7);
    }
  }
  return rejected;
}

/** One answered request: its status, the points it said it rejected, and its latency. */
export interface Response {
  status: number;
  rejected: number;
  ms: number;
}

/** POSTs `body` as OTLP/HTTP protobuf to `url` on `agent`'s connections (30 s at most). */
export function post(agent: Agent, url: URL, body: Uint8Array): Promise<Response> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ status, rejected: status === 200 ? rejectedPoints(Buffer.concat(chunks)) : 0, ms: performance.now() - t0 });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

const EXPORT_METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const identity = (b: Buffer): Buffer => b;

/** One OTLP/gRPC export of `body` (already encoded): status 200 for OK, else 1000 + the gRPC status code. */
function exportGrpc(client: grpc.Client, body: Buffer): Promise<Response> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_METRICS, identity, identity, body, { deadline: Date.now() + 30_000 }, (err, res) => {
      const ms = performance.now() - t0;
      if (err !== null || res === undefined) resolve({ status: 1000 + (err?.code ?? grpc.status.UNKNOWN), rejected: 0, ms });
      else resolve({ status: 200, rejected: rejectedPoints(res), ms });
    });
  });
}

/** How the load generator sends: OTLP/HTTP on keep-alive connections, or OTLP/gRPC calls on one channel. */
type Transport = 'http' | 'grpc';

/** A sender of the payload to `server` over `transport` with up to `connections` requests in flight, and its teardown. */
function sender(server: Server, transport: Transport, payload: IngestPayload, connections: number): { send(): Promise<Response>; close(): void } {
  if (transport === 'grpc') {
    if (server.grpcTarget === null) throw new Error('this aggregator has no OTLP/gRPC receiver');
    const client = new grpc.Client(server.grpcTarget, grpc.credentials.createInsecure());
    const body = Buffer.from(payload.body);
    return { send: () => exportGrpc(client, body), close: () => client.close() };
  }
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const url = new URL(server.url);
  return { send: () => post(agent, url, payload.body), close: () => agent.destroy() };
}


/** Raw counts of closed-loop segments; segments of one server add up. */
interface Tally {
  requests: number;
  non200: number;
  rejected: number;
  seconds: number;
  clientMs: number;
  serverMs: number;
}

const ZERO: Tally = { requests: 0, non200: 0, rejected: 0, seconds: 0, clientMs: 0, serverMs: 0 };

function plus(a: Tally, b: Tally): Tally {
  return {
    requests: a.requests + b.requests,
    non200: a.non200 + b.non200,
    rejected: a.rejected + b.rejected,
    seconds: a.seconds + b.seconds,
    clientMs: a.clientMs + b.clientMs,
    serverMs: a.serverMs + b.serverMs,
  };
}

/** Closed loop: `connections` workers each send, await, send again, until `seconds` pass. */
async function throughput(server: Server, payload: IngestPayload, connections: number, seconds: number, transport: Transport = 'http'): Promise<Tally> {
  const out = sender(server, transport, payload, connections);
  let requests = 0;
  let non200 = 0;
  let rejected = 0;
  const s0 = await server.cpuMs();
  const c0 = cpuMsSelf();
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const worker = async (): Promise<void> => {
    // Bounded by time and by count (no more than 1000 requests/s per worker).
    for (let i = 0; i < seconds * 1000 && performance.now() < deadline; i++) {
      const r = await out.send();
      if (r.status === 200) {
        requests++;
        rejected += r.rejected;
      } else {
        non200++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const clientMs = cpuMsSelf() - c0;
  const serverMs = (await server.cpuMs()) - s0;
  out.close();
  return { requests, non200, rejected, seconds: elapsed, clientMs, serverMs };
}

function summarize(t: Tally, payload: IngestPayload): ThroughputRun {
  const hist = Math.max(0, t.requests * payload.histogramPoints - t.rejected);
  return {
    histogramPointsPerCpuSecond: t.serverMs > 0 ? Math.round(hist / (t.serverMs / 1000)) : 0,
    histogramPointsPerSecond: Math.round(hist / t.seconds),
    allPointsPerSecond: Math.round((t.requests * payload.points - t.rejected) / t.seconds),
    requestsPerSecond: +(t.requests / t.seconds).toFixed(2),
    requests: t.requests,
    non200: t.non200,
    rejectedPoints: t.rejected,
    seconds: +t.seconds.toFixed(2),
    serverCpuShare: +(t.serverMs / (t.seconds * 1000)).toFixed(3),
    loadGeneratorCpuShare: +(t.clientMs / (t.seconds * 1000)).toFixed(3),
    loadGeneratorCpuMsPerRequest: t.requests === 0 ? 0 : +(t.clientMs / t.requests).toFixed(3),
    serverCpuMsPerRequest: t.requests === 0 ? 0 : +(t.serverMs / t.requests).toFixed(3),
  };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/**
 * Open loop: requests start on a fixed schedule regardless of how earlier ones fare.
 * The run is shorter than the 30 s evaluation interval, so whether it met the
 * timer's tick was luck (p99 13 ms without, ~220 ms with one): it asks the
 * aggregator for a tick at 1/3 and 2/3 of its time instead, which runs the
 * timer's own code path (service.evaluate()). Two ticks in 6 s are more than
 * a real aggregator runs, so the p99 is if anything pessimistic.
 */
async function latency(server: Server, payload: IngestPayload, rate: number, seconds: number): Promise<LatencyRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(server.url);
  const total = Math.max(1, Math.floor(rate * seconds));
  const latencies: number[] = [];
  let non200 = 0;
  const inflight: Promise<void>[] = [];
  const s0 = await server.cpuMs();
  await server.stall();
  const c0 = cpuMsSelf();
  const t0 = performance.now();
  const tickAt = new Set([Math.floor(total / 3), Math.floor((2 * total) / 3)]);
  for (let i = 0; i < total; i++) {
    if (tickAt.has(i)) server.tick();
    const scheduled = t0 + (i * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      post(agent, url, payload.body).then((r) => {
        if (r.status === 200) latencies.push(performance.now() - scheduled);
        else non200++;
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - t0) / 1000;
  const clientMs = cpuMsSelf() - c0;
  const serverMs = (await server.cpuMs()) - s0;
  const stall = await server.stall();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (x: number): number => +x.toFixed(2);
  return {
    targetRequestsPerSecond: +rate.toFixed(2),
    achievedRequestsPerSecond: +(latencies.length / elapsed).toFixed(2),
    requests: latencies.length,
    non200,
    p50Ms: round(percentile(latencies, 0.5)),
    p90Ms: round(percentile(latencies, 0.9)),
    p99Ms: round(percentile(latencies, 0.99)),
    maxMs: round(latencies.at(-1) ?? Number.NaN),
    serverCpuShare: +(serverMs / (elapsed * 1000)).toFixed(3),
    loadGeneratorCpuShare: +(clientMs / (elapsed * 1000)).toFixed(3),
    maxStallMs: stall.maxMs,
    ticks: stall.ticks,
  };
}

/** Runs the ingest benchmark (about 60 s with the defaults on an idle 2-core machine). */
export async function run(options: IngestBenchOptions = {}): Promise<IngestBenchResult> {
  const o = {
    warmupSeconds: options.warmupSeconds ?? 1.5,
    // 12 s per mode in 6 alternating rounds: on a shared VM single rounds vary by ~10%.
    throughputSeconds: options.throughputSeconds ?? 12,
    latencySeconds: options.latencySeconds ?? 6,
    connections: options.connections ?? 8,
  };
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const pinned = availableParallelism() >= 2 && hasTaskset() && pinSelf(1);
  const serverCore = pinned ? 0 : null;
  if (!pinned) log('ingest: cannot pin to separate cores (needs taskset and 2 CPUs); aggregator and load generator share the machine');
  const payload = await buildIngestPayload();
  const decodeSame = decodeOnlyRate(payload);
  log(`ingest: payload ${payload.body.length} bytes, ${payload.histogramPoints} histogram points (${payload.expHistogramPoints} exponential, ${payload.meanBuckets.toFixed(1)} buckets); decode-only ${decodeSame} histogram points/s`);
  const inProcess = inProcessRates(payload);
  log(
    `ingest in this process, no HTTP or log (histogram points/s): decode ${inProcess.decodePointsPerSecond}, engine ${inProcess.enginePointsPerSecond}, merge floor ${inProcess.mergeFloorPointsPerSecond}`,
  );

  const volatileConfig = options.volatileConfig === undefined ? volatileConfigIfSupported() : options.volatileConfig;
  // Both aggregators run side by side (only one is driven at a time) and the
  // measurement alternates between them in short segments, so a change in
  // the machine's load mid-run affects both modes alike.
  const server = await startServer({}, serverCore);
  let volatileServer: Server | null = null;
  let receiveServer: Server | null = null;
  let floorServer: Server | null = null;
  let durableTally = ZERO;
  let volatileTally = ZERO;
  let receiveTally = ZERO;
  let floorTally = ZERO;
  let grpcTally = ZERO;
  // Each round's rate, to show how much the machine moved the figures.
  const durableRounds: number[] = [];
  const volatileRounds: number[] = [];
  const receiveRounds: number[] = [];
  const floorRounds: number[] = [];
  const grpcRounds: number[] = [];
  try {
    volatileServer = volatileConfig === null ? null : await startServer(volatileConfig, serverCore);
    receiveServer = await startServer({}, serverCore, 'receive-only');
    floorServer = await startServer({}, serverCore, 'merge-floor');
    await throughput(server, payload, o.connections, o.warmupSeconds);
    if (volatileServer !== null) await throughput(volatileServer, payload, o.connections, o.warmupSeconds);
    await throughput(receiveServer, payload, o.connections, o.warmupSeconds);
    await throughput(floorServer, payload, o.connections, o.warmupSeconds);
    await throughput(server, payload, o.connections, o.warmupSeconds, 'grpc');
    for (let round = 0; round < ROUNDS; round++) {
      const r = await throughput(receiveServer, payload, o.connections, o.throughputSeconds / ROUNDS);
      receiveRounds.push(summarize(r, payload).histogramPointsPerCpuSecond);
      receiveTally = plus(receiveTally, r);
      const f = await throughput(floorServer, payload, o.connections, o.throughputSeconds / ROUNDS);
      floorRounds.push(summarize(f, payload).histogramPointsPerCpuSecond);
      floorTally = plus(floorTally, f);
      if (volatileServer !== null) {
        const v = await throughput(volatileServer, payload, o.connections, o.throughputSeconds / ROUNDS);
        volatileRounds.push(summarize(v, payload).histogramPointsPerCpuSecond);
        volatileTally = plus(volatileTally, v);
      }
      const d = await throughput(server, payload, o.connections, o.throughputSeconds / ROUNDS);
      durableRounds.push(summarize(d, payload).histogramPointsPerCpuSecond);
      durableTally = plus(durableTally, d);
      const g = await throughput(server, payload, o.connections, o.throughputSeconds / ROUNDS, 'grpc');
      grpcRounds.push(summarize(g, payload).histogramPointsPerCpuSecond);
      grpcTally = plus(grpcTally, g);
    }
  } catch (err) {
    await server.stop();
    throw err;
  } finally {
    await volatileServer?.stop();
    await receiveServer?.stop();
    await floorServer?.stop();
  }
  const durable = summarize(durableTally, payload);
  const volatile = volatileServer === null ? null : summarize(volatileTally, payload);
  const receive = summarize(receiveTally, payload);
  const floor = summarize(floorTally, payload);
  const overGrpc = summarize(grpcTally, payload);
  log(`ingest rounds (points per CPU-second): durable ${durableRounds.join(' ')}${volatileServer === null ? '' : `; volatile ${volatileRounds.join(' ')}`}; receive-only ${receiveRounds.join(' ')}; merge floor ${floorRounds.join(' ')}; durable over gRPC ${grpcRounds.join(' ')}`);
  for (const [name, r] of [['durable (default storage)', durable], ['volatile', volatile], ['receive-only (decode, no engine, no log)', receive], ['merge floor (no engine, no log)', floor], ['durable over OTLP/gRPC', overGrpc]] as const) {
    if (r === null) continue;
    log(`ingest ${name}: ${r.histogramPointsPerCpuSecond} histogram points per aggregator CPU-second, ${r.histogramPointsPerSecond} per wall-clock second, ${r.requestsPerSecond} req/s, aggregator CPU ${r.serverCpuShare}, load generator CPU ${r.loadGeneratorCpuShare}`);
  }
  let lat: LatencyRun;
  let decodeInServer: number;
  try {
    decodeInServer = await server.decodeRate();
    log(`ingest: decode-only inside the durable aggregator's process ${decodeInServer} histogram points/s (in this process ${decodeSame})`);
    // Half of the rate actually sustained (wall clock): on a busy machine half
    // of the CPU-time rate could exceed what the aggregator gets, and the
    // latency would then measure an ever-growing queue.
    lat = await latency(server, payload, durable.requestsPerSecond / 2, o.latencySeconds);
    log(`ingest latency at ${lat.targetRequestsPerSecond} req/s: p50 ${lat.p50Ms} ms, p99 ${lat.p99Ms} ms, longest event-loop stall ${lat.maxStallMs} ms (${lat.ticks} evaluation ticks)`);
  } finally {
    await server.stop();
  }
  const { body, ...shape } = payload;
  return {
    ingestPointsPerSecond: durable.histogramPointsPerCpuSecond,
    ingestPointsPerSecondWallClock: durable.histogramPointsPerSecond,
    ingestAllPointsPerSecond: durable.allPointsPerSecond,
    p99LatencyMs: lat.p99Ms,
    tickStallMs: lat.maxStallMs,
    decodeOnlySamePayloadPointsPerSecond: decodeSame,
    decodeOnlyInServerPointsPerSecond: decodeInServer,
    ratioIngestVsDecodeInServer: +(durable.histogramPointsPerCpuSecond / decodeInServer).toFixed(3),
    inProcess,
    ratioEngineInProcessVsDecode: +(inProcess.enginePointsPerSecond / inProcess.decodePointsPerSecond).toFixed(3),
    ratioMergeFloorVsDecode: +(inProcess.mergeFloorPointsPerSecond / inProcess.decodePointsPerSecond).toFixed(3),
    receiveOnlyPointsPerSecond: receive.histogramPointsPerCpuSecond,
    ratioIngestVsReceiveOnly: +(durable.histogramPointsPerCpuSecond / receive.histogramPointsPerCpuSecond).toFixed(3),
    servedMergeFloorPointsPerSecond: floor.histogramPointsPerCpuSecond,
    ratioServedMergeFloorVsDecode: +(floor.histogramPointsPerCpuSecond / decodeSame).toFixed(3),
    ingestGrpcPointsPerSecond: overGrpc.histogramPointsPerCpuSecond,
    ratioGrpcVsHttp: +(overGrpc.histogramPointsPerCpuSecond / durable.histogramPointsPerCpuSecond).toFixed(3),
    roundsPointsPerCpuSecond: { durable: durableRounds, volatile: volatileServer === null ? null : volatileRounds, receiveOnly: receiveRounds, mergeFloor: floorRounds, grpc: grpcRounds },
    ingestPointsPerSecondVolatile: volatile?.histogramPointsPerCpuSecond ?? null,
    ratioDurableVsVolatile: volatile === null ? null : +(durable.histogramPointsPerCpuSecond / volatile.histogramPointsPerCpuSecond).toFixed(3),
    durabilityNote:
      volatileConfig === null
        ? 'no volatile run (this aggregator has no storage.ingestLog switch): one run with its default storage'
        : `volatile run with ${JSON.stringify(volatileConfig)}; ingestPointsPerSecond uses the default (durable) configuration`,
    payload: { ...shape, protobufBytes: body.length },
    throughput: durable,
    throughputVolatile: volatile,
    throughputGrpc: overGrpc,
    latency: lat,
    setup: {
      aggregatorCore: pinned ? 'cpu 0 (taskset)' : 'unpinned',
      loadGeneratorCore: pinned ? 'cpu 1 (taskset)' : 'unpinned',
      connections: o.connections,
      warmupSeconds: o.warmupSeconds,
      throughputSeconds: o.throughputSeconds,
      latencySeconds: o.latencySeconds,
      transport: 'OTLP/HTTP protobuf, loopback, keep-alive; and OTLP/gRPC, one channel',
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run(), null, 2));
}
