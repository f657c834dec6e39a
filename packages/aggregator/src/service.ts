/**
 * The running aggregator: wires the store, the engine, the OTLP receivers,
 * the HTTP API and the aggregator's own telemetry, and drives evaluation.
 * All I/O and the clock live here; the engine stays pure.
 */
import type { AggregatorConfig } from './config/schema.js';
import { toEngineConfig } from './config/engine-config.js';
import { openStore, StoreBusyError, type Store } from './store/database.js';
import { DiskSpaceGuard } from './store/disk-space.js';
import { StoreHealth } from './store/health.js';
import { IngestLog } from './store/ingest-log.js';
import { lockDataDir } from './store/lock.js';
import { decodeCheckpoint, encodeCheckpoint } from './store/checkpoint-format.js';
import {
  Engine,
  parseBaseline,
  type EngineSnapshot,
  type IngestObserver,
  type IngestResult,
  type OutputSignal,
  type SnapshotSection,
} from './engine/index.js';
import { ResourceTracker, resourceSignals } from './resources/index.js';
import {
  createGrpcReceiver,
  createHttpReceiver,
  decodeLogsJson,
  decodeLogsRequest,
  decodeMetricsJson,
  DeltaConverter,
  DeltaRejections,
  metricsPoints,
  OverloadedError,
  scanMetricsRequest,
  type LogsRequest,
  type MetricsPoints,
  type OtlpSink,
  type SinkResult,
} from './receiver/index.js';
import { startHttpServer, type ApiBackend } from './http/server.js';
import { loadDashboardAssets } from './dashboard/assets.js';
import { createTelemetry } from './export/telemetry.js';
import { createAlertStage } from './alerts/from-config.js';
import { createHistoryStage, type HistoryStage } from './history/stage.js';
import { createAdmissionStage } from './admission/stage.js';
import { labelShares } from './history/label-shares.js';
import { openForwarding } from './forward/stage.js';
import type { SignalHistorySnapshot } from './history/history.js';

/** Where the started service listens. */
export interface ServiceAddresses {
  otlpHttp: string;
  otlpGrpc: string | null;
  http: string;
  dataDir: string;
}

/** A started aggregator. */
export interface RunningService {
  readonly addresses: ServiceAddresses;
  /**
   * Runs one evaluation tick now (after the one running, if any), as the
   * timer does: it ends with a checkpoint when one is due
   * (`storage.checkpointInterval`, `storage.checkpointLogBytes`), or always
   * with `checkpoint: 'always'`. Resolves once that checkpoint has committed.
   */
  evaluate(options?: { checkpoint?: 'due' | 'always' }): Promise<void>;
  /** Stops receiving, evaluates and persists once more, and closes everything. */
  close(): Promise<void>;
}

/** Options of {@link startService}. */
export interface ServiceOptions {
  env?: Record<string, string | undefined>;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Where diagnostics go. @default nothing */
  log?: (message: string) => void;
  /**
   * Called once when the store fails (a commit or checkpoint): the service then
   * refuses all data (503) and keeps no further checkpoint, since the engine
   * may hold data that is not in the log. Restarting rebuilds the state from
   * the last checkpoint and the log. The CLI exits non-zero.
   */
  onFatal?: (err: Error) => void;
  /**
   * Longest stretch of a tick's work (evaluation, the checkpoint's snapshot)
   * in one event-loop turn, in ms; 0 yields after every model (tests use it
   * to make requests arrive in the middle of a tick).
   * @default 10
   */
  tickSliceMs?: number;
}

/**
 * Default longest stretch of a tick's work in one event-loop turn, in ms: the
 * evaluation and the checkpoint's snapshot are stepped model by model and
 * yield to waiting requests after this long. The ingest benchmark's requests
 * take ~10 ms, so 10 ms of tick work adds about one request's time to the
 * latency of those that arrive meanwhile.
 */
const DEFAULT_SLICE_MS = 10;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a checkpoint holds: everything needed to resume exactly. */
interface CheckpointState {
  engine: unknown;
  delta?: string;
  /** The signal history; absent from checkpoints of older versions (the history then starts empty). */
  history?: SignalHistorySnapshot;
}

/**
 * Streams the points of one metrics request through the cumulative-to-delta
 * converter into the engine, received at `t` (ms): the ingest path of live
 * requests and of replay after a restart alike. No decoded tree is built.
 * `observer` (the resources stage) sees the points the engine does not consume.
 */
export function ingestStreamed(
  engine: Engine,
  delta: DeltaConverter,
  req: MetricsPoints,
  t: number,
  observer?: IngestObserver,
): { result: IngestResult; deltaRejections: DeltaRejections } {
  delta.expire(t);
  const deltaRejections = new DeltaRejections();
  const result = engine.ingestPoints((sink) => {
    req.forEachPoint((resource, scope, metric, point) => {
      const d = delta.convertPoint(resource, scope, metric, point, t, deltaRejections);
      if (d !== undefined) sink(resource.attributes, scope.attributes, metric, d);
    });
  }, t, observer);
  return { result, deltaRejections };
}

/** Starts the aggregator on the given configuration. */
export async function startService(config: AggregatorConfig, options: ServiceOptions = {}): Promise<RunningService> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const sliceMs = options.tickSliceMs ?? DEFAULT_SLICE_MS;
  const env = options.env ?? {};
  const engineCfg = toEngineConfig(config);
  // Model settings are checked here, before the data directory is touched.
  let engine = new Engine(engineCfg);
  const unlock = lockDataDir(config.dataDir);
  let store: Store;
  try {
    store = openStore(config.dataDir, { synchronous: config.storage.synchronous });
  } catch (err) {
    unlock();
    throw err;
  }
  const closers: Array<() => Promise<void> | void> = [() => (store.close(), unlock())];
  try {
    // Processor mode (src/forward/): the log is also its sending queue, so it keeps what is not yet forwarded.
    const forwarding = openForwarding(config);
    const ingestLog = new IngestLog(store, { maxBatchDelayMs: config.storage.maxBatchDelay, ...(forwarding ? { retainAfter: forwarding.retainAfter } : {}) });
    closers.push(() => ingestLog.close());
    // Faults of the store that are worked around, not fatal: low disk space, a locked database (store/health.ts).
    const storeHealth = new StoreHealth({ disk: new DiskSpaceGuard({ dir: config.dataDir, minFreeBytes: config.storage.minFreeSpace, written: () => ingestLog.appendedBytes }), log });
    ingestLog.startCheckpointWriter();
    const checkpoint = ingestLog.lastCheckpoint();
    let delta: DeltaConverter;
    let history: HistoryStage;
    try {
      const decoded = checkpoint ? (typeof checkpoint.snapshotJson === 'string' ? { value: JSON.parse(checkpoint.snapshotJson), sections: [] } : decodeCheckpoint(checkpoint.snapshotJson)) : undefined;
      const state = decoded?.value as CheckpointState | undefined;
      if (state) engine = Engine.restore(engineCfg, state.engine as Parameters<typeof Engine.restore>[1], decoded?.sections);
      delta = state?.delta !== undefined ? DeltaConverter.restore(state.delta) : new DeltaConverter();
      history = createHistoryStage(config, state?.history, decoded?.sections ?? []);
    } catch (err) {
      throw new Error(`cannot restore the state in ${store.path}: ${(err as Error).message}`, { cause: err });
    }

    const counters = { metrics: { accepted: 0, rejected: 0 }, logs: { accepted: 0, rejected: 0 } };
    // Runtime and host metrics per service instance: latest values only, rebuilt by replay, not checkpointed.
    const resources = new ResourceTracker();
    // Live ingestion and replay after a restart run this same code, with the same `now`.
    const ingestMetrics = (req: MetricsPoints, t: number): SinkResult => {
      // Streamed: each point goes from the request bytes through the delta
      // converter into the engine's windows; no decoded tree is built.
      const { result: r, deltaRejections } = ingestStreamed(engine, delta, req, t, resources);
      const rejected = r.rejectedDataPoints + deltaRejections.count;
      counters.metrics.accepted += r.acceptedDataPoints;
      counters.metrics.rejected += rejected;
      const messages = [...deltaRejections.messages(), ...r.errors];
      return rejected > 0 || messages.length > 0 ? { rejected, errorMessage: messages.join('; ') } : { rejected: 0 };
    };
    const ingestLogs = (req: LogsRequest, t: number): SinkResult => {
      const r = engine.ingestLogs(req, t);
      counters.logs.accepted += r.acceptedLogRecords;
      counters.logs.rejected += r.rejectedLogRecords;
      return r.rejectedLogRecords > 0 ? { rejected: r.rejectedLogRecords, errorMessage: r.errors.join('; ') } : { rejected: 0 };
    };

    let replayed = 0;
    let replayedBytes = 0;
    for (const row of ingestLog.replay(checkpoint?.seq ?? 0)) {
      replayedBytes += row.payload.byteLength;
      try {
        if (row.kind === 'metrics') {
          ingestMetrics(row.encoding === 'json' ? metricsPoints(decodeMetricsJson(row.payload)) : scanMetricsRequest(row.payload), row.receivedAt);
        } else {
          ingestLogs(row.encoding === 'json' ? decodeLogsJson(row.payload) : decodeLogsRequest(row.payload), row.receivedAt);
        }
        replayed++;
      } catch (err) {
        // Only bodies that decoded are logged, so this means damage on disk: say so and go on.
        log(`cannot replay logged request ${row.seq}: ${(err as Error).message}`);
      }
    }
    if (checkpoint !== undefined || replayed > 0) {
      log(`restored state from ${store.path} (checkpoint ${checkpoint?.seq ?? 0}, ${replayed} requests replayed)`);
    }

    // After a store failure the engine may hold data the log lacks: fail-stop.
    let failed: Error | null = null;
    const fail = (err: unknown): Error => {
      const e = err instanceof Error ? err : new Error(String(err));
      if (failed === null) {
        failed = e;
        log(`store failure, refusing data until restarted: ${e.message}`);
        options.onFatal?.(e);
      }
      return e;
    };
    const refuseIfFailed = (signal: 'metrics' | 'logs'): void => {
      if (failed !== null) {
        throw new OverloadedError(`the aggregator's store failed (${failed.message}); it must be restarted`, { kind: 'unavailable', retryAfterMs: 5000 });
      }
      const why = storeHealth.refusal(signal);
      if (why !== undefined) throw new OverloadedError(why, { kind: 'unavailable', retryAfterMs: 5000 });
      forward?.admit(signal);
    };

    // When the last checkpoint started, and the log's appended bytes then. The
    // replayed requests are in the log too: they count towards the next one.
    let lastCheckpoint = { at: now(), appendedBytes: -replayedBytes };
    /** Whether a tick should end with a checkpoint (storage.checkpointInterval, storage.checkpointLogBytes). */
    const checkpointDue = (): boolean =>
      now() - lastCheckpoint.at >= config.storage.checkpointInterval || ingestLog.appendedBytes - lastCheckpoint.appendedBytes >= config.storage.checkpointLogBytes;

    // Checkpoints run one at a time, in the order asked for: each takes its
    // snapshot when it starts, so an older one can never overwrite a newer one.
    let checkpoints: Promise<void> = Promise.resolve();
    const checkpointOnce = async (): Promise<void> => {
      if (failed !== null) return;
      const uptoSeq = ingestLog.lastSeq;
      lastCheckpoint = { at: now(), appendedBytes: ingestLog.appendedBytes };
      try {
        await ingestLog.writeCheckpoint(uptoSeq, now(), async () => {
          // Still the turn uptoSeq was read in: the snapshot starts here, so it holds exactly the
          // requests up to uptoSeq. The converter's state is small and copied at once; the engine
          // copies a model per step, in slices, and copies a model first when a request or the
          // API is about to change it, so requests are served between the slices.
          const sections: SnapshotSection[] = [];
          const steps = engine.beginSnapshot(sections);
          const deltaState = delta.snapshot();
          const historyState = history.snapshot(sections);
          let snapshot: EngineSnapshot | undefined;
          try {
            for (;;) {
              const start = performance.now();
              do snapshot = steps.step();
              while (snapshot === undefined && performance.now() - start < sliceMs);
              if (snapshot !== undefined) break;
              await nextTurn();
            }
          } finally {
            // After a failure too: the engine must not go on copying for a snapshot nobody takes.
            steps.cancel();
          }
          // Encoding in a turn of its own: requests are served between the two.
          await nextTurn();
          return encodeCheckpoint({ engine: snapshot, delta: deltaState, history: historyState } satisfies CheckpointState, sections);
        });
        storeHealth.checkpointCommitted();
      } catch (err) {
        // A locked database only defers the checkpoint: the log still holds every request.
        throw storeHealth.checkpointFailed(err) ? err : fail(err);
      }
    };
    /** Checkpoints the state as it is now; resolves once committed (rejects after a store failure). */
    const persist = (): Promise<void> => {
      const p = checkpoints.then(checkpointOnce);
      checkpoints = p.catch(() => undefined);
      return p;
    };

    // Ingest, then append in the same turn (log order == ingest order), answer after the commit.
    const durable = async (kind: 'metrics' | 'logs', body: Uint8Array, encoding: 'protobuf' | 'json', t: number, result: SinkResult): Promise<SinkResult> => {
      if (!config.storage.ingestLog) return result;
      try {
        await ingestLog.append(kind, body, t, encoding);
      } catch (err) {
        fail(err);
        throw new OverloadedError(`cannot store the request durably: ${(err as Error).message}`, { kind: 'unavailable', cause: err });
      }
      return result;
    };
    const admission = createAdmissionStage({ maxResidentMemory: config.limits.maxResidentMemory, log });
    closers.push(() => admission.shutdown());
    const forward = forwarding?.start({ ingestLog, countRefusal: admission.countRefusal, log });
    if (forward) closers.push(() => forward.close());
    const sink: OtlpSink = admission.guard({
      consumeMetrics(req, ctx) {
        refuseIfFailed('metrics');
        const t = now();
        return durable('metrics', ctx.body, ctx.encoding, t, ingestMetrics(req, t));
      },
      consumeLogs(req, ctx) {
        refuseIfFailed('logs');
        const t = now();
        return durable('logs', ctx.body, ctx.encoding, t, ingestLogs(req, t));
      },
    });

    let ready = false;
    let apiUrl = '';
    const alerts = createAlertStage(config, store, () => apiUrl, log);
    closers.push(() => alerts.close());
    const signals = (): OutputSignal[] => [
      ...engine.outputs(),
      { name: 'ml.aggregator.accepted', value: counters.metrics.accepted, attributes: { 'ml.signal': 'metrics' } },
      { name: 'ml.aggregator.accepted', value: counters.logs.accepted, attributes: { 'ml.signal': 'logs' } },
      { name: 'ml.aggregator.rejected', value: counters.metrics.rejected, attributes: { 'ml.signal': 'metrics', 'ml.rejection.reason': 'refused' } },
      { name: 'ml.aggregator.rejected', value: counters.logs.rejected, attributes: { 'ml.signal': 'logs', 'ml.rejection.reason': 'refused' } },
    ];
    const telemetry = createTelemetry({
      signals: () => [...signals(), ...alerts.outputs(), ...admission.outputs(), ...storeHealth.outputs(), ...(forward?.outputs() ?? [])],
      env,
      log,
      ...(forward ? { push: forward.ownSignals } : {}),
    });
    closers.push(() => telemetry.shutdown());

    const backend: ApiBackend = {
      listModels: () => engine.listModels(),
      hasModel: (name) => engine.modelStatus(name) !== undefined,
      modelStatus: (name) => engine.modelStatus(name),
      driftReport: (name) => engine.driftReport(name),
      qualityReport: (name) => engine.quality(name),
      featureDistributions: (name, feature) => engine.featureDistributions(name, feature),
      alerts: (model) => alerts.view(model),
      resources: (name) => resources.view(name, now()),
      predictionDistributions: (name) => engine.predictionDistributions(name),
      history: (name, signal, sinceMs) => history.view(name, signal, sinceMs, now()),
      readiness: () => ({ alerting: alerts.receivers(), memory: admission.readiness(), store: storeHealth.readiness(), otlpPush: telemetry.pushStatus(), forward: forward?.readiness() ?? null }),
      setBaseline: (name, body) => {
        const baseline = parseBaseline(body);
        engine.setBaseline(name, baseline);
        store.putBaseline(name, baseline.modelVersion, JSON.stringify(baseline), now());
        return persist();
      },
      resetBaseline: (name) => {
        engine.resetBaseline(name);
        return persist();
      },
    };

    const auth = config.server.otlpAuthToken ?? config.server.authToken;
    const apiAuth = config.server.apiAuthToken ?? config.server.authToken;
    const otlpHttp = await createHttpReceiver({
      host: config.server.otlpHttp.host,
      port: config.server.otlpHttp.port,
      sink,
      maxBodyBytes: config.limits.maxBodyBytes,
      maxInFlightRequests: config.limits.maxInFlightRequests,
      onRefused: admission.countRefusal,
      ...(auth !== undefined ? { authToken: auth } : {}),
      ...(config.server.tls ? { tls: config.server.tls } : {}),
    });
    closers.push(() => otlpHttp.close());
    let grpcUrl: string | null = null;
    if (config.server.otlpGrpc !== false) {
      const grpc = await createGrpcReceiver({
        host: config.server.otlpGrpc.host,
        port: config.server.otlpGrpc.port,
        sink,
        maxBodyBytes: config.limits.maxBodyBytes,
        maxInFlightRequests: config.limits.maxInFlightRequests,
        onRefused: admission.countRefusal,
        ...(auth !== undefined ? { authToken: auth } : {}),
        ...(config.server.tls ? { tls: config.server.tls } : {}),
      });
      closers.push(() => grpc.close());
      grpcUrl = grpc.url;
    }
    const http = await startHttpServer({
      host: config.server.http.host,
      port: config.server.http.port,
      backend,
      metrics: (req, res) => telemetry.handleMetrics(req, res),
      ready: () => ready,
      dashboard: loadDashboardAssets(),
      ...(apiAuth !== undefined ? { authToken: apiAuth } : {}),
      ...(config.server.tls ? { tls: config.server.tls } : {}),
    });
    closers.push(() => http.close());
    apiUrl = http.url;

    // One tick at a time. The evaluation, then the checkpoint's snapshot, are
    // spread over turns of at most about sliceMs each: requests that arrive
    // meanwhile are served in between.
    let ticking: Promise<void> | null = null;
    const tick = (checkpoint: 'due' | 'always'): Promise<void> =>
      (ticking ??= (async () => {
        try {
          const steps = engine.evaluation(now());
          for (let done = false; !done; ) {
            const start = performance.now();
            do done = steps.next().done === true;
            while (!done && performance.now() - start < sliceMs);
            await nextTurn();
          }
          const evaluated = signals();
          alerts.evaluate(evaluated, now());
          history.record([...evaluated, ...alerts.outputs(), ...resourceSignals(resources, now()), ...labelShares(engine)], now());
          if (checkpoint === 'always' || checkpointDue()) await persist().catch((err: unknown) => { if (!(err instanceof StoreBusyError)) throw err; });
        } catch (err) {
          log(`evaluation failed: ${(err as Error).stack ?? String(err)}`);
        } finally {
          ticking = null;
        }
      })());
    // A tick already running may have evaluated some models before the latest data: run a new one after it.
    const evaluate = async (options: { checkpoint?: 'due' | 'always' } = {}): Promise<void> => {
      while (ticking !== null) await ticking;
      await tick(options.checkpoint ?? 'due');
    };
    const timer = setInterval(() => void tick('due'), config.evaluation.interval);
    timer.unref();
    ready = true;

    let closed = false;
    return {
      addresses: { otlpHttp: otlpHttp.url, otlpGrpc: grpcUrl, http: http.url, dataDir: config.dataDir },
      evaluate,
      async close() {
        if (closed) return;
        closed = true;
        ready = false;
        clearInterval(timer);
        // Receivers first, so nothing arrives after the last checkpoint; then the log, then the database.
        const [closeStore, closeLog, ...rest] = closers.splice(0);
        for (const c of rest.reverse()) await c();
        await evaluate({ checkpoint: 'always' });
        await closeLog?.();
        await closeStore?.();
      },
    };
  } catch (err) {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch {
        // already failing; the original error is what matters
      }
    }
    throw err;
  }
}
