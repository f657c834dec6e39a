/**
 * Loads the configuration: defaults, then the YAML file, then environment
 * variables, then command-line flags; validated once, with one error that
 * lists every problem by key.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, type AggregatorConfig } from './schema.js';

/** Thrown when the configuration is invalid; `problems` names each key. */
export class ConfigError extends Error {
  /** One line per problem: `key: what was wrong`. */
  readonly problems: string[];
  constructor(source: string, problems: string[], options?: { cause?: unknown }) {
    super(`invalid configuration (${source}):\n  - ${problems.join('\n  - ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Values that override the file (from environment variables and flags). */
export interface ConfigOverrides {
  dataDir?: string;
  otlpHttp?: string;
  otlpGrpc?: string | false;
  http?: string;
  authToken?: string;
  insecure?: boolean;
  evaluationInterval?: string;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Path of `modelwatch.yaml`; omitted: embedded defaults only. */
  path?: string;
  /** Process environment (MODELWATCH_* variables). @default {} */
  env?: Record<string, string | undefined>;
  /** Flags, applied last. */
  overrides?: ConfigOverrides;
  /** Directory for relative paths when there is no file. @default process.cwd() */
  cwd?: string;
}

/** Overrides read from MODELWATCH_* environment variables. */
export function envOverrides(env: Record<string, string | undefined>): ConfigOverrides {
  const o: ConfigOverrides = {};
  if (env.MODELWATCH_DATA_DIR) o.dataDir = env.MODELWATCH_DATA_DIR;
  if (env.MODELWATCH_OTLP_HTTP) o.otlpHttp = env.MODELWATCH_OTLP_HTTP;
  if (env.MODELWATCH_OTLP_GRPC) o.otlpGrpc = env.MODELWATCH_OTLP_GRPC === 'off' ? false : env.MODELWATCH_OTLP_GRPC;
  if (env.MODELWATCH_HTTP) o.http = env.MODELWATCH_HTTP;
  if (env.MODELWATCH_AUTH_TOKEN) o.authToken = env.MODELWATCH_AUTH_TOKEN;
  if (env.MODELWATCH_INSECURE) o.insecure = env.MODELWATCH_INSECURE === 'true' || env.MODELWATCH_INSECURE === '1';
  return o;
}

function applyOverrides(raw: Record<string, unknown>, o: ConfigOverrides): void {
  const server = (raw.server ??= {}) as Record<string, unknown>;
  if (typeof server !== 'object' || server === null) return; // the schema reports it
  if (o.dataDir !== undefined) raw.dataDir = o.dataDir;
  if (o.otlpHttp !== undefined) server.otlpHttp = o.otlpHttp;
  if (o.otlpGrpc !== undefined) server.otlpGrpc = o.otlpGrpc;
  if (o.http !== undefined) server.http = o.http;
  if (o.authToken !== undefined) server.authToken = o.authToken;
  if (o.insecure !== undefined) server.insecure = o.insecure;
  if (o.evaluationInterval !== undefined) {
    const ev = (raw.evaluation ??= {}) as Record<string, unknown>;
    ev.interval = o.evaluationInterval;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Whether a host is a loopback address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Validates a raw configuration object (as parsed from YAML) and resolves
 * relative paths against `baseDir`.
 * @throws ConfigError listing every problem by key.
 */
export function validateConfig(raw: unknown, baseDir: string, source = 'modelwatch.yaml'): AggregatorConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      if (issue.code === 'unrecognized_keys') {
        return `${key === '(root)' ? '' : `${key}: `}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
      }
      return `${key}: ${issue.message} (received ${describe(valueAt(raw, issue.path))})`;
    });
    throw new ConfigError(source, problems);
  }
  const config = result.data;
  const problems: string[] = [];
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  config.dataDir = abs(config.dataDir);
  const names = new Set<string>();
  config.models.forEach((m, i) => {
    if (m.baseline !== undefined) m.baseline = abs(m.baseline);
    const key = `${m.name}@${m.version ?? ''}`;
    if (names.has(key)) problems.push(`models.${i}.name: model ${JSON.stringify(m.name)} is defined twice`);
    names.add(key);
    const window = m.window ?? config.defaults.window;
    const slot = m.slot ?? config.defaults.slot;
    if (slot > window) problems.push(`models.${i}.slot: slot (${slot} ms) must not be longer than the window (${window} ms)`);
    m.slos.forEach((slo, j) => {
      const needs = { latency: 'a threshold in seconds', throughput: 'a threshold: the requests/s to handle without degradation', cost: 'a threshold: the most cost per 1,000 requests' } as const;
      if ((slo.kind === 'latency' || slo.kind === 'throughput' || slo.kind === 'cost') && slo.threshold === undefined) {
        problems.push(`models.${i}.slos.${j}.threshold: a ${slo.kind} SLO needs ${needs[slo.kind]}`);
      }
      if (slo.kind === 'cost' && slo.costPerHour === undefined) problems.push(`models.${i}.slos.${j}.costPerHour: a cost SLO needs costPerHour, what serving the model costs per hour`);
      if (slo.kind !== 'cost' && slo.costPerHour !== undefined) problems.push(`models.${i}.slos.${j}.costPerHour: only cost SLOs have costPerHour; this one is ${slo.kind}`);
    });
  });
  if (config.defaults.slot > config.defaults.window) {
    problems.push('defaults.slot: the slot must not be longer than the window');
  }
  if (config.evaluation.interval < 1000) problems.push('evaluation.interval: must be at least 1s');
  const s = config.server;
  const exposed = [s.http, s.otlpHttp, ...(s.otlpGrpc === false ? [] : [s.otlpGrpc])].filter((a) => !isLoopback(a.host));
  if (exposed.length > 0 && s.authToken === undefined && !s.insecure) {
    problems.push(
      `server: binding to a non-loopback address (${exposed.map((a) => `${a.host}:${a.port}`).join(', ')}) requires server.authToken (or MODELWATCH_AUTH_TOKEN), or server.insecure: true`,
    );
  }
  if (s.tls) {
    s.tls = { cert: abs(s.tls.cert), key: abs(s.tls.key) };
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/**
 * Loads and validates the configuration from file, environment and flags.
 * @throws ConfigError listing every problem by key.
 */
export function loadConfig(options: LoadConfigOptions = {}): AggregatorConfig {
  let raw: Record<string, unknown> = {};
  let baseDir = options.cwd ?? process.cwd();
  let source = 'embedded defaults';
  if (options.path !== undefined) {
    const path = resolve(baseDir, options.path);
    source = path;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(source, [`cannot read the configuration file: ${(err as Error).message}`], { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (err) {
      throw new ConfigError(source, [`not valid YAML: ${(err as Error).message}`], { cause: err });
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new ConfigError(source, [`(root): expected a mapping of keys, received ${describe(parsed)}`]);
    }
    raw = (parsed as Record<string, unknown> | null) ?? {};
    baseDir = dirname(path);
  }
  // Paths given in the environment or as flags are relative to the working directory, not the file.
  const cwd = options.cwd ?? process.cwd();
  const fromCwd = (o: ConfigOverrides): ConfigOverrides =>
    o.dataDir === undefined ? o : { ...o, dataDir: resolve(cwd, o.dataDir) };
  applyOverrides(raw, fromCwd(envOverrides(options.env ?? {})));
  if (options.overrides) applyOverrides(raw, fromCwd(options.overrides));
  return validateConfig(raw, baseDir, source);
}
