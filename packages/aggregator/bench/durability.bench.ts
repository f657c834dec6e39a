// Durability benchmark: what the durable ingest log costs the ingest path.
// Each request does what the service's sink does (protobuf decode, delta
// conversion, engine ingestion); "durable" adds the ingest-log append and
// waits for its commit (group commit, synchronous NORMAL), "volatile" does
// not. 32 requests are in flight at once, as from concurrent exporters.
// Requests: SDK-encoded exports of 5 models x (20 feature exponential
// histograms + RED + predictions), ~135 points and ~35 kB each.
// Run alone: npx tsx packages/aggregator/bench/durability.bench.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPayload } from './decode-payload.js';
import { Engine, engineConfig } from '../src/engine/index.js';
import { DeltaConverter, decodeMetricsRequest } from '../src/receiver/index.js';
import { openStore, type OpenStoreOptions } from '../src/store/database.js';
import { IngestLog } from '../src/store/ingest-log.js';

const IN_FLIGHT = 32;
/** Each measurement runs this long (the engine's cost per request varies a lot with the machine). */
const MEASURE_MS = 2000;

/** Result of {@link run}. */
export interface DurabilityBenchResult {
  /** Requests per second through decode + ingest + durable append (synchronous NORMAL). */
  appendsPerSecond: number;
  /** The same without the ingest log. */
  appendsPerSecondVolatile: number;
  /** appendsPerSecond / appendsPerSecondVolatile (goal >= 0.8). */
  ratioDurableVsVolatile: number;
  /** Requests per second with synchronous FULL (an fsync per group commit). */
  appendsPerSecondFull: number;
  /** The ingest log alone (no decode or engine): appends per second, synchronous NORMAL. */
  logOnlyAppendsPerSecond: number;
  /** Mean requests per commit in the durable run. */
  requestsPerCommit: number;
  requestPoints: number;
  requestBytes: number;
}

type Mode = { kind: 'volatile' } | { kind: 'durable'; synchronous: NonNullable<OpenStoreOptions['synchronous']> } | { kind: 'log-only' };

async function measure(body: Uint8Array, mode: Mode): Promise<{ perSecond: number; requestsPerCommit: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mw-durability-bench-'));
  const store = mode.kind === 'volatile' ? undefined : openStore(dir, mode.kind === 'durable' ? { synchronous: mode.synchronous } : {});
  const log = store === undefined ? undefined : new IngestLog(store);
  const engine = new Engine(engineConfig({ discovery: { enabled: true, maxModels: 100 } }));
  const delta = new DeltaConverter();
  let done = 0;
  let deadline = 0;
  const one = async (): Promise<void> => {
    const t = Date.now();
    if (mode.kind !== 'log-only') {
      const converted = delta.convert(decodeMetricsRequest(body), t);
      engine.ingestMetrics(converted.request, t);
    }
    // The receiver awaits the sink whatever it returns; the volatile sink's answer is a resolved value.
    await (log === undefined ? undefined : log.append('metrics', body, t));
  };
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await one();
      done++;
    }
  };
  // Warm-up (JIT, engine model discovery), then the measured run.
  for (let i = 0; i < 30; i++) await one();
  const commitsBefore = log?.stats().commits ?? 0;
  const t0 = performance.now();
  deadline = t0 + MEASURE_MS;
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const commits = (log?.stats().commits ?? 0) - commitsBefore;
  await log?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
  return { perSecond: done / seconds, requestsPerCommit: commits === 0 ? 0 : done / commits };
}

/** Runs the benchmark (best of 2 runs of 2 s per mode, alternating, to damp noise on a shared machine). */
export async function run(): Promise<DurabilityBenchResult> {
  const payload = await buildPayload(5, 20, 200);
  let volatile = 0;
  let durable = 0;
  let full = 0;
  let logOnly = 0;
  let requestsPerCommit = 0;
  for (let round = 0; round < 2; round++) {
    volatile = Math.max(volatile, (await measure(payload.protobuf, { kind: 'volatile' })).perSecond);
    const d = await measure(payload.protobuf, { kind: 'durable', synchronous: 'NORMAL' });
    if (d.perSecond > durable) {
      durable = d.perSecond;
      requestsPerCommit = d.requestsPerCommit;
    }
    full = Math.max(full, (await measure(payload.protobuf, { kind: 'durable', synchronous: 'FULL' })).perSecond);
    logOnly = Math.max(logOnly, (await measure(payload.protobuf, { kind: 'log-only' })).perSecond);
  }
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    appendsPerSecond: Math.round(durable),
    appendsPerSecondVolatile: Math.round(volatile),
    ratioDurableVsVolatile: round2(durable / volatile),
    appendsPerSecondFull: Math.round(full),
    logOnlyAppendsPerSecond: Math.round(logOnly),
    requestsPerCommit: round2(requestsPerCommit),
    requestPoints: payload.points,
    requestBytes: payload.protobuf.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${JSON.stringify(await run(), null, 2)}\n`);
}
