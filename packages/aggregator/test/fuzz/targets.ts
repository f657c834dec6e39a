/**
 * What the fuzz run attacks, each with its seeds, its mutations and its
 * oracle. A case decodes (and then its result must be sane: counts finite,
 * non-negative integers, integers within their protobuf type, timestamps
 * within fixed64) or is refused with the project's own error, whose message
 * names what was wrong; anything else is a crash.
 *
 * Seeds are valid inputs made by real writers: OTLP payloads from the
 * OpenTelemetry JS SDK's serializers (fixed telemetry and fast-check
 * arbitraries), Parquet files from hyparquet-writer, CSV/JSON Lines/YAML text
 * from fast-check values, and the committed baseline fixtures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Agent, request } from 'node:http';
import fc from 'fast-check';
import * as grpc from '@grpc/grpc-js';
import { ValueType } from '@opentelemetry/api';
import type { ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parse as yamlParse, stringify as yamlStringify } from 'yaml';
import { decodeLogsRequest, decodeMetricsRequest, scanMetricsRequest } from '../../src/receiver/otlp/decode-protobuf.js';
import { decodeLogsJson, decodeMetricsJson } from '../../src/receiver/otlp/decode-json.js';
import { OtlpDecodeError } from '../../src/receiver/otlp/errors.js';
import type { AnyValue, LogsRequest, MetricsRequest } from '../../src/receiver/otlp/types.js';
import { createGrpcReceiver } from '../../src/receiver/grpc.js';
import { createHttpReceiver } from '../../src/receiver/http.js';
import type { OtlpSink } from '../../src/receiver/sink.js';
import { buildBaselineReport } from '../../src/baseline/build.js';
import { BaselineInputError } from '../../src/baseline/errors.js';
import { parseBaseline } from '../../src/engine/baseline.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { expView, sdkLogger, sdkMeter } from '../receiver/sdk-data.js';
import { attrValue, resourceMetrics } from '../receiver/otlp/arbitraries.js';
import { encodeFields, mutateBytes, mutateJson, mutateJsonValue, mutateText, mutateTree, parseFields, pick, type PbField, type Rng } from './mutate.js';

/** How one case ended. */
export type Outcome =
  | { kind: 'accepted' }
  | { kind: 'rejected'; messageClass: string }
  | { kind: 'crash'; error: string };

/** A target set up for a run: makes case inputs and judges them. */
export interface TargetInstance<I = unknown> {
  /** Case `index`'s input, drawn from `r` (seeded by the run seed and the index). */
  input(r: Rng, index: number): I;
  run(input: I): Outcome | Promise<Outcome>;
  /** A short printable form of an input, for crash reports. */
  show(input: I): string;
  close(): Promise<void>;
}

/** A target: a decoder (run in-process), or a transport (through a real socket). */
export interface FuzzTarget {
  name: string;
  kind: 'decoder' | 'transport';
  /** A tighter time bound for this target's cases than the run's (its valid inputs are all fast). */
  caseTimeoutMs?: number;
  setup(env: { dir: string; seed: number }): Promise<TargetInstance>;
}

// ---- the oracle ------------------------------------------------------------

const ENGINE_ERRORS = [TypeError, RangeError, ReferenceError, EvalError, URIError];

/** Describes an unexpected exception for a crash report. */
export function crashText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return `thrown ${typeof e}: ${String(e)}`;
}

/**
 * The class of a rejection message, for counting: paths, numbers and quoted
 * values replaced, so "at byte 17" and "at byte 90" count as one class.
 */
export function messageClass(message: string): string {
  let m = message.split('\n')[0] ?? '';
  m = m.replace(/^invalid (protobuf|JSON): /, '$1: ');
  // A field path or JSON path before the last ": " is the where, not the what.
  m = m.replace(/^(protobuf|JSON): [\w.[\]$]+: /, '$1: ');
  m = m.replace(/ \(at byte \d+\)/, '').replace(/\(received .*\)$/, '');
  m = m.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/'[^']*'/g, "'…'");
  m = m.replace(/\/[\w./-]+\.(csv|jsonl|parquet|yaml)/g, '<file>').replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N');
  m = m.replace(/got .*$/, 'got …');
  return m.length > 90 ? `${m.slice(0, 87)}...` : m;
}

/** A rejection with the OTLP decoders' error, which must name the field. */
function otlpRejection(e: unknown): Outcome {
  if (!(e instanceof OtlpDecodeError)) return { kind: 'crash', error: crashText(e) };
  if (e.message.length === 0 || e.field.length === 0) return { kind: 'crash', error: `rejection without a message or field: ${crashText(e)}` };
  if (e.field !== '$' && !e.message.includes(e.field)) return { kind: 'crash', error: `rejection whose message does not name its field ${e.field}: ${e.message}` };
  return { kind: 'rejected', messageClass: messageClass(e.message) };
}

const TWO_64 = 2n ** 64n;
const INT32 = (n: number): boolean => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;
const UINT32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < 2 ** 32;
// 2^64 - 1 is not a double: it rounds to 2^64.
const COUNT = (n: number): boolean => Number.isFinite(n) && Number.isInteger(n) && n >= 0 && n <= 2 ** 64;
const NANOS = (t: bigint): boolean => typeof t === 'bigint' && t >= 0n && t < TWO_64;

/** What is wrong with a decoded value that proto3 forbids (undefined: sane). */
function insaneAny(v: AnyValue, depth = 0): string | undefined {
  if (depth > 40) return 'AnyValue nested past the decoder bound';
  if (typeof v === 'bigint' && (v < -(2n ** 63n) || v >= 2n ** 63n)) return `int_value ${v} outside int64`;
  if (Array.isArray(v)) for (const x of v) { const p = insaneAny(x, depth + 1); if (p) return p; }
  else if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) for (const x of Object.values(v)) { const p = insaneAny(x, depth + 1); if (p) return p; }
  return undefined;
}

/** Sanity of a decoded metrics request: the values proto3 allows for each field's type. */
export function insaneMetrics(req: MetricsRequest): string | undefined {
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of m.points) {
          const where = `${m.name || '(unnamed)'} ${m.type} point`;
          if (!NANOS(p.startTimeUnixNano) || !NANOS(p.timeUnixNano)) return `${where}: timestamp outside fixed64 (${p.startTimeUnixNano}, ${p.timeUnixNano})`;
          if (!UINT32(p.flags)) return `${where}: flags ${p.flags} not a uint32`;
          for (const v of Object.values(p.attributes)) { const bad = insaneAny(v); if (bad) return `${where}: ${bad}`; }
          if ('count' in p && !COUNT(p.count)) return `${where}: count ${p.count} not a uint64`;
          if ('bucketCounts' in p) for (const c of p.bucketCounts) if (!COUNT(c)) return `${where}: bucket count ${c} not a uint64`;
          if ('scale' in p) {
            if (!INT32(p.scale)) return `${where}: scale ${p.scale} not an int32`;
            if (!COUNT(p.zeroCount)) return `${where}: zero count ${p.zeroCount} not a uint64`;
            for (const side of [p.positive, p.negative]) {
              if (!INT32(side.offset)) return `${where}: offset ${side.offset} not an int32`;
              for (const c of side.bucketCounts) if (!COUNT(c)) return `${where}: exponential bucket count ${c} not a uint64`;
            }
          }
          if ('value' in p && typeof p.value !== 'number') return `${where}: value is a ${typeof p.value}`;
        }
      }
    }
  }
  return undefined;
}

export function insaneLogs(req: LogsRequest): string | undefined {
  for (const rl of req.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const l of sl.logRecords) {
        if (!NANOS(l.timeUnixNano) || !NANOS(l.observedTimeUnixNano)) return `log record: timestamp outside fixed64 (${l.timeUnixNano}, ${l.observedTimeUnixNano})`;
        if (!INT32(l.severityNumber)) return `log record: severity ${l.severityNumber} not an int32`;
        if (!UINT32(l.flags)) return `log record: flags ${l.flags} not a uint32`;
        if (!/^[0-9a-f]*$/.test(l.traceId) || !/^[0-9a-f]*$/.test(l.spanId)) return 'log record: trace or span id not lowercase hex';
        const bad = insaneAny(l.body) ?? Object.values(l.attributes).map((v) => insaneAny(v)).find((x) => x !== undefined);
        if (bad) return `log record: ${bad}`;
      }
    }
  }
  return undefined;
}

function judge<T>(decode: () => T, insane: (v: T) => string | undefined): Outcome {
  let v: T;
  try {
    v = decode();
  } catch (e) {
    return otlpRejection(e);
  }
  const bad = insane(v);
  return bad === undefined ? { kind: 'accepted' } : { kind: 'crash', error: `accepted an insane value: ${bad}` };
}

/** The protobuf metrics oracle: the tree decoder and the streaming scan agree, and what they accept is sane. */
export function judgeMetricsProtobuf(b: Uint8Array): Outcome {
  const tree = judge(() => decodeMetricsRequest(b), insaneMetrics);
  let scan: Outcome;
  let visited = -1;
  try {
    const points = scanMetricsRequest(b);
    visited = 0;
    points.forEachPoint(() => visited++);
    scan = visited === points.pointCount ? { kind: 'accepted' } : { kind: 'crash', error: `scan counted ${points.pointCount} points but visited ${visited}` };
  } catch (e) {
    // A visit must never throw once the check passed (half a request would be ingested).
    scan = visited >= 0 ? { kind: 'crash', error: `forEachPoint threw after the check passed: ${crashText(e)}` } : otlpRejection(e);
  }
  if (tree.kind === 'crash') return tree;
  if (scan.kind === 'crash') return scan;
  if (tree.kind !== scan.kind) return { kind: 'crash', error: `decodeMetricsRequest ${tree.kind} but scanMetricsRequest ${scan.kind}` };
  return tree;
}

export const judgeLogsProtobuf = (b: Uint8Array): Outcome => judge(() => decodeLogsRequest(b), insaneLogs);
export const judgeMetricsJson = (s: string | Uint8Array): Outcome => judge(() => decodeMetricsJson(s), insaneMetrics);
export const judgeLogsJson = (s: string | Uint8Array): Outcome => judge(() => decodeLogsJson(s), insaneLogs);

// ---- OTLP seeds --------------------------------------------------------------

/** Valid OTLP payloads: the SDK's encodings of fixed telemetry and of fast-check arbitraries. */
export interface OtlpSeeds {
  metricsProtobuf: Uint8Array[];
  metricsJson: string[];
  logsProtobuf: Uint8Array[];
  logsJson: string[];
}

const text = new TextDecoder();

export async function otlpSeeds(seed: number): Promise<OtlpSeeds> {
  const metrics: SdkResourceMetrics[] = [];
  {
    const sdk = sdkMeter({ resource: { 'service.name': 'svc', 'ml.model.name': 'm' } });
    sdk.meter.createCounter('ml.predictions').add(3, { 'ml.prediction.label': 'a' });
    const h = sdk.meter.createHistogram('ml.inference.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
    h.record(0.05);
    h.record(2, { 'error.type': 'Error' });
    sdk.meter.createUpDownCounter('ml.inference.active_requests', { valueType: ValueType.INT }).add(-2);
    sdk.meter.createGauge('g').record(1.5, { big: 2 ** 60, arr: 'x' });
    metrics.push(await sdk.collect());
    await sdk.shutdown();
  }
  {
    const sdk = sdkMeter({ views: [expView('ml.feature.value')], temporality: 'cumulative' });
    const f = sdk.meter.createHistogram('ml.feature.value');
    for (let i = 0; i < 50; i++) f.record(i * 1.7 + 0.1, { 'ml.feature.name': 'x' });
    f.record(0, { 'ml.feature.name': 'z' });
    f.record(-3, { 'ml.feature.name': 'z', 'ml.feature.sign': 'negative' });
    metrics.push(await sdk.collect());
    await sdk.shutdown();
  }
  const arbitraryMetrics = (finite: boolean): SdkResourceMetrics[] => fc.sample(resourceMetrics(finite), { seed, numRuns: 24 });

  const logs: Uint8Array[] = [];
  const logsJson: string[] = [];
  const batches = [
    [
      { eventName: 'ml.prediction', attributes: { 'ml.prediction.id': 'p1', 'ml.prediction.label': 'a', 'ml.prediction.confidence': 0.9 }, body: { nested: [1, 'two', { three: true }] } },
      { eventName: 'ml.ground_truth', attributes: { 'ml.prediction.id': 'p1', 'ml.ground_truth.label': 'b' }, body: 'text' },
    ],
    ...fc.sample(
      fc.array(fc.record({ eventName: fc.constantFrom('ml.prediction', 'ml.ground_truth', 'other'), attributes: fc.dictionary(fc.string({ maxLength: 12 }), attrValue(true), { maxKeys: 4 }), body: attrValue(true), severityNumber: fc.integer({ min: 0, max: 24 }) }), { minLength: 1, maxLength: 4 }),
      { seed: seed + 1, numRuns: 16 },
    ),
  ];
  for (const batch of batches) {
    const sdk = sdkLogger({ 'service.name': 'svc', 'ml.model.name': 'm' });
    for (const rec of batch) sdk.logger.emit(rec as never);
    const records = sdk.records();
    logs.push(ProtobufLogsSerializer.serializeRequest(records) as Uint8Array);
    logsJson.push(text.decode(JsonLogsSerializer.serializeRequest(records) as Uint8Array));
    await sdk.shutdown();
  }
  return {
    metricsProtobuf: [...metrics, ...arbitraryMetrics(false)].map((m) => ProtobufMetricsSerializer.serializeRequest(m) as Uint8Array).filter((b) => b.length > 0),
    // JSON.stringify writes NaN and infinities as null: the JSON seeds use finite data.
    metricsJson: [...metrics, ...arbitraryMetrics(true)].map((m) => text.decode(JsonMetricsSerializer.serializeRequest(m) as Uint8Array)),
    logsProtobuf: logs,
    logsJson,
  };
}

/** A mutated protobuf payload: a field-tree edit re-encoded (so it reaches past the framing), raw byte edits, or both. */
export function mutateProtobuf(pool: readonly Uint8Array[], r: Rng): Uint8Array {
  const seed = pick(r, pool);
  const donor = pick(r, pool);
  const mode = r();
  let out = seed;
  if (mode < 0.6) {
    const tree = parseFields(seed);
    const donorTree = parseFields(donor);
    if (tree !== undefined) out = encodeFields(mutateTree(tree, r, donorTree ?? ([] as PbField[])));
  }
  if (mode >= 0.45) out = mutateBytes(out, r, donor);
  return out;
}

// ---- decoder targets -----------------------------------------------------------

const base64 = (b: Uint8Array): string => {
  const s = Buffer.from(b).toString('base64');
  return s.length > 600 ? `${s.slice(0, 600)}... (${b.length} bytes)` : s;
};
const excerpt = (s: string): string => (s.length > 600 ? `${JSON.stringify(s.slice(0, 600))}... (${s.length} chars)` : JSON.stringify(s));

function decoderTarget<I extends Uint8Array | string>(name: string, make: (s: OtlpSeeds, r: Rng) => I, judgeIt: (i: I) => Outcome): FuzzTarget {
  return {
    name,
    kind: 'decoder',
    async setup({ seed }) {
      const seeds = await otlpSeeds(seed);
      return {
        input: (r) => make(seeds, r),
        run: (i) => judgeIt(i as I),
        show: (i) => (typeof i === 'string' ? excerpt(i) : base64(i as Uint8Array)),
        close: async () => {},
      };
    },
  };
}

// ---- transports ----------------------------------------------------------------

/** A sink that takes everything, walking each request to the end as the service does. */
const drainSink: OtlpSink = {
  consumeMetrics(points) {
    points.forEachPoint(() => {});
    return { rejected: 0 };
  },
  consumeLogs() {
    return { rejected: 0 };
  },
};

interface WireCase {
  signal: 'metrics' | 'logs';
  json: boolean;
  body: Uint8Array;
  /** The body before compression. */
  raw: Uint8Array;
  /** What the in-process decoder says of the (decompressed) body. */
  expected: Outcome;
  gzip: boolean;
  /** Larger than the receiver's limit after decompression. */
  oversize: boolean;
}

/** The transport's body limit in these runs: small, so oversize cases stay cheap. */
const WIRE_MAX_BODY = 256 * 1024;

function wireCase(seeds: OtlpSeeds, r: Rng, allowJson: boolean): WireCase {
  const signal = r() < 0.6 ? 'metrics' : 'logs';
  const json = allowJson && r() < 0.4;
  let raw: Uint8Array;
  if (json) raw = Buffer.from(mutateJson(pick(r, signal === 'metrics' ? seeds.metricsJson : seeds.logsJson), r));
  else raw = mutateProtobuf(signal === 'metrics' ? seeds.metricsProtobuf : seeds.logsProtobuf, r);
  const special = r();
  if (special < 0.03) {
    // Past the limit: plain bytes, or (with gzip below) a compression bomb.
    raw = Uint8Array.from([...raw, ...new Uint8Array(WIRE_MAX_BODY + 1)]);
  }
  // Repeated fields can grow a mutation past the limit too.
  const oversize = raw.length > WIRE_MAX_BODY;
  const expected = oversize
    ? ({ kind: 'rejected', messageClass: 'too large' } as const)
    : signal === 'metrics'
      ? json ? judgeMetricsJson(raw) : judgeMetricsProtobuf(raw)
      : json ? judgeLogsJson(raw) : judgeLogsProtobuf(raw);
  const gzip = oversize ? special < 0.015 : r() < 0.1;
  return { signal, json, body: gzip ? gzipSync(raw) : raw, raw, expected, gzip, oversize };
}

/** google.rpc.Status.message (field 2) from a protobuf error body. */
function statusMessage(body: Uint8Array): string | undefined {
  const f = parseFields(body);
  const m = f?.find((x) => x.field === 2 && x.bytes !== undefined);
  if (m?.bytes !== undefined) return Buffer.from(m.bytes).toString('utf8');
  // A short message may also have parsed as a message tree.
  const c = f?.find((x) => x.field === 2 && x.children !== undefined);
  return c !== undefined ? Buffer.from(encodeFields(c.children ?? [])).toString('utf8') : undefined;
}

const httpTarget: FuzzTarget = {
  name: 'OTLP/HTTP (socket)',
  kind: 'transport',
  async setup({ seed }) {
    const seeds = await otlpSeeds(seed);
    const rx = await createHttpReceiver({ sink: drainSink, port: 0, maxBodyBytes: WIRE_MAX_BODY });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (c: WireCase): Promise<{ status: number; type: string; body: Buffer }> =>
      new Promise((resolve, reject) => {
        const req = request(`${rx.url}/v1/${c.signal}`, {
          method: 'POST',
          agent,
          headers: { 'content-type': c.json ? 'application/json' : 'application/x-protobuf', 'content-length': c.body.length, ...(c.gzip ? { 'content-encoding': 'gzip' } : {}) },
        });
        req.setTimeout(8_000, () => req.destroy(new Error('no answer within 8 s')));
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(c.body);
      });
    return {
      input: (r) => wireCase(seeds, r, true),
      async run(input) {
        const c = input as WireCase;
        let res: { status: number; type: string; body: Buffer };
        try {
          res = await post(c);
        } catch (e) {
          // A large body refused before it was all sent may see the connection closed: only then acceptable.
          if (c.oversize) return { kind: 'rejected', messageClass: `HTTP 413 (connection closed early: ${(e as Error).message})` };
          return { kind: 'crash', error: `no HTTP answer: ${crashText(e)}` };
        }
        const type = c.json ? 'application/json' : 'application/x-protobuf';
        if (!res.type.startsWith(type)) return { kind: 'crash', error: `HTTP ${res.status} answered in ${res.type}, not ${type}` };
        const message = c.json ? ((): string | undefined => { try { return (JSON.parse(res.body.toString('utf8')) as { message?: string }).message; } catch { return undefined; } })() : statusMessage(res.body);
        const want = c.expected;
        if (want.kind === 'crash') return { kind: 'crash', error: `the decoder crashed on this body (HTTP ${res.status}): ${want.error}` };
        if (want.kind === 'accepted') return res.status === 200 ? { kind: 'accepted' } : { kind: 'crash', error: `decodable body answered HTTP ${res.status}: ${message ?? ''}` };
        const status = c.oversize ? 413 : 400;
        if (res.status !== status) return { kind: 'crash', error: `expected HTTP ${status}, got ${res.status}: ${message ?? res.body.toString('utf8').slice(0, 200)}` };
        if (message === undefined || message.length === 0) return { kind: 'crash', error: `HTTP ${status} without a message` };
        return { kind: 'rejected', messageClass: `HTTP ${status}: ${messageClass(message)}` };
      },
      show: (i) => {
        const c = i as WireCase;
        return `${c.signal} ${c.json ? 'json' : 'protobuf'}${c.gzip ? ' gzip' : ''}: ${base64(c.body)}`;
      },
      close: async () => {
        agent.destroy();
        await rx.close();
      },
    };
  },
};

const grpcTarget: FuzzTarget = {
  name: 'OTLP/gRPC (socket)',
  kind: 'transport',
  async setup({ seed }) {
    const seeds = await otlpSeeds(seed);
    const rx = await createGrpcReceiver({ sink: drainSink, port: 0, maxBodyBytes: WIRE_MAX_BODY });
    const address = `127.0.0.1:${rx.address.port}`;
    const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
    // gRPC compresses the message itself (the receiver's limit applies after decompression).
    const gzipClient = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
    // The mutated bytes are the Export message itself: a passthrough serializer.
    const passthrough = (b: Buffer): Buffer => b;
    const call = (c: WireCase): Promise<{ code: number; details: string }> =>
      new Promise((resolve) => {
        const path = c.signal === 'metrics' ? '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export' : '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
        (c.gzip ? gzipClient : client).makeUnaryRequest(path, passthrough, passthrough, Buffer.from(c.raw), new grpc.Metadata(), { deadline: Date.now() + 8_000 }, (err) => {
          resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' });
        });
      });
    return {
      input: (r) => wireCase(seeds, r, false),
      async run(input) {
        const c = input as WireCase;
        const res = await call(c);
        const want = c.expected;
        if (want.kind === 'crash') return { kind: 'crash', error: `the decoder crashed on this message (gRPC ${grpc.status[res.code]}): ${want.error}` };
        if (want.kind === 'accepted') return res.code === grpc.status.OK ? { kind: 'accepted' } : { kind: 'crash', error: `decodable message answered ${grpc.status[res.code]}: ${res.details}` };
        const code = c.oversize ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.INVALID_ARGUMENT;
        if (res.code !== code) return { kind: 'crash', error: `expected ${grpc.status[code]}, got ${grpc.status[res.code]}: ${res.details}` };
        if (res.details.length === 0) return { kind: 'crash', error: `${grpc.status[code]} without a message` };
        return { kind: 'rejected', messageClass: `${grpc.status[code]}: ${messageClass(res.details)}` };
      },
      show: (i) => `${(i as WireCase).signal}: ${base64((i as WireCase).body)}`,
      close: async () => {
        client.close();
        gzipClient.close();
        await rx.close();
      },
    };
  },
};

// ---- baseline readers -----------------------------------------------------------

const FIXTURES = new URL('../fixtures/baseline/', import.meta.url);
const CSV_SPECIALS = ['"', ',', '\n', '\r\n', '\r', '""', '"a,b"', '\ufeff', '\u0000', 'NaN', 'inf', '-1e400', '1e400', 'np.float64(1)', ' ', ';', '\t', ',,,,'];
const JSONL_SPECIALS = ['{', '}', '[', ']', ':', ',', '"', '\\', '\n', '\r\n', 'null', '1e400', '-0', 'NaN', '{"a":{"b":[1,2]}}', '"\\ud800"', '\u2028', '{"__proto__":1}', '[[[[[[[[[['];

/** Small valid tables from fast-check: column names and rows of numbers, strings, booleans and blanks. */
function arbitraryTables(seed: number, n: number): { columns: string[]; rows: (number | string | boolean | null)[][] }[] {
  const cell = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));
  return fc.sample(
    fc.uniqueArray(fc.stringMatching(/^[a-z][a-z_]{0,7}$/), { minLength: 1, maxLength: 5 }).chain((columns) =>
      fc.record({ columns: fc.constant(columns), rows: fc.array(fc.array(cell, { minLength: columns.length, maxLength: columns.length }), { minLength: 1, maxLength: 20 }) }),
    ),
    { seed, numRuns: n },
  );
}

const csvCell = (v: unknown): string => {
  const s = v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

function headLines(file: string, lines: number): string {
  return readFileSync(new URL(file, FIXTURES), 'utf8').split('\n').slice(0, lines).join('\n') + '\n';
}

function baselineOutcome(e: unknown): Outcome {
  if (!(e instanceof BaselineInputError)) return { kind: 'crash', error: crashText(e) };
  if (e.message.length === 0) return { kind: 'crash', error: `BaselineInputError without a message (${e.code})` };
  const cause = e.cause;
  // A library's own fault surfacing as a TypeError or RangeError is named by context only: counted apart.
  const internal = ENGINE_ERRORS.some((E) => cause instanceof E) ? ' [engine error inside]' : '';
  return { kind: 'rejected', messageClass: `${e.code}: ${messageClass(e.message.replace(/^[^:]*: /, ''))}${internal}` };
}

function readerTarget(name: string, ext: string, seedFiles: (seed: number) => Uint8Array[], mutate: (seed: Uint8Array, r: Rng, pool: Uint8Array[]) => Uint8Array, caseTimeoutMs?: number): FuzzTarget {
  return {
    name,
    kind: 'decoder',
    ...(caseTimeoutMs !== undefined ? { caseTimeoutMs } : {}),
    async setup({ dir, seed }) {
      const pool = seedFiles(seed);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `case.${ext}`);
      return {
        input: (r) => mutate(pick(r, pool), r, pool),
        async run(input) {
          writeFileSync(path, input as Uint8Array);
          try {
            const report = await buildBaselineReport({ model: 'm', input: path });
            // Sane: the baseline the service would load, with finite counts.
            parseBaseline(JSON.parse(JSON.stringify(report.baseline)));
            if (!Number.isInteger(report.rows) || report.rows < 1) return { kind: 'crash', error: `accepted with ${report.rows} rows` };
            return { kind: 'accepted' };
          } catch (e) {
            if (e instanceof Error && e.name === 'BaselineFormatError') return { kind: 'crash', error: `built a baseline that does not load: ${e.message}` };
            return baselineOutcome(e);
          }
        },
        show: (i) => (ext === 'parquet' ? base64(i as Uint8Array) : excerpt(Buffer.from(i as Uint8Array).toString('utf8'))),
        close: async () => {},
      };
    },
  };
}

const csvTarget = readerTarget(
  'baseline CSV',
  'csv',
  (seed) => [
    Buffer.from(headLines('rows.csv', 40)),
    ...arbitraryTables(seed, 20).map((t) => Buffer.from([t.columns.join(','), ...t.rows.map((row) => row.map(csvCell).join(','))].join('\n') + '\n')),
  ],
  (s, r) => mutateText(Buffer.from(s).toString('utf8'), r, CSV_SPECIALS),
);

const jsonlTarget = readerTarget(
  'baseline JSONL',
  'jsonl',
  (seed) => [
    Buffer.from(headLines('rows.jsonl', 40)),
    ...arbitraryTables(seed, 20).map((t) => Buffer.from(t.rows.map((row) => JSON.stringify(Object.fromEntries(t.columns.map((c, i) => [c, row[i]])))).join('\n') + '\n')),
  ],
  (s, r) => (r() < 0.3 ? Buffer.from(s.toString().split('\n').map((l) => (l && r() < 0.2 ? mutateJson(l, r) : l)).join('\n')) : mutateText(Buffer.from(s).toString('utf8'), r, JSONL_SPECIALS)),
);

/** Parquet files from hyparquet-writer (typed columns with nulls, snappy and plain), and the committed pyarrow fixture. */
function parquetSeeds(seed: number): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(readFileSync(new URL('rows.parquet', FIXTURES)))];
  const tables = fc.sample(
    fc.record({
      rows: fc.integer({ min: 1, max: 40 }),
      codec: fc.constantFrom('SNAPPY', 'UNCOMPRESSED'),
      columns: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z][a-z_]{0,7}$/), type: fc.constantFrom('DOUBLE', 'INT32', 'INT64', 'STRING', 'BOOLEAN', 'FLOAT') }), { minLength: 1, maxLength: 4, selector: (c) => c.name }),
      seed: fc.integer(),
    }),
    { seed, numRuns: 12 },
  );
  for (const t of tables) {
    const values = fc.sample(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { seed: t.seed, numRuns: t.rows });
    const columnData = t.columns.map((c, j) => ({
      name: c.name,
      type: c.type as 'DOUBLE',
      data: values.map((v, i): unknown => {
        if ((i + j) % 7 === 3) return null;
        switch (c.type) {
          case 'INT32': return Math.trunc(v) % 2 ** 31;
          case 'INT64': return BigInt(Math.trunc(v));
          case 'STRING': return `s${Math.trunc(v) % 5}`;
          case 'BOOLEAN': return v > 0;
          case 'FLOAT': return Math.fround(v);
          default: return v;
        }
      }) as number[],
    }));
    out.push(new Uint8Array(parquetWriteBuffer({ columnData, codec: t.codec as 'SNAPPY', rowGroupSize: 1 + (t.seed >>> 0) % 25 })));
  }
  return out;
}

// Files of at most a few thousand rows: the reader's own deadline for them is
// 3 s (PARQUET_MIN_DEADLINE_MS, past which it stops hyparquet decoding a
// corrupt run length and refuses the file); a case past 6 s is a hang.
const parquetTarget = readerTarget('baseline Parquet', 'parquet', parquetSeeds, (s, r, pool) => mutateBytes(s, r, pick(r, pool), 512), 6000);

// ---- config ----------------------------------------------------------------------

const CONFIG = `evaluation: { interval: 30s }
server: { otlpHttp: "127.0.0.1:4318", otlpGrpc: "127.0.0.1:4317", http: "127.0.0.1:9464" }
storage: { minFreeSpace: 64MiB }
limits: { maxModels: 50 }
alerting:
  alertmanagers: [ "http://127.0.0.1:9093" ]
  webhooks: [ { url: "http://127.0.0.1:8080/hook", headers: { x-token: secret-value } } ]
defaults:
  window: 1h
  slot: 1m
  driftWindows: [1m, 10m]
  alerts: { HighLowConfidencePredictions: { threshold: 0.3 } }
models:
  - name: sentiment
    version: "2"
    task: classification
    baseline: baselines/sentiment.json
    features: { text_length: numeric, language: categorical }
    slos:
      - { name: p95, kind: latency, objective: 0.95, threshold: 0.25 }
      - { name: cost, kind: cost, objective: 0.9, threshold: 0.05, costPerHour: 2 }
    alerts: { DataDriftDetected: { for: 0s }, HighErrorRate: { enabled: false } }
  - { name: price, task: regression, window: 30m }
`;
const YAML_SPECIALS = [':', ': ', '- ', '\t', '"', "'", '&a ', '*a', '<<: *a\n', '!!binary ', '!!js/function ', '!!set ', '? ', '{', '}', '[', ']', '#', '|', '>', '%YAML 1.1\n', '---\n', '...\n', '\u0000', '\ufeff', '~', '1e400', '0x1F', '.inf', '.nan', '30x', '-1s', '99999999999999999999h', '\n  ', 'models:\n', 'a: &x [1,2,3,4,5,6,7,8,9]\nb: &y [*x,*x,*x,*x,*x,*x,*x,*x,*x]\nc: &z [*y,*y,*y,*y,*y,*y,*y,*y,*y]\nd: [*z,*z,*z,*z,*z,*z,*z,*z,*z]\n'];

/** Twice the loader's bound on nesting (CONFIG_MAX_DEPTH): deeper documents are written as JSON. */
const CONFIG_DEEP = 64;

/** How deep arrays and objects nest in a JSON value, counted no further than `max` + 1. */
function nestingDepth(v: unknown, max: number, depth = 0): number {
  if (depth > max || v === null || typeof v !== 'object') return depth;
  let deepest = depth + 1;
  for (const x of Object.values(v)) {
    deepest = Math.max(deepest, nestingDepth(x, max, depth + 1));
    if (deepest > max) break;
  }
  return deepest;
}

function configOutcome(e: unknown, input: Uint8Array): Outcome {
  if (!(e instanceof ConfigError)) return { kind: 'crash', error: crashText(e) };
  if (e.problems.length === 0 || e.problems.some((p) => p.trim().length === 0)) return { kind: 'crash', error: `ConfigError without problems: ${e.message}` };
  // A header value is a secret where it belongs (a webhook's headers); moved elsewhere by a mutation, it is plain data.
  if (e.message.includes('secret-value') && /headers:\s*\{?\s*x-token: secret-value/.test(Buffer.from(input).toString('utf8'))) {
    return { kind: 'crash', error: `ConfigError shows a secret: ${e.message}` };
  }
  const first = (e.problems[0] as string).replace(/^[\w.]+: /, '');
  return { kind: 'rejected', messageClass: messageClass(first) };
}

const configTarget: FuzzTarget = {
  name: 'config (YAML)',
  kind: 'decoder',
  async setup({ dir, seed }) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'modelwatch.yaml');
    const parsed = yamlParse(CONFIG) as Record<string, unknown>;
    // Valid-shaped variations from fast-check: models with arbitrary names, tasks and windows.
    const variants = fc.sample(
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 20 }),
        task: fc.constantFrom('classification', 'regression'),
        window: fc.constantFrom('1m', '5m', '1h', '1d'),
        interval: fc.constantFrom('1s', '30s', '5m'),
      }),
      { seed, numRuns: 10 },
    ).map((v) => yamlStringify({ ...parsed, evaluation: { interval: v.interval }, models: [{ name: v.name, task: v.task, window: v.window }] }));
    const pool = [CONFIG, ...variants];
    return {
      input: (r) => {
        const s = pick(r, pool);
        if (r() < 0.5) return mutateText(s, r, YAML_SPECIALS);
        const doc = JSON.parse(JSON.stringify(yamlParse(s))) as Parameters<typeof mutateJsonValue>[0];
        const mutated = mutateJsonValue(doc, r);
        // Nested past any sane depth (an OTLP AnyValue spliced in), as JSON, which YAML reads too: block YAML indents
        // every level, and a thousand copies of a 180-deep value came to 20-50 MiB of text that took the harness 3-8 s
        // to write (counted as the case's time and heap). The loader refuses it by its depth either way.
        return new Uint8Array(Buffer.from(nestingDepth(mutated, CONFIG_DEEP) > CONFIG_DEEP ? JSON.stringify(mutated) : yamlStringify(mutated)));
      },
      run(input) {
        writeFileSync(path, input as Uint8Array);
        try {
          const c = loadConfig({ path, env: {} });
          return typeof c === 'object' && Array.isArray(c.models) ? { kind: 'accepted' } : { kind: 'crash', error: 'loadConfig returned no models array' };
        } catch (e) {
          return configOutcome(e, input as Uint8Array);
        }
      },
      show: (i) => excerpt(Buffer.from(i as Uint8Array).toString('utf8')),
      close: async () => {},
    };
  },
};

// ---- the registry ------------------------------------------------------------------

/** Every target, in run order; decoders first (these count toward `fuzzCasesPerDecoder`). */
export const TARGETS: readonly FuzzTarget[] = [
  decoderTarget('OTLP metrics protobuf', (s, r) => mutateProtobuf(s.metricsProtobuf, r), judgeMetricsProtobuf),
  decoderTarget('OTLP logs protobuf', (s, r) => mutateProtobuf(s.logsProtobuf, r), judgeLogsProtobuf),
  decoderTarget('OTLP metrics JSON', (s, r) => mutateJson(pick(r, s.metricsJson), r), judgeMetricsJson),
  decoderTarget('OTLP logs JSON', (s, r) => mutateJson(pick(r, s.logsJson), r), judgeLogsJson),
  csvTarget,
  jsonlTarget,
  parquetTarget,
  configTarget,
  grpcTarget,
  httpTarget,
];

/**
 * Targets that misbehave on purpose, to check the harness itself: case 2
 * never returns, case 4 allocates and keeps 300 MB, case 6 throws a TypeError.
 */
export const SELF_TEST_TARGET: FuzzTarget = {
  name: 'self-test',
  kind: 'decoder',
  async setup() {
    const kept: Uint8Array[] = [];
    return {
      input: (_r, index) => index,
      run(i) {
        if (i === 2) for (;;);
        if (i === 4) kept.push(new Uint8Array(300 * 1024 * 1024).fill(1));
        if (i === 6) throw new TypeError('boom');
        return { kind: 'accepted' };
      },
      show: (i) => String(i),
      close: async () => {},
    };
  },
};

export function targetByName(name: string): FuzzTarget {
  const t = [...TARGETS, SELF_TEST_TARGET].find((x) => x.name === name);
  if (t === undefined) throw new Error(`no fuzz target ${JSON.stringify(name)}; one of: ${TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}

