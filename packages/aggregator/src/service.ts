/**
 * The running aggregator: wires the store, the engine, the OTLP receivers,
 * the HTTP API and the aggregator's own telemetry, and drives evaluation.
 * All I/O and the clock live here; the engine stays pure.
 */
import type { AggregatorConfig } from './config/schema.js';
import { toEngineConfig } from './config/engine-config.js';
import { openStore, type Store } from './store/database.js';
import { DiskSpaceGuard } from './store/disk-space.js';
import { StoreHealth } from './store/health.js';
import { IngestLog } from './store/ingest-log.js';
import { lockDataDir } from './store/lock.js';
import { restoreCheckpointState, snapshotCheckpointState } from './store/checkpoint-state.js';
import { CheckpointSchedule } from './store/checkpoint-schedule.js';
import { FailStop } from './store/fail-stop.js';
import { replayIngestLog } from './store/replay.js';
import { Engine, parseBaseline, type OutputSignal } from './engine/index.js';
import { ResourceTracker } from './resources/index.js';
import { createGrpcReceiver, createHttpReceiver, OverloadedError, type OtlpSink, type SinkResult } from './receiver/index.js';
import { EngineIngest } from './receiver/engine-ingest.js';
import { startHttpServer, type ApiBackend } from './http/server.js';
import { readiness } from './http/readiness.js';
import { loadDashboardAssets } from './dashboard/assets.js';
import { createTelemetry } from './export/telemetry.js';
import { createAlertStage } from './alerts/from-config.js';
import { createAdmissionStage } from './admission/stage.js';
import { openForwarding } from './forward/stage.js';
import { EvaluationTicks } from './tick/evaluation-ticks.js';

// The ingest path of live requests and replay, kept importable from here for bench/in-process.ts.
export { ingestStreamed } from './receiver/engine-ingest.js';

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

/** Starts the aggregator on the given configuration. */
export async function startService(config: AggregatorConfig, options: ServiceOptions = {}): Promise<RunningService> {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const sliceMs = options.tickSliceMs ?? DEFAULT_SLICE_MS;
  const env = options.env ?? {};
  // Model settings are checked here, before the data directory is touched.
  const configured = new Engine(toEngineConfig(config));
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
    const { engine, delta, history } = restoreCheckpointState(checkpoint, configured, config, store.path);

    // Runtime and host metrics per service instance: latest values only, rebuilt by replay, not checkpointed.
    const resources = new ResourceTracker();
    // Live ingestion and replay after a restart run this same code, with the same `now`.
    const ingest = new EngineIngest(engine, delta, resources);
    const replay = replayIngestLog(ingestLog.replay(checkpoint?.seq ?? 0), ingest, log);
    if (checkpoint !== undefined || replay.replayed > 0) {
      log(`restored state from ${store.path} (checkpoint ${checkpoint?.seq ?? 0}, ${replay.replayed} requests replayed)`);
    }

    // After a store failure the engine may hold data the log lacks: fail-stop.
    const failStop = new FailStop({ log, onFatal: options.onFatal });
    const refuseIfFailed = (signal: 'metrics' | 'logs'): void => {
      failStop.refuseIfFailed();
      const why = storeHealth.refusal(signal);
      if (why !== undefined) throw new OverloadedError(why, { kind: 'unavailable', retryAfterMs: 5000 });
      forward?.admit(signal);
    };

    const checkpoints = new CheckpointSchedule({
      log: ingestLog,
      snapshot: () => snapshotCheckpointState({ engine, delta, history }, sliceMs),
      health: storeHealth,
      failStop,
      now,
      intervalMs: config.storage.checkpointInterval,
      logBytes: config.storage.checkpointLogBytes,
      // The replayed requests are in the log too: they count towards the next checkpoint.
      replayedBytes: replay.bytes,
    });

    // Ingest, then append in the same turn (log order == ingest order), answer after the commit.
    const durable = async (kind: 'metrics' | 'logs', body: Uint8Array, encoding: 'protobuf' | 'json', t: number, result: SinkResult): Promise<SinkResult> => {
      if (!config.storage.ingestLog) return result;
      try {
        await ingestLog.append(kind, body, t, encoding);
      } catch (err) {
        failStop.fail(err);
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
        return durable('metrics', ctx.body, ctx.encoding, t, ingest.metrics(req, t));
      },
      consumeLogs(req, ctx) {
        refuseIfFailed('logs');
        const t = now();
        return durable('logs', ctx.body, ctx.encoding, t, ingest.logs(req, t));
      },
    });

    let ready = false;
    let apiUrl = '';
    const alerts = createAlertStage(config, store, () => apiUrl, log);
    closers.push(() => alerts.close());
    const signals = (): OutputSignal[] => [...engine.outputs(), ...ingest.outputs()];
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
      readiness: () => readiness({ alerts, admission, storeHealth, telemetry, forward }),
      setBaseline: (name, body) => {
        const baseline = parseBaseline(body);
        engine.setBaseline(name, baseline);
        store.putBaseline(name, baseline.modelVersion, JSON.stringify(baseline), now());
        return checkpoints.persist();
      },
      resetBaseline: (name) => {
        engine.resetBaseline(name);
        return checkpoints.persist();
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
    const ticks = new EvaluationTicks({ engine, signals, alerts, history, resources, checkpoints, now, sliceMs, log });
    ticks.start(config.evaluation.interval);
    ready = true;

    let closed = false;
    return {
      addresses: { otlpHttp: otlpHttp.url, otlpGrpc: grpcUrl, http: http.url, dataDir: config.dataDir },
      evaluate: (options) => ticks.evaluate(options),
      async close() {
        if (closed) return;
        closed = true;
        ready = false;
        ticks.stop();
        // Receivers first, so nothing arrives after the last checkpoint; then the log, then the database.
        const [closeStore, closeLog, ...rest] = closers.splice(0);
        for (const c of rest.reverse()) await c();
        await ticks.evaluate({ checkpoint: 'always' });
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
