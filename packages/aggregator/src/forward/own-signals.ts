/**
 * The aggregator's own signals on processor mode's downstream: a
 * `PushMetricExporter` for the OTLP push of src/export/telemetry.ts (its
 * meter provider, periodic reader and push status stay as they are) that
 * encodes each collection as an OTLP `ExportMetricsServiceRequest` and sends
 * it with the forwarder's sender, over gRPC or OTLP/HTTP alike, with the
 * forward settings' headers, TLS and timeout.
 *
 * Why not the SDK's OTLP exporters: the push uses
 * `@opentelemetry/exporter-metrics-otlp-proto` (OTLP/HTTP); its gRPC sibling
 * is only a development dependency here, and the sender already speaks both
 * protocols to this very endpoint. The encoding covers what telemetry.ts
 * makes, observable gauges and counters (OTLP `Gauge` and `Sum`); a metric of
 * another kind is left out and named once in the log.
 *
 * Each export carries the latest values and is not queued or retried (as
 * the push's other exporter, see push-status.ts): the next one supersedes it.
 *
 * @module
 */
import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ProtoWriter } from './proto-writer.js';
import type { SendOutcome } from './outcome.js';

/** `ExportResultCode` of `@opentelemetry/core` (not a dependency of ours). */
const SUCCESS = 0;
const FAILED = 1;

const utf8 = new TextEncoder();

function nanos(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

function message(out: ProtoWriter, field: number, fill: (w: ProtoWriter) => void): void {
  const inner = new ProtoWriter();
  fill(inner);
  out.small((field << 3) | 2);
  out.bytes(inner.result());
}

function str(out: ProtoWriter, field: number, v: string): void {
  out.small((field << 3) | 2);
  out.bytes(utf8.encode(v));
}

function anyValue(w: ProtoWriter, v: AttributeValue | null | undefined): void {
  if (typeof v === 'string') str(w, 1, v);
  else if (typeof v === 'boolean') {
    w.small(2 << 3);
    w.small(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) {
      w.small(3 << 3);
      w.varint(BigInt(v));
    } else {
      w.small((4 << 3) | 1);
      w.double(v);
    }
  } else if (Array.isArray(v)) {
    message(w, 5, (arr) => {
      for (const x of v as ReadonlyArray<AttributeValue | null | undefined>) message(arr, 1, (a) => anyValue(a, x));
    });
  }
}

function attributes(out: ProtoWriter, field: number, attrs: Attributes): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    message(out, field, (kv) => {
      str(kv, 1, k);
      message(kv, 2, (a) => anyValue(a, v));
    });
  }
}

/** OTLP's AggregationTemporality numbers (the SDK numbers them from 0). */
const temporality = (t: AggregationTemporality): number => (t === AggregationTemporality.DELTA ? 1 : 2);

/**
 * Encodes a collection as an OTLP/protobuf `ExportMetricsServiceRequest`;
 * returns it with the names of the metrics left out (not gauges or sums).
 */
export function encodeResourceMetrics(rm: ResourceMetrics): { body: Uint8Array; skipped: string[] } {
  const out = new ProtoWriter();
  const skipped: string[] = [];
  message(out, 1, (r) => {
    message(r, 1, (res) => attributes(res, 1, rm.resource.attributes));
    for (const sm of rm.scopeMetrics) {
      message(r, 2, (s) => {
        message(s, 1, (scope) => {
          str(scope, 1, sm.scope.name);
          if (sm.scope.version !== undefined) str(scope, 2, sm.scope.version);
        });
        for (const m of sm.metrics) {
          if (m.dataPointType !== DataPointType.GAUGE && m.dataPointType !== DataPointType.SUM) {
            skipped.push(m.descriptor.name);
            continue;
          }
          message(s, 2, (metric) => {
            str(metric, 1, m.descriptor.name);
            if (m.descriptor.description !== '') str(metric, 2, m.descriptor.description);
            if (m.descriptor.unit !== '') str(metric, 3, m.descriptor.unit);
            const isSum = m.dataPointType === DataPointType.SUM;
            message(metric, isSum ? 7 : 5, (data) => {
              for (const p of m.dataPoints) {
                message(data, 1, (dp) => {
                  dp.small((2 << 3) | 1);
                  dp.fixed64(nanos(p.startTime));
                  dp.small((3 << 3) | 1);
                  dp.fixed64(nanos(p.endTime));
                  const v = p.value as number;
                  if (Number.isSafeInteger(v)) {
                    dp.small((6 << 3) | 1); // as_int (sfixed64)
                    dp.fixed64(BigInt(v));
                  } else {
                    dp.small((4 << 3) | 1); // as_double
                    dp.double(v);
                  }
                  attributes(dp, 7, p.attributes);
                });
              }
              if (m.dataPointType === DataPointType.SUM) {
                data.small(2 << 3);
                data.small(temporality(m.aggregationTemporality));
                data.small(3 << 3);
                data.small(m.isMonotonic ? 1 : 0);
              }
            });
          });
        }
      });
    }
  });
  return { body: out.result(), skipped };
}

/**
 * The exporter: each export is encoded and handed to `send`; an outcome
 * other than success fails the export (push-status.ts records it).
 */
export function ownSignalsExporter(send: (body: Uint8Array) => Promise<SendOutcome>, log: (message: string) => void = () => {}): PushMetricExporter {
  const named = new Set<string>();
  return {
    export(metrics, done) {
      let body: Uint8Array;
      try {
        const encoded = encodeResourceMetrics(metrics);
        for (const name of encoded.skipped) {
          if (named.has(name)) continue;
          named.add(name);
          log(`processor mode: the aggregator's metric ${name} is neither a gauge nor a sum and is not pushed downstream`);
        }
        body = encoded.body;
      } catch (err) {
        done({ code: FAILED, error: err as Error });
        return;
      }
      send(body).then(
        (o) => done(o.kind === 'ok' ? { code: SUCCESS } : { code: FAILED, error: new Error(o.reason) }),
        (err: unknown) => done({ code: FAILED, error: err instanceof Error ? err : new Error(String(err)) }),
      );
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}
