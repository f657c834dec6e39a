/**
 * The decoded OTLP data model the receiver hands to its sink.
 *
 * Plain objects, the same whichever encoding (protobuf or JSON) or transport
 * (HTTP or gRPC) carried them. Conventions, chosen once for every consumer:
 *
 * - Times (`*UnixNano`) are nanoseconds since the Unix epoch as `bigint`:
 *   exact, and `0n` when the sender left the field unset. Use
 *   {@link nanosToMillis} for a millisecond `number`.
 * - 64-bit counts (`count`, `bucketCounts`, `zeroCount`) are `number`: a count
 *   past 2^53 would need 9 quadrillion observations in one export, so exactness
 *   is kept in practice and precision degrades gracefully beyond that.
 * - Integer attribute values are `number` when they are safe integers and
 *   `bigint` beyond ±(2^53 - 1), so no value is silently rounded; double values
 *   are `number` (an integral double such as `1.0` reads the same as the int 1).
 * - Attribute maps (`Attributes`, kvlist values) are made by
 *   {@link createAttributes}: nothing is inherited, so a key such as
 *   `__proto__` or `constructor` is an ordinary key. When a key repeats, the
 *   last occurrence wins.
 * - An `AnyValue` with no value set decodes to `null`; bytes to `Uint8Array`.
 * - Fields absent on the wire take the protobuf defaults (`''`, `0`, `false`,
 *   empty arrays), except the optional `sum`/`min`/`max`, which are `undefined`
 *   when absent.
 * - Exemplars and dropped-attribute counts are not decoded.
 *
 * @packageDocumentation
 */

/** An OTLP `AnyValue`: a scalar, bytes, an array or a key/value list; `null` when empty. */
export type AnyValue =
  | string
  | number
  | boolean
  | bigint
  | Uint8Array
  | AnyValue[]
  | { [key: string]: AnyValue }
  | null;

/** Attributes keyed by name (a `null`-prototype object). */
export type Attributes = Record<string, AnyValue>;

/** The entity producing telemetry (`opentelemetry.proto.resource.v1.Resource`). */
export interface Resource {
  attributes: Attributes;
}

/** The instrumentation scope (`InstrumentationScope`) that produced a batch. */
export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
}

/**
 * Aggregation temporality of sums and histograms. `'unspecified'` is what the
 * sender meant when it left the enum at 0 (invalid per the spec; the sink decides).
 */
export type Temporality = 'delta' | 'cumulative' | 'unspecified';

/** Fields every data point has. */
export interface PointBase {
  attributes: Attributes;
  /** Start of the aggregation interval, ns since epoch; `0n` when unset. */
  startTimeUnixNano: bigint;
  /** End of the aggregation interval (the observation time), ns since epoch. */
  timeUnixNano: bigint;
  /** `DataPointFlags` bit field (bit 0: no recorded value). */
  flags: number;
}

/** A gauge or sum point (`NumberDataPoint`); `as_int` values become `number`. */
export interface NumberPoint extends PointBase {
  value: number;
}

/** An explicit-bucket histogram point (`HistogramDataPoint`). */
export interface HistogramPoint extends PointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** `explicitBounds.length + 1` counts when buckets are present, else empty. */
  bucketCounts: number[];
  explicitBounds: number[];
}

/**
 * Bucket counts of an exponential histogram side: an array from the JSON
 * decoder and from {@link MetricsRequest}s; during a streaming protobuf walk
 * ({@link MetricsPoints.forEachPoint}) a view of a scratch buffer that is
 * overwritten by the next point, so copy it to keep it.
 */
export type BucketCounts = number[] | Float64Array;

/** One side (positive or negative) of an exponential histogram. */
export interface ExpBuckets {
  /** Index of the first bucket: bucket i covers (base^(offset+i), base^(offset+i+1)]. */
  offset: number;
  bucketCounts: BucketCounts;
}

/**
 * A base-2 exponential histogram point (`ExponentialHistogramDataPoint`),
 * deliberately the same shape as `@modelwatch/stats`'s exponential histogram data.
 */
export interface ExpHistogramPoint extends PointBase {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** base = 2^(2^-scale). */
  scale: number;
  zeroCount: number;
  /** Width of the zero bucket; 0 when unset (the exact-zero bucket). */
  zeroThreshold: number;
  positive: ExpBuckets;
  negative: ExpBuckets;
  /**
   * Set (true) on points of a streaming protobuf visit: the counts are
   * varints, so finite non-negative integers, and consumers may skip checking them.
   */
  countsChecked?: boolean;
}

/** One quantile of a summary point. */
export interface QuantileValue {
  quantile: number;
  value: number;
}

/** A summary point (`SummaryDataPoint`); produced by Prometheus-style sources, not by the JS SDK. */
export interface SummaryPoint extends PointBase {
  count: number;
  sum: number;
  quantileValues: QuantileValue[];
}

/** Identity fields every metric has. */
export interface MetricBase {
  name: string;
  description: string;
  unit: string;
  /** `Metric.metadata` (field 12); empty when absent. */
  metadata: Attributes;
}

/** A gauge metric. */
export interface GaugeMetric extends MetricBase {
  type: 'gauge';
  points: NumberPoint[];
}

/** A sum (counter or up-down counter) metric. */
export interface SumMetric extends MetricBase {
  type: 'sum';
  monotonic: boolean;
  temporality: Temporality;
  points: NumberPoint[];
}

/** An explicit-bucket histogram metric. */
export interface HistogramMetric extends MetricBase {
  type: 'histogram';
  temporality: Temporality;
  points: HistogramPoint[];
}

/** A base-2 exponential histogram metric. */
export interface ExpHistogramMetric extends MetricBase {
  type: 'exponentialHistogram';
  temporality: Temporality;
  points: ExpHistogramPoint[];
}

/** A summary metric. */
export interface SummaryMetric extends MetricBase {
  type: 'summary';
  points: SummaryPoint[];
}

/**
 * A metric with its points. A metric whose data field is missing on the wire
 * (no gauge/sum/histogram/... set) is dropped by the decoders, not represented.
 */
export type Metric = GaugeMetric | SumMetric | HistogramMetric | ExpHistogramMetric | SummaryMetric;

/** The metric kinds, for exhaustive switches. */
export type MetricType = Metric['type'];

/** Metrics of one instrumentation scope. */
export interface ScopeMetrics {
  scope: Scope;
  metrics: Metric[];
  schemaUrl: string;
}

/** Metrics of one resource. */
export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

/** A decoded `ExportMetricsServiceRequest`. */
export interface MetricsRequest {
  resourceMetrics: ResourceMetrics[];
}

/** A metric without its points: what a {@link PointVisitor} gets beside each point. */
export type MetricHeader = Metric extends infer M ? (M extends Metric ? Omit<M, 'points'> : never) : never;

/** A data point of any kind. */
export type DataPoint = Metric['points'][number];

/**
 * Receives the data points of a metrics request in order. The resource, scope
 * and metric objects are shared by the points under them; a point (and its
 * bucket views) may be reused once the call returns.
 */
export type PointVisitor = (resource: Resource, scope: Scope, metric: MetricHeader, point: DataPoint) => void;

/**
 * The data points of one metrics request, already checked to be well formed:
 * visiting them cannot fail. The protobuf receiver walks the request bytes on
 * each visit (no decoded tree is built); a decoded {@link MetricsRequest} is
 * visited by {@link metricsPoints}.
 */
export interface MetricsPoints {
  /** Data points in the request. */
  readonly pointCount: number;
  /** Calls `visit` once per data point, in request order. */
  forEachPoint(visit: PointVisitor): void;
}

/** The points of a decoded request, for a consumer of {@link MetricsPoints}. */
export function metricsPoints(req: MetricsRequest): MetricsPoints {
  return {
    pointCount: countDataPoints(req),
    forEachPoint(visit: PointVisitor): void {
      for (const rm of req.resourceMetrics) {
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) for (const p of m.points) visit(rm.resource, sm.scope, m, p);
        }
      }
    },
  };
}

/** A decoded `LogRecord` (also carries OTel events: `eventName` non-empty). */
export interface LogRecord {
  /** Event time, ns since epoch; `0n` when unknown. */
  timeUnixNano: bigint;
  /** When the record was observed by the SDK/collector, ns since epoch; `0n` when unset. */
  observedTimeUnixNano: bigint;
  /** `SeverityNumber` (0 unspecified, 1..24 TRACE..FATAL4). */
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  /** `event_name` (field 12); `''` when the record is not an event. */
  eventName: string;
  /** Lowercase hex (32 chars), or `''` when absent. */
  traceId: string;
  /** Lowercase hex (16 chars), or `''` when absent. */
  spanId: string;
  flags: number;
}

/** Log records of one instrumentation scope. */
export interface ScopeLogs {
  scope: Scope;
  logRecords: LogRecord[];
  schemaUrl: string;
}

/** Log records of one resource. */
export interface ResourceLogs {
  resource: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl: string;
}

/** A decoded `ExportLogsServiceRequest`. */
export interface LogsRequest {
  resourceLogs: ResourceLogs[];
}

// Instances of a constructor whose prototype inherits from nothing: fast
// (hidden-class) objects, unlike `Object.create(null)` dictionaries, yet with
// no inherited keys and no `__proto__` setter.
const AttributesProto = Object.create(null) as object;
function AttributesCtor(this: Attributes): void {}
AttributesCtor.prototype = AttributesProto;

/** A new, empty attribute map with no inherited keys (what the decoders produce). */
export function createAttributes(): Attributes {
  return new (AttributesCtor as unknown as new () => Attributes)();
}

/** Converts a nanosecond timestamp to milliseconds (fractional part kept to ~µs). */
export function nanosToMillis(nanos: bigint): number {
  const ms = nanos / 1_000_000n;
  return Number(ms) + Number(nanos - ms * 1_000_000n) / 1e6;
}

/** Number of data points in a metrics request (what partial success counts). */
export function countDataPoints(req: MetricsRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) n += m.points.length;
    }
  }
  return n;
}

/** Number of log records in a logs request. */
export function countLogRecords(req: LogsRequest): number {
  let n = 0;
  for (const rl of req.resourceLogs) {
    for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  }
  return n;
}
