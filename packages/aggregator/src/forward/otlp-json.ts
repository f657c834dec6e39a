/**
 * OTLP/JSON request bodies re-encoded as OTLP/protobuf, for forwarding over
 * gRPC (which carries protobuf only). Over OTLP/HTTP a JSON body is sent as
 * it was received, as JSON: the specification lets OTLP/HTTP carry either,
 * and sending the bytes as received is cheaper and changes nothing. Pure.
 *
 * Driven by a table of the OTLP messages the aggregator receives
 * (`ExportMetricsServiceRequest`, `ExportLogsServiceRequest` and what they
 * contain), with the JSON mapping the receiver accepts (decode-json.ts):
 * lowerCamelCase or snake_case keys, enums as numbers or names, 64-bit
 * integers as decimal strings or numbers (kept exact through `bigint`),
 * `traceId`/`spanId` as hex and other bytes as base64, doubles also as
 * `"NaN"`/`"Infinity"`/`"-Infinity"`, `null` as absent. Unknown keys are left
 * out (a protobuf encoder cannot place them; the receiver ignores them too).
 * Every field present in the JSON is written, zero values included, so the
 * presence of `optional` fields and oneof members (`asDouble: 0`) survives.
 *
 * @module
 */
import { SEVERITY, TEMPORALITY } from '../receiver/otlp/decode-json.js';
import { ProtoWriter as Out } from './proto-writer.js';

type Scalar = 'string' | 'bool' | 'double' | 'uint32' | 'sint32' | 'fixed32' | 'fixed64' | 'sfixed64' | 'int64' | 'uint64' | 'hex' | 'base64';
interface Field {
  no: number;
  kind: Scalar | 'enum' | Message;
  repeated?: boolean;
  /** Enum names accepted besides numbers. */
  names?: Readonly<Record<string, number>>;
}
/** A message: its fields by JSON key (lowerCamelCase; snake_case is derived). */
type Message = { [key: string]: Field };

const WIRE: Readonly<Record<Scalar | 'enum', number>> = {
  string: 2, bool: 0, double: 1, uint32: 0, sint32: 0, fixed32: 5, fixed64: 1, sfixed64: 1, int64: 0, uint64: 0, hex: 2, base64: 2, enum: 0,
};
/** Scalars that a repeated field packs (proto3 packs repeated numbers by default). */
const PACKABLE = new Set<string>(['double', 'uint32', 'sint32', 'fixed32', 'fixed64', 'sfixed64', 'int64', 'uint64', 'bool', 'enum']);

// The OTLP messages (opentelemetry-proto v1), field numbers as in the .proto files.
const AnyValue: Message = {};
const KeyValue: Message = { key: { no: 1, kind: 'string' }, value: { no: 2, kind: AnyValue } };
const ArrayValue: Message = { values: { no: 1, kind: AnyValue, repeated: true } };
const KeyValueList: Message = { values: { no: 1, kind: KeyValue, repeated: true } };
Object.assign(AnyValue, {
  stringValue: { no: 1, kind: 'string' },
  boolValue: { no: 2, kind: 'bool' },
  intValue: { no: 3, kind: 'int64' },
  doubleValue: { no: 4, kind: 'double' },
  arrayValue: { no: 5, kind: ArrayValue },
  kvlistValue: { no: 6, kind: KeyValueList },
  bytesValue: { no: 7, kind: 'base64' },
} satisfies Message);
const attrs = (no: number): Field => ({ no, kind: KeyValue, repeated: true });
const Resource: Message = { attributes: attrs(1), droppedAttributesCount: { no: 2, kind: 'uint32' } };
const Scope: Message = { name: { no: 1, kind: 'string' }, version: { no: 2, kind: 'string' }, attributes: attrs(3), droppedAttributesCount: { no: 4, kind: 'uint32' } };
const Exemplar: Message = {
  filteredAttributes: attrs(7), timeUnixNano: { no: 2, kind: 'fixed64' }, asDouble: { no: 3, kind: 'double' }, asInt: { no: 6, kind: 'sfixed64' },
  spanId: { no: 4, kind: 'hex' }, traceId: { no: 5, kind: 'hex' },
};
const exemplars = (no: number): Field => ({ no, kind: Exemplar, repeated: true });
const times = { startTimeUnixNano: { no: 2, kind: 'fixed64' }, timeUnixNano: { no: 3, kind: 'fixed64' } } satisfies Message;
const NumberDataPoint: Message = { attributes: attrs(7), ...times, asDouble: { no: 4, kind: 'double' }, asInt: { no: 6, kind: 'sfixed64' }, exemplars: exemplars(5), flags: { no: 8, kind: 'uint32' } };
const HistogramDataPoint: Message = {
  attributes: attrs(9), ...times, count: { no: 4, kind: 'fixed64' }, sum: { no: 5, kind: 'double' },
  bucketCounts: { no: 6, kind: 'fixed64', repeated: true }, explicitBounds: { no: 7, kind: 'double', repeated: true },
  exemplars: exemplars(8), flags: { no: 10, kind: 'uint32' }, min: { no: 11, kind: 'double' }, max: { no: 12, kind: 'double' },
};
const Buckets: Message = { offset: { no: 1, kind: 'sint32' }, bucketCounts: { no: 2, kind: 'uint64', repeated: true } };
const ExponentialHistogramDataPoint: Message = {
  attributes: attrs(1), ...times, count: { no: 4, kind: 'fixed64' }, sum: { no: 5, kind: 'double' }, scale: { no: 6, kind: 'sint32' },
  zeroCount: { no: 7, kind: 'fixed64' }, positive: { no: 8, kind: Buckets }, negative: { no: 9, kind: Buckets }, flags: { no: 10, kind: 'uint32' },
  exemplars: exemplars(11), min: { no: 12, kind: 'double' }, max: { no: 13, kind: 'double' }, zeroThreshold: { no: 14, kind: 'double' },
};
const ValueAtQuantile: Message = { quantile: { no: 1, kind: 'double' }, value: { no: 2, kind: 'double' } };
const SummaryDataPoint: Message = {
  attributes: attrs(7), ...times, count: { no: 4, kind: 'fixed64' }, sum: { no: 5, kind: 'double' },
  quantileValues: { no: 6, kind: ValueAtQuantile, repeated: true }, flags: { no: 8, kind: 'uint32' },
};
const temporality: Field = { no: 2, kind: 'enum', names: TEMPORALITY };
const points = (kind: Message): Field => ({ no: 1, kind, repeated: true });
const Metric: Message = {
  name: { no: 1, kind: 'string' }, description: { no: 2, kind: 'string' }, unit: { no: 3, kind: 'string' },
  gauge: { no: 5, kind: { dataPoints: points(NumberDataPoint) } },
  sum: { no: 7, kind: { dataPoints: points(NumberDataPoint), aggregationTemporality: temporality, isMonotonic: { no: 3, kind: 'bool' } } },
  histogram: { no: 9, kind: { dataPoints: points(HistogramDataPoint), aggregationTemporality: temporality } },
  exponentialHistogram: { no: 10, kind: { dataPoints: points(ExponentialHistogramDataPoint), aggregationTemporality: temporality } },
  summary: { no: 11, kind: { dataPoints: points(SummaryDataPoint) } },
  metadata: attrs(12),
};
const schemaUrl: Field = { no: 3, kind: 'string' };
const MetricsRequest: Message = {
  resourceMetrics: {
    no: 1, repeated: true,
    kind: { resource: { no: 1, kind: Resource }, scopeMetrics: { no: 2, repeated: true, kind: { scope: { no: 1, kind: Scope }, metrics: { no: 2, kind: Metric, repeated: true }, schemaUrl } }, schemaUrl },
  },
};
const LogRecord: Message = {
  timeUnixNano: { no: 1, kind: 'fixed64' }, observedTimeUnixNano: { no: 11, kind: 'fixed64' }, severityNumber: { no: 2, kind: 'enum', names: SEVERITY },
  severityText: { no: 3, kind: 'string' }, body: { no: 5, kind: AnyValue }, attributes: attrs(6), droppedAttributesCount: { no: 7, kind: 'uint32' },
  flags: { no: 8, kind: 'fixed32' }, traceId: { no: 9, kind: 'hex' }, spanId: { no: 10, kind: 'hex' }, eventName: { no: 12, kind: 'string' },
};
const LogsRequest: Message = {
  resourceLogs: {
    no: 1, repeated: true,
    kind: { resource: { no: 1, kind: Resource }, scopeLogs: { no: 2, repeated: true, kind: { scope: { no: 1, kind: Scope }, logRecords: { no: 2, kind: LogRecord, repeated: true }, schemaUrl } }, schemaUrl },
  },
};

/** Thrown for a JSON body that cannot be re-encoded (the receiver decoded it, so this means a value it read leniently). */
export class OtlpJsonTranscodeError extends Error {
  override readonly name = 'OtlpJsonTranscodeError';
}

const INT_RE = /^-?\d+$/;
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const utf8 = new TextEncoder();
/** Nesting deeper than this (AnyValue in AnyValue) is refused: the receiver's decoder bounds it lower. */
const MAX_DEPTH = 128;

function fail(path: string, what: string): never {
  throw new OtlpJsonTranscodeError(`cannot re-encode the OTLP/JSON body as protobuf: ${path}: ${what}`);
}

function integer(v: unknown, path: string): bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && INT_RE.test(v)) return BigInt(v);
  return fail(path, `expected an integer, got ${JSON.stringify(v)}`);
}

function doubleOf(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return fail(path, `expected a number, got ${JSON.stringify(v)}`);
}

function writeScalar(out: Out, kind: Scalar | 'enum', v: unknown, path: string, names?: Readonly<Record<string, number>>): void {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') fail(path, `expected a string, got ${JSON.stringify(v)}`);
      out.bytes(utf8.encode(v));
      return;
    case 'bool':
      if (typeof v !== 'boolean') fail(path, `expected true or false, got ${JSON.stringify(v)}`);
      out.small(v ? 1 : 0);
      return;
    case 'double':
      out.double(doubleOf(v, path));
      return;
    case 'enum': {
      const n = typeof v === 'string' && names?.[v] !== undefined ? names[v] : integer(v, path);
      out.varint(BigInt(n));
      return;
    }
    case 'uint32':
    case 'int64':
    case 'uint64':
      out.varint(integer(v, path));
      return;
    case 'sint32': {
      const n = integer(v, path);
      out.varint(n >= 0n ? n * 2n : -n * 2n - 1n); // zigzag
      return;
    }
    case 'fixed32':
      out.fixed32(Number(integer(v, path)));
      return;
    case 'fixed64':
    case 'sfixed64':
      out.fixed64(integer(v, path));
      return;
    case 'hex':
      if (typeof v !== 'string' || !HEX_RE.test(v)) fail(path, `expected hex digits, got ${JSON.stringify(v)}`);
      out.bytes(Buffer.from(v, 'hex'));
      return;
    case 'base64':
      if (typeof v !== 'string') fail(path, `expected base64 text, got ${JSON.stringify(v)}`);
      out.bytes(Buffer.from(v, 'base64'));
      return;
    default: {
      const never: never = kind;
      fail(path, `unknown kind ${String(never)}`);
    }
  }
}

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function writeMessage(out: Out, msg: Message, o: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) fail(path, `nested deeper than ${MAX_DEPTH}`);
  if (o === null || typeof o !== 'object' || Array.isArray(o)) fail(path, `expected an object, got ${JSON.stringify(o)?.slice(0, 40)}`);
  const obj = o as Record<string, unknown>;
  for (const [key, field] of Object.entries(msg)) {
    let v = obj[key];
    if (v === undefined || v === null) v = obj[snake(key)];
    if (v === undefined || v === null) continue;
    const at = `${path}.${key}`;
    if (field.repeated) {
      if (!Array.isArray(v)) fail(at, 'expected an array');
      if (typeof field.kind !== 'object' && PACKABLE.has(field.kind)) {
        const packed = new Out();
        v.forEach((x, i) => writeScalar(packed, field.kind as Scalar | 'enum', x, `${at}[${i}]`, field.names));
        out.small((field.no << 3) | 2);
        out.bytes(packed.result());
      } else v.forEach((x, i) => writeOne(out, field, x, `${at}[${i}]`, depth));
    } else writeOne(out, field, v, at, depth);
  }
}

function writeOne(out: Out, field: Field, v: unknown, path: string, depth: number): void {
  if (v === null) return;
  if (typeof field.kind === 'object') {
    const inner = new Out();
    writeMessage(inner, field.kind, v, path, depth + 1);
    out.small((field.no << 3) | 2);
    out.bytes(inner.result());
    return;
  }
  out.small((field.no << 3) | WIRE[field.kind]);
  writeScalar(out, field.kind, v, path, field.names);
}

/**
 * Re-encodes an OTLP/JSON `Export{Metrics,Logs}ServiceRequest` body as protobuf.
 * @throws OtlpJsonTranscodeError naming the field that could not be encoded.
 */
export function otlpJsonToProtobuf(kind: 'metrics' | 'logs', body: Uint8Array | string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new OtlpJsonTranscodeError(`cannot re-encode the OTLP/JSON body as protobuf: it is not JSON (${(err as Error).message})`);
  }
  const out = new Out();
  writeMessage(out, kind === 'metrics' ? MetricsRequest : LogsRequest, parsed, '$', 0);
  return out.result();
}
