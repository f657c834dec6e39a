/**
 * Decoders for OTLP protobuf requests (`ExportMetricsServiceRequest`,
 * `ExportLogsServiceRequest`) into the plain data model of `types.ts`.
 * Metrics are also streamed ({@link scanMetricsRequest}): after a checking
 * pass, each point is handed over straight from the bytes, with no tree.
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
import { checkMetricsRequest, MAX_ANY_DEPTH } from './check-metrics.js';
import { cachedAttributes, findAttributes, NO_ATTRIBUTES, skipAttributeRun, storeAttributes } from './attribute-cache.js';
import type {
  AnyValue,
  BucketCounts,
  DataPoint,
  MetricHeader,
  MetricsPoints,
  MetricType,
  PointVisitor,
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

// Tags are written as literals, `(field << 3) | wireType`, with the field
// number and wire type in a comment: a literal `case` lets V8 build a jump
// table. Wire types: VARINT 0, I64 1, LEN 2, I32 5.

/**
 * Checks a protobuf `ExportMetricsServiceRequest` and returns its data points
 * for streaming: {@link MetricsPoints.forEachPoint} walks the bytes again and
 * hands over each point, with no decoded tree in between (exponential bucket
 * counts are views of one scratch buffer). This is the receiver's path: a
 * request of 2,000 160-bucket histograms then allocates a few objects per
 * point instead of a tree the garbage collector must copy.
 *
 * The check ({@link checkMetricsRequest}) fails exactly where a decode
 * would, so a visit never meets bad data: a request is taken whole or
 * refused whole.
 *
 * @throws {OtlpDecodeError} naming the message, field and byte offset when the bytes are not valid OTLP.
 */
export function scanMetricsRequest(buf: Uint8Array): MetricsPoints {
  const attrLog: (Attributes | undefined)[] = [];
  const pointCount = checkMetricsRequest(buf, attrLog);
  return {
    pointCount,
    forEachPoint(visit: PointVisitor): void {
      walkMetrics(buf, visit, NO_HOOKS, attrLog);
    },
  };
}

/**
 * Decodes a protobuf `ExportMetricsServiceRequest` into a tree: plain arrays
 * of counts, while point attributes are the attribute cache's shared, frozen
 * objects (see attribute-cache.ts). For tests and tools; the receiver streams.
 *
 * @throws {OtlpDecodeError} naming the message, field and byte offset when the bytes are not valid OTLP.
 */
export function decodeMetricsRequest(buf: Uint8Array): MetricsRequest {
  const resourceMetrics: ResourceMetrics[] = [];
  let scopes: ScopeMetrics[] = [];
  let metrics: Metric[] = [];
  let points: DataPoint[] = [];
  walkMetrics(
    buf,
    (_resource, _scope, _metric, p) => {
      if ('positive' in p) {
        p.positive.bucketCounts = toArray(p.positive.bucketCounts);
        p.negative.bucketCounts = toArray(p.negative.bucketCounts);
        delete p.countsChecked;
      }
      points.push(p);
    },
    {
      resource(resource, schemaUrl) {
        resourceMetrics.push({ resource, scopeMetrics: (scopes = []), schemaUrl });
      },
      scope(scope, schemaUrl) {
        scopes.push({ scope, metrics: (metrics = []), schemaUrl });
      },
      metric(header) {
        metrics.push({ ...header, points: (points = []) } as Metric);
      },
    },
  );
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
 * Walks a protobuf `ExportMetricsServiceRequest` and hands each data point to
 * `visit` (with the resource, scope and metric it belongs to), building no
 * tree. Returns the number of data points.
 *
 * Field order on the wire is free, so each envelope is read in two loops: the
 * first reads its own fields (a resource may follow its scope metrics, a
 * temporality follows the points) and skips children in O(1); the second
 * walks the children.
 */
function walkMetrics(buf: Uint8Array, visit: PointVisitor, hooks: WalkHooks, attrLog: readonly (Attributes | undefined)[] | null = null): number {
  const w: Walk = {
    r: new ProtoReader(buf),
    visit,
    hooks,
    attrLog,
    attrIndex: 0,
    points: 0,
    resource: EMPTY_RESOURCE,
    scope: EMPTY_SCOPE,
    pos: new CountsScratch(),
    neg: new CountsScratch(),
  };
  const r = w.r;
  const end = buf.length;
  while (r.pos < end) {
    const tag = r.uint32('ExportMetricsServiceRequest');
    if (tag === 10 /* 1:LEN */) walkResourceMetrics(w, r.lengthEnd('ExportMetricsServiceRequest.resource_metrics', end));
    else r.skip(tag & 7, 'ExportMetricsServiceRequest', end);
  }
  r.expectEnd(end, 'ExportMetricsServiceRequest');
  return w.points;
}

/** A plain copy of scratch counts (a loop: `Array.from` on a typed array is several times slower). */
function toArray(counts: BucketCounts): number[] {
  const out = new Array<number>(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] as number;
  return out;
}

/** Structure callbacks of a walk, for the decoder that rebuilds the tree. */
interface WalkHooks {
  resource?(resource: Resource, schemaUrl: string): void;
  scope?(scope: Scope, schemaUrl: string): void;
  metric?(metric: MetricHeader): void;
}

const NO_HOOKS: WalkHooks = {};

interface Walk {
  r: ProtoReader;
  visit: PointVisitor;
  hooks: WalkHooks;
  points: number;
  resource: Resource;
  scope: Scope;
  /** Each attribute run's cached set as the checking pass found it (undefined: not cached), in order. */
  attrLog: readonly (Attributes | undefined)[] | null;
  attrIndex: number;
  /** Bucket counts of the current exponential point, per sign. */
  pos: CountsScratch;
  neg: CountsScratch;
}

const EMPTY_RESOURCE: Resource = { attributes: emptyAttributes() };
const EMPTY_SCOPE: Scope = emptyScope();
const EMPTY_COUNTS = new Float64Array(0);
/** Views of up to this many counts are cached per length (the SDK's default maximum is 160). */
const MAX_CACHED_VIEW = 1024;

/**
 * The bucket counts of one side of the current exponential point. One buffer
 * serves every point of a walk and the point gets a view of it (cached per
 * length), so decoding 100,000s of counts per request allocates nothing.
 */
class CountsScratch {
  buf = new Float64Array(256);
  len = 0;
  private views: (Float64Array | undefined)[] = [];

  /** Makes room for `n` more counts. */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Float64Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.views = [];
  }

  view(): Float64Array {
    const n = this.len;
    if (n === 0) return EMPTY_COUNTS;
    if (n > MAX_CACHED_VIEW) return this.buf.subarray(0, n);
    let v = this.views[n];
    if (v === undefined) v = this.views[n] = this.buf.subarray(0, n);
    return v;
  }
}

/**
 * ResourceMetrics and ScopeMetrics: field 1 the resource or scope, field 2
 * the repeated children, field 3 the schema URL. The first loop reads the
 * head and the schema URL (skipping children), `enter` takes them, and the
 * second loop walks the children.
 */
function walkEnvelope<H>(
  w: Walk,
  end: number,
  message: string,
  fields: { head: string; children: string; schemaUrl: string },
  readHead: (r: ProtoReader, end: number) => H,
  enter: (head: H | undefined, schemaUrl: string) => void,
  walkChild: (w: Walk, end: number) => void,
): void {
  const r = w.r;
  const start = r.pos;
  let head: H | undefined;
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32(message);
    if (tag === 10 /* 1:LEN */) head = readHead(r, r.lengthEnd(fields.head, end));
    else if (tag === 18 /* 2:LEN */) r.pos = r.lengthEnd(fields.children, end);
    else if (tag === 26 /* 3:LEN */) schemaUrl = r.string(fields.schemaUrl, end);
    else r.skip(tag & 7, message, end);
  }
  r.expectEnd(end, message);
  enter(head, schemaUrl);
  r.pos = start;
  while (r.pos < end) {
    const tag = r.uint32(message);
    if (tag === 18 /* 2:LEN */) walkChild(w, r.lengthEnd(fields.children, end));
    else r.skip(tag & 7, message, end);
  }
}

const RESOURCE_METRICS_FIELDS = { head: 'ResourceMetrics.resource', children: 'ResourceMetrics.scope_metrics', schemaUrl: 'ResourceMetrics.schema_url' };
const SCOPE_METRICS_FIELDS = { head: 'ScopeMetrics.scope', children: 'ScopeMetrics.metrics', schemaUrl: 'ScopeMetrics.schema_url' };

function walkResourceMetrics(w: Walk, end: number): void {
  const enter = (resource: Resource | undefined, schemaUrl: string): void => {
    w.resource = resource ?? { attributes: emptyAttributes() };
    w.hooks.resource?.(w.resource, schemaUrl);
  };
  walkEnvelope(w, end, 'ResourceMetrics', RESOURCE_METRICS_FIELDS, readResource, enter, walkScopeMetrics);
}

function walkScopeMetrics(w: Walk, end: number): void {
  const enter = (scope: Scope | undefined, schemaUrl: string): void => {
    w.scope = scope ?? emptyScope();
    w.hooks.scope?.(w.scope, schemaUrl);
  };
  walkEnvelope(w, end, 'ScopeMetrics', SCOPE_METRICS_FIELDS, readScope, enter, walkMetric);
}

/** The data field of a `Metric` by tag: its message name and metric type. */
const METRIC_DATA: Record<number, { message: string; field: string; type: MetricType }> = {
  42 /* 5:LEN */: { message: 'Gauge', field: 'Metric.gauge', type: 'gauge' },
  58 /* 7:LEN */: { message: 'Sum', field: 'Metric.sum', type: 'sum' },
  74 /* 9:LEN */: { message: 'Histogram', field: 'Metric.histogram', type: 'histogram' },
  82 /* 10:LEN */: { message: 'ExponentialHistogram', field: 'Metric.exponential_histogram', type: 'exponentialHistogram' },
  90 /* 11:LEN */: { message: 'Summary', field: 'Metric.summary', type: 'summary' },
};

function walkMetric(w: Walk, end: number): void {
  const r = w.r;
  let name = '';
  let description = '';
  let unit = '';
  const metadata = emptyAttributes();
  let data: (typeof METRIC_DATA)[number] | undefined;
  let dataStart = 0;
  let dataEnd = 0;
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
      case 58 /* 7:LEN */:
      case 74 /* 9:LEN */:
      case 82 /* 10:LEN */:
      case 90 /* 11:LEN */:
        // The last data field wins, as protobuf's oneof rule says.
        data = METRIC_DATA[tag];
        dataEnd = r.lengthEnd((data as (typeof METRIC_DATA)[number]).field, end);
        dataStart = r.pos;
        r.pos = dataEnd;
        break;
      case 98 /* 12:LEN */:
        readKeyValue(r, r.lengthEnd('Metric.metadata', end), metadata, 0);
        break;
      default:
        r.skip(tag & 7, 'Metric', end);
    }
  }
  r.expectEnd(end, 'Metric');
  // A metric with no data field is dropped (there is nothing to represent).
  if (data === undefined) return;
  const message = data.message;
  const pointsField = `${message}.data_points`;
  // The container's own fields: 2 = aggregation_temporality, 3 = is_monotonic (Sum).
  let temporality = 0;
  let monotonic = false;
  r.pos = dataStart;
  while (r.pos < dataEnd) {
    const tag = r.uint32(message);
    if (tag === 10 /* 1:LEN */) r.pos = r.lengthEnd(pointsField, dataEnd);
    else if (tag === 16 /* 2:VARINT */ && data.type !== 'gauge' && data.type !== 'summary') temporality = r.int32(`${message}.aggregation_temporality`);
    else if (tag === 24 /* 3:VARINT */ && data.type === 'sum') monotonic = r.bool('Sum.is_monotonic');
    else r.skip(tag & 7, message, dataEnd);
  }
  r.expectEnd(dataEnd, message);
  const base = { name, description, unit, metadata };
  let header: MetricHeader;
  let readPoint: (w: Walk, end: number) => DataPoint;
  switch (data.type) {
    case 'gauge':
      header = { ...base, type: 'gauge' };
      readPoint = readNumberPoint;
      break;
    case 'sum':
      header = { ...base, type: 'sum', monotonic, temporality: temporalityOf(temporality) };
      readPoint = readNumberPoint;
      break;
    case 'histogram':
      header = { ...base, type: 'histogram', temporality: temporalityOf(temporality) };
      readPoint = readHistogramPoint;
      break;
    case 'exponentialHistogram':
      header = { ...base, type: 'exponentialHistogram', temporality: temporalityOf(temporality) };
      readPoint = readExpHistogramPoint;
      break;
    case 'summary':
      header = { ...base, type: 'summary' };
      readPoint = readSummaryPoint;
      break;
  }
  w.hooks.metric?.(header);
  const visit = w.visit;
  r.pos = dataStart;
  while (r.pos < dataEnd) {
    const tag = r.uint32(message);
    if (tag === 10 /* 1:LEN */) {
      const p = readPoint(w, r.lengthEnd(pointsField, dataEnd));
      w.points++;
      visit(w.resource, w.scope, header, p);
    } else r.skip(tag & 7, message, dataEnd);
  }
  // The data field need not be the Metric's last (the Collector writes it before the name): go on after the whole Metric.
  r.pos = end;
}


/**
 * Reads a point's attributes: the `KeyValue` field whose tag `tag` was just
 * read, and any that directly follow it, as one run looked up in the
 * attribute cache (see attribute-cache.ts). The checking pass has already
 * looked the run up when it logged it (`w.attrLog`).
 *
 * @param current attributes read from an earlier run of the same point (fields may interleave)
 */
function readPointAttributes(w: Walk, end: number, tag: number, field: string, current: Attributes): Attributes {
  const r = w.r;
  const buf = r.buf;
  if (buf[r.pos - 1] !== tag) {
    // The tag was written in more than one byte (legal, if odd): this field alone, uncached.
    const attributes = copyAttributes(current);
    readKeyValue(r, r.lengthEnd(field, end), attributes, 0);
    return Object.freeze(attributes);
  }
  const start = r.pos - 1;
  const stop = skipAttributeRun(r, end, tag, field);
  // Every run has one log entry, whether or not it is used.
  const logged = w.attrLog === null ? undefined : w.attrLog[w.attrIndex++];
  if (current !== NO_ATTRIBUTES) return decodeAttributeRun(r, start, stop, field, current);
  if (logged !== undefined) return logged;
  const found = findAttributes(r.view, start, stop);
  if (found >= 0) return cachedAttributes(found);
  const attributes = decodeAttributeRun(r, start, stop, field, current);
  storeAttributes(found, r.view, start, stop, attributes);
  return attributes;
}

function copyAttributes(from: Attributes): Attributes {
  const attributes = emptyAttributes();
  for (const k of Object.keys(from)) attributes[k] = from[k] as AnyValue;
  return attributes;
}

/** Decodes the one-byte-tagged `KeyValue` fields in `buf[start, stop)` over `current` (later values win), frozen. */
function decodeAttributeRun(r: ProtoReader, start: number, stop: number, field: string, current: Attributes): Attributes {
  const attributes = copyAttributes(current);
  r.pos = start;
  while (r.pos < stop) {
    r.pos++; // the one-byte tag
    readKeyValue(r, r.lengthEnd(field, stop), attributes, 0);
  }
  return Object.freeze(attributes);
}

function readNumberPoint(w: Walk, end: number): NumberPoint {
  const r = w.r;
  let attributes = NO_ATTRIBUTES;
  let startTimeUnixNano = 0n;
  let timeUnixNano = 0n;
  let value = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.uint32('NumberDataPoint');
    switch (tag) {
      case 58 /* 7:LEN */:
        attributes = readPointAttributes(w, end, 58, 'NumberDataPoint.attributes', attributes);
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

function readHistogramPoint(w: Walk, end: number): HistogramPoint {
  const r = w.r;
  const p: HistogramPoint = {
    attributes: NO_ATTRIBUTES,
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
        p.attributes = readPointAttributes(w, end, 74, 'HistogramDataPoint.attributes', p.attributes);
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

function readExpHistogramPoint(w: Walk, end: number): ExpHistogramPoint {
  const r = w.r;
  const p: ExpHistogramPoint = {
    attributes: NO_ATTRIBUTES,
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
    positive: { offset: 0, bucketCounts: EMPTY_COUNTS },
    negative: { offset: 0, bucketCounts: EMPTY_COUNTS },
    // In the literal, not added later: one hidden class for every point.
    countsChecked: true,
  };
  const pos = w.pos;
  const neg = w.neg;
  pos.len = 0;
  neg.len = 0;
  while (r.pos < end) {
    const tag = r.uint32('ExponentialHistogramDataPoint');
    switch (tag) {
      case 10 /* 1:LEN */:
        p.attributes = readPointAttributes(w, end, 10, 'ExponentialHistogramDataPoint.attributes', p.attributes);
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
        readBuckets(r, r.lengthEnd('ExponentialHistogramDataPoint.positive', end), p.positive, pos, 'ExponentialHistogramDataPoint.positive');
        break;
      case 74 /* 9:LEN */:
        readBuckets(r, r.lengthEnd('ExponentialHistogramDataPoint.negative', end), p.negative, neg, 'ExponentialHistogramDataPoint.negative');
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
  p.positive.bucketCounts = pos.view();
  p.negative.bucketCounts = neg.view();
  return p;
}

/**
 * Reads `Buckets` (a repeated occurrence merges, as protobuf requires: the
 * offset is replaced, counts append). Counts go to `scratch`.
 */
function readBuckets(r: ProtoReader, end: number, into: ExpBuckets, scratch: CountsScratch, field: string): void {
  const buf = r.buf;
  while (r.pos < end) {
    const tag = r.uint32(field);
    if (tag === 8 /* 1:VARINT */) {
      into.offset = r.sint32(`${field}.offset`);
    } else if (tag === 18 /* 2:LEN */) {
      const e = r.lengthEnd(`${field}.bucket_counts`, end);
      // The hot loop of a decode: every count is at least one byte, so the
      // byte length bounds the number of counts and the loop needs no checks.
      scratch.reserve(e - r.pos);
      const counts = scratch.buf;
      let k = scratch.len;
      let pos = r.pos;
      const view = r.view;
      while (pos < e) {
        // Four one-byte counts at a time (small counts are the common case).
        if (pos + 4 <= e) {
          const w = view.getUint32(pos, true);
          if ((w & 0x80808080) === 0) {
            counts[k] = w & 0xff;
            counts[k + 1] = (w >>> 8) & 0xff;
            counts[k + 2] = (w >>> 16) & 0xff;
            counts[k + 3] = w >>> 24;
            k += 4;
            pos += 4;
            continue;
          }
        }
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
      scratch.len = k;
      r.pos = pos;
      if (pos !== e) r.fail(`${field}.bucket_counts`, 'packed varint runs past its length');
    } else if (tag === 16 /* 2:VARINT */) {
      scratch.reserve(1);
      scratch.buf[scratch.len++] = r.uint64Number(`${field}.bucket_counts`);
    } else {
      r.skip(tag & 7, field, end);
    }
  }
  r.expectEnd(end, field);
}

function readSummaryPoint(w: Walk, end: number): SummaryPoint {
  const r = w.r;
  const p: SummaryPoint = {
    attributes: NO_ATTRIBUTES,
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
        p.attributes = readPointAttributes(w, end, 58, 'SummaryDataPoint.attributes', p.attributes);
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

/**
 * ResourceLogs and ScopeLogs share one layout:
 * field 1 the resource or scope, field 2 the repeated children, field 3 the
 * schema URL. One walker serves both.
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

const RESOURCE_LOGS_FIELDS = { head: 'ResourceLogs.resource', children: 'ResourceLogs.scope_logs', schemaUrl: 'ResourceLogs.schema_url' };
const SCOPE_LOGS_FIELDS = { head: 'ScopeLogs.scope', children: 'ScopeLogs.log_records', schemaUrl: 'ScopeLogs.schema_url' };


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
