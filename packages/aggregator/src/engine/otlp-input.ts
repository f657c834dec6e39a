/**
 * The parts of decoded OTLP the engine reads. Structural subsets of the
 * receiver's types (`receiver/otlp/types.ts`), declared here so the pure
 * engine does not import the receiver; the receiver's `MetricsRequest` and
 * `LogsRequest` are assignable to these.
 *
 * @module
 */

/** An attribute value as decoded (`AnyValue`). */
export type AttrValue = unknown;

/** Attributes keyed by name. */
export type AttrMap = Readonly<Record<string, AttrValue>>;

/** Fields of every point the engine reads. */
export interface PointIn {
  attributes: AttrMap;
  /** End of the aggregation interval, ns since epoch; 0n when unset. */
  timeUnixNano: bigint;
}

/** Bucket counts: an array, or a typed-array view (the streaming decoder's scratch). */
export type CountsIn = ArrayLike<number>;

/** A sum or gauge point. */
export type NumberPointIn = PointIn & { value: number };

/** An explicit-bucket histogram point. */
export type HistogramPointIn = PointIn & { count: number; bucketCounts: readonly number[]; explicitBounds: readonly number[] };

/** A base-2 exponential histogram point. */
export type ExpPointIn = PointIn & {
  count: number;
  scale: number;
  zeroCount: number;
  positive: { offset: number; bucketCounts: CountsIn };
  negative: { offset: number; bucketCounts: CountsIn };
  /**
   * True when the bucket counts are known to be finite non-negative integers
   * (decoded from protobuf varints), so the engine need not check each one.
   */
  countsChecked?: boolean;
};

/** A metric without its points, as far as the engine reads it; the point type follows `type`. */
export type MetricHeaderIn =
  | { name: string; type: 'gauge' | 'summary' }
  | { name: string; type: 'sum'; monotonic: boolean }
  | { name: string; type: 'histogram' }
  | { name: string; type: 'exponentialHistogram' };

/** A metric as decoded; only the kinds the engine consumes are typed in detail. */
export type MetricIn =
  | { name: string; type: 'gauge'; points: readonly PointIn[] }
  | { name: string; type: 'summary'; points: readonly PointIn[] }
  | { name: string; type: 'sum'; monotonic: boolean; points: readonly NumberPointIn[] }
  | { name: string; type: 'histogram'; points: readonly HistogramPointIn[] }
  | { name: string; type: 'exponentialHistogram'; points: readonly ExpPointIn[] };

/** A decoded `ExportMetricsServiceRequest`, as far as the engine reads it. */
export interface MetricsIn {
  resourceMetrics: readonly {
    resource: { attributes: AttrMap };
    scopeMetrics: readonly { scope: { attributes: AttrMap }; metrics: readonly MetricIn[] }[];
  }[];
}

/**
 * Receives one data point with the attributes of its resource and scope and
 * its metric. `point` must match `metric.type` (see {@link MetricIn}).
 */
export type PointSink = (resource: AttrMap, scope: AttrMap, metric: MetricHeaderIn, point: PointIn) => void;

/** A decoded `ExportLogsServiceRequest`, as far as the engine reads it. */
export interface LogsIn {
  resourceLogs: readonly {
    resource: { attributes: AttrMap };
    scopeLogs: readonly {
      scope: { attributes: AttrMap };
      logRecords: readonly { attributes: AttrMap; eventName?: string; timeUnixNano?: bigint; observedTimeUnixNano?: bigint }[];
    }[];
  }[];
}
