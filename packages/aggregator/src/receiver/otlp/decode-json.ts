/**
 * Decoders for OTLP/JSON requests into the same data model as the protobuf
 * decoders (`types.ts`).
 *
 * Follows the OTLP/JSON mapping: lowerCamelCase keys (the proto field names in
 * snake_case are accepted too, as proto3 JSON parsers must), enums as numbers
 * or names, 64-bit integers as decimal strings or numbers, `traceId`/`spanId`
 * as hex, other bytes as base64, doubles also as `"NaN"`/`"Infinity"`/
 * `"-Infinity"`, `null` as absent, unknown keys ignored.
 *
 * @packageDocumentation
 */
import { OtlpDecodeError } from './errors.js';
import type {
  AnyValue,
  Attributes,
  ExpBuckets,
  ExpHistogramPoint,
  HistogramPoint,
  LogRecord,
  LogsRequest,
  Metric,
  MetricsRequest,
  NumberPoint,
  QuantileValue,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  Scope,
  ScopeLogs,
  ScopeMetrics,
  SummaryPoint,
  Temporality,
} from './types.js';
import { createAttributes } from './types.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const MAX_ANY_DEPTH = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` (UTF-8 bytes or a string).
 *
 * @throws {OtlpDecodeError} naming the JSON path of the offending field.
 */
export function decodeMetricsJson(body: Uint8Array | string): MetricsRequest {
  const root = parseRoot(body, 'ExportMetricsServiceRequest');
  return { resourceMetrics: list(root, 'resourceMetrics', 'resource_metrics', readResourceMetrics) };
}

/**
 * Decodes an OTLP/JSON `ExportLogsServiceRequest` (UTF-8 bytes or a string).
 *
 * @throws {OtlpDecodeError} naming the JSON path of the offending field.
 */
export function decodeLogsJson(body: Uint8Array | string): LogsRequest {
  const root = parseRoot(body, 'ExportLogsServiceRequest');
  return { resourceLogs: list(root, 'resourceLogs', 'resource_logs', readResourceLogs) };
}

// ---- plumbing ----------------------------------------------------------

function parseRoot(body: Uint8Array | string, what: string): Obj {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch (cause) {
    throw new OtlpDecodeError(`invalid JSON: ${what} body is not valid UTF-8`, '$', -1, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new OtlpDecodeError(`invalid JSON: ${(cause as Error).message}`, '$', -1, { cause });
  }
  if (!isObj(parsed)) throw new OtlpDecodeError(`invalid JSON: ${what} must be an object, got ${kind(parsed)}`, '$');
  return parsed;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

/** Field error at `path` (relative; parents prepend their part while the error travels up). */
function bad(path: string, msg: string): never {
  throw new OtlpDecodeError(`invalid JSON: ${path}: ${msg}`, path);
}

/** Re-throws `e` with `prefix` prepended to its path. */
function within(e: unknown, prefix: string): never {
  if (e instanceof OtlpDecodeError) {
    const path = e.field === '$' ? prefix : e.field.startsWith('[') ? `${prefix}${e.field}` : `${prefix}.${e.field}`;
    const msg = e.message.replace(`invalid JSON: ${e.field}:`, `invalid JSON: ${path}:`);
    throw new OtlpDecodeError(msg, path, -1, { cause: e.cause });
  }
  throw e;
}

/** Value of a field under its lowerCamelCase or snake_case key; `undefined` for absent or null. */
function get(o: Obj, camel: string, snake: string): Json | undefined {
  let v = o[camel];
  if (v === undefined && snake !== camel) v = o[snake];
  return v === null ? undefined : v;
}

function list<T>(o: Obj, camel: string, snake: string, read: (v: Obj) => T): T[] {
  const v = get(o, camel, snake);
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(camel, `expected an array, got ${kind(v)}`);
  const out: T[] = new Array<T>(v.length);
  for (let i = 0; i < v.length; i++) {
    const item = v[i];
    try {
      if (!isObj(item)) bad('$', `expected an object, got ${kind(item)}`);
      out[i] = read(item);
    } catch (e) {
      within(e, `${camel}[${i}]`);
    }
  }
  return out;
}

function obj(o: Obj, camel: string, snake: string): Obj | undefined {
  const v = get(o, camel, snake);
  if (v === undefined) return undefined;
  if (!isObj(v)) bad(camel, `expected an object, got ${kind(v)}`);
  return v;
}

function str(o: Obj, camel: string, snake: string): string {
  const v = get(o, camel, snake);
  if (v === undefined) return '';
  if (typeof v !== 'string') bad(camel, `expected a string, got ${kind(v)}`);
  return v;
}

function boolean(o: Obj, camel: string, snake: string): boolean {
  const v = get(o, camel, snake);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') bad(camel, `expected a boolean, got ${kind(v)}`);
  return v;
}

const INT_RE = /^-?\d+$/;

/**
 * The protobuf integer types a JSON integer stands for, with their ranges.
 * A value outside its field's type is refused, as proto3 JSON parsers must:
 * found by fuzzing (issue 16), counts of -1 or 2^64 and timestamps of 400
 * digits used to be taken, and "99...9" became Infinity.
 */
const INT_TYPES = {
  // 2^64 - 1 and 2^63 - 1 are not doubles: they round up to the bound (as the protobuf decoder's fixed64 does).
  uint64: { min: 0, max: 2 ** 64 },
  uint32: { min: 0, max: 2 ** 32 - 1 },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1 },
  int64: { min: -(2 ** 63), max: 2 ** 63 },
} as const;
type IntType = keyof typeof INT_TYPES;

/** An integer field as a number; decimal strings accepted. */
function int(o: Obj, camel: string, snake: string, type: IntType): number {
  const v = get(o, camel, snake);
  return v === undefined ? 0 : intValue(v, camel, type);
}

function intValue(v: Json, path: string, type: IntType): number {
  let n: number | undefined;
  if (typeof v === 'number' && Number.isInteger(v)) n = v;
  else if (typeof v === 'string' && INT_RE.test(v)) n = Number(v);
  else return bad(path, `expected an integer (number or decimal string), got ${JSON.stringify(v)}`);
  const { min, max } = INT_TYPES[type];
  if (!(n >= min && n <= max)) bad(path, `${JSON.stringify(v)} is outside the range of ${type}`);
  return n;
}

const uint64Value = (v: Json, path: string): number => intValue(v, path, 'uint64');

/** A fixed64 nanosecond timestamp as bigint; decimal strings or integral numbers, 0 to 2^64 - 1. */
function nanos(o: Obj, camel: string, snake: string): bigint {
  const v = get(o, camel, snake);
  if (v === undefined) return 0n;
  let t: bigint | undefined;
  if (typeof v === 'string' && INT_RE.test(v)) t = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) t = BigInt(v);
  else return bad(camel, `expected a nanosecond timestamp (decimal string or integer), got ${JSON.stringify(v)}`);
  if (t < 0n || t >= 2n ** 64n) bad(camel, `timestamp ${JSON.stringify(v)} is outside the range of fixed64`);
  return t;
}

function doubleValue(v: Json, path: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  return bad(path, `expected a number, got ${JSON.stringify(v)}`);
}

function double(o: Obj, camel: string, snake: string): number {
  const v = get(o, camel, snake);
  return v === undefined ? 0 : doubleValue(v, camel);
}

function optDouble(o: Obj, camel: string, snake: string): number | undefined {
  const v = get(o, camel, snake);
  return v === undefined ? undefined : doubleValue(v, camel);
}

function doubles(o: Obj, camel: string, snake: string, parse: (v: Json, path: string) => number): number[] {
  const v = get(o, camel, snake);
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(camel, `expected an array, got ${kind(v)}`);
  const counts = parse === uint64Value;
  // The usual case, every element a plain number (of the right kind): the
  // parsed array is the answer, with no copy (a request holds 100,000s of counts).
  let i = 0;
  while (i < v.length) {
    const x = v[i];
    if (typeof x !== 'number' || (counts && !(Number.isInteger(x) && x >= 0 && x <= 2 ** 64))) break;
    i++;
  }
  if (i === v.length) return v as number[];
  const out = v.slice(0, i) as number[];
  for (; i < v.length; i++) {
    // The element path is only built for the slow path (and errors).
    out.push(parse(v[i] as Json, `${camel}[${i}]`));
  }
  return out;
}

function enumValue(o: Obj, camel: string, snake: string, names: Readonly<Record<string, number>>): number {
  const v = get(o, camel, snake);
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) {
    // An enum is an int32 on the wire (found by fuzzing: 1e300 was taken as a severity).
    if (v < -(2 ** 31) || v > 2 ** 31 - 1) bad(camel, `${v} is outside the range of an enum (int32)`);
    return v;
  }
  if (typeof v === 'string') {
    const n = names[v];
    if (n !== undefined) return n;
  }
  return bad(camel, `expected an enum number or one of ${Object.keys(names).join(', ')}, got ${JSON.stringify(v)}`);
}

/** Names of `AggregationTemporality` values (OTLP/JSON may spell enums by name). */
export const TEMPORALITY: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

/** Names of `SeverityNumber` values. */
export const SEVERITY: Readonly<Record<string, number>> = (() => {
  const out: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  levels.forEach((lvl, i) => {
    out[`SEVERITY_NUMBER_${lvl}`] = i * 4 + 1;
    for (let k = 2; k <= 4; k++) out[`SEVERITY_NUMBER_${lvl}${k}`] = i * 4 + k;
  });
  return out;
})();

function temporalityOf(n: number): Temporality {
  return n === 1 ? 'delta' : n === 2 ? 'cumulative' : 'unspecified';
}

// ---- common ------------------------------------------------------------

function attributes(o: Obj, camel: string, snake: string, depth = 0): Attributes {
  const out = createAttributes();
  const v = get(o, camel, snake);
  if (v === undefined) return out;
  if (!Array.isArray(v)) bad(camel, `expected an array of key/value pairs, got ${kind(v)}`);
  for (let i = 0; i < v.length; i++) {
    const kv = v[i];
    try {
      if (!isObj(kv)) bad('$', `expected a key/value object, got ${kind(kv)}`);
      const key = str(kv, 'key', 'key');
      const value = kv['value'];
      out[key] = value === undefined || value === null ? null : anyValue(value, depth);
    } catch (e) {
      within(e, `${camel}[${i}]`);
    }
  }
  return out;
}

function anyValue(v: Json, depth: number): AnyValue {
  if (depth > MAX_ANY_DEPTH) bad('value', `nested deeper than ${MAX_ANY_DEPTH} levels`);
  if (!isObj(v)) bad('value', `expected an AnyValue object, got ${kind(v)}`);
  let x: Json | undefined;
  if ((x = get(v, 'stringValue', 'string_value')) !== undefined) {
    if (typeof x !== 'string') bad('value.stringValue', `expected a string, got ${kind(x)}`);
    return x;
  }
  if ((x = get(v, 'boolValue', 'bool_value')) !== undefined) {
    if (typeof x !== 'boolean') bad('value.boolValue', `expected a boolean, got ${kind(x)}`);
    return x;
  }
  if ((x = get(v, 'intValue', 'int_value')) !== undefined) {
    if (typeof x === 'string' && INT_RE.test(x)) {
      const big = BigInt(x);
      // Refused rather than wrapped: "18446744073709551615" is not -1.
      if (big < -(2n ** 63n) || big >= 2n ** 63n) bad('value.intValue', `${JSON.stringify(x)} is outside the range of int64`);
      return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
    }
    const n = intValue(x, 'value.intValue', 'int64');
    // A JSON number past 2^53 already lost precision in JSON.parse; keep it
    // as bigint so it reads the same as the protobuf decode of that value.
    return Number.isSafeInteger(n) ? n : BigInt(n);
  }
  if ((x = get(v, 'doubleValue', 'double_value')) !== undefined) return doubleValue(x, 'value.doubleValue');
  if ((x = get(v, 'bytesValue', 'bytes_value')) !== undefined) {
    if (typeof x !== 'string') bad('value.bytesValue', `expected a base64 string, got ${kind(x)}`);
    return base64(x, 'value.bytesValue');
  }
  if ((x = get(v, 'arrayValue', 'array_value')) !== undefined) {
    if (!isObj(x)) bad('value.arrayValue', `expected an object, got ${kind(x)}`);
    const values = get(x, 'values', 'values');
    if (values === undefined) return [];
    if (!Array.isArray(values)) bad('value.arrayValue.values', `expected an array, got ${kind(values)}`);
    const out: AnyValue[] = new Array<AnyValue>(values.length);
    for (let i = 0; i < values.length; i++) {
      try {
        out[i] = anyValue(values[i] as Json, depth + 1);
      } catch (e) {
        within(e, `value.arrayValue.values[${i}]`);
      }
    }
    return out;
  }
  if ((x = get(v, 'kvlistValue', 'kvlist_value')) !== undefined) {
    if (!isObj(x)) bad('value.kvlistValue', `expected an object, got ${kind(x)}`);
    try {
      return attributes(x, 'values', 'values', depth + 1);
    } catch (e) {
      within(e, 'value.kvlistValue');
    }
  }
  return null;
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function base64(s: string, path: string): Uint8Array {
  if (!BASE64_RE.test(s)) bad(path, 'expected base64');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

function hexId(o: Obj, camel: string, snake: string): string {
  const s = str(o, camel, snake);
  if (!HEX_RE.test(s)) bad(camel, `expected a hex string, got ${JSON.stringify(s)}`);
  return s.toLowerCase();
}

function resource(o: Obj): Resource {
  const r = obj(o, 'resource', 'resource');
  if (r === undefined) return { attributes: createAttributes() };
  try {
    return { attributes: attributes(r, 'attributes', 'attributes') };
  } catch (e) {
    return within(e, 'resource');
  }
}

function scope(o: Obj): Scope {
  const s = obj(o, 'scope', 'scope');
  if (s === undefined) return { name: '', version: '', attributes: createAttributes() };
  try {
    return {
      name: str(s, 'name', 'name'),
      version: str(s, 'version', 'version'),
      attributes: attributes(s, 'attributes', 'attributes'),
    };
  } catch (e) {
    return within(e, 'scope');
  }
}

// ---- metrics -----------------------------------------------------------

function readResourceMetrics(o: Obj): ResourceMetrics {
  return {
    resource: resource(o),
    scopeMetrics: list(o, 'scopeMetrics', 'scope_metrics', readScopeMetrics),
    schemaUrl: str(o, 'schemaUrl', 'schema_url'),
  };
}

function readScopeMetrics(o: Obj): ScopeMetrics {
  const metrics = list(o, 'metrics', 'metrics', readMetric).filter((m): m is Metric => m !== undefined);
  return { scope: scope(o), metrics, schemaUrl: str(o, 'schemaUrl', 'schema_url') };
}

function readMetric(o: Obj): Metric | undefined {
  const name = str(o, 'name', 'name');
  const description = str(o, 'description', 'description');
  const unit = str(o, 'unit', 'unit');
  const metadata = attributes(o, 'metadata', 'metadata');
  const base = { name, description, unit, metadata };
  let d: Obj | undefined;
  try {
    if ((d = obj(o, 'gauge', 'gauge')) !== undefined) {
      return { ...base, type: 'gauge', points: list(d, 'dataPoints', 'data_points', numberPoint) };
    }
    if ((d = obj(o, 'sum', 'sum')) !== undefined) {
      return {
        ...base,
        type: 'sum',
        monotonic: boolean(d, 'isMonotonic', 'is_monotonic'),
        temporality: temporalityOf(enumValue(d, 'aggregationTemporality', 'aggregation_temporality', TEMPORALITY)),
        points: list(d, 'dataPoints', 'data_points', numberPoint),
      };
    }
    if ((d = obj(o, 'histogram', 'histogram')) !== undefined) {
      return {
        ...base,
        type: 'histogram',
        temporality: temporalityOf(enumValue(d, 'aggregationTemporality', 'aggregation_temporality', TEMPORALITY)),
        points: list(d, 'dataPoints', 'data_points', histogramPoint),
      };
    }
    if ((d = obj(o, 'exponentialHistogram', 'exponential_histogram')) !== undefined) {
      return {
        ...base,
        type: 'exponentialHistogram',
        temporality: temporalityOf(enumValue(d, 'aggregationTemporality', 'aggregation_temporality', TEMPORALITY)),
        points: list(d, 'dataPoints', 'data_points', expHistogramPoint),
      };
    }
    if ((d = obj(o, 'summary', 'summary')) !== undefined) {
      return { ...base, type: 'summary', points: list(d, 'dataPoints', 'data_points', summaryPoint) };
    }
  } catch (e) {
    const key = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'].find((k) => o[k] === d) ?? 'data';
    within(e, key);
  }
  return undefined;
}

function numberPoint(o: Obj): NumberPoint {
  const asDouble = get(o, 'asDouble', 'as_double');
  let value = 0;
  if (asDouble !== undefined) value = doubleValue(asDouble, 'asDouble');
  else {
    const asInt = get(o, 'asInt', 'as_int');
    if (asInt !== undefined) value = intValue(asInt, 'asInt', 'int64');
  }
  return {
    attributes: attributes(o, 'attributes', 'attributes'),
    startTimeUnixNano: nanos(o, 'startTimeUnixNano', 'start_time_unix_nano'),
    timeUnixNano: nanos(o, 'timeUnixNano', 'time_unix_nano'),
    flags: int(o, 'flags', 'flags', 'uint32'),
    value,
  };
}

function histogramPoint(o: Obj): HistogramPoint {
  return {
    attributes: attributes(o, 'attributes', 'attributes'),
    startTimeUnixNano: nanos(o, 'startTimeUnixNano', 'start_time_unix_nano'),
    timeUnixNano: nanos(o, 'timeUnixNano', 'time_unix_nano'),
    flags: int(o, 'flags', 'flags', 'uint32'),
    count: int(o, 'count', 'count', 'uint64'),
    sum: optDouble(o, 'sum', 'sum'),
    min: optDouble(o, 'min', 'min'),
    max: optDouble(o, 'max', 'max'),
    bucketCounts: doubles(o, 'bucketCounts', 'bucket_counts', uint64Value),
    explicitBounds: doubles(o, 'explicitBounds', 'explicit_bounds', doubleValue),
  };
}

function buckets(o: Obj, camel: string): ExpBuckets {
  const b = obj(o, camel, camel);
  if (b === undefined) return { offset: 0, bucketCounts: [] };
  try {
    return { offset: int(b, 'offset', 'offset', 'int32'), bucketCounts: doubles(b, 'bucketCounts', 'bucket_counts', uint64Value) };
  } catch (e) {
    return within(e, camel);
  }
}

function expHistogramPoint(o: Obj): ExpHistogramPoint {
  return {
    attributes: attributes(o, 'attributes', 'attributes'),
    startTimeUnixNano: nanos(o, 'startTimeUnixNano', 'start_time_unix_nano'),
    timeUnixNano: nanos(o, 'timeUnixNano', 'time_unix_nano'),
    flags: int(o, 'flags', 'flags', 'uint32'),
    count: int(o, 'count', 'count', 'uint64'),
    sum: optDouble(o, 'sum', 'sum'),
    min: optDouble(o, 'min', 'min'),
    max: optDouble(o, 'max', 'max'),
    scale: int(o, 'scale', 'scale', 'int32'),
    zeroCount: int(o, 'zeroCount', 'zero_count', 'uint64'),
    zeroThreshold: double(o, 'zeroThreshold', 'zero_threshold'),
    positive: buckets(o, 'positive'),
    negative: buckets(o, 'negative'),
  };
}

function quantile(o: Obj): QuantileValue {
  return { quantile: double(o, 'quantile', 'quantile'), value: double(o, 'value', 'value') };
}

function summaryPoint(o: Obj): SummaryPoint {
  return {
    attributes: attributes(o, 'attributes', 'attributes'),
    startTimeUnixNano: nanos(o, 'startTimeUnixNano', 'start_time_unix_nano'),
    timeUnixNano: nanos(o, 'timeUnixNano', 'time_unix_nano'),
    flags: int(o, 'flags', 'flags', 'uint32'),
    count: int(o, 'count', 'count', 'uint64'),
    sum: double(o, 'sum', 'sum'),
    quantileValues: list(o, 'quantileValues', 'quantile_values', quantile),
  };
}

// ---- logs --------------------------------------------------------------

function readResourceLogs(o: Obj): ResourceLogs {
  return {
    resource: resource(o),
    scopeLogs: list(o, 'scopeLogs', 'scope_logs', readScopeLogs),
    schemaUrl: str(o, 'schemaUrl', 'schema_url'),
  };
}

function readScopeLogs(o: Obj): ScopeLogs {
  return {
    scope: scope(o),
    logRecords: list(o, 'logRecords', 'log_records', logRecord),
    schemaUrl: str(o, 'schemaUrl', 'schema_url'),
  };
}

function logRecord(o: Obj): LogRecord {
  const body = get(o, 'body', 'body');
  return {
    timeUnixNano: nanos(o, 'timeUnixNano', 'time_unix_nano'),
    observedTimeUnixNano: nanos(o, 'observedTimeUnixNano', 'observed_time_unix_nano'),
    severityNumber: enumValue(o, 'severityNumber', 'severity_number', SEVERITY),
    severityText: str(o, 'severityText', 'severity_text'),
    body: body === undefined ? null : anyValue(body, 0),
    attributes: attributes(o, 'attributes', 'attributes'),
    eventName: str(o, 'eventName', 'event_name'),
    traceId: hexId(o, 'traceId', 'trace_id'),
    spanId: hexId(o, 'spanId', 'span_id'),
    flags: int(o, 'flags', 'flags', 'uint32'),
  };
}
