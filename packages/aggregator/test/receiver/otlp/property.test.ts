// Property-based round trips: arbitrary SDK-shaped metric data, encoded by
// the SDK's own serializers, must decode to exactly that data.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValueType, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { decodeMetricsRequest, scanMetricsRequest } from '../../../src/receiver/otlp/decode-protobuf.js';
import { checkMetricsRequest } from '../../../src/receiver/otlp/check-metrics.js';
import { countDataPoints } from '../../../src/receiver/otlp/types.js';
import { decodeMetricsJson } from '../../../src/receiver/otlp/decode-json.js';
import { expectedMetrics } from '../sdk-data.js';

const hrTime: fc.Arbitrary<HrTime> = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }));
/**
 * Doubles; for the JSON comparison finite ones without -0, because
 * JSON.stringify (the SDK's JSON path) writes NaN/Infinity as null and -0 as 0.
 */
const double = (finite: boolean): fc.Arbitrary<number> =>
  finite ? fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)) : fc.double();
const count = fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat());

function attrValue(finite: boolean): fc.Arbitrary<unknown> {
  const dbl = double(finite);
  return fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ maxLength: 60 }),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.maxSafeInteger(),
    fc.integer({ min: 54, max: 62 }).map((e) => (e % 2 === 0 ? 2 ** e : -(2 ** e))),
    dbl.filter((d) => !Number.isInteger(d)),
    fc.boolean(),
    fc.uint8Array({ maxLength: 20 }),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }),
    fc.array(fc.integer(), { maxLength: 4 }),
  );
}

const attributes = (finite: boolean) => fc.dictionary(fc.string({ maxLength: 12 }), attrValue(finite), { maxKeys: 5 });

function point<V>(value: fc.Arbitrary<V>, finite: boolean) {
  return fc.record({ startTime: hrTime, endTime: hrTime, attributes: attributes(finite), value });
}

function metric(finite: boolean) {
  const dbl = double(finite);
  const optional = fc.option(dbl, { nil: undefined });
  const descriptor = (valueType: ValueType) =>
    fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), description: fc.string({ maxLength: 20 }), unit: fc.constantFrom('', 's', '1', '{prediction}'), valueType: fc.constant(valueType) });
  const temporality = fc.constantFrom(AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE);
  const sum = fc.record({
    descriptor: descriptor(ValueType.DOUBLE),
    aggregationTemporality: temporality,
    dataPointType: fc.constant(DataPointType.SUM),
    isMonotonic: fc.boolean(),
    dataPoints: fc.array(point(dbl, finite), { maxLength: 4 }),
  });
  const intGauge = fc.record({
    descriptor: descriptor(ValueType.INT),
    aggregationTemporality: temporality,
    dataPointType: fc.constant(DataPointType.GAUGE),
    dataPoints: fc.array(point(fc.maxSafeInteger(), finite), { maxLength: 4 }),
  });
  const histogram = fc.record({
    descriptor: descriptor(ValueType.DOUBLE),
    aggregationTemporality: temporality,
    dataPointType: fc.constant(DataPointType.HISTOGRAM),
    dataPoints: fc.array(
      point(
        fc.array(double(true), { maxLength: 8 }).chain((bounds) => {
          const sorted = [...new Set(bounds)].sort((a, b) => a - b);
          return fc.record({
            buckets: fc.record({ boundaries: fc.constant(sorted), counts: fc.array(count, { minLength: sorted.length + 1, maxLength: sorted.length + 1 }) }),
            count,
            sum: optional,
            min: optional,
            max: optional,
          });
        }),
        finite,
      ),
      { maxLength: 3 },
    ),
  });
  const buckets = fc.record({ offset: fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), bucketCounts: fc.array(count, { maxLength: 200 }) });
  const exp = fc.record({
    descriptor: descriptor(ValueType.DOUBLE),
    aggregationTemporality: temporality,
    dataPointType: fc.constant(DataPointType.EXPONENTIAL_HISTOGRAM),
    dataPoints: fc.array(
      point(fc.record({ count, sum: optional, min: optional, max: optional, scale: fc.integer({ min: -10, max: 20 }), zeroCount: count, positive: buckets, negative: buckets }), finite),
      { maxLength: 3 },
    ),
  });
  return fc.oneof(sum, intGauge, histogram, exp);
}

function resourceMetrics(finite: boolean): fc.Arbitrary<SdkResourceMetrics> {
  return fc
    .record({
      attrs: attributes(finite),
      scopeMetrics: fc.array(
        fc.record({
          scope: fc.record({ name: fc.string({ maxLength: 10 }), version: fc.string({ maxLength: 5 }) }),
          metrics: fc.array(metric(finite), { maxLength: 4 }),
        }),
        { maxLength: 3 },
      ),
    })
    .map(({ attrs, scopeMetrics }) => ({ resource: { attributes: attrs }, scopeMetrics }) as unknown as SdkResourceMetrics);
}

describe('OTLP decoders (property)', () => {
  it('decodeMetricsRequest inverts ProtobufMetricsSerializer on arbitrary data, NaN and infinities included', () => {
    fc.assert(
      fc.property(resourceMetrics(false), (rm) => {
        const bytes = ProtobufMetricsSerializer.serializeRequest(rm)!;
        assert.deepStrictEqual(decodeMetricsRequest(bytes), expectedMetrics(rm));
      }),
      { numRuns: 150 },
    );
  });

  it('decodeMetricsJson agrees with decodeMetricsRequest on the JSON serialization of finite data', () => {
    fc.assert(
      fc.property(resourceMetrics(true), (rm) => {
        const fromJson = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(rm)!);
        assert.deepStrictEqual(fromJson, decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(rm)!));
      }),
      { numRuns: 150 },
    );
  });

  // The streaming receiver checks a request before visiting its points: the
  // check must refuse exactly what a decode refuses, or a visit could fail
  // halfway (half a request ingested) or good data be refused.
  it('checkMetricsRequest refuses exactly the bytes decodeMetricsRequest refuses, and counts the same points', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    const outcome = (f: () => number): string => {
      try {
        return `ok ${f()}`;
      } catch (err) {
        // Both name a fault, not always the same one when there are several:
        // the decoder reads an envelope's own fields before its children.
        return `error ${(err as Error).name}`;
      }
    };
    fc.assert(
      fc.property(resourceMetrics(false), fc.array(mutation, { minLength: 0, maxLength: 4 }), (rm, mutations) => {
        let bytes = ProtobufMetricsSerializer.serializeRequest(rm)!;
        for (const m of mutations) {
          if (bytes.length === 0) break;
          const at = m.at % bytes.length;
          if (m.kind === 'flip') bytes[at] = m.value;
          else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
          else bytes = new Uint8Array([...bytes.subarray(0, at), m.value, ...bytes.subarray(at)]);
        }
        const decoded = outcome(() => countDataPoints(decodeMetricsRequest(bytes)));
        assert.equal(outcome(() => checkMetricsRequest(bytes)), decoded);
        if (decoded.startsWith('ok')) {
          // And a visit of checked bytes never throws.
          let n = 0;
          scanMetricsRequest(bytes).forEachPoint(() => n++);
          assert.equal(`ok ${n}`, decoded);
        }
      }),
      { numRuns: 400 },
    );
  });
});
