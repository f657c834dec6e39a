/**
 * Decoders for OTLP protobuf requests (`ExportMetricsServiceRequest`,
 * `ExportLogsServiceRequest`) into the plain data model of `types.ts`.
 *
 * Written by hand from the OTLP field numbers because no maintained decoder
 * is published on npm (`@opentelemetry/otlp-transformer` only encodes) and a
 * generic reflection decoder would build `Long`s and wrapper objects we then
 * throw away. Unknown fields are skipped, as are known fields arriving with an
 * unexpected wire type (protobuf's own rule for mismatched types); repeated
 * scalars are accepted packed and unpacked; exemplars are skipped.
 *
 * @packageDocumentation
 */
import { ProtoReader } from './proto-reader.js';
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

/** Bound on AnyValue nesting (arrays/kvlists inside each other). */
const MAX_ANY_DEPTH = 32;

// Tags are written as literals, `(field << 3) | wireType`, with the field
// number and wire type in a comment: a literal `case` lets V8 build a jump
// table. Wire types: VARINT 0, I64 1, LEN 2, I32 5.

/**
 * Decodes a protobuf `ExportMetricsServiceRequest`.
 *
 * @throws {OtlpDecodeError} naming the message, field and byte offset when the bytes are not valid OTLP.
 */
export function decodeMetricsRequest(buf: Uint8Array): MetricsRequest {
  const r = new ProtoReader(buf);
  const end = buf.length;
  const resourceMetrics: ResourceMetrics[] = [];
  while (r.pos < end) {
    const tag = r.uint32('ExportMetricsServiceRequest');
    if (tag === 10 /* 1:LEN */) resourceMetrics.push(readResourceMetrics(r, r.lengthEnd('ExportMetricsServiceRequest.resource_metrics', end)));
    else r.skip(tag & 7, 'ExportMetricsServiceRequest', end);
  }
  r.expectEnd(end, 'ExportMetricsServiceRequest');
  return { resourceMetrics };
}

/**
 * Decodes a protobuf `ExportLogsServiceRequest`.
 *
 * @throws {OtlpDecodeError} naming the message, field and byte offset when the bytes are not valid OTLP.
 */
export function decodeLogsRequest(buf: Uint8Array): LogsRequest {
  const r = new ProtoReader(buf);
  const end = buf.length;
  const resourceLogs: ResourceLogs[] = [];
  while (r.pos < end) {
    const tag = r.uint32('ExportLogsServiceRequest');
    if (tag === 10 /* 1:LEN */) resourceLogs.push(readResourceLogs(r, r.lengthEnd('ExportLogsServiceRequest.resource_logs', end)));
    else r.skip(tag & 7, 'ExportLogsServiceRequest', end);
  }
  r.expectEnd(end, 'ExportLogsServiceRequest');
  return { resourceLogs };
}

// ---- common ------------------------------------------------------------

function emptyAttributes(): Attributes {
  return createAttributes();
}

function readResource(r: ProtoReader, end: number): Resource {
  const attributes = emptyAttributes();
  while (r.pos < end) {
    const tag = r.uint32('Resource');
    if (tag === 10 /* 1:LEN */) readKeyValue(r, r.lengthEnd('Resource.attributes', end), attributes, 0);
    else r.skip(tag & 7, 'Resource', end);
  }
  r.expectEnd(end, 'Resource');
  return { attributes };
}

function readScope(r: ProtoReader, end: number): Scope {
  let name = '';
  let version = '';
  const attributes = emptyAttributes();
  while (r.pos < end) {
    const tag = r.uint32('InstrumentationScope');
    switch (tag) {
      case 10 /* 1:LEN */:
        name = r.string('InstrumentationScope.name', end);
        break;
      case 18 /* 2:LEN */:
        version = r.string('InstrumentationScope.version', end);
        break;
      case 26 /* 3:LEN */:
        readKeyValue(r, r.lengthEnd('InstrumentationScope.attributes', end), attributes, 0);
        break;
      default:
        r.skip(tag & 7, 'InstrumentationScope', end);
    }
  }
  r.expectEnd(end, 'InstrumentationScope');
  return { name, version, attributes };
}

function emptyScope(): Scope {
  return { name: '', version: '', attributes: emptyAttributes() };
}

/** Reads one `KeyValue` into `into` (last occurrence of a key wins). */
function readKeyValue(r: ProtoReader, end: number, into: Attributes, depth: number): void {
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32('KeyValue');
    if (tag === 10 /* 1:LEN */) key = r.string('KeyValue.key', end);
    else if (tag === 18 /* 2:LEN */) value = readAnyValue(r, r.lengthEnd('KeyValue.value', end), depth);
    else r.skip(tag & 7, 'KeyValue', end);
  }
  r.expectEnd(end, 'KeyValue');
  into[key] = value;
}

function readAnyValue(r: ProtoReader, end: number, depth: number): AnyValue {
  if (depth > MAX_ANY_DEPTH) r.fail('AnyValue', `nested deeper than ${MAX_ANY_DEPTH} levels`);
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.uint32('AnyValue');
    switch (tag) {
      case 10 /* 1:LEN */:
        value = r.string('AnyValue.string_value', end);
        break;
      case 16 /* 2:VARINT */:
        value = r.bool('AnyValue.bool_value');
        break;
      case 24 /* 3:VARINT */: {
        const big = r.int64BigInt('AnyValue.int_value');
        value = big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
        break;
      }
      case 33 /* 4:I64 */:
        value = r.double('AnyValue.double_value');
        break;
      case 42 /* 5:LEN */:
        value = readArrayValue(r, r.lengthEnd('AnyValue.array_value', end), depth + 1);
        break;
      case 50 /* 6:LEN */:
        value = readKvList(r, r.lengthEnd('AnyValue.kvlist_value', end), depth + 1);
        break;
      case 58 /* 7:LEN */:
        value = r.bytes('AnyValue.bytes_value', end);
        break;
      default:
        r.skip(tag & 7, 'AnyValue', end);
    }
  }
  r.expectEnd(end, 'AnyValue');
  return value;
}

function readArrayValue(r: ProtoReader, end: number, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32('ArrayValue');
    if (tag === 10 /* 1:LEN */) values.push(readAnyValue(r, r.lengthEnd('ArrayValue.values', end), depth));
    else r.skip(tag & 7, 'ArrayValue', end);
  }
  r.expectEnd(end, 'ArrayValue');
  return values;
}

function readKvList(r: ProtoReader, end: number, depth: number): Attributes {
  const out = emptyAttributes();
  while (r.pos < end) {
    const tag = r.uint32('KeyValueList');
    if (tag === 10 /* 1:LEN */) readKeyValue(r, r.lengthEnd('KeyValueList.values', end), out, depth);
    else r.skip(tag & 7, 'KeyValueList', end);
  }
  r.expectEnd(end, 'KeyValueList');
  return out;
}

function temporalityOf(n: number): Temporality {
  return n === 1 ? 'delta' : n === 2 ? 'cumulative' : 'unspecified';
}

// ---- metrics -----------------------------------------------------------

/**
 * ResourceMetrics/ResourceLogs and ScopeMetrics/ScopeLogs share one layout:
 * field 1 the resource or scope, field 2 the repeated children, field 3 the
 * schema URL. One walker serves all four.
 */
function readEnvelope<H, C>(
  r: ProtoReader,
  end: number,
  message: string,
  fields: { head: string; children: string; schemaUrl: string },
  readHead: (r: ProtoReader, end: number) => H,
  readChild: (r: ProtoReader, end: number) => C | undefined,
): { head: H | undefined; children: C[]; schemaUrl: string } {
  let head: H | undefined;
  const children: C[] = [];
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32(message);
    switch (tag) {
      case 10 /* 1:LEN */:
        head = readHead(r, r.lengthEnd(fields.head, end));
        break;
      case 18 /* 2:LEN */: {
        const child = readChild(r, r.lengthEnd(fields.children, end));
        if (child !== undefined) children.push(child);
        break;
      }
      case 26 /* 3:LEN */:
        schemaUrl = r.string(fields.schemaUrl, end);
        break;
      default:
        r.skip(tag & 7, message, end);
    }
  }
  r.expectEnd(end, message);
  return { head, children, schemaUrl };
}

const RESOURCE_METRICS_FIELDS = { head: 'ResourceMetrics.resource', children: 'ResourceMetrics.scope_metrics', schemaUrl: 'ResourceMetrics.schema_url' };
const SCOPE_METRICS_FIELDS = { head: 'ScopeMetrics.scope', children: 'ScopeMetrics.metrics', schemaUrl: 'ScopeMetrics.schema_url' };
const RESOURCE_LOGS_FIELDS = { head: 'ResourceLogs.resource', children: 'ResourceLogs.scope_logs', schemaUrl: 'ResourceLogs.schema_url' };
const SCOPE_LOGS_FIELDS = { head: 'ScopeLogs.scope', children: 'ScopeLogs.log_records', schemaUrl: 'ScopeLogs.schema_url' };

function readResourceMetrics(r: ProtoReader, end: number): ResourceMetrics {
  const e = readEnvelope(r, end, 'ResourceMetrics', RESOURCE_METRICS_FIELDS, readResource, readScopeMetrics);
  return { resource: e.head ?? { attributes: emptyAttributes() }, scopeMetrics: e.children, schemaUrl: e.schemaUrl };
}

function readScopeMetrics(r: ProtoReader, end: number): ScopeMetrics {
  const e = readEnvelope(r, end, 'ScopeMetrics', SCOPE_METRICS_FIELDS, readScope, readMetric);
  return { scope: e.head ?? emptyScope(), metrics: e.children, schemaUrl: e.schemaUrl };
}

function readMetric(r: ProtoReader, end: number): Metric | undefined {
  let name = '';
  let description = '';
  let unit = '';
  const metadata = emptyAttributes();
  let data: Metric | undefined;
  while (r.pos < end) {
    const tag = r.uint32('Metric');
    switch (tag) {
      case 10 /* 1:LEN */:
        name = r.string('Metric.name', end);
        break;
      case 18 /* 2:LEN */:
        description = r.string('Metric.description', end);
        break;
      case 26 /* 3:LEN */:
        unit = r.string('Metric.unit', end);
        break;
      case 42 /* 5:LEN */:
        data = readGauge(r, r.lengthEnd('Metric.gauge', end));
        break;
      case 58 /* 7:LEN */:
        data = readSum(r, r.lengthEnd('Metric.sum', end));
        break;
      case 74 /* 9:LEN */:
        data = readHistogram(r, r.lengthEnd('Metric.histogram', end));
        break;
      case 82 /* 10:LEN */:
        data = readExpHistogram(r, r.lengthEnd('Metric.exponential_histogram', end));
        break;
      case 90 /* 11:LEN */:
        data = readSummary(r, r.lengthEnd('Metric.summary', end));
        break;
      case 98 /* 12:LEN */:
        readKeyValue(r, r.lengthEnd('Metric.metadata', end), metadata, 0);
        break;
      default:
        r.skip(tag & 7, 'Metric', end);
    }
  }
  r.expectEnd(end, 'Metric');
  if (data === undefined) return undefined;
  // Identity fields may precede or follow the data field on the wire.
  data.name = name;
  data.description = description;
  data.unit = unit;
  data.metadata = metadata;
  return data;
}

function readGauge(r: ProtoReader, end: number): Metric {
  const points: NumberPoint[] = [];
  while (r.pos < end) {
    const tag = r.uint32('Gauge');
    if (tag === 10 /* 1:LEN */) points.push(readNumberPoint(r, r.lengthEnd('Gauge.data_points', end)));
    else r.skip(tag & 7, 'Gauge', end);
  }
  r.expectEnd(end, 'Gauge');
  return { name: '', description: '', unit: '', metadata: emptyAttributes(), type: 'gauge', points };
}

function readSum(r: ProtoReader, end: number): Metric {
  const points: NumberPoint[] = [];
  let temporality = 0;
  let monotonic = false;
  while (r.pos < end) {
    const tag = r.uint32('Sum');
    switch (tag) {
      case 10 /* 1:LEN */:
        points.push(readNumberPoint(r, r.lengthEnd('Sum.data_points', end)));
        break;
      case 16 /* 2:VARINT */:
        temporality = r.int32('Sum.aggregation_temporality');
        break;
      case 24 /* 3:VARINT */:
        monotonic = r.bool('Sum.is_monotonic');
        break;
      default:
        r.skip(tag & 7, 'Sum', end);
    }
  }
  r.expectEnd(end, 'Sum');
  return {
    name: '', description: '', unit: '', metadata: emptyAttributes(),
    type: 'sum', monotonic, temporality: temporalityOf(temporality), points,
  };
}

function readNumberPoint(r: ProtoReader, end: number): NumberPoint {
  const attributes = emptyAttributes();
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let value = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32('NumberDataPoint');
    switch (tag) {
      case 58 /* 7:LEN */:
        readKeyValue(r, r.lengthEnd('NumberDataPoint.attributes', end), attributes, 0);
        break;
      case 17 /* 2:I64 */:
        startTimeUnixNano = r.fixed64BigInt('NumberDataPoint.start_time_unix_nano');
        break;
      case 25 /* 3:I64 */:
        timeUnixNano = r.fixed64BigInt('NumberDataPoint.time_unix_nano');
        break;
      case 33 /* 4:I64 */:
        value = r.double('NumberDataPoint.as_double');
        break;
      case 49 /* 6:I64 */:
        value = r.sfixed64Number('NumberDataPoint.as_int');
        break;
      case 64 /* 8:VARINT */:
        flags = r.uint32('NumberDataPoint.flags');
        break;
      default:
        r.skip(tag & 7, 'NumberDataPoint', end);
    }
  }
  r.expectEnd(end, 'NumberDataPoint');
  return { attributes, startTimeUnixNano, timeUnixNano, flags, value };
}

/** Histogram and ExponentialHistogram share one layout: 1 = data points, 2 = temporality. */
function readHistogramContainer<P>(r: ProtoReader, end: number, message: string, readPoint: (r: ProtoReader, end: number) => P): { points: P[]; temporality: number } {
  const points: P[] = [];
  let temporality = 0;
  // Field names for error messages, built once per metric rather than per point.
  const pointsField = `${message}.data_points`;
  while (r.pos < end) {
    const tag = r.uint32(message);
    if (tag === 10 /* 1:LEN */) points.push(readPoint(r, r.lengthEnd(pointsField, end)));
    else if (tag === 16 /* 2:VARINT */) temporality = r.int32(`${message}.aggregation_temporality`);
    else r.skip(tag & 7, message, end);
  }
  r.expectEnd(end, message);
  return { points, temporality };
}

function readHistogram(r: ProtoReader, end: number): Metric {
  const { points, temporality } = readHistogramContainer(r, end, 'Histogram', readHistogramPoint);
  return {
    name: '', description: '', unit: '', metadata: emptyAttributes(),
    type: 'histogram', temporality: temporalityOf(temporality), points,
  };
}

function readHistogramPoint(r: ProtoReader, end: number): HistogramPoint {
  const p: HistogramPoint = {
    attributes: emptyAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    flags: 0,
    count: 0,
    sum: undefined,
    min: undefined,
    max: undefined,
    bucketCounts: [],
    explicitBounds: [],
  };
  while (r.pos < end) {
    const tag = r.uint32('HistogramDataPoint');
    switch (tag) {
      case 74 /* 9:LEN */:
        readKeyValue(r, r.lengthEnd('HistogramDataPoint.attributes', end), p.attributes, 0);
        break;
      case 17 /* 2:I64 */:
        p.startTimeUnixNano = r.fixed64BigInt('HistogramDataPoint.start_time_unix_nano');
        break;
      case 25 /* 3:I64 */:
        p.timeUnixNano = r.fixed64BigInt('HistogramDataPoint.time_unix_nano');
        break;
      case 33 /* 4:I64 */:
        p.count = r.fixed64Number('HistogramDataPoint.count');
        break;
      case 41 /* 5:I64 */:
        p.sum = r.double('HistogramDataPoint.sum');
        break;
      case 50 /* 6:LEN */: {
        const e = r.lengthEnd('HistogramDataPoint.bucket_counts', end);
        if ((e - r.pos) % 8 !== 0) r.fail('HistogramDataPoint.bucket_counts', 'packed fixed64 length is not a multiple of 8');
        while (r.pos < e) p.bucketCounts.push(r.fixed64Number('HistogramDataPoint.bucket_counts'));
        break;
      }
      case 49 /* 6:I64 */:
        p.bucketCounts.push(r.fixed64Number('HistogramDataPoint.bucket_counts'));
        break;
      case 58 /* 7:LEN */: {
        const e = r.lengthEnd('HistogramDataPoint.explicit_bounds', end);
        if ((e - r.pos) % 8 !== 0) r.fail('HistogramDataPoint.explicit_bounds', 'packed double length is not a multiple of 8');
        while (r.pos < e) p.explicitBounds.push(r.double('HistogramDataPoint.explicit_bounds'));
        break;
      }
      case 57 /* 7:I64 */:
        p.explicitBounds.push(r.double('HistogramDataPoint.explicit_bounds'));
        break;
      case 80 /* 10:VARINT */:
        p.flags = r.uint32('HistogramDataPoint.flags');
        break;
      case 89 /* 11:I64 */:
        p.min = r.double('HistogramDataPoint.min');
        break;
      case 97 /* 12:I64 */:
        p.max = r.double('HistogramDataPoint.max');
        break;
      default:
        r.skip(tag & 7, 'HistogramDataPoint', end);
    }
  }
  r.expectEnd(end, 'HistogramDataPoint');
  return p;
}

function readExpHistogram(r: ProtoReader, end: number): Metric {
  const { points, temporality } = readHistogramContainer(r, end, 'ExponentialHistogram', readExpHistogramPoint);
  return {
    name: '', description: '', unit: '', metadata: emptyAttributes(),
    type: 'exponentialHistogram', temporality: temporalityOf(temporality), points,
  };
}

function readExpHistogramPoint(r: ProtoReader, end: number): ExpHistogramPoint {
  const p: ExpHistogramPoint = {
    attributes: emptyAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    flags: 0,
    count: 0,
    sum: undefined,
    min: undefined,
    max: undefined,
    scale: 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
  };
  while (r.pos < end) {
    const tag = r.uint32('ExponentialHistogramDataPoint');
    switch (tag) {
      case 10 /* 1:LEN */:
        readKeyValue(r, r.lengthEnd('ExponentialHistogramDataPoint.attributes', end), p.attributes, 0);
        break;
      case 17 /* 2:I64 */:
        p.startTimeUnixNano = r.fixed64BigInt('ExponentialHistogramDataPoint.start_time_unix_nano');
        break;
      case 25 /* 3:I64 */:
        p.timeUnixNano = r.fixed64BigInt('ExponentialHistogramDataPoint.time_unix_nano');
        break;
      case 33 /* 4:I64 */:
        p.count = r.fixed64Number('ExponentialHistogramDataPoint.count');
        break;
      case 41 /* 5:I64 */:
        p.sum = r.double('ExponentialHistogramDataPoint.sum');
        break;
      case 48 /* 6:VARINT */:
        p.scale = r.sint32('ExponentialHistogramDataPoint.scale');
        break;
      case 57 /* 7:I64 */:
        p.zeroCount = r.fixed64Number('ExponentialHistogramDataPoint.zero_count');
        break;
      case 66 /* 8:LEN */:
        readBuckets(r, r.lengthEnd('ExponentialHistogramDataPoint.positive', end), p.positive, 'ExponentialHistogramDataPoint.positive');
        break;
      case 74 /* 9:LEN */:
        readBuckets(r, r.lengthEnd('ExponentialHistogramDataPoint.negative', end), p.negative, 'ExponentialHistogramDataPoint.negative');
        break;
      case 80 /* 10:VARINT */:
        p.flags = r.uint32('ExponentialHistogramDataPoint.flags');
        break;
      case 97 /* 12:I64 */:
        p.min = r.double('ExponentialHistogramDataPoint.min');
        break;
      case 105 /* 13:I64 */:
        p.max = r.double('ExponentialHistogramDataPoint.max');
        break;
      case 113 /* 14:I64 */:
        p.zeroThreshold = r.double('ExponentialHistogramDataPoint.zero_threshold');
        break;
      default:
        r.skip(tag & 7, 'ExponentialHistogramDataPoint', end);
    }
  }
  r.expectEnd(end, 'ExponentialHistogramDataPoint');
  return p;
}

/** Reads `Buckets` into `into` (a repeated occurrence merges, as protobuf requires). */
function readBuckets(r: ProtoReader, end: number, into: ExpBuckets, field: string): void {
  const buf = r.buf;
  while (r.pos < end) {
    const tag = r.uint32(field);
    if (tag === 8 /* 1:VARINT */) {
      into.offset = r.sint32(`${field}.offset`);
    } else if (tag === 18 /* 2:LEN */) {
      const e = r.lengthEnd(`${field}.bucket_counts`, end);
      // The hot loop of a decode. Every varint ends in one byte below 0x80,
      // so counting those sizes the array once instead of growing it.
      let n = 0;
      for (let i = r.pos; i < e; i++) if ((buf[i] as number) < 0x80) n++;
      let counts = into.bucketCounts;
      const base = counts.length;
      if (base === 0) counts = into.bucketCounts = new Array<number>(n);
      else counts.length = base + n;
      let pos = r.pos;
      let k = base;
      while (pos < e && k < base + n) {
        const b0 = buf[pos] as number;
        if (b0 < 0x80) {
          counts[k++] = b0;
          pos += 1;
          continue;
        }
        const b1 = buf[pos + 1] as number;
        if (b1 < 0x80 && pos + 2 <= e) {
          counts[k++] = (b0 & 0x7f) | (b1 << 7);
          pos += 2;
          continue;
        }
        r.pos = pos;
        counts[k++] = r.uint64Number(`${field}.bucket_counts`);
        pos = r.pos;
      }
      r.pos = pos;
      if (pos !== e) r.fail(`${field}.bucket_counts`, 'packed varint runs past its length');
    } else if (tag === 16 /* 2:VARINT */) {
      into.bucketCounts.push(r.uint64Number(`${field}.bucket_counts`));
    } else {
      r.skip(tag & 7, field, end);
    }
  }
  r.expectEnd(end, field);
}

function readSummary(r: ProtoReader, end: number): Metric {
  const points: SummaryPoint[] = [];
  while (r.pos < end) {
    const tag = r.uint32('Summary');
    if (tag === 10 /* 1:LEN */) points.push(readSummaryPoint(r, r.lengthEnd('Summary.data_points', end)));
    else r.skip(tag & 7, 'Summary', end);
  }
  r.expectEnd(end, 'Summary');
  return { name: '', description: '', unit: '', metadata: emptyAttributes(), type: 'summary', points };
}

function readSummaryPoint(r: ProtoReader, end: number): SummaryPoint {
  const p: SummaryPoint = {
    attributes: emptyAttributes(),
    startTimeUnixNano: 0n,
    timeUnixNano: 0n,
    flags: 0,
    count: 0,
    sum: 0,
    quantileValues: [],
  };
  while (r.pos < end) {
    const tag = r.uint32('SummaryDataPoint');
    switch (tag) {
      case 58 /* 7:LEN */:
        readKeyValue(r, r.lengthEnd('SummaryDataPoint.attributes', end), p.attributes, 0);
        break;
      case 17 /* 2:I64 */:
        p.startTimeUnixNano = r.fixed64BigInt('SummaryDataPoint.start_time_unix_nano');
        break;
      case 25 /* 3:I64 */:
        p.timeUnixNano = r.fixed64BigInt('SummaryDataPoint.time_unix_nano');
        break;
      case 33 /* 4:I64 */:
        p.count = r.fixed64Number('SummaryDataPoint.count');
        break;
      case 41 /* 5:I64 */:
        p.sum = r.double('SummaryDataPoint.sum');
        break;
      case 50 /* 6:LEN */:
        p.quantileValues.push(readQuantile(r, r.lengthEnd('SummaryDataPoint.quantile_values', end)));
        break;
      case 64 /* 8:VARINT */:
        p.flags = r.uint32('SummaryDataPoint.flags');
        break;
      default:
        r.skip(tag & 7, 'SummaryDataPoint', end);
    }
  }
  r.expectEnd(end, 'SummaryDataPoint');
  return p;
}

function readQuantile(r: ProtoReader, end: number): QuantileValue {
  let quantile = 0;
  let value = 0;
  while (r.pos < end) {
    const tag = r.uint32('ValueAtQuantile');
    if (tag === 9 /* 1:I64 */) quantile = r.double('ValueAtQuantile.quantile');
    else if (tag === 17 /* 2:I64 */) value = r.double('ValueAtQuantile.value');
    else r.skip(tag & 7, 'ValueAtQuantile', end);
  }
  r.expectEnd(end, 'ValueAtQuantile');
  return { quantile, value };
}

// ---- logs --------------------------------------------------------------

function readResourceLogs(r: ProtoReader, end: number): ResourceLogs {
  const e = readEnvelope(r, end, 'ResourceLogs', RESOURCE_LOGS_FIELDS, readResource, readScopeLogs);
  return { resource: e.head ?? { attributes: emptyAttributes() }, scopeLogs: e.children, schemaUrl: e.schemaUrl };
}

function readScopeLogs(r: ProtoReader, end: number): ScopeLogs {
  const e = readEnvelope(r, end, 'ScopeLogs', SCOPE_LOGS_FIELDS, readScope, readLogRecord);
  return { scope: e.head ?? emptyScope(), logRecords: e.children, schemaUrl: e.schemaUrl };
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function readHexId(r: ProtoReader, end: number, field: string): string {
  const e = r.lengthEnd(field, end);
  let s = '';
  for (let i = r.pos; i < e; i++) s += HEX[r.buf[i] as number] as string;
  r.pos = e;
  return s;
}

function readLogRecord(r: ProtoReader, end: number): LogRecord {
  const rec: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: emptyAttributes(),
    eventName: '',
    traceId: '',
    spanId: '',
    flags: 0,
  };
  while (r.pos < end) {
    const tag = r.uint32('LogRecord');
    switch (tag) {
      case 9 /* 1:I64 */:
        rec.timeUnixNano = r.fixed64BigInt('LogRecord.time_unix_nano');
        break;
      case 89 /* 11:I64 */:
        rec.observedTimeUnixNano = r.fixed64BigInt('LogRecord.observed_time_unix_nano');
        break;
      case 16 /* 2:VARINT */:
        rec.severityNumber = r.int32('LogRecord.severity_number');
        break;
      case 26 /* 3:LEN */:
        rec.severityText = r.string('LogRecord.severity_text', end);
        break;
      case 42 /* 5:LEN */:
        rec.body = readAnyValue(r, r.lengthEnd('LogRecord.body', end), 0);
        break;
      case 50 /* 6:LEN */:
        readKeyValue(r, r.lengthEnd('LogRecord.attributes', end), rec.attributes, 0);
        break;
      case 69 /* 8:I32 */:
        rec.flags = r.fixed32('LogRecord.flags');
        break;
      case 74 /* 9:LEN */:
        rec.traceId = readHexId(r, end, 'LogRecord.trace_id');
        break;
      case 82 /* 10:LEN */:
        rec.spanId = readHexId(r, end, 'LogRecord.span_id');
        break;
      case 98 /* 12:LEN */:
        rec.eventName = r.string('LogRecord.event_name', end);
        break;
      default:
        r.skip(tag & 7, 'LogRecord', end);
    }
  }
  r.expectEnd(end, 'LogRecord');
  return rec;
}
