// The aggregator under test for the ingest benchmark, run as its own process
// (the parent pins it to one core with taskset). It starts the real service
// (startService with a validated configuration: loopback, port 0, a temporary
// data directory) and talks to the parent over IPC:
//   parent -> child  { type: 'cpu' }   child -> parent { type: 'cpu', userMs, systemMs, rssBytes }
//   parent -> child  { type: 'stall' } child -> parent { type: 'stall', maxMs, ticks } (then both reset)
//   parent -> child  { type: 'tick' }  child runs one evaluation tick now (service.evaluate(): the
//                                      timer's own code path), so a short measurement meets a tick
//   parent -> child  { type: 'decode' } child -> parent { type: 'decode', pointsPerSecond }: the
//                                      decode-only rate of the benchmark's payload, measured in this
//                                      process on this core (the same heap and core as its ingest)
//   parent -> child  { type: 'stop' }  child closes the service and exits
// maxMs is the longest event-loop stall (perf_hooks.monitorEventLoopDelay, 1 ms
// resolution) since the last report; ticks counts the ticks asked for since then.
// The raw configuration comes as JSON in argv[2] (merged over the defaults
// below), so the parent can switch options such as durability. With argv[3]
// = 'receive-only' it starts only the service's OTLP/HTTP receiver, with a
// sink that walks the points and drops them (the floor of a served request);
// with 'merge-floor', the same receiver whose sink merges each exponential
// point into one flat array per stream (in-process.ts: the floor of any engine
// that merges every point, served). The ready message names the OTLP/HTTP and
// OTLP/gRPC addresses (gRPC: null for these two) and the API's (null for these two).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type * as ConfigModule from '../src/config/load.js';
import type * as ServiceModule from '../src/service.js';
import type * as ReceiverModule from '../src/receiver/index.js';
import type { AggregatorConfig } from '../src/config/schema.js';
import type { MetricsPoints } from '../src/receiver/otlp/types.js';
import { decodeOnlyRate } from './decode.bench.js';
import { mergeFloor } from './in-process.js';
import { buildIngestPayload } from './payload-ingest.js';

// MW_BENCH_AGGREGATOR_MODULES: a directory of compiled aggregator modules (e.g.
// `tsc -p tsconfig.build.json --outDir /tmp/agg`) to load instead of src/
// through tsx, so a --cpu-prof profile names real file:line positions.
const compiled = process.env.MW_BENCH_AGGREGATOR_MODULES;
const from = (rel: string): string => (compiled === undefined ? `../src/${rel}` : pathToFileURL(join(compiled, rel)).href);
const { validateConfig } = (await import(from('config/load.js'))) as typeof ConfigModule;
const { startService } = (await import(from('service.js'))) as typeof ServiceModule;
const { createHttpReceiver } = (await import(from('receiver/index.js'))) as typeof ReceiverModule;

type Message = { type: 'cpu' } | { type: 'stall' } | { type: 'tick' } | { type: 'decode' } | { type: 'stop' };

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && b !== null && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** argv[3] for the receive-only server: the aggregator's HTTP receiver with a sink that only decodes. */
const RECEIVE_ONLY = 'receive-only';
/** argv[3] for the merge-floor server: the same receiver whose sink merges each point the cheapest way (in-process.ts). */
const MERGE_FLOOR = 'merge-floor';

/**
 * The floor of a served request: the OTLP/HTTP receiver of `config` (body
 * limits and all) whose sink walks every point of the request and does
 * nothing else: no engine, no log. What the aggregator spends beyond this is
 * what its engine and store cost.
 */
async function receiveOnly(
  config: AggregatorConfig,
  consume: (req: MetricsPoints) => void = (req) => req.forEachPoint(() => {}),
): Promise<{ addresses: { otlpHttp: string; otlpGrpc: string | null }; evaluate(): Promise<void>; close(): Promise<void> }> {
  const receiver = await createHttpReceiver({
    host: config.server.otlpHttp.host,
    port: config.server.otlpHttp.port,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxInFlightRequests: config.limits.maxInFlightRequests,
    sink: {
      consumeMetrics(req) {
        consume(req);
        return { rejected: 0 };
      },
      consumeLogs() {
        return { rejected: 0 };
      },
    },
  });
  // No engine, so no evaluation tick.
  return { addresses: { otlpHttp: receiver.url, otlpGrpc: null }, evaluate: () => Promise.resolve(), close: () => receiver.close() };
}

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('ingest-server.ts must be started with an IPC channel');
  const dataDir = mkdtempSync(join(tmpdir(), 'mw-ingest-bench-'));
  const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  const raw = merge(
    {
      dataDir,
      // OTLP/gRPC too: the parent also drives the aggregator over gRPC, as a Collector's load_balancing exporter would.
      server: { otlpHttp: '127.0.0.1:0', otlpGrpc: '127.0.0.1:0', http: '127.0.0.1:0' },
      // The evaluation tick is part of a real aggregator's load; keep the default cadence.
      evaluation: { interval: '30s' },
    },
    overrides,
  );
  const config = validateConfig(raw, dataDir, 'ingest benchmark');
  const mode = process.argv[3];
  const service =
    mode === RECEIVE_ONLY
      ? await receiveOnly(config)
      : mode === MERGE_FLOOR
        ? await receiveOnly(config, mergeFloor())
        : await startService(config, { log: (m) => process.stderr.write(`[aggregator] ${m}\n`) });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let ticks = 0;
  process.on('message', (msg: Message) => {
    if (msg.type === 'stall') {
      send({ type: 'stall', maxMs: +(delay.max / 1e6).toFixed(1), ticks });
      delay.reset();
      ticks = 0;
    } else if (msg.type === 'tick') {
      ticks++;
      service.evaluate().catch((err: unknown) => process.stderr.write(`tick failed: ${String(err)}\n`));
    } else if (msg.type === 'decode') {
      // The same payload as the parent's (same generator and seed; only the timestamps differ).
      void buildIngestPayload().then((payload) => send({ type: 'decode', pointsPerSecond: decodeOnlyRate(payload) }));
    } else if (msg.type === 'cpu') {
      const u = process.cpuUsage();
      send({ type: 'cpu', userMs: u.user / 1000, systemMs: u.system / 1000, rssBytes: process.memoryUsage.rss() });
    } else if (msg.type === 'stop') {
      void service
        .close()
        .catch((err: unknown) => process.stderr.write(`close failed: ${String(err)}\n`))
        .finally(() => {
          rmSync(dataDir, { recursive: true, force: true });
          process.exit(0);
        });
    }
  });
  // If the parent dies, do not linger.
  process.on('disconnect', () => {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(1);
  });
  // http: the API (and /metrics) address of the full service; null for the receiver-only modes.
  const http = 'http' in service.addresses ? service.addresses.http : null;
  send({ type: 'ready', otlpHttp: service.addresses.otlpHttp, otlpGrpc: service.addresses.otlpGrpc, http, pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
