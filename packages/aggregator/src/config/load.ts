/**
 * Loads the configuration: defaults, then the YAML file, then environment
 * variables, then command-line flags; validated once, with one error that
 * lists every problem by key.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CST, Lexer, Parser, parse as parseYaml } from 'yaml';
import { configSchema, type AggregatorConfig } from './schema.js';
import type { ListenAddress } from './duration.js';

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
  otlpAuthToken?: string;
  apiAuthToken?: string;
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
  if (env.MODELWATCH_OTLP_AUTH_TOKEN) o.otlpAuthToken = env.MODELWATCH_OTLP_AUTH_TOKEN;
  if (env.MODELWATCH_API_AUTH_TOKEN) o.apiAuthToken = env.MODELWATCH_API_AUTH_TOKEN;
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
  if (o.otlpAuthToken !== undefined) server.otlpAuthToken = o.otlpAuthToken;
  if (o.apiAuthToken !== undefined) server.apiAuthToken = o.apiAuthToken;
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

/**
 * Where the configuration holds secrets (`*`: any key or index): an error message
 * shows only their length. The listeners' tokens, and the credentials of alert receivers.
 */
const SECRET_PATHS: readonly (readonly string[])[] = [
  ['server', 'authToken'],
  ['server', 'otlpAuthToken'],
  ['server', 'apiAuthToken'],
  ['alerting', 'webhooks', '*', 'headers', '*'],
  ['alerting', 'routing', 'pagerdutyRoutingKey'],
  ['alerting', 'routing', 'slackWebhookUrl'],
  ['forward', 'headers', '*'],
];

function hidden(v: unknown): string {
  return typeof v === 'string' ? `<hidden: ${v.length} characters>` : `<hidden: a ${v === null ? 'null' : typeof v}>`;
}

/**
 * The secrets by key name, wherever they sit, not only at their paths: an
 * error shows a misplaced or misshapen value whole (webhooks as a mapping
 * instead of a list, say), and a redaction by path missed a token inside it.
 * Found by fuzzing (issue 16). `entries`: every value of the mapping under
 * the key (headers).
 */
const SECRET_KEYS: ReadonlyMap<string, 'value' | 'entries'> = new Map(
  SECRET_PATHS.map((p) => (p.at(-1) === '*' ? [p.at(-2) as string, 'entries' as const] : [p.at(-1) as string, 'value' as const])),
);

function redactKeys(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Bounded: YAML aliases can make a deep (even shared) structure.
  if (depth > 64) return '<nested too deeply to show>';
  if (Array.isArray(value)) return value.map((v) => redactKeys(v, depth + 1));
  // A null prototype: a "__proto__" key stays a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) {
    const secret = SECRET_KEYS.get(k);
    if (secret === 'value' || (secret === 'entries' && (v === null || typeof v !== 'object'))) out[k] = hidden(v);
    else if (secret === 'entries') out[k] = Object.fromEntries(Object.entries(v as object).map(([h, x]) => [h, hidden(x)]));
    else out[k] = redactKeys(v, depth + 1);
  }
  return out;
}

/** The raw configuration with every secret replaced by a placeholder, for error messages. */
function withoutSecrets(raw: unknown): unknown {
  return redactKeys(raw);
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

/**
 * Whether a host is a loopback address. An allow-list: anything it does not
 * recognise (a name, `0.0.0.0`, `::`, a spelled-out `0:0:0:0:0:0:0:1`) counts as
 * exposed, so a mistake errs towards asking for a token.
 */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** One listener, for the non-loopback rule. */
interface Listener {
  key: string;
  what: string;
  address: ListenAddress;
  token: string | undefined;
  tokenKey: string;
  tokenEnv: string;
}

function hostPort(a: ListenAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * A key as an error message shows it. A mapping or sequence used as a key
 * (`? { x-token: ... }`) reaches the schema as its YAML text, secrets and all,
 * so such a key is shown by its length only. Found by fuzzing (issue 16).
 */
function shownKey(k: PropertyKey): string {
  const s = String(k);
  return /^[{[][\s\S]*[}\]]$/.test(s) ? `<a mapping or sequence as a key, ${s.length} characters>` : s;
}

/**
 * Validates a raw configuration object (as parsed from YAML) and resolves
 * relative paths against `baseDir`.
 * @throws ConfigError listing every problem by key.
 */
export function validateConfig(raw: unknown, baseDir: string, source = 'modelwatch.yaml'): AggregatorConfig {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const shown = withoutSecrets(raw);
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? issue.path.map(shownKey).join('.') : '(root)';
      if (issue.code === 'unrecognized_keys') {
        return `${key === '(root)' ? '' : `${key}: `}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => (shownKey(k) === k ? JSON.stringify(k) : shownKey(k))).join(', ')}`;
      }
      return `${key}: ${issue.message} (received ${describe(valueAt(shown, issue.path))})`;
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
  // Each listener's own token, else the shared one (as service.ts resolves them).
  const otlpToken = s.otlpAuthToken ?? s.authToken;
  const apiToken = s.apiAuthToken ?? s.authToken;
  const listeners: Listener[] = [
    { key: 'server.otlpHttp', what: 'the OTLP/HTTP receiver', address: s.otlpHttp, token: otlpToken, tokenKey: 'otlpAuthToken', tokenEnv: 'MODELWATCH_OTLP_AUTH_TOKEN' },
    ...(s.otlpGrpc === false
      ? []
      : [{ key: 'server.otlpGrpc', what: 'the OTLP/gRPC receiver', address: s.otlpGrpc, token: otlpToken, tokenKey: 'otlpAuthToken', tokenEnv: 'MODELWATCH_OTLP_AUTH_TOKEN' }]),
    { key: 'server.http', what: 'the HTTP API', address: s.http, token: apiToken, tokenKey: 'apiAuthToken', tokenEnv: 'MODELWATCH_API_AUTH_TOKEN' },
  ];
  if (!s.insecure) {
    for (const l of listeners) {
      if (isLoopback(l.address.host) || l.token !== undefined) continue;
      problems.push(
        `${l.key}: binding ${l.what} to the non-loopback address ${hostPort(l.address)} requires server.authToken or server.${l.tokenKey} ` +
          `(env MODELWATCH_AUTH_TOKEN or ${l.tokenEnv}), or server.insecure: true`,
      );
    }
  }
  if (s.tls) {
    s.tls = { cert: abs(s.tls.cert), key: abs(s.tls.key) };
  }
  if (config.forward !== undefined) {
    // The ingest log is processor mode's sending queue: without it nothing acknowledged could wait for the downstream.
    if (!config.storage.ingestLog) problems.push('forward: processor mode needs storage.ingestLog: true (the ingest log is its sending queue); set storage.ingestLog to true or remove forward');
    if (config.forward.tls !== undefined) config.forward.tls = { ca: abs(config.forward.tls.ca) };
  }
  if (problems.length > 0) throw new ConfigError(source, problems);
  return config;
}

/**
 * What a YAML error says, without the source text some of the yaml package's
 * messages end with ("Not a YAML token: <the line>"), which can be a token.
 * Found by fuzzing (issue 16). The line and column still say where.
 */
function yamlErrorText(err: unknown): string {
  const message = (err as Error).message ?? String(err);
  const colon = message.indexOf(': ');
  return colon > 0 ? message.slice(0, colon) : message;
}

/** ` at line L, column C` of an offset in the text. */
function placeOf(offset: number, text: string): string {
  const before = text.slice(0, offset).split('\n');
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** ` at line L, column C` of a YAML error, from its offset. */
function yamlErrorPlace(err: unknown, text: string): string {
  const pos = (err as { pos?: unknown }).pos;
  return Array.isArray(pos) && typeof pos[0] === 'number' ? placeOf(pos[0], text) : '';
}

/**
 * Largest configuration file read, in bytes. A real one is a few KiB (100
 * models of 10 lines are 30 KiB); the yaml package parses about 10 MiB/s, so
 * a file of tens of MiB (a wrong path, or generated text) took seconds.
 * Found by fuzzing (issue 16).
 */
export const CONFIG_MAX_BYTES = 2 ** 20;

/**
 * Deepest nesting of mappings and sequences read. The deepest setting,
 * `alerting.webhooks.<i>.headers.<name>`, sits 5 collections deep. Past a
 * few hundred levels the yaml package is slow or fails: it turns a mapping
 * used as a key into a string at every level of nested complex keys
 * (`? ? ? ...`: 400 levels took 18 s, a few thousand minutes on a worker
 * thread's larger stack), and its parser and composer recurse per level
 * (a few thousand overflow the main thread's stack). Found by fuzzing (issue 16).
 */
export const CONFIG_MAX_DEPTH = 32;

/**
 * Most aliases (`*name`) expanded. The yaml package's own default, stated
 * here because it is what keeps a few lines of nested aliases from expanding
 * to millions of values.
 */
export const CONFIG_MAX_ALIASES = 100;

/** Path segments shown of a too-deep place: the top of the path says where it is, the rest is the nesting itself. */
const DEPTH_PATH_SHOWN = 4;

/** The key of a mapping entry as the path segment of an error message. */
function keySegment(key: CST.Token | null | undefined): string {
  // With an error callback: without one, resolveAsScalar throws on a key that is not valid YAML (`%x`), and the composer reports that better later.
  const scalar = CST.isScalar(key) ? CST.resolveAsScalar(key, false, () => {}) : null;
  if (scalar === null) return '(complex key)';
  return scalar.value.length > 40 ? `${scalar.value.slice(0, 37)}...` : scalar.value;
}

/** The path segment of the entry of `parent` that the parser is inside of: its open (last) item. */
function openSegment(parent: CST.BlockMap | CST.BlockSequence | CST.FlowCollection): string {
  if (parent.type === 'block-seq' || (parent.type === 'flow-collection' && parent.start.source === '[')) return String(Math.max(0, parent.items.length - 1));
  const item = parent.items.at(-1);
  // Without a separator yet, the parser is inside the key (`? key`), not the value.
  return item?.sep === undefined ? '(complex key)' : keySegment(item.key);
}

/**
 * The first place where mappings and sequences nest deeper than `max`: the
 * key path to it and its offset. The yaml package's parser keeps the open
 * collections on a stack of its own, which is looked at after each token,
 * so a deep text is refused as soon as the parser is `max` deep, before it
 * closes all those levels (recursively: a few thousand overflow the call
 * stack) and before anything is built from it.
 */
function tooDeep(text: string, max: number): { path: string[]; offset: number } | undefined {
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(text)) {
    // Documents come out as they end; only the stack matters here.
    for (const _ of parser.next(lexeme));
    // The stack also holds the document and a scalar or two: collections are counted only when it could be deep.
    if (parser.stack.length <= max) continue;
    const open = parser.stack.filter(CST.isCollection);
    if (open.length <= max) continue;
    return { path: open.slice(0, -1).map(openSegment), offset: (open.at(-1) as CST.Token).offset };
  }
  return undefined;
}

/**
 * Reads the configuration file, refusing one over {@link CONFIG_MAX_BYTES}
 * before reading it whole. A FIFO or device has no size to look at first: at
 * most one byte more than the bound is read from it.
 */
function readConfigText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const stat = fstatSync(fd);
    const bound = `${CONFIG_MAX_BYTES} bytes (${CONFIG_MAX_BYTES / 2 ** 20} MiB)`;
    if (stat.size > CONFIG_MAX_BYTES) throw new RangeError(`the file is ${stat.size} bytes (${(stat.size / 2 ** 20).toFixed(1)} MiB); a configuration file is at most ${bound}`);
    const buf = Buffer.alloc((stat.isFile() ? stat.size : CONFIG_MAX_BYTES) + 1);
    let filled = 0;
    // Bounded: each read returns at least one byte until EOF, and the buffer is finite.
    while (filled < buf.length) {
      const n = readSync(fd, buf, filled, buf.length - filled, null);
      if (n === 0) break;
      filled += n;
    }
    if (filled > CONFIG_MAX_BYTES) throw new RangeError(`it holds more than ${bound}, the most a configuration file may be`);
    return buf.toString('utf8', 0, filled);
  } finally {
    closeSync(fd);
  }
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
      text = readConfigText(path);
    } catch (err) {
      throw new ConfigError(source, [`cannot read the configuration file: ${(err as Error).message}`], { cause: err });
    }
    const deep = tooDeep(text, CONFIG_MAX_DEPTH);
    if (deep !== undefined) {
      const key = deep.path.length === 0 ? '(root)' : `${deep.path.slice(0, DEPTH_PATH_SHOWN).join('.')}${deep.path.length > DEPTH_PATH_SHOWN ? '...' : ''}`;
      throw new ConfigError(source, [
        `${key}: mappings and sequences nested more than ${CONFIG_MAX_DEPTH} levels deep${placeOf(deep.offset, text)}; expected at most ${CONFIG_MAX_DEPTH} (the deepest setting, alerting.webhooks.<i>.headers.<name>, is 5)`,
      ]);
    }
    let parsed: unknown;
    try {
      // Without prettyErrors: its excerpt of the offending line could show a token.
      parsed = parseYaml(text, { prettyErrors: false, maxAliasCount: CONFIG_MAX_ALIASES });
    } catch (err) {
      throw new ConfigError(source, [`not valid YAML: ${yamlErrorText(err)}${yamlErrorPlace(err, text)}`], { cause: err });
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
