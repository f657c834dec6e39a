// The aggregator beside a real OpenTelemetry Collector (issue 15), in one run on
// one machine, in alternating rounds so that a change in the machine's load
// mid-run touches both sides alike. Three parts:
//
// 1. Pass-through. The ingest benchmark's payload (bench/payload-ingest.ts:
//    one SDK export of 100 models x 20 exponential feature histograms plus
//    RED, imported, not copied) sent over OTLP/HTTP protobuf, a fixed number
//    of requests per round on keep-alive connections, to
//      A: the aggregator (bench/ingest-server.ts, default configuration: the
//         ingest log on, synchronous; each request answered once it is durable)
//      B: the Collector's cheapest pipeline: otlp (http) -> batch -> nop, with
//         its own telemetry off and GOMAXPROCS=1.
//    Both servers pinned to core 0, this load generator to core 1. Rate: data
//    points per CPU-second of the server process (utime + stime from
//    /proc/<pid>/stat around the round, all threads) and per wall-clock second.
//    ratioAggregatorVsCollector: the median over rounds of A's rate / B's rate
//    in the same round.
// 2. End to end through the agent (collector-config/agent.yaml as shipped, its
//    persistent fsync'd queue included, with the backend exporter taken out of
//    the metrics and logs pipelines) to the aggregator over OTLP/gRPC, against
//    the same payload sent straight to the aggregator. A round through the agent
//    ends when the agent's exporter has had every point acknowledged by the
//    aggregator (the agent's own metrics), so its wall time includes the batch
//    processor's wait. Agent and aggregator share core 0.
// 3. The gateway (collector-config/gateway.yaml as shipped: load_balancing by
//    ml.model.name over OTLP/gRPC, persistent queue) in front of 1 and of 3
//    aggregators, all on core 0; the payload's 100 models spread over the shards.
//    Throughput (a round ends when the gateway's exporter has had every point
//    acknowledged) and CPU-seconds per process: gateway, each aggregator, load
//    generator. From that split, what one aggregator per machine would do, on paper.
//
// Every child is stopped on exit or error; a watchdog process kills the
// Collectors (and the aggregators, after a grace period) and removes the
// temporary directories if this process dies without doing so.
//
// Run: npm run bench:collector -w @modelwatch/aggregator [-- --quick]
//      (node --import tsx packages/aggregator/bench/collector.bench.ts --help)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMsSelf, decodeOnlyRate, median } from './decode.bench.js';
import { pinSelf, post } from './ingest.bench.js';
import { buildIngestPayload, type IngestPayload } from './payload-ingest.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
const CONFIG_DIR = join(ROOT, 'collector-config');
const SERVER_SCRIPT = join(HERE, 'ingest-server.ts');
const SERVER_CORE = 0;
const LOAD_CORE = 1;

/** Options of {@link run}. */
export interface CollectorBenchOptions {
  /** Alternating rounds per part (each round measures every side once). @default 5 */
  rounds: number;
  /** Requests per side per round in part 1. @default 400 */
  requests: number;
  /** Requests per side per round in part 2 (direct and through the agent). @default 150 */
  e2eRequests: number;
  /** Requests per setup per round in part 3 (1 and 3 shards). @default 120 */
  shardRequests: number;
  /** Requests sent to each server before its first round (JIT, connections, caches). @default 40 */
  warmupRequests: number;
  /** Requests in flight at once (keep-alive connections). @default 8 */
  connections: number;
  /** Upper bound of one round (sending and, through a Collector, delivery), seconds. @default 60 */
  roundTimeoutSeconds: number;
  /** Past this many seconds of measurement, every part stops after its current round (each keeps at least one). @default 900 */
  budgetSeconds: number;
  /** Parts to run. @default [1, 2, 3] */
  parts: number[];
  /** Where the JSON goes. @default bench/results/collector.json at the repository root */
  out: string;
  /** Set by --quick: the report says its figures are a smoke test, not for quoting. @default false */
  quick: boolean;
  /** Extra Collector configuration files merged over agent.yaml (part 2), e.g. to see what a setting costs. @default [] */
  agentOverlays: string[];
  /** The same over gateway.yaml (part 3). @default [] */
  gatewayOverlays: string[];
}

const FULL: CollectorBenchOptions = {
  rounds: 5,
  requests: 400,
  e2eRequests: 150,
  shardRequests: 120,
  warmupRequests: 40,
  connections: 8,
  roundTimeoutSeconds: 60,
  budgetSeconds: 900,
  parts: [1, 2, 3],
  out: join(RESULTS, 'collector.json'),
  quick: false,
  agentOverlays: [],
  gatewayOverlays: [],
};

/** --quick: enough to check that everything runs (about a minute), not to quote. */
const QUICK: Partial<CollectorBenchOptions> = { quick: true, budgetSeconds: 300, rounds: 2, requests: 60, e2eRequests: 40, shardRequests: 40, warmupRequests: 10, roundTimeoutSeconds: 30 };

const log = (m: string): void => void process.stderr.write(`${m}\n`);

/** When the run's budget ends (performance.now() ms); set by {@link run}. */
let budgetEnds = Number.POSITIVE_INFINITY;
/** Rounds skipped because the budget ran out, by part. */
const cutShort: string[] = [];

/** Whether round `r` (0-based) of `part` may run: the first always, later ones within the budget. */
function mayRun(part: string, r: number, rounds: number): boolean {
  if (r >= rounds) return false;
  if (r === 0 || performance.now() < budgetEnds) return true;
  cutShort.push(`${part}: ${r} of ${rounds} rounds (the run's time budget ran out)`);
  return false;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number): number => Math.round(x);
const fixed = (x: number, digits = 3): number => +x.toFixed(digits);

// ---------------------------------------------------------------------------
// Processes: CPU time, pinning, bookkeeping.

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const CLK_TCK = ((): number => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** CPU milliseconds (utime + stime, every thread) process `pid` has used. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: fields 3.. follow the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK;
}

/** `cmd args` pinned to `core` (taskset execs it: the child's pid is the server's), or as is. */
function pinned(core: number | null, cmd: string, args: string[]): [string, string[]] {
  return core === null ? [cmd, args] : ['taskset', ['-c', String(core), cmd, ...args]];
}

/**
 * The watchdog: a small child that outlives this process. If this process
 * dies without stopping its children (its IPC channel closes), the watchdog
 * kills the Collectors at once, the aggregators after a grace period (they
 * exit by themselves when their own channel closes) and removes the
 * temporary directories.
 */
const WATCHDOG = `
const { rmSync } = require('node:fs');
const now = new Map(), later = new Map(), dirs = new Set();
process.on('message', (m) => {
  if (m.add !== undefined) (m.grace ? later : now).set(m.add, true);
  if (m.remove !== undefined) { now.delete(m.remove); later.delete(m.remove); }
  if (m.dir !== undefined) dirs.add(m.dir);
  if (m.undir !== undefined) dirs.delete(m.undir);
});
process.on('disconnect', () => {
  const kill = (pids) => { for (const p of pids.keys()) { try { process.kill(p, 'SIGKILL'); } catch {} } };
  kill(now);
  setTimeout(() => {
    kill(later);
    for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, 5000);
});
`;

/** Every child and temporary directory of this run, and their teardown. */
class Bookkeeping {
  private readonly watchdog: ChildProcess;
  private readonly stops = new Map<number, { stop: () => Promise<void>; grace: boolean }>();
  private readonly dirs = new Set<string>();

  constructor() {
    this.watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.watchdog.unref();
    this.watchdog.channel?.unref();
  }

  private tell(m: Record<string, unknown>): void {
    if (this.watchdog.connected) this.watchdog.send(m);
  }

  /** A fresh temporary directory, removed by {@link close}. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `mw-collector-bench-${prefix}-`));
    this.dirs.add(dir);
    this.tell({ dir });
    return dir;
  }

  /** Tracks `child` until it exits; `grace`: it exits by itself when this process dies. */
  track(child: ChildProcess, stop: () => Promise<void>, grace: boolean): void {
    const pid = child.pid;
    if (pid === undefined) return;
    this.stops.set(pid, { stop, grace });
    this.tell({ add: pid, grace });
    child.once('exit', () => {
      this.stops.delete(pid);
      this.tell({ remove: pid });
    });
  }

  /**
   * Stops every child still running (the Collectors first, while the
   * aggregators they send to still answer), removes every directory, and lets
   * the watchdog go.
   */
  async close(): Promise<void> {
    const all = [...this.stops.values()];
    await Promise.allSettled(all.filter((c) => !c.grace).map((c) => c.stop()));
    await Promise.allSettled(all.filter((c) => c.grace).map((c) => c.stop()));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
    // Everything is gone: the watchdog has nothing left to do.
    if (this.watchdog.exitCode === null) this.watchdog.kill('SIGTERM');
  }
}

/** A free TCP port on loopback (the kernel's choice, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a !== null && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** A server process under test. */
interface Server {
  name: string;
  pid: number;
  cpuMs(): number;
  stop(): Promise<void>;
}

interface Aggregator extends Server {
  /** OTLP/HTTP metrics URL. */
  otlpHttp: URL;
  /** host:port of its OTLP/gRPC receiver. */
  grpc: string;
  /** Base URL of its API and /metrics. */
  api: string;
}

/** The aggregator of the ingest benchmark (bench/ingest-server.ts), default configuration, in its own data directory. */
async function startAggregator(book: Bookkeeping, name: string, core: number | null): Promise<Aggregator> {
  // Its TMPDIR too is inside the tracked directory: ingest-server.ts makes a temporary directory of
  // its own at start, which would outlive it if it were killed before it could remove it.
  const dir = book.tempDir(name);
  const dataDir = join(dir, 'data');
  const [cmd, args] = pinned(core, process.execPath, ['--import', 'tsx', SERVER_SCRIPT, JSON.stringify({ dataDir })]);
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, TMPDIR: dir }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    if (child.connected) child.send({ type: 'stop' });
    else child.kill('SIGKILL');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  book.track(child, stop, true);
  const ready = await new Promise<{ otlpHttp: string; otlpGrpc: string | null; http: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready`));
    });
    child.on('message', (m: { type: string; otlpHttp?: string; otlpGrpc?: string | null; http?: string | null }) => {
      if (m.type !== 'ready' || m.otlpHttp === undefined) return;
      clearTimeout(timer);
      resolve({ otlpHttp: m.otlpHttp, otlpGrpc: m.otlpGrpc ?? null, http: m.http ?? null });
    });
  });
  if (ready.otlpGrpc === null || ready.http === null || child.pid === undefined) throw new Error(`${name} has no OTLP/gRPC receiver or API`);
  const pid = child.pid;
  return {
    name,
    pid,
    cpuMs: () => cpuMsOf(pid),
    stop,
    otlpHttp: new URL(`${ready.otlpHttp.replace(/\/$/, '')}/v1/metrics`),
    grpc: new URL(ready.otlpGrpc).host,
    api: ready.http.replace(/\/$/, ''),
  };
}

/** The Collector binary of scripts/build-collector.sh (cached; built the first time) and its version line. */
function collectorBinary(): { path: string; version: string } {
  const out = execFileSync('bash', [join(ROOT, 'scripts', 'build-collector.sh')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 30 * 60_000 });
  const path = out.trim().split('\n').pop() ?? '';
  if (path === '') throw new Error('scripts/build-collector.sh printed no binary path');
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  return { path, version };
}

interface Collector extends Server {
  /** Its own metrics (Prometheus text), or null when its telemetry is off. */
  metricsUrl: string | null;
  /** The tail of what it logged. */
  logTail(): string;
}

/** Starts a Collector pinned to `core` with GOMAXPROCS=1, and waits for its health_check. */
async function startCollector(
  book: Bookkeeping,
  binary: string,
  name: string,
  o: { configs: string[]; env: Record<string, string>; health: string; metricsUrl: string | null; core: number | null },
): Promise<Collector> {
  const [cmd, args] = pinned(o.core, binary, o.configs.flatMap((c) => ['--config', c]));
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, GOMAXPROCS: '1', ...o.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    tail = (tail + d).slice(-16_000);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  book.track(child, stop, false);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${name}`);
  // Readiness: its health_check answers 200 once every pipeline has started (bounded: 30 s).
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${tail.slice(-4000)}`);
    const ok = await fetch(`http://${o.health}/`).then((r) => r.ok, () => false);
    if (ok) break;
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`${name} was not healthy within 30 s:\n${tail.slice(-4000)}`);
    }
    await sleep(100);
  }
  return { name, pid, cpuMs: () => cpuMsOf(pid), stop, metricsUrl: o.metricsUrl, logTail: () => tail };
}

/** Sum of a Collector's own counter `name` (with or without `_total`) over the series of exporter `exporter`. */
async function collectorCounter(c: Collector, name: string, exporter: string): Promise<number> {
  if (c.metricsUrl === null) throw new Error(`${c.name} has no metrics endpoint`);
  const text = await (await fetch(c.metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name}_total{`))) continue;
    if (!line.includes(`exporter="${exporter}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

// ---------------------------------------------------------------------------
// Load.

interface Sent {
  requests: number;
  /** Answered 200. */
  ok: number;
  non200: number;
  /** Points the 200 answers reported rejected (partial success). */
  rejected: number;
  /** Until the last answer. */
  seconds: number;
  timedOut: boolean;
}

/** Sends `payload` `requests` times to `url`, `connections` at a time; stops early at `timeoutSeconds`. */
async function send(url: URL, payload: IngestPayload, requests: number, connections: number, timeoutSeconds: number): Promise<Sent> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  let ok = 0;
  let non200 = 0;
  let rejected = 0;
  let timedOut = false;
  const t0 = performance.now();
  const deadline = t0 + timeoutSeconds * 1000;
  const worker = async (): Promise<void> => {
    // Bounded by the count and by time.
    while (next < requests) {
      if (performance.now() > deadline) {
        timedOut = true;
        return;
      }
      next++;
      const r = await post(agent, url, payload.body).catch(() => ({ status: 0, rejected: 0 }));
      if (r.status === 200) {
        ok++;
        rejected += r.rejected;
      } else {
        non200++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(connections, requests) }, worker));
  } finally {
    agent.destroy();
  }
  return { requests: next, ok, non200, rejected, seconds: (performance.now() - t0) / 1000, timedOut };
}

/** Waits until `read()` reaches `target` (polled every 50 ms, at most `timeoutSeconds`); returns whether it did. */
async function until(read: () => Promise<number>, target: number, timeoutSeconds: number): Promise<boolean> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  while (performance.now() < deadline) {
    if ((await read().catch(() => -1)) >= target) return true;
    await sleep(50);
  }
  return false;
}

/** CPU milliseconds of several processes at once (and this load generator's). */
function cpuSnapshot(servers: Server[]): { servers: number[]; self: number } {
  return { servers: servers.map((s) => s.cpuMs()), self: cpuMsSelf() };
}

/** One measured round of one side. */
interface RoundFigures {
  /** Data points delivered (accepted by the server, or acknowledged to the Collector's exporter). */
  points: number;
  pointsPerCpuSecond: number;
  pointsPerSecond: number;
  seconds: number;
  /** CPU-seconds of each server process of this side, by name. */
  cpuSeconds: Record<string, number>;
  loadGeneratorCpuSeconds: number;
  requests: number;
  non200: number;
  rejectedPoints: number;
  /** A round stopped by its time bound (its figures are still rates over what it did). */
  timedOut: boolean;
}

/**
 * One round: `requests` sends to `url`, then (when `delivered` is given) a wait
 * until it reports every accepted point delivered. CPU of `servers` (all on the
 * path) and of this process from the first send to the end; `settleMs` after
 * the last answer first, so that work a server does after answering counts too.
 */
async function measureRound(
  o: CollectorBenchOptions,
  payload: IngestPayload,
  url: URL,
  servers: Server[],
  requests: number,
  delivered?: () => Promise<number>,
  settleMs = 250,
): Promise<RoundFigures> {
  const base = delivered === undefined ? 0 : await delivered();
  const c0 = cpuSnapshot(servers);
  const t0 = performance.now();
  const s = await send(url, payload, requests, o.connections, o.roundTimeoutSeconds);
  let points = s.ok * payload.points - s.rejected;
  let timedOut = s.timedOut;
  let seconds: number;
  if (delivered !== undefined) {
    const left = Math.max(1, o.roundTimeoutSeconds - s.seconds);
    const reached = await until(delivered, base + points, left);
    seconds = (performance.now() - t0) / 1000;
    if (!reached) {
      timedOut = true;
      points = Math.max(0, (await delivered()) - base);
    }
  } else {
    seconds = s.seconds;
    await sleep(settleMs);
  }
  const c1 = cpuSnapshot(servers);
  const cpu = servers.map((_, i) => ((c1.servers[i] ?? 0) - (c0.servers[i] ?? 0)) / 1000);
  const total = cpu.reduce((a, b) => a + b, 0);
  return {
    points,
    pointsPerCpuSecond: total > 0 ? round1(points / total) : 0,
    pointsPerSecond: round1(points / seconds),
    seconds: fixed(seconds, 2),
    cpuSeconds: Object.fromEntries(servers.map((sv, i) => [sv.name, fixed(cpu[i] ?? 0)])),
    loadGeneratorCpuSeconds: fixed((c1.self - c0.self) / 1000),
    requests: s.requests,
    non200: s.non200,
    rejectedPoints: s.rejected,
    timedOut,
  };
}

/** Rounds of one side added up: rates over the sums, and the per-round rates beside them. */
interface SideSummary {
  pointsPerCpuSecondMedian: number;
  pointsPerSecondMedian: number;
  roundsPointsPerCpuSecond: number[];
  roundsPointsPerSecond: number[];
  points: number;
  seconds: number;
  cpuSeconds: Record<string, number>;
  loadGeneratorCpuSeconds: number;
  /** CPU microseconds per delivered data point, per process. */
  cpuMicrosecondsPerPoint: Record<string, number>;
  requests: number;
  non200: number;
  rejectedPoints: number;
  timedOutRounds: number;
}

function summarize(rounds: RoundFigures[]): SideSummary {
  const points = rounds.reduce((a, r) => a + r.points, 0);
  const cpuSeconds: Record<string, number> = {};
  for (const r of rounds) for (const [k, v] of Object.entries(r.cpuSeconds)) cpuSeconds[k] = fixed((cpuSeconds[k] ?? 0) + v);
  const loadGeneratorCpuSeconds = fixed(rounds.reduce((a, r) => a + r.loadGeneratorCpuSeconds, 0));
  const perPoint = (s: number): number => (points > 0 ? fixed((s * 1e6) / points, 2) : 0);
  return {
    pointsPerCpuSecondMedian: round1(median(rounds.map((r) => r.pointsPerCpuSecond))),
    pointsPerSecondMedian: round1(median(rounds.map((r) => r.pointsPerSecond))),
    roundsPointsPerCpuSecond: rounds.map((r) => r.pointsPerCpuSecond),
    roundsPointsPerSecond: rounds.map((r) => r.pointsPerSecond),
    points,
    seconds: fixed(rounds.reduce((a, r) => a + r.seconds, 0), 2),
    cpuSeconds,
    loadGeneratorCpuSeconds,
    cpuMicrosecondsPerPoint: { ...Object.fromEntries(Object.entries(cpuSeconds).map(([k, v]) => [k, perPoint(v)])), loadGenerator: perPoint(loadGeneratorCpuSeconds) },
    requests: rounds.reduce((a, r) => a + r.requests, 0),
    non200: rounds.reduce((a, r) => a + r.non200, 0),
    rejectedPoints: rounds.reduce((a, r) => a + r.rejectedPoints, 0),
    timedOutRounds: rounds.filter((r) => r.timedOut).length,
  };
}

const ratios = (a: number[], b: number[]): number[] => a.map((x, i) => (b[i] ?? 0) > 0 ? fixed(x / (b[i] as number)) : Number.NaN);

// ---------------------------------------------------------------------------
// The parts.

/** Collector configuration of part 1: otlp (http) -> batch -> nop; no telemetry. */
function passThroughConfig(port: number, health: number): string {
  return `# collector.bench.ts part 1: the Collector's pass-through on loopback.
extensions:
  health_check:
    endpoint: 127.0.0.1:${health}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  # agent.yaml's batch settings
  batch:
    send_batch_size: 8192
    timeout: 1s
exporters:
  nop:
service:
  extensions: [health_check]
  telemetry:
    # Its own metrics off (none opens no port, costs no CPU): the Collector at its cheapest.
    metrics:
      level: none
    logs:
      level: warn
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [batch]
      exporters: [nop]
`;
}

async function partPassThrough(book: Bookkeeping, binary: string, o: CollectorBenchOptions, payload: IngestPayload, core: number | null) {
  const dir = book.tempDir('passthrough');
  const [port, health] = [await freePort(), await freePort()];
  const config = join(dir, 'passthrough.yaml');
  writeFileSync(config, passThroughConfig(port, health));
  const aggregator = await startAggregator(book, 'aggregator', core);
  const collector = await startCollector(book, binary, 'collector', { configs: [config], env: {}, health: `127.0.0.1:${health}`, metricsUrl: null, core });
  const collectorUrl = new URL(`http://127.0.0.1:${port}/v1/metrics`);
  try {
    await send(aggregator.otlpHttp, payload, o.warmupRequests, o.connections, o.roundTimeoutSeconds);
    await send(collectorUrl, payload, o.warmupRequests, o.connections, o.roundTimeoutSeconds);
    const a: RoundFigures[] = [];
    const b: RoundFigures[] = [];
    for (let r = 0; mayRun('part 1', r, o.rounds); r++) {
      a.push(await measureRound(o, payload, aggregator.otlpHttp, [aggregator], o.requests));
      b.push(await measureRound(o, payload, collectorUrl, [collector], o.requests));
      log(`part 1 round ${r + 1}/${o.rounds}: aggregator ${a.at(-1)?.pointsPerCpuSecond} points/CPU-s, Collector ${b.at(-1)?.pointsPerCpuSecond} points/CPU-s`);
    }
    const agg = summarize(a);
    const col = summarize(b);
    const perRound = ratios(agg.roundsPointsPerCpuSecond, col.roundsPointsPerCpuSecond);
    const histogramShare = payload.histogramPoints / payload.points;
    return {
      aggregator: { ...agg, histogramPointsPerCpuSecondMedian: round1(agg.pointsPerCpuSecondMedian * histogramShare) },
      collector: col,
      ratioAggregatorVsCollector: fixed(median(perRound)),
      ratioAggregatorVsCollectorRounds: perRound,
      ratioOfMedians: fixed(agg.pointsPerCpuSecondMedian / col.pointsPerCpuSecondMedian),
      ratioWallClock: fixed(median(ratios(agg.roundsPointsPerSecond, col.roundsPointsPerSecond))),
      collectorPipeline: 'otlp (http, 127.0.0.1) -> batch (send_batch_size 8192, timeout 1s) -> nop; service.telemetry.metrics.level none; GOMAXPROCS=1',
      aggregatorConfiguration: 'bench/ingest-server.ts with the defaults (storage.ingestLog on, synchronous; evaluation every 30 s)',
    };
  } finally {
    await Promise.allSettled([aggregator.stop(), collector.stop()]);
  }
}

interface TierPorts {
  env: Record<string, string>;
  health: string;
  http: URL;
  metrics: string;
}

/** Loopback ports and a queue directory for agent.yaml (MODELWATCH_AGENT_*) or gateway.yaml (MODELWATCH_GATEWAY_*). */
async function tierPorts(book: Bookkeeping, tier: 'agent' | 'gateway', name: string): Promise<TierPorts> {
  const [grpc, http, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const v = `MODELWATCH_${tier.toUpperCase()}`;
  return {
    env: {
      [`${v}_OTLP_GRPC`]: `127.0.0.1:${grpc}`,
      [`${v}_OTLP_HTTP`]: `127.0.0.1:${http}`,
      [`${v}_HEALTH`]: `127.0.0.1:${health}`,
      [`${v}_METRICS_PORT`]: String(metrics),
      [`${v}_STORAGE_DIR`]: join(book.tempDir(name), 'queue'),
    },
    health: `127.0.0.1:${health}`,
    http: new URL(`http://127.0.0.1:${http}/v1/metrics`),
    metrics: `http://127.0.0.1:${metrics}/metrics`,
  };
}

/** The agent's modelwatch exporter only: the backend is not part of what is measured. */
const AGENT_OVERLAY = `# collector.bench.ts part 2: agent.yaml with its metrics and logs going to modelwatch only.
service:
  pipelines:
    metrics:
      exporters: [otlp_grpc/modelwatch]
    logs:
      exporters: [otlp_grpc/modelwatch]
`;

const AGENT_EXPORTER = 'otlp_grpc/modelwatch';
const GATEWAY_EXPORTER = 'load_balancing/modelwatch';
const SENT_POINTS = 'otelcol_exporter_sent_metric_points';

async function partAgent(book: Bookkeeping, binary: string, o: CollectorBenchOptions, payload: IngestPayload, core: number | null) {
  const aggregator = await startAggregator(book, 'aggregator-e2e', core);
  const ports = await tierPorts(book, 'agent', 'agent');
  const overlay = join(book.tempDir('agent-config'), 'agent-overlay.yaml');
  writeFileSync(overlay, AGENT_OVERLAY);
  // Nothing listens there: no pipeline of the overlay uses the backend exporter (agent.yaml requires its endpoint).
  const unused = await freePort();
  const agent = await startCollector(book, binary, 'agent', {
    configs: [join(CONFIG_DIR, 'agent.yaml'), overlay, ...o.agentOverlays],
    env: { ...ports.env, MODELWATCH_OTLP_ENDPOINT: aggregator.grpc, MODELWATCH_OTLP_INSECURE: 'true', MODELWATCH_BACKEND_OTLP_ENDPOINT: `http://127.0.0.1:${unused}` },
    health: ports.health,
    metricsUrl: ports.metrics,
    core,
  });
  const delivered = (): Promise<number> => collectorCounter(agent, SENT_POINTS, AGENT_EXPORTER);
  const accepted = (): Promise<number> => scrape(`${aggregator.api}/metrics`, 'ml_aggregator_accepted', 'ml_signal="metrics"');
  try {
    await send(aggregator.otlpHttp, payload, o.warmupRequests, o.connections, o.roundTimeoutSeconds);
    await measureRound(o, payload, ports.http, [agent, aggregator], o.warmupRequests, delivered);
    const direct: RoundFigures[] = [];
    const viaAgent: RoundFigures[] = [];
    // Read once before and once after the rounds, outside them: a scrape costs the aggregator CPU.
    const accepted0 = await accepted();
    for (let r = 0; mayRun('part 2', r, o.rounds); r++) {
      direct.push(await measureRound(o, payload, aggregator.otlpHttp, [aggregator], o.e2eRequests));
      viaAgent.push(await measureRound(o, payload, ports.http, [agent, aggregator], o.e2eRequests, delivered));
      log(`part 2 round ${r + 1}/${o.rounds}: direct ${direct.at(-1)?.pointsPerSecond} points/s, through the agent ${viaAgent.at(-1)?.pointsPerSecond} points/s`);
    }
    const acceptedByAggregator = (await accepted()) - accepted0;
    const d = summarize(direct);
    const v = summarize(viaAgent);
    return {
      direct: d,
      viaAgent: v,
      /** The aggregator's own count of data points accepted over the rounds of both paths: equal to the two paths' points when nothing was lost or refused. */
      aggregatorAcceptedPoints: acceptedByAggregator,
      pointsSentOverBothPaths: d.points + v.points,
      ratioViaAgentVsDirectWallClock: fixed(median(ratios(v.roundsPointsPerSecond, d.roundsPointsPerSecond))),
      ratioViaAgentVsDirectPerCpuSecond: fixed(median(ratios(v.roundsPointsPerCpuSecond, d.roundsPointsPerCpuSecond))),
      agentConfiguration:
        'collector-config/agent.yaml (memory_limiter, batch 8192/1s, otlp_grpc/modelwatch with its fsync\'d file_storage queue) with otlp_http/backend taken out of the metrics and logs pipelines; GOMAXPROCS=1' +
        (o.agentOverlays.length > 0 ? `; overlays ${o.agentOverlays.join(', ')}` : ''),
      agentLogTail: agent.logTail().split('\n').filter((l) => /error|warn/i.test(l)).slice(-5),
    };
  } finally {
    await agent.stop().catch(() => {});
    await aggregator.stop();
  }
}

/** Prometheus text of `url`'s counter `name` (with or without `_total`) over series whose labels include `match`. */
async function scrape(url: string, name: string, match: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name}_total{`)) && line.includes(match)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** What one aggregator behind the gateway holds: accepted data points (its own counter) and models with data. */
async function shardHolding(a: Aggregator): Promise<{ acceptedPoints: number; models: number }> {
  const acceptedPoints = await scrape(`${a.api}/metrics`, 'ml_aggregator_accepted', 'ml_signal="metrics"');
  const { models } = (await (await fetch(`${a.api}/api/v1/models`)).json()) as { models: Array<{ lastSeen: string | null }> };
  return { acceptedPoints, models: models.filter((m) => m.lastSeen !== null).length };
}

interface ShardSetup {
  shards: Aggregator[];
  gateway: Collector;
  ports: TierPorts;
}

async function startShards(book: Bookkeeping, binary: string, n: number, overlays: string[], core: number | null): Promise<ShardSetup> {
  const shards: Aggregator[] = [];
  for (let i = 0; i < n; i++) shards.push(await startAggregator(book, `shard${n}-${i}`, core));
  const ports = await tierPorts(book, 'gateway', `gateway${n}`);
  const gateway = await startCollector(book, binary, `gateway-${n}`, {
    configs: [join(CONFIG_DIR, 'gateway.yaml'), ...overlays],
    env: { ...ports.env, MODELWATCH_AGGREGATORS: `[${shards.map((s) => s.grpc).join(', ')}]`, MODELWATCH_OTLP_INSECURE: 'true' },
    health: ports.health,
    metricsUrl: ports.metrics,
    core,
  });
  return { shards, gateway, ports };
}

async function partShards(book: Bookkeeping, binary: string, o: CollectorBenchOptions, payload: IngestPayload, core: number | null) {
  const setups: ShardSetup[] = [];
  try {
    setups.push(await startShards(book, binary, 1, o.gatewayOverlays, core));
    setups.push(await startShards(book, binary, 3, o.gatewayOverlays, core));
    const rounds: RoundFigures[][] = setups.map(() => []);
    const delivered = (s: ShardSetup) => (): Promise<number> => collectorCounter(s.gateway, SENT_POINTS, GATEWAY_EXPORTER);
    for (const s of setups) await measureRound(o, payload, s.ports.http, [s.gateway, ...s.shards], o.warmupRequests, delivered(s));
    const before = await Promise.all(setups.map((s) => Promise.all(s.shards.map(shardHolding))));
    for (let r = 0; mayRun('part 3', r, o.rounds); r++) {
      for (const [i, s] of setups.entries()) rounds[i]?.push(await measureRound(o, payload, s.ports.http, [s.gateway, ...s.shards], o.shardRequests, delivered(s)));
      log(`part 3 round ${r + 1}/${o.rounds}: ${setups.map((s, i) => `${s.shards.length} shard${s.shards.length === 1 ? '' : 's'} ${rounds[i]?.at(-1)?.pointsPerSecond} points/s`).join(', ')}`);
    }
    const after = await Promise.all(setups.map((s) => Promise.all(s.shards.map(shardHolding))));
    return setups.map((s, i) => {
      const sum = summarize(rounds[i] ?? []);
      const shardPoints = s.shards.map((_, j) => (after[i]?.[j]?.acceptedPoints ?? 0) - (before[i]?.[j]?.acceptedPoints ?? 0));
      return {
        shards: s.shards.length,
        ...sum,
        gatewayCpuSeconds: sum.cpuSeconds[s.gateway.name] ?? 0,
        aggregatorCpuSeconds: s.shards.map((a) => sum.cpuSeconds[a.name] ?? 0),
        /** Data points each aggregator accepted over the measured rounds (its ml.aggregator.accepted). */
        aggregatorAcceptedPoints: shardPoints,
        aggregatorModels: after[i]?.map((h) => h.models) ?? [],
        /** CPU microseconds each aggregator spent per point it accepted itself. */
        aggregatorCpuMicrosecondsPerOwnPoint: s.shards.map((a, j) => ((shardPoints[j] ?? 0) > 0 ? fixed(((sum.cpuSeconds[a.name] ?? 0) * 1e6) / (shardPoints[j] as number), 2) : 0)),
        gatewayLogTail: s.gateway.logTail().split('\n').filter((l) => /Dropping data|Rejecting data|error/i.test(l)).slice(-5),
      };
    });
  } finally {
    // Gateways first, while the aggregators they send to still answer.
    await Promise.allSettled(setups.map((s) => s.gateway.stop()));
    await Promise.allSettled(setups.flatMap((s) => s.shards.map((a) => a.stop())));
  }
}

type ShardResult = Awaited<ReturnType<typeof partShards>>[number];

/**
 * On paper, from the measured CPU split: every aggregator on a machine of its
 * own (one core: Node runs the ingest path on one thread) and the gateway on
 * cores of its own. Points per second the N shards could take = 1 / (the
 * busiest aggregator's CPU-seconds per point of the whole stream); gateway
 * cores needed at that rate = rate x its CPU-seconds per point.
 */
function onPaper(one: ShardResult, three: ShardResult) {
  const capacity = (s: ShardResult): number => {
    const busiest = Math.max(...s.aggregatorCpuSeconds);
    return busiest > 0 ? round1(s.points / busiest) : 0;
  };
  const gatewayPerPoint = (s: ShardResult): number => (s.points > 0 ? s.gatewayCpuSeconds / s.points : 0);
  const oneCap = capacity(one);
  const threeCap = capacity(three);
  const totalShares = three.aggregatorAcceptedPoints.reduce((a, b) => a + b, 0);
  return {
    oneShardPointsPerSecond: oneCap,
    threeShardsPointsPerSecond: threeCap,
    speedup: oneCap > 0 ? fixed(threeCap / oneCap, 2) : null,
    busiestShardShare: totalShares > 0 ? fixed(Math.max(...three.aggregatorAcceptedPoints) / totalShares) : null,
    gatewayCpuMicrosecondsPerPoint: { oneShard: fixed(gatewayPerPoint(one) * 1e6, 2), threeShards: fixed(gatewayPerPoint(three) * 1e6, 2) },
    gatewayCoresAtThreeShardsRate: fixed(threeCap * gatewayPerPoint(three), 2),
    loadGeneratorCoresAtThreeShardsRate: three.points > 0 ? fixed((threeCap * three.loadGeneratorCpuSeconds) / three.points, 2) : null,
    assumptions:
      'each aggregator alone on a machine with one core for it (its ingest path is one Node thread); CPU per point as measured here, where all servers shared core 0; ' +
      'network cost between machines not included; the gateway scales with its cores (Go) and is not the limit if it has the cores named here.',
  };
}

// ---------------------------------------------------------------------------
// The run.

function lastIngestRatio(): { ratioIngestVsDecode: number | null; date: string | null } {
  try {
    const r = JSON.parse(readFileSync(join(RESULTS, 'aggregator.json'), 'utf8')) as { ratioIngestVsDecode?: number; date?: string };
    return { ratioIngestVsDecode: r.ratioIngestVsDecode ?? null, date: r.date ?? null };
  } catch {
    return { ratioIngestVsDecode: null, date: null };
  }
}

/** Runs the benchmark; returns the report written to `o.out`. */
export async function run(o: CollectorBenchOptions): Promise<Record<string, unknown>> {
  const started = new Date();
  const load0 = loadavg();
  // Before this process pins itself: afterwards availableParallelism() counts the one core it may use.
  const cpuCount = availableParallelism();
  const notes: string[] = o.quick ? ['--quick: too few requests and rounds to quote; a smoke test of the benchmark'] : [];
  const book = new Bookkeeping();
  const cleanup = (signal: NodeJS.Signals): void => {
    log(`collector bench: ${signal}, stopping every child`);
    void book.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  try {
    const canPin = cpuCount >= 2 && pinSelf(LOAD_CORE);
    const core = canPin ? SERVER_CORE : null;
    if (!canPin) notes.push('could not pin (needs taskset and 2 CPUs): servers and load generator shared every core');
    const collector = collectorBinary();
    const payload = await buildIngestPayload();
    log(`collector bench: ${collector.version}; payload ${payload.body.length} bytes, ${payload.points} data points (${payload.histogramPoints} histogram) per request, ${payload.models} models`);
    const decodeOnly = decodeOnlyRate(payload);
    const t0 = performance.now();
    budgetEnds = t0 + o.budgetSeconds * 1000;
    cutShort.length = 0;
    const part1 = o.parts.includes(1) ? await partPassThrough(book, collector.path, o, payload, core) : null;
    const part2 = o.parts.includes(2) ? await partAgent(book, collector.path, o, payload, core) : null;
    const part3 = o.parts.includes(3) ? await partShards(book, collector.path, o, payload, core) : null;
    const seconds = (performance.now() - t0) / 1000;

    const ratio = part1?.ratioAggregatorVsCollector ?? null;
    const last = lastIngestRatio();
    const ratioIngestVsDecode = part1 === null ? null : fixed(part1.aggregator.histogramPointsPerCpuSecondMedian / decodeOnly);
    const paper = part3 !== null && part3[0] !== undefined && part3[1] !== undefined ? onPaper(part3[0], part3[1]) : null;
    notes.push(...cutShort, ...explain(part1, part2, part3, paper));
    const report = {
      benchmark: 'modelwatch aggregator vs OpenTelemetry Collector',
      date: started.toISOString(),
      node: process.version,
      machine: {
        cpus: cpuCount,
        cpuModel: cpus()[0]?.model ?? null,
        loadAverage1mAtStart: fixed(load0[0] ?? 0, 2),
        loadAverage1mAtEnd: fixed(loadavg()[0] ?? 0, 2),
        /** 1, 5 and 15 minutes. */
        loadAverageAtStart: load0.map((x) => fixed(x, 2)),
        loadAverageAtEnd: loadavg().map((x) => fixed(x, 2)),
      },
      collector: { version: collector.version, binary: collector.path },
      setup: {
        serverCore: core === null ? 'unpinned' : `cpu ${SERVER_CORE} (taskset), every server process`,
        loadGeneratorCore: core === null ? 'unpinned' : `cpu ${LOAD_CORE} (taskset)`,
        ...o,
        out: undefined,
        transport: 'OTLP/HTTP protobuf on loopback keep-alive connections into the first server; OTLP/gRPC from a Collector to aggregators',
        cpuSource: `/proc/<pid>/stat utime + stime (CLK_TCK ${CLK_TCK}), all threads of the process`,
        seconds: fixed(seconds, 1),
      },
      payload: { models: payload.models, features: payload.features, points: payload.points, histogramPoints: payload.histogramPoints, meanBuckets: fixed(payload.meanBuckets, 1), protobufBytes: payload.body.length },
      ratioAggregatorVsCollector: ratio,
      ratioIngestVsDecode,
      decodeOnlySamePayloadPointsPerSecond: decodeOnly,
      ratioIngestVsDecodeLastIngestBench: last.ratioIngestVsDecode,
      passThrough: part1,
      endToEnd: part2,
      sharding: part3 === null ? null : { runs: part3, onPaper: paper },
      goals: { ratioAggregatorVsCollector: { goal: '>= 1.0', value: ratio, met: ratio === null ? null : ratio >= 1 } },
      notes,
    };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(table(report, part1, part2, part3, paper, last));
    console.log(`\nwrote ${o.out} (${seconds.toFixed(0)} s of measurement)`);
    return report;
  } finally {
    process.off('SIGINT', cleanup);
    process.off('SIGTERM', cleanup);
    await book.close();
  }
}

type Part1 = Awaited<ReturnType<typeof partPassThrough>> | null;
type Part2 = Awaited<ReturnType<typeof partAgent>> | null;
type Paper = ReturnType<typeof onPaper> | null;

/** The notes: how to read the figures, from the figures. */
function explain(p1: Part1, p2: Part2, p3: ShardResult[] | null, paper: Paper): string[] {
  const out: string[] = [];
  if (p1 !== null) {
    out.push(
      'ratioAggregatorVsCollector compares unequal work on purpose: the aggregator decodes, routes and merges every point into per-model windows and answers only ' +
        'after an fsync\'d append to its ingest log; the Collector (otlp -> batch -> nop) decodes into pdata, batches and drops, and answers before anything is exported. ' +
        'The Collector is given its cheapest setup (its own telemetry off); the aggregator runs as shipped.',
    );
    out.push('Both servers of part 1 run side by side on core 0; the one not driven idles there (its CPU is not counted, nor is it much).');
    const bad = p1.aggregator.non200 + p1.collector.non200 + p1.aggregator.timedOutRounds + p1.collector.timedOutRounds;
    if (bad > 0) out.push(`part 1: ${p1.aggregator.non200 + p1.collector.non200} non-200 answers and ${p1.aggregator.timedOutRounds + p1.collector.timedOutRounds} rounds stopped by their time bound`);
  }
  if (p2 !== null) {
    out.push(
      'endToEnd: a round through the agent ends when the agent\'s modelwatch exporter has had every point acknowledged by the aggregator ' +
        '(otelcol_exporter_sent_metric_points), so it includes the batch processor\'s wait (timeout 1 s) and the agent\'s fsync\'d queue; ' +
        'per CPU-second counts the agent and the aggregator (all on core 0); the direct path counts the aggregator only.',
    );
  }
  if (p3 !== null && paper !== null) {
    const [one, three] = p3;
    if (one !== undefined && three !== undefined) {
      const share = (s: ShardResult, cpu: number): string => `${((100 * cpu) / Object.values(s.cpuSeconds).reduce((a, b) => a + b, 0)).toFixed(0)}%`;
      out.push(
        `sharding here: every server shares one core (cpu ${SERVER_CORE}), so 3 shards cannot add capacity: that core does the work of every process either way, ` +
          `and 3 shards add the gateway's fan-out to 3 connections and 2 more processes' fixed costs. ` +
          `Measured: 1 shard ${one.pointsPerSecondMedian} points/s, 3 shards ${three.pointsPerSecondMedian} points/s (medians of the rounds; x${fixed(three.pointsPerSecondMedian / one.pointsPerSecondMedian, 2)}, ` +
          `where a few percent either way is the noise of the rounds). ` +
          `CPU split with 3 shards: gateway ${share(three, three.gatewayCpuSeconds)}, aggregators ${three.aggregatorCpuSeconds.map((c) => share(three, c)).join(' / ')} ` +
          `(models ${three.aggregatorModels.join(' / ')}, points ${three.aggregatorAcceptedPoints.join(' / ')}).`,
      );
      const direct = p2?.direct.cpuMicrosecondsPerPoint['aggregator-e2e'];
      out.push(
        `Behind the gateway one aggregator spent ${one.aggregatorCpuMicrosecondsPerOwnPoint[0]} CPU-µs per point` +
          (direct === undefined ? '' : ` (${direct} when the load generator sends it OTLP/HTTP directly, part 2)`) +
          `, the gateway ${paper.gatewayCpuMicrosecondsPerPoint.oneShard}: the gateway, not the aggregators, is where a sharded deployment spends most of its CPU.`,
      );
      out.push(
        `On paper, one aggregator per machine: 1 shard takes ${paper.oneShardPointsPerSecond} points/s, 3 shards ${paper.threeShardsPointsPerSecond} points/s ` +
          `(x${paper.speedup}; the busiest shard has ${paper.busiestShardShare === null ? '?' : (paper.busiestShardShare * 100).toFixed(0)}% of the points where 33% would be even, and it sets the limit), ` +
          `with the gateway needing ${paper.gatewayCoresAtThreeShardsRate} cores at that rate (${paper.gatewayCpuMicrosecondsPerPoint.threeShards} CPU-µs per point). Assumptions: ${paper.assumptions}`,
      );
    }
  }
  return out;
}

function table(report: Record<string, unknown>, p1: Part1, p2: Part2, p3: ShardResult[] | null, paper: Paper, last: { ratioIngestVsDecode: number | null; date: string | null }): string {
  const rows: string[][] = [];
  const row = (k: string, v: unknown, extra = ''): void => void rows.push([k, v === null || v === undefined ? '-' : String(v), extra]);
  const machine = report.machine as { loadAverage1mAtStart: number; loadAverage1mAtEnd: number };
  row('load average (1m) start / end', `${machine.loadAverage1mAtStart} / ${machine.loadAverage1mAtEnd}`);
  if (p1 !== null) {
    row('1. aggregator points/CPU-s (median)', p1.aggregator.pointsPerCpuSecondMedian, `rounds ${p1.aggregator.roundsPointsPerCpuSecond.join(' ')}`);
    row('1. Collector pass-through points/CPU-s', p1.collector.pointsPerCpuSecondMedian, `rounds ${p1.collector.roundsPointsPerCpuSecond.join(' ')}`);
    row('1. ratioAggregatorVsCollector', p1.ratioAggregatorVsCollector, `goal >= 1.0 ${p1.ratioAggregatorVsCollector >= 1 ? 'met' : 'NOT met'}; rounds ${p1.ratioAggregatorVsCollectorRounds.join(' ')}`);
    row('1. aggregator points/s (wall)', p1.aggregator.pointsPerSecondMedian, `rounds ${p1.aggregator.roundsPointsPerSecond.join(' ')}`);
    row('1. Collector points/s (wall)', p1.collector.pointsPerSecondMedian, `rounds ${p1.collector.roundsPointsPerSecond.join(' ')}`);
    row('1. ratio, wall clock', p1.ratioWallClock);
    row('ratioIngestVsDecode (this run, info)', report.ratioIngestVsDecode, `aggregator histogram points/CPU-s ÷ decode-only ${String(report.decodeOnlySamePayloadPointsPerSecond)}`);
  }
  row('ratioIngestVsDecode (last ingest bench)', last.ratioIngestVsDecode, `bench/results/aggregator.json ${last.date ?? ''}`);
  if (p2 !== null) {
    row('2. direct points/s (wall)', p2.direct.pointsPerSecondMedian, `per CPU-s ${p2.direct.pointsPerCpuSecondMedian}`);
    row('2. through agent points/s (wall)', p2.viaAgent.pointsPerSecondMedian, `per CPU-s ${p2.viaAgent.pointsPerCpuSecondMedian} (agent ${p2.viaAgent.cpuMicrosecondsPerPoint.agent} + aggregator ${p2.viaAgent.cpuMicrosecondsPerPoint['aggregator-e2e']} CPU-µs/point)`);
    row('2. through agent / direct', p2.ratioViaAgentVsDirectWallClock, `per CPU-s ${p2.ratioViaAgentVsDirectPerCpuSecond}`);
  }
  for (const s of p3 ?? []) {
    const name = `${s.shards} shard${s.shards === 1 ? '' : 's'}`;
    row(`3. ${name} points/s (wall)`, s.pointsPerSecondMedian, `per CPU-s ${s.pointsPerCpuSecondMedian}; rounds ${s.roundsPointsPerSecond.join(' ')}`);
    row(`3. ${name} CPU-s`, `gateway ${s.gatewayCpuSeconds}`, `aggregators ${s.aggregatorCpuSeconds.join(' / ')}; load generator ${s.loadGeneratorCpuSeconds}; models ${s.aggregatorModels.join('/')}`);
  }
  if (paper !== null) row('3. on paper, 1 vs 3 machines', `${paper.oneShardPointsPerSecond} vs ${paper.threeShardsPointsPerSecond}`, `x${paper.speedup}; gateway cores ${paper.gatewayCoresAtThreeShardsRate}`);
  const w = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `${(r[0] ?? '').padEnd(w[0] ?? 0)}  ${(r[1] ?? '').padEnd(w[1] ?? 0)}  ${r[2] ?? ''}`).join('\n');
}

const HELP = `Usage: node --import tsx packages/aggregator/bench/collector.bench.ts [options]

  --quick               ${QUICK.rounds} rounds of ${QUICK.requests}/${QUICK.e2eRequests}/${QUICK.shardRequests} requests: checks that it runs, not for quoting
  --rounds N            alternating rounds per part (default ${FULL.rounds})
  --requests N          requests per side per round, part 1 (default ${FULL.requests})
  --e2e-requests N      requests per side per round, part 2 (default ${FULL.e2eRequests})
  --shard-requests N    requests per setup per round, part 3 (default ${FULL.shardRequests})
  --warmup N            warm-up requests per server (default ${FULL.warmupRequests})
  --connections N       requests in flight (default ${FULL.connections})
  --round-timeout S     upper bound of one round in seconds (default ${FULL.roundTimeoutSeconds})
  --budget S            past S seconds of measurement, each part stops after its current round (default ${FULL.budgetSeconds})
  --parts 1,2,3         parts to run (default all)
  --out FILE            JSON output (default bench/results/collector.json)
  --agent-config FILE   merged over agent.yaml in part 2 (repeatable), e.g. to see what a setting costs
  --gateway-config FILE merged over gateway.yaml in part 3 (repeatable)
`;

/** Options from argv: --quick first, then each explicit flag over it. */
export function parseOptions(argv: string[]): CollectorBenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      requests: { type: 'string' },
      'e2e-requests': { type: 'string' },
      'shard-requests': { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'round-timeout': { type: 'string' },
      budget: { type: 'string' },
      parts: { type: 'string' },
      out: { type: 'string' },
      'agent-config': { type: 'string', multiple: true },
      'gateway-config': { type: 'string', multiple: true },
    },
  });
  if (values.help) return 'help';
  const o: CollectorBenchOptions = { ...FULL, ...(values.quick ? QUICK : {}) };
  const int = (flag: string, v: string | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  o.rounds = int('rounds', values.rounds, 1, 50) ?? o.rounds;
  o.requests = int('requests', values.requests, 1, 100_000) ?? o.requests;
  o.e2eRequests = int('e2e-requests', values['e2e-requests'], 1, 100_000) ?? o.e2eRequests;
  o.shardRequests = int('shard-requests', values['shard-requests'], 1, 100_000) ?? o.shardRequests;
  o.warmupRequests = int('warmup', values.warmup, 0, 10_000) ?? o.warmupRequests;
  o.connections = int('connections', values.connections, 1, 256) ?? o.connections;
  o.roundTimeoutSeconds = int('round-timeout', values['round-timeout'], 1, 600) ?? o.roundTimeoutSeconds;
  o.budgetSeconds = int('budget', values.budget, 1, 7200) ?? o.budgetSeconds;
  if (values.parts !== undefined) {
    const parts = values.parts.split(',').map((p) => Number(p.trim()));
    if (parts.length === 0 || parts.some((p) => ![1, 2, 3].includes(p))) throw new Error(`--parts: expected a list of 1, 2, 3, got ${JSON.stringify(values.parts)}`);
    o.parts = parts;
  }
  if (values.out !== undefined) o.out = values.out;
  o.agentOverlays = values['agent-config'] ?? [];
  o.gatewayOverlays = values['gateway-config'] ?? [];
  return o;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = parseOptions(process.argv.slice(2));
  if (o === 'help') {
    console.log(HELP);
  } else {
    await run(o).catch((err: unknown) => {
      log(`collector bench failed: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    });
  }
}
