// Test helpers: telemetry produced by the real OpenTelemetry JS SDK, and an
// independent mapping from the SDK's in-memory data model to the receiver's
// decoded model, so a round trip (SDK serializer -> our decoder) can be
// compared field by field.
import { type HrTime, ValueType, type Attributes as OtelAttributes } from '@opentelemetry/api';
import { type AnyValue as LogAnyValue, SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics as SdkResourceMetrics,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Meter } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import type {
  AnyValue,
  Attributes,
  LogRecord,
  LogsRequest,
  Metric,
  MetricsRequest,
} from '../../src/receiver/otlp/types.js';
import { createAttributes } from '../../src/receiver/otlp/types.js';

/** A reader collected on demand. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface CollectOptions {
  temporality?: 'delta' | 'cumulative';
  views?: ViewOptions[];
  resource?: OtelAttributes;
}

/** A meter provider with a manual reader; `collect()` returns what an exporter would send. */
export function sdkMeter(opts: CollectOptions = {}): {
  meter: Meter;
  collect: () => Promise<SdkResourceMetrics>;
  shutdown: () => Promise<void>;
} {
  const reader = new ManualReader({
    aggregationTemporalitySelector: () =>
      opts.temporality === 'cumulative' ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA,
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(opts.resource ?? { 'service.name': 'svc' }),
    readers: [reader],
    views: opts.views ?? [],
  });
  return {
    meter: provider.getMeter('test-scope', '1.2.3'),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw errors[0];
      return resourceMetrics;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** View turning a histogram instrument into a base-2 exponential histogram. */
export function expView(instrumentName: string, maxSize = 160): ViewOptions {
  return { instrumentName, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize } } };
}

/** A logger provider with an in-memory exporter. */
export function sdkLogger(resource: OtelAttributes = { 'service.name': 'svc' }): {
  logger: Logger;
  records: () => ReadableLogRecord[];
  shutdown: () => Promise<void>;
} {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resource),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  return {
    logger: provider.getLogger('log-scope', '0.0.1'),
    records: () => exporter.getFinishedLogRecords(),
    shutdown: () => provider.shutdown(),
  };
}

export function nanosOf(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

/** What an SDK attribute/log value becomes in OTLP, as our decoder should present it. */
export function expectedAny(v: unknown): AnyValue {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v) : v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(expectedAny);
  if (typeof v === 'object' && v !== null) {
    const out = createAttributes();
    for (const [k, x] of Object.entries(v)) out[k] = expectedAny(x);
    return out;
  }
  return null;
}

export function expectedAttributes(a: Record<string, unknown> | undefined): Attributes {
  const out = createAttributes();
  for (const [k, v] of Object.entries(a ?? {})) out[k] = expectedAny(v);
  return out;
}

const temporalityOf = (t: AggregationTemporality): 'delta' | 'cumulative' =>
  t === AggregationTemporality.DELTA ? 'delta' : 'cumulative';

/** The SDK's ResourceMetrics as the receiver's model (the oracle for round trips). */
export function expectedMetrics(rm: SdkResourceMetrics): MetricsRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: expectedAttributes(rm.resource.attributes) },
        schemaUrl: rm.resource.schemaUrl ?? '',
        scopeMetrics: rm.scopeMetrics.map((sm) => ({
          scope: { name: sm.scope.name, version: sm.scope.version ?? '', attributes: expectedAttributes(undefined) },
          schemaUrl: sm.scope.schemaUrl ?? '',
          metrics: sm.metrics.map((m): Metric => {
            const base = {
              name: m.descriptor.name,
              description: m.descriptor.description,
              unit: m.descriptor.unit,
              metadata: expectedAttributes(undefined),
            };
            const times = (p: { attributes: OtelAttributes; startTime: HrTime; endTime: HrTime }) => ({
              attributes: expectedAttributes(p.attributes),
              startTimeUnixNano: nanosOf(p.startTime),
              timeUnixNano: nanosOf(p.endTime),
              flags: 0,
            });
            const isInt = m.descriptor.valueType === ValueType.INT;
            switch (m.dataPointType) {
              case DataPointType.GAUGE:
                return { ...base, type: 'gauge', points: m.dataPoints.map((p) => ({ ...times(p), value: isInt ? Math.trunc(p.value) : p.value })) };
              case DataPointType.SUM:
                return {
                  ...base,
                  type: 'sum',
                  monotonic: m.isMonotonic,
                  temporality: temporalityOf(m.aggregationTemporality),
                  points: m.dataPoints.map((p) => ({ ...times(p), value: isInt ? Math.trunc(p.value) : p.value })),
                };
              case DataPointType.HISTOGRAM:
                return {
                  ...base,
                  type: 'histogram',
                  temporality: temporalityOf(m.aggregationTemporality),
                  points: m.dataPoints.map((p) => ({
                    ...times(p),
                    count: p.value.count,
                    sum: p.value.sum,
                    min: p.value.min,
                    max: p.value.max,
                    bucketCounts: [...p.value.buckets.counts],
                    explicitBounds: [...p.value.buckets.boundaries],
                  })),
                };
              case DataPointType.EXPONENTIAL_HISTOGRAM:
                return {
                  ...base,
                  type: 'exponentialHistogram',
                  temporality: temporalityOf(m.aggregationTemporality),
                  points: m.dataPoints.map((p) => ({
                    ...times(p),
                    count: p.value.count,
                    sum: p.value.sum,
                    min: p.value.min,
                    max: p.value.max,
                    scale: p.value.scale,
                    zeroCount: p.value.zeroCount,
                    zeroThreshold: 0,
                    positive: { offset: p.value.positive.offset, bucketCounts: [...p.value.positive.bucketCounts] },
                    negative: { offset: p.value.negative.offset, bucketCounts: [...p.value.negative.bucketCounts] },
                  })),
                };
            }
          }),
        })),
      },
    ],
  };
}

/** The SDK's log records as the receiver's model (one resource, one scope, in order). */
export function expectedLogs(records: readonly ReadableLogRecord[]): LogsRequest {
  const first = records[0];
  if (first === undefined) return { resourceLogs: [] };
  return {
    resourceLogs: [
      {
        resource: { attributes: expectedAttributes(first.resource.attributes) },
        schemaUrl: first.resource.schemaUrl ?? '',
        scopeLogs: [
          {
            scope: {
              name: first.instrumentationScope.name,
              version: first.instrumentationScope.version ?? '',
              attributes: expectedAttributes(first.instrumentationScope.attributes),
            },
            schemaUrl: first.instrumentationScope.schemaUrl ?? '',
            logRecords: records.map((r): LogRecord => ({
              timeUnixNano: nanosOf(r.hrTime),
              observedTimeUnixNano: nanosOf(r.hrTimeObserved),
              severityNumber: r.severityNumber ?? SeverityNumber.UNSPECIFIED,
              severityText: r.severityText ?? '',
              body: r.body === undefined ? null : expectedAny(r.body as LogAnyValue),
              attributes: expectedAttributes(r.attributes),
              eventName: r.eventName ?? '',
              traceId: r.spanContext?.traceId ?? '',
              spanId: r.spanContext?.spanId ?? '',
              flags: r.spanContext?.traceFlags ?? 0,
            })),
          },
        ],
      },
    ],
  };
}
