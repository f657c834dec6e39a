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
  /** Start of the aggregation interval, ns since epoch; 0n or absent when unset (read by an {@link IngestObserver}). */
  startTimeUnixNano?: bigint;
  /** `DataPointFlags` (bit 0: no recorded value); read by an {@link IngestObserver}. */
  flags?: number;
}

/** Bucket counts: an array, or a typed-array view (the streaming decoder's scratch). */
export type CountsIn = ArrayLike<number>;

/** A sum or gauge point. */
export type NumberPointIn = PointIn & { value: number };

/** An explicit-bucket histogram point. */
export type HistogramPointIn = PointIn & { count: number; sum?: number; bucketCounts: readonly number[]; explicitBounds: readonly number[] };

/** A base-2 exponential histogram point. */
export type ExpPointIn = PointIn & {
  count: number;
  sum?: number;
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

/**
 * A metric without its points, as far as the engine reads it; the point type
 * follows `type`. `unit` (UCUM, '' when unset) is read by an {@link IngestObserver}.
 */
export type MetricHeaderIn =
  | { name: string; unit?: string; type: 'gauge' | 'summary' }
  | { name: string; unit?: string; type: 'sum'; monotonic: boolean }
  | { name: string; unit?: string; type: 'histogram' }
  | { name: string; unit?: string; type: 'exponentialHistogram' };

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

/**
 * Sees, beside the engine, the points of the metrics the engine does not
 * consume, and which resource sent each model's telemetry (the resources
 * stage). Points come as the engine gets them: monotonic sums and histograms
 * as deltas (the receiver converts cumulative streams), gauges and up-down
 * counters as levels. Nothing of a point may be kept past the call.
 */
export interface IngestObserver {
  /** Whether it wants the points of `metric`; asked once per run of points of one metric. */
  wants(metric: MetricHeaderIn): boolean;
  /** A point of a metric it wants, under `resource`, received at `now` (epoch ms). */
  point(resource: AttrMap, metric: MetricHeaderIn, point: PointIn, now: number): void;
  /** `resource` sent telemetry of `model`; told once per run of points of one resource and model. */
  modelSeen(model: string, resource: AttrMap, now: number): void;
}

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
