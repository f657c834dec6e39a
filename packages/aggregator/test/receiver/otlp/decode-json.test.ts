// OTLP/JSON forms the JS SDK does not emit but other senders (and the spec) do.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLogsJson, decodeMetricsJson } from '../../../src/receiver/otlp/decode-json.js';
import { OtlpDecodeError } from '../../../src/receiver/otlp/errors.js';
import type { ExpHistogramMetric, SumMetric, SummaryMetric } from '../../../src/receiver/otlp/types.js';

const wrap = (metric: unknown, key = 'resourceMetrics') => JSON.stringify({ [key]: [{ scopeMetrics: [{ metrics: [metric] }] }] });

describe('decodeMetricsJson', () => {
  it('accepts snake_case keys, enum names, 64-bit integers as strings and special doubles', () => {
    const body = JSON.stringify({
      resource_metrics: [
        {
          resource: { attributes: [{ key: 'n', value: { int_value: '9007199254740993' } }] },
          scope_metrics: [
            {
              scope: { name: 'otelcol' },
              metrics: [
                {
                  name: 's',
                  sum: {
                    aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
                    is_monotonic: true,
                    data_points: [
                      { start_time_unix_nano: '1700000000000000001', time_unix_nano: 1700000000000, as_int: '42' },
                      { as_double: 'NaN' },
                      { asDouble: '-Infinity' },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    const rm = decodeMetricsJson(body).resourceMetrics[0]!;
    assert.equal(rm.resource.attributes['n'], 9007199254740993n);
    assert.equal(rm.scopeMetrics[0]!.scope.name, 'otelcol');
    const m = rm.scopeMetrics[0]!.metrics[0] as SumMetric;
    assert.equal(m.temporality, 'cumulative');
    assert.equal(m.monotonic, true);
    assert.equal(m.points[0]!.startTimeUnixNano, 1700000000000000001n);
    assert.equal(m.points[0]!.timeUnixNano, 1700000000000n);
    assert.equal(m.points[0]!.value, 42);
    assert.ok(Number.isNaN(m.points[1]!.value));
    assert.equal(m.points[2]!.value, -Infinity);
  });

  it('decodes exponential histograms and summaries with string counts', () => {
    const exp = decodeMetricsJson(
      wrap({
        name: 'e',
        exponentialHistogram: {
          aggregationTemporality: 1,
          dataPoints: [{ count: '7', scale: -2, zeroCount: '1', zeroThreshold: 1e-6, positive: { offset: -3, bucketCounts: ['2', 4] }, negative: { offset: 1, bucketCounts: [5, '6', 7] }, min: 0, max: '9.5' }],
        },
      }),
    ).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as ExpHistogramMetric;
    assert.equal(exp.temporality, 'delta');
    assert.deepEqual(
      { count: exp.points[0]!.count, scale: exp.points[0]!.scale, zero: exp.points[0]!.zeroCount, zt: exp.points[0]!.zeroThreshold, pos: exp.points[0]!.positive, neg: exp.points[0]!.negative, max: exp.points[0]!.max },
      { count: 7, scale: -2, zero: 1, zt: 1e-6, pos: { offset: -3, bucketCounts: [2, 4] }, neg: { offset: 1, bucketCounts: [5, 6, 7] }, max: 9.5 },
    );
    const summary = decodeMetricsJson(wrap({ name: 'q', summary: { dataPoints: [{ count: '3', sum: 1.5, quantileValues: [{ quantile: 0.5, value: 0.4 }, { value: 1 }] }] } }))
      .resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as SummaryMetric;
    assert.deepEqual(summary.points[0]!.quantileValues, [{ quantile: 0.5, value: 0.4 }, { quantile: 0, value: 1 }]);
  });

  it('ignores unknown fields and treats null as absent; drops metrics without data', () => {
    const req = decodeMetricsJson(
      JSON.stringify({ futureField: 1, resourceMetrics: [{ resource: null, extra: [], scopeMetrics: [{ metrics: [{ name: 'nodata', newKind: {} }] }] }] }),
    );
    assert.deepEqual(req.resourceMetrics[0]!.scopeMetrics[0]!.metrics, []);
    assert.deepEqual({ ...req.resourceMetrics[0]!.resource.attributes }, {});
  });

  it('decodes AnyValue bytes from base64 and nested kvlists/arrays', () => {
    const req = decodeMetricsJson(
      JSON.stringify({
        resourceMetrics: [
          {
            resource: {
              attributes: [
                { key: 'b', value: { bytesValue: 'AP8H' } },
                { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { arrayValue: { values: [{ boolValue: true }, {}] } } }] } } },
              ],
            },
          },
        ],
      }),
    );
    const attrs = req.resourceMetrics[0]!.resource.attributes;
    assert.deepEqual(attrs['b'], new Uint8Array([0, 255, 7]));
    assert.deepEqual(JSON.parse(JSON.stringify(attrs['kv'])), { x: [true, null] });
  });

  describe('errors', () => {
    const cases: [string, string, RegExp][] = [
      ['not JSON', '{', /invalid JSON/],
      ['not an object', '[]', /must be an object, got an array/],
      ['a bad enum name', wrap({ name: 'x', sum: { aggregationTemporality: 'SOMETIMES' } }), /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.sum\.aggregationTemporality/],
      ['a non-integer count', wrap({ name: 'x', histogram: { dataPoints: [{ count: 1.5 }] } }), /histogram\.dataPoints\[0\]\.count: expected an integer/],
      ['a bad timestamp', wrap({ name: 'x', gauge: { dataPoints: [{ timeUnixNano: 'yesterday' }] } }), /gauge\.dataPoints\[0\]\.timeUnixNano/],
      ['a bad bucket count', wrap({ name: 'x', exponentialHistogram: { dataPoints: [{ positive: { bucketCounts: [1, 'x'] } }] } }), /positive\.bucketCounts\[1\]/],
      ['a fractional bucket count after whole ones', wrap({ name: 'x', exponentialHistogram: { dataPoints: [{ positive: { bucketCounts: [1, 2, 2.5] } }] } }), /positive\.bucketCounts\[2\]: expected an integer/],
      ['a bad attribute value', JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { stringValue: 3 } }] } }] }), /resource\.attributes\[0\]\.value\.stringValue/],
    ];
    for (const [what, body, re] of cases) {
      it(`names the path for ${what}`, () => {
        assert.throws(() => decodeMetricsJson(body), (e: unknown) => e instanceof OtlpDecodeError && re.test(e.message));
      });
    }

    // Found by fuzzing (issue 16): these were decoded, as a count of -1, a count
    // of 2^64 or Infinity, a 400-digit timestamp and an int64 wrapped to -1.
    const outOfRange: [string, string, RegExp][] = [
      ['a negative count', wrap({ name: 'x', histogram: { dataPoints: [{ count: -1 }] } }), /histogram\.dataPoints\[0\]\.count: -1 is outside the range of uint64/],
      ['a count past 2^64', wrap({ name: 'x', histogram: { dataPoints: [{ count: 1e300 }] } }), /count: 1e\+300 is outside the range of uint64/],
      ['a 400-digit count that parses to Infinity', wrap({ name: 'x', summary: { dataPoints: [{ count: '9'.repeat(400) }] } }), /summary\.dataPoints\[0\]\.count: "9+" is outside the range of uint64/],
      ['a negative bucket count among plain numbers', wrap({ name: 'x', exponentialHistogram: { dataPoints: [{ negative: { bucketCounts: [1, -2] } }] } }), /negative\.bucketCounts\[1\]: -2 is outside the range of uint64/],
      ['a scale past int32', wrap({ name: 'x', exponentialHistogram: { dataPoints: [{ scale: 2 ** 31 }] } }), /scale: 2147483648 is outside the range of int32/],
      ['flags past uint32', wrap({ name: 'x', gauge: { dataPoints: [{ flags: 2 ** 32 }] } }), /flags: 4294967296 is outside the range of uint32/],
      ['a negative timestamp', wrap({ name: 'x', gauge: { dataPoints: [{ timeUnixNano: '-1' }] } }), /timeUnixNano: timestamp "-1" is outside the range of fixed64/],
      ['a timestamp past 2^64', wrap({ name: 'x', gauge: { dataPoints: [{ startTimeUnixNano: '1' + '0'.repeat(30) }] } }), /startTimeUnixNano: timestamp "10+" is outside the range of fixed64/],
      ['an asInt past int64', wrap({ name: 'x', sum: { dataPoints: [{ asInt: '1' + '0'.repeat(19) }] } }), /asInt: "10+" is outside the range of int64/],
      ['an int attribute past int64 (not wrapped)', JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { intValue: '18446744073709551615' } }] } }] }), /resource\.attributes\[0\]\.value\.intValue: "18446744073709551615" is outside the range of int64/],
      ['an int attribute number past int64', JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { intValue: -1e308 } }] } }] }), /value\.intValue: -1e\+308 is outside the range of int64/],
      ['an enum past int32', wrap({ name: 'x', sum: { aggregationTemporality: 1e300 } }), /aggregationTemporality: 1e\+300 is outside the range of an enum/],
    ];
    for (const [what, body, re] of outOfRange) {
      it(`regression (fuzzing): refuses ${what}, naming the field and the type`, () => {
        assert.throws(() => decodeMetricsJson(body), (e: unknown) => e instanceof OtlpDecodeError && re.test(e.message), `${what}`);
      });
    }

    it('still takes the largest values of each type: 2^64 - 1 counts and timestamps, int64 extremes', () => {
      const body = wrap({ name: 'x', histogram: { dataPoints: [{ count: '18446744073709551615', timeUnixNano: '18446744073709551615', bucketCounts: ['18446744073709551615'], flags: 4294967295 }] } });
      const p = decodeMetricsJson(body).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0] as { count: number; timeUnixNano: bigint; flags: number };
      assert.equal(p.count, 2 ** 64);
      assert.equal(p.timeUnixNano, 18446744073709551615n);
      assert.equal(p.flags, 4294967295);
      const attr = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'k', value: { intValue: '-9223372036854775808' } }] } }] });
      assert.equal(decodeMetricsJson(attr).resourceMetrics[0]!.resource.attributes['k'], -9223372036854775808n);
    });
  });
});

describe('decodeLogsJson', () => {
  it('accepts severity names, hex ids in any case and the event name', () => {
    const req = decodeLogsJson(
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  { severityNumber: 'SEVERITY_NUMBER_WARN3', traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331', event_name: 'ml.prediction', body: { stringValue: 'x' } },
                ],
              },
            ],
          },
        ],
      }),
    );
    const r = req.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
    assert.equal(r.severityNumber, 15);
    assert.equal(r.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(r.spanId, 'b7ad6b7169203331');
    assert.equal(r.eventName, 'ml.prediction');
    assert.equal(r.body, 'x');
  });

  it('regression (fuzzing): refuses a log timestamp of 400 digits and a severity past int32', () => {
    const log = (rec: unknown): string => JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [rec] }] }] });
    assert.throws(() => decodeLogsJson(log({ timeUnixNano: '1'.repeat(400) })), /logRecords\[0\]\.timeUnixNano: timestamp "1+" is outside the range of fixed64/);
    assert.throws(() => decodeLogsJson(log({ severityNumber: 2 ** 40 })), /logRecords\[0\]\.severityNumber: 1099511627776 is outside the range of an enum/);
  });

  it('rejects a trace id that is not hex', () => {
    assert.throws(() => decodeLogsJson(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'xyz' }] }] }] })), /logRecords\[0\]\.traceId/);
  });
});
