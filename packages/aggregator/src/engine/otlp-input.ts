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

/** A metric as decoded; only the kinds the engine consumes are typed in detail. */
export type MetricIn =
  | { name: string; type: 'gauge'; points: readonly PointIn[] }
  | { name: string; type: 'summary'; points: readonly PointIn[] }
  | { name: string; type: 'sum'; monotonic: boolean; points: readonly (PointIn & { value: number })[] }
  | { name: string; type: 'histogram'; points: readonly (PointIn & { count: number; bucketCounts: readonly number[]; explicitBounds: readonly number[] })[] }
  | {
      name: string;
      type: 'exponentialHistogram';
      points: readonly (PointIn & {
        count: number;
        scale: number;
        zeroCount: number;
        positive: { offset: number; bucketCounts: readonly number[] };
        negative: { offset: number; bucketCounts: readonly number[] };
      })[];
    };

/** A decoded `ExportMetricsServiceRequest`, as far as the engine reads it. */
export interface MetricsIn {
  resourceMetrics: readonly {
    resource: { attributes: AttrMap };
    scopeMetrics: readonly { scope: { attributes: AttrMap }; metrics: readonly MetricIn[] }[];
  }[];
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
