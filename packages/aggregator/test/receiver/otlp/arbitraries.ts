// Arbitrary SDK-shaped metric data (the SDK's in-memory ResourceMetrics),
// for the property tests and as fuzz seeds once encoded by the SDK's own
// serializers.
import fc from 'fast-check';
import { ValueType, type HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, type ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';

const hrTime: fc.Arbitrary<HrTime> = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }));
/**
 * Doubles; for the JSON comparison finite ones without -0, because
 * JSON.stringify (the SDK's JSON path) writes NaN/Infinity as null and -0 as 0.
 */
const double = (finite: boolean): fc.Arbitrary<number> =>
  finite ? fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)) : fc.double();
const count = fc.oneof(fc.nat({ max: 1000 }), fc.maxSafeNat());

export function attrValue(finite: boolean): fc.Arbitrary<unknown> {
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

export function resourceMetrics(finite: boolean): fc.Arbitrary<SdkResourceMetrics> {
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
