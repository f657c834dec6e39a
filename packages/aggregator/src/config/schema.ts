/**
 * The one schema of `modelwatch.yaml`: defaults plus strict validation (unknown
 * keys are errors). Durations and sizes are accepted as text ("30s", "16MiB")
 * and normalised to milliseconds and bytes.
 */
import { z } from 'zod';
import { formatDuration, parseDuration, parseListenAddress, parseSize, type ListenAddress } from './duration.js';
import { alertingSchema, alertOverridesSchema } from './alerting-schema.js';
import { HISTORY_MAX_POINTS } from '../history/history.js';
import { MIN_TOKEN_LENGTH, TOKEN_PATTERN } from '../auth/bearer-token.js';

const duration = (def: string) =>
  z
    .union([z.string(), z.number()])
    .prefault(def)
    .transform((v, ctx) => {
      try {
        return parseDuration(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const optionalDuration = () =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        return parseDuration(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const size = (def: string) =>
  z
    .union([z.string(), z.number()])
    .prefault(def)
    .transform((v, ctx) => {
      try {
        return parseSize(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const optionalSize = () =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      try {
        return parseSize(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const address = (def: string) =>
  z
    .string()
    .prefault(def)
    .transform((v, ctx): ListenAddress => {
      try {
        return parseListenAddress(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

/** A bearer token: long enough to resist guessing, and sendable intact in a header or gRPC metadata. */
const token = () =>
  z
    .string()
    .min(MIN_TOKEN_LENGTH, { message: `must be at least ${MIN_TOKEN_LENGTH} characters` })
    .regex(TOKEN_PATTERN, { message: 'must be visible ASCII characters without spaces (it is sent as "Authorization: Bearer <token>")' })
    .optional();

/** Smallest `limits.maxResidentMemory` accepted. */
const MIN_RESIDENT_MEMORY = 64 * 1024 ** 2;

const levels = (info: number, warning: number, critical: number) =>
  z
    .strictObject({
      info: z.number().nonnegative().default(info),
      warning: z.number().nonnegative().default(warning),
      critical: z.number().nonnegative().default(critical),
    })
    .prefault({})
    .refine((t) => t.info <= t.warning && t.warning <= t.critical, {
      message: 'thresholds must satisfy info <= warning <= critical',
    });

const thresholds = z
  .strictObject({
    /** KS D at bucket edges (the seed's values). */
    ks: levels(0.1, 0.15, 0.25),
    /** PSI (the seed's values). */
    psi: levels(0.1, 0.2, 0.25),
  })
  .prefault({});

const partialThresholds = z
  .strictObject({
    ks: z.strictObject({ info: z.number().optional(), warning: z.number().optional(), critical: z.number().optional() }).optional(),
    psi: z.strictObject({ info: z.number().optional(), warning: z.number().optional(), critical: z.number().optional() }).optional(),
  })
  .optional();

/** Ground-truth join and quality settings; every key optional (defaults in docs/configuration.md). */
const groundTruthSchema = z
  .strictObject({
    pendingTtl: optionalDuration(),
    maxPending: z.number().int().positive().optional(),
    earlyLabelGrace: optionalDuration(),
    maxEarlyLabels: z.number().int().positive().optional(),
    relabelTtl: optionalDuration(),
    maxJoined: z.number().int().positive().optional(),
    rollingSize: z.number().int().positive().optional(),
    calibrationSize: z.number().int().positive().optional(),
    window: optionalDuration(),
    slot: optionalDuration(),
    maxSegments: z.number().int().positive().optional(),
    changeDetection: z.strictObject({ delta: z.number().gt(0).lt(1) }).optional(),
  })
  .optional();

const sloSchema = z.strictObject({
  name: z.string().min(1),
  kind: z.enum(['latency', 'error_rate', 'availability', 'accuracy', 'throughput', 'cost']),
  /** Share of good events (requests, or minutes for throughput and cost) required, e.g. 0.95 or 0.995. */
  objective: z.number().gt(0).lt(1),
  /** latency: seconds a request may take; throughput: requests/s to handle without degradation; cost: most cost per 1,000 requests. */
  threshold: z.number().positive().optional(),
  /** cost: what serving the model costs per hour. */
  costPerHour: z.number().positive().optional(),
  /** Compliance period. */
  period: duration('30d'),
});

const modelSchema = z.strictObject({
  name: z.string().min(1).max(256),
  version: z.string().optional(),
  task: z.enum(['classification', 'regression']).default('classification'),
  /** Path of a baseline file made by `modelwatch baseline` (relative to the config file). Omit to learn from the first window. */
  baseline: z.string().optional(),
  window: optionalDuration(),
  slot: optionalDuration(),
  /** Fine slot for recent data; divides the slot. */
  fineSlot: optionalDuration(),
  features: z.record(z.string().min(1), z.enum(['numeric', 'categorical'])).prefault({}),
  thresholds: partialThresholds,
  alpha: z.number().gt(0).lt(1).optional(),
  minSamples: z.number().int().positive().optional(),
  /** Shorter drift windows for this model. */
  driftWindows: z.array(z.union([z.string(), z.number()])).optional().transform((vs, ctx) => {
    if (vs === undefined) return undefined;
    try {
      return vs.map((v) => parseDuration(v));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  slos: z.array(sloSchema).default([]),
  groundTruth: groundTruthSchema,
  /** Overrides of the alert catalogue for this model, by alertname. */
  alerts: alertOverridesSchema,
});

/** The OTLP endpoint of processor mode: an http:// or https:// URL (the scheme also says whether gRPC uses TLS). */
const forwardEndpoint = z.string().transform((v, ctx) => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL, e.g. http://gateway.internal:4317 (gRPC) or https://otlp.example:4318 (OTLP/HTTP)' });
    return z.NEVER;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL with a host, and no query, fragment or credentials (put credentials in forward.headers)' });
    return z.NEVER;
  }
  return v.replace(/\/+$/, '');
});

/**
 * Processor mode (docs/configuration.md#processor-mode-forward): everything received is
 * forwarded to a downstream OTLP endpoint, with the ingest log as the sending queue.
 */
const forwardSchema = z
  .strictObject({
    endpoint: forwardEndpoint,
    protocol: z.enum(['grpc', 'http/protobuf']).default('grpc'),
    /** `gzip` for a downstream across a slow or metered link; `none` saves the CPU on a near one. */
    compression: z.enum(['none', 'gzip']).default('none'),
    /** Sent with every request (gRPC metadata, or HTTP headers): e.g. an authorization header. */
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'must be an HTTP header name' }), z.string()).prefault({}),
    timeout: duration('10s').refine((ms) => ms >= 100, { message: 'must be at least 100ms' }),
    maxQueueBytes: size('256MiB').refine((b) => b >= 1024, { message: 'must be at least 1kB' }),
    concurrency: z.number().int().min(1).max(64).default(4),
    retry: z
      .strictObject({
        initialInterval: duration('1s'),
        maxInterval: duration('30s'),
      })
      .prefault({})
      .refine((r) => r.maxInterval >= r.initialInterval, { message: 'maxInterval must be at least initialInterval', path: ['maxInterval'] }),
    /** A CA bundle (PEM) to verify an https:// endpoint with, besides the system's. */
    tls: z.strictObject({ ca: z.string().min(1) }).optional(),
  })
  .optional();

/** The validated, normalised configuration. */
export const configSchema = z.strictObject({
  evaluation: z
    .strictObject({
      interval: duration('30s').refine((ms) => ms <= 86_400_000, { message: 'must be at most 1d' }),
    })
    .prefault({ interval: '30s' }),
  server: z
    .strictObject({
      otlpHttp: address('127.0.0.1:4318'),
      /** `false` turns the gRPC receiver off. */
      otlpGrpc: z
        .union([z.string(), z.literal(false)])
        .prefault('127.0.0.1:4317')
        .transform((v, ctx): ListenAddress | false => {
          if (v === false || v === 'off') return false;
          try {
            return parseListenAddress(v);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
            return z.NEVER;
          }
        }),
      http: address('127.0.0.1:9470'),
      /**
       * Bearer token required on the OTLP receivers and on every API route but
       * /healthz and the dashboard's files; mandatory for a non-loopback bind unless `insecure`.
       */
      authToken: token(),
      /** The OTLP receivers' token (HTTP and gRPC). @default server.authToken */
      otlpAuthToken: token(),
      /** The HTTP API's token (and so the dashboard's). @default server.authToken */
      apiAuthToken: token(),
      insecure: z.boolean().default(false),
      tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
    })
    .prefault({}),
  dataDir: z.string().default('./modelwatch-data'),
  storage: z
    .strictObject({
      /**
       * SQLite `synchronous`. NORMAL (WAL): acknowledged data survives a process
       * crash; FULL: also power loss, at an fsync per commit; OFF: survives a process
       * crash, but an OS crash or power loss may lose or corrupt data (benchmarks).
       */
      synchronous: z.enum(['NORMAL', 'FULL', 'OFF']).default('NORMAL'),
      /** Log every acknowledged request before answering (the crash-safety promise). `false`: state is kept only at checkpoints. */
      ingestLog: z.boolean().default(true),
      /** How long an acknowledgement may wait to share a commit (group commit); 0 = the current event-loop turn. */
      maxBatchDelay: duration('0s'),
      /**
       * Least time between two checkpoints of the engine's state (taken at the end of an
       * evaluation tick): each writes the whole state, so checkpointing at every tick would
       * rewrite it every 30 s. Requests since the last checkpoint are replayed from the log on start.
       */
      checkpointInterval: duration('5m').refine((ms) => ms >= 1000 && ms <= 86_400_000, { message: 'must be between 1s and 1d' }),
      /** Bytes of request bodies logged since the last checkpoint that make the next tick checkpoint anyway: bounds the replay on start and the log on disk. */
      checkpointLogBytes: size('256MiB'),
      /**
       * Free space the data directory's file system must keep: below it new OTLP requests
       * are refused (503 / UNAVAILABLE, with a retry delay) until space is freed, instead of
       * the ingest log's write failing (which stops the service). It leaves room for the
       * requests already taken and for checkpoints, which free the log's space. 0: no check.
       */
      minFreeSpace: size('64MiB'),
    })
    .prefault({}),
  limits: z
    .strictObject({
      maxBodyBytes: size('16MiB'),
      maxInFlightRequests: z.number().int().positive().default(64),
      maxModels: z.number().int().positive().default(100),
      maxSeriesPerModel: z.number().int().positive().default(10_000),
      maxAttributeLength: z.number().int().positive().default(256),
      maxCategories: z.number().int().positive().default(100),
      /**
       * Resident memory (RSS) the process must stay under: from 80% of it new OTLP
       * requests are refused (503 / UNAVAILABLE, with a retry delay) until it is back
       * under 70%, or under 80% for 2 s. Unset: no limit (docs/configuration.md says why).
       */
      maxResidentMemory: optionalSize().refine((b) => b === undefined || b >= MIN_RESIDENT_MEMORY, {
        message: "must be at least 64MiB: the aggregator's process alone takes tens of MB, so a smaller limit would refuse every request",
      }),
    })
    .prefault({}),
  discovery: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  defaults: z
    .strictObject({
      window: duration('1h'),
      slot: duration('1m'),
      /**
       * Fine slot for recent data (the shortest drift window is built from them); must divide the slot; the slot itself turns
       * fine slots off. Unset: 10s where it is shorter than the slot and divides it (and its slots do not outnumber the window's), else none.
       */
      fineSlot: optionalDuration(),
      alpha: z.number().gt(0).lt(1).default(0.01),
      minSamples: z.number().int().positive().default(100),
      lowConfidenceThreshold: z.number().gt(0).lt(1).default(0.7),
      livenessTimeout: duration('5m'),
      /** Shorter drift windows judged beside the model's window (each a multiple of the fine slot); default 10s, 1m, 10m. */
      driftWindows: z.array(z.union([z.string(), z.number()]).transform((v, ctx) => {
        try {
          return parseDuration(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      })).prefault(['10s', '1m', '10m']),
      /** Expected time between false drift alerts of one feature with no drift: sets each window's significance level. */
      falseAlertInterval: duration('365d'),
      thresholds,
      groundTruth: groundTruthSchema,
      /** Overrides of the alert catalogue for every model, by alertname. */
      alerts: alertOverridesSchema,
    })
    .prefault({}),
  alerting: alertingSchema,
  /** The bounded history of each model's signals served to the dashboard (GET /api/v1/models/{m}/history). */
  history: z
    .strictObject({
      /** Least time between two recorded points. */
      interval: duration('30s').refine((ms) => ms > 0, { message: 'must be greater than 0' }),
      /** How long points are kept: each series holds floor(retention / interval) points. */
      retention: duration('6h'),
      /** Series kept per model; new ones past it are refused and counted. */
      maxSeriesPerModel: z.number().int().positive().default(400),
    })
    .prefault({})
    .superRefine((h, ctx) => {
      if (!(h.interval > 0)) return; // reported on history.interval
      if (h.retention < h.interval) {
        ctx.addIssue({ code: 'custom', path: ['retention'], message: `must be at least history.interval (${formatDuration(h.interval)})` });
      } else if (h.retention / h.interval > HISTORY_MAX_POINTS) {
        ctx.addIssue({ code: 'custom', path: ['retention'], message: `must be at most ${HISTORY_MAX_POINTS} times history.interval (${formatDuration(h.interval)}): each series keeps retention / interval points` });
      }
    }),
  models: z.array(modelSchema).default([]),
  forward: forwardSchema,
});

/** `modelwatch.yaml` as written (before defaults). */
export type ConfigInput = z.input<typeof configSchema>;
/** `modelwatch.yaml` after validation and defaults. */
export type AggregatorConfig = z.output<typeof configSchema>;
/** One model's validated section. */
export type ModelSection = AggregatorConfig['models'][number];
