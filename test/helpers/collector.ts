/**
 * A real OpenTelemetry Collector for end-to-end tests: the binary built from
 * collector-config/builder-config.yaml by scripts/build-collector.sh (cached
 * outside the repository), `validate`, and start/stop of a Collector on
 * loopback ports with readiness from its health_check extension.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir, waitFor } from './aggregator.js';
import { freePort } from './alertmanager.js';

export const COLLECTOR_CONFIG_DIR = join(ROOT, 'collector-config');
export const BUILD_SCRIPT = join(ROOT, 'scripts/build-collector.sh');

let binary: string | undefined;
let buildError: Error | undefined;

/**
 * The Collector binary: runs scripts/build-collector.sh, which reuses its cached
 * build or builds one (minutes, the first time), and takes its last line.
 * @throws Error with the script's output when the binary cannot be built
 */
export function collectorBinary(): string {
  if (binary !== undefined) return binary;
  // One build attempt per test run: a failed build is not retried by every suite.
  if (buildError !== undefined) throw buildError;
  try {
    binary = buildCollector();
  } catch (e) {
    buildError = e as Error;
    throw e;
  }
  return binary;
}

function buildCollector(): string {
  const r = spawnSync('bash', [BUILD_SCRIPT], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
  const path = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || path === '') {
    const why = r.error !== undefined ? r.error.message : `exit ${r.status ?? r.signal}`;
    throw new Error(`cannot build the OpenTelemetry Collector (bash scripts/build-collector.sh: ${why}):\n${(r.stderr ?? '').slice(-4000)}`);
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`scripts/build-collector.sh printed ${JSON.stringify(path)}, which is not an executable file`);
  }
  return path;
}

/** The outcome of `otelcol validate`. */
export interface Validation {
  ok: boolean;
  /** What the Collector printed (its reason when not ok). */
  output: string;
}

/** Runs `<binary> validate --config f1 --config f2 …` with `env` added to this process's environment. */
export function validateConfig(configs: readonly string[], env: NodeJS.ProcessEnv): Validation {
  const args = ['validate', ...configs.flatMap((c) => ['--config', c])];
  const r = spawnSync(collectorBinary(), args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

/** Options of {@link startCollector}. */
export interface CollectorOptions {
  /** Configuration files, merged in order (later files win). */
  configs: readonly string[];
  /** Added to this process's environment: the variables the configurations read. */
  env: NodeJS.ProcessEnv;
  /** host:port the configuration's health_check extension listens on (readiness). */
  health: string;
}

/** A running Collector. */
export interface RunningCollector {
  readonly process: ChildProcess;
  /** Everything the Collector logged so far (it logs to stderr). */
  stderr(): string;
  /** Sends `signal` (SIGTERM: the Collector drains and stops) and resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a Collector and waits until its health_check reports it ready (all pipelines started). */
export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const args = options.configs.flatMap((c) => ['--config', c]);
  const child = spawn(collectorBinary(), args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const running: RunningCollector = {
    process: child,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  const ready = waitFor(`the Collector's health_check on ${options.health}`, async () => {
    const r = await fetch(`http://${options.health}/`);
    return r.ok ? true : undefined;
  }, 30_000, 100);
  const died = exited.then((code) => {
    throw new Error(`the Collector exited with ${code} before it was ready`);
  });
  // Whichever loses the race settles later: handled here, reported by the race.
  ready.catch(() => {});
  died.catch(() => {});
  try {
    await Promise.race([ready, died]);
  } catch (e) {
    await running.stop('SIGKILL');
    throw new Error(`${(e as Error).message}; its log:\n${err.slice(-4000)}`, { cause: e });
  }
  return running;
}

/** A Collector tier's own listeners and queue, as its configuration reads them. */
export interface TierListeners {
  /** `MODELWATCH_{AGENT,GATEWAY}_{OTLP_GRPC,OTLP_HTTP,HEALTH,METRICS_PORT,STORAGE_DIR}`. */
  env: Record<string, string>;
  /** host:port of its health check. */
  health: string;
  /** `http://host:port` of its OTLP/HTTP receiver. */
  http: string;
  /** `http://host:port/metrics` of its own telemetry. */
  metrics: string;
}

/**
 * Free loopback ports for a tier's receivers, health check and telemetry, and
 * its sending queue in a fresh directory: the variables agent.yaml
 * (`MODELWATCH_AGENT_*`) or gateway.yaml (`MODELWATCH_GATEWAY_*`) reads.
 */
export async function tierListeners(tier: 'agent' | 'gateway'): Promise<TierListeners> {
  const [grpcPort, httpPort, healthPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const v = `MODELWATCH_${tier.toUpperCase()}`;
  const health = `127.0.0.1:${healthPort}`;
  return {
    env: {
      [`${v}_OTLP_GRPC`]: `127.0.0.1:${grpcPort}`,
      [`${v}_OTLP_HTTP`]: `127.0.0.1:${httpPort}`,
      [`${v}_HEALTH`]: health,
      [`${v}_METRICS_PORT`]: String(metricsPort),
      [`${v}_STORAGE_DIR`]: join(tempDir(), `${tier}-queue`),
    },
    health,
    http: `http://127.0.0.1:${httpPort}`,
    metrics: `http://127.0.0.1:${metricsPort}/metrics`,
  };
}
