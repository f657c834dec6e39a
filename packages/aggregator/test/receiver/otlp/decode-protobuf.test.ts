// Wire-level cases the SDK serializer never produces: summaries, unpacked
// repeated fields, unknown fields of every wire type, schema extensions
// (zero_threshold, metadata, flags), and malformed input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { decodeLogsRequest, decodeMetricsRequest, scanMetricsRequest } from '../../../src/receiver/otlp/decode-protobuf.js';
import { OtlpDecodeError } from '../../../src/receiver/otlp/errors.js';
import type { ExpHistogramMetric, HistogramMetric, SummaryMetric } from '../../../src/receiver/otlp/types.js';

type W = protobuf.Writer;
const LEN = 2;
const tag = (w: W, field: number, wt: number): W => w.uint32((field << 3) | wt);
const msg = (w: W, field: number, body: (w: W) => void): W => {
  tag(w, field, LEN).fork();
  body(w);
  return w.ldelim();
};
const kv = (w: W, field: number, key: string, value: string): W =>
  msg(w, field, (k) => {
    tag(k, 1, LEN).string(key);
    msg(k, 2, (v) => tag(v, 1, LEN).string(value));
  });
/** Unknown fields of every wire type, as a newer sender would add them. */
const unknowns = (w: W): W => {
  tag(w, 99, 0).uint64(12345678901);
  tag(w, 98, 1).fixed64(7);
  tag(w, 97, 2).string('future');
  tag(w, 96, 5).fixed32(9);
  tag(w, 95, 3); // a group with a nested field
  tag(w, 1, 0).uint32(1);
  tag(w, 95, 4);
  return w;
};

/** ExportMetricsServiceRequest with one metric written by `metric`. */
function request(metric: (w: W) => void): Uint8Array {
  const w = protobuf.Writer.create();
  msg(w, 1, (rm) => {
    unknowns(rm);
    msg(rm, 1, (r) => kv(r, 1, 'service.name', 'py'));
    msg(rm, 2, (sm) => {
      msg(sm, 1, (s) => tag(s, 1, LEN).string('prometheus'));
      msg(sm, 2, (m) => {
        unknowns(m);
        metric(m);
        // Identity after the data field: order on the wire does not matter.
        tag(m, 1, LEN).string('late.name');
        kv(m, 12, 'meta', 'data');
      });
    });
  });
  return w.finish();
}

describe('decodeMetricsRequest', () => {
  describe('field order', () => {
    it('regression: a Metric whose data field comes before its name (as the Collector writes it) leaves the following metrics and the scope intact', () => {
      const gauge = (m: W, v: number): void => {
        msg(m, 5, (g) => msg(g, 1, (p) => tag(p, 4, 1).double(v)));
      };
      const w = protobuf.Writer.create();
      msg(w, 1, (rm) => {
        msg(rm, 2, (sm) => {
          msg(sm, 2, (m) => {
            gauge(m, 1.5);
            tag(m, 1, LEN).string('first');
            // Field 2 read in the ScopeMetrics would be a Metric: the bug parsed this text as one.
            tag(m, 2, LEN).string('a description, which reads as garbage if taken for a Metric');
            tag(m, 3, LEN).string('s');
          });
          msg(sm, 2, (m) => {
            gauge(m, 2.5);
            tag(m, 1, LEN).string('second');
          });
          msg(sm, 1, (s) => tag(s, 1, LEN).string('after-the-metrics'));
        });
      });
      const bytes = w.finish();
      const decoded = decodeMetricsRequest(bytes);
      const scope = decoded.resourceMetrics[0]?.scopeMetrics[0];
      assert.deepEqual(scope?.metrics.map((m) => [m.name, m.unit, (m.points[0] as { value: number }).value]), [['first', 's', 1.5], ['second', '', 2.5]]);
      assert.equal(scope?.metrics[0]?.description, 'a description, which reads as garbage if taken for a Metric');
      assert.equal(scope?.scope.name, 'after-the-metrics');
      const seen: Array<[string, string]> = [];
      scanMetricsRequest(bytes).forEachPoint((_res, sc, metric) => seen.push([sc.name, metric.name]));
      assert.deepEqual(seen, [['after-the-metrics', 'first'], ['after-the-metrics', 'second']]);
    });
  });

  describe('summaries', () => {
    it('decodes quantiles, count, sum and flags', () => {
      const bytes = request((m) =>
        msg(m, 11, (s) => {
          msg(s, 1, (p) => {
            kv(p, 7, 'le', 'x');
            tag(p, 2, 1).fixed64(1_000_000_000);
            tag(p, 3, 1).fixed64('1700000000000000001' as unknown as number);
            tag(p, 4, 1).fixed64(12);
            tag(p, 5, 1).double(34.5);
            for (const [q, v] of [[0.5, 2], [0.99, 9.5]] as const) msg(p, 6, (qv) => tag(qv, 1, 1).double(q) && tag(qv, 2, 1).double(v));
            tag(p, 8, 0).uint32(1);
            unknowns(p);
          });
        }),
      );
      const m = decodeMetricsRequest(bytes).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as SummaryMetric;
      assert.equal(m.type, 'summary');
      assert.equal(m.name, 'late.name');
      assert.deepEqual({ ...m.metadata }, { meta: 'data' });
      const p = m.points[0]!;
      assert.equal(p.startTimeUnixNano, 1_000_000_000n);
      assert.equal(p.timeUnixNano, 1_700_000_000_000_000_001n);
      assert.equal(p.count, 12);
      assert.equal(p.sum, 34.5);
      assert.equal(p.flags, 1);
      assert.deepEqual(p.quantileValues, [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 9.5 }]);
      assert.deepEqual({ ...p.attributes }, { le: 'x' });
    });
  });

  describe('repeated scalars', () => {
    it('accepts unpacked bucket counts and bounds, and counts up to 2^53', () => {
      const big = 2 ** 53 - 1;
      const bytes = request((m) =>
        msg(m, 9, (h) => {
          msg(h, 1, (p) => {
            tag(p, 4, 1).fixed64(big);
            for (const c of [1, big - 1]) tag(p, 6, 1).fixed64(c);
            tag(p, 7, 1).double(0.5);
          });
          tag(h, 2, 0).uint32(2);
        }),
      );
      const m = decodeMetricsRequest(bytes).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as HistogramMetric;
      assert.equal(m.temporality, 'cumulative');
      assert.deepEqual(m.points[0]!.bucketCounts, [1, big - 1]);
      assert.deepEqual(m.points[0]!.explicitBounds, [0.5]);
      assert.equal(m.points[0]!.count, big);
      assert.equal(m.points[0]!.sum, undefined);
    });

    it('reads exp-histogram buckets packed, unpacked and with multi-byte varints; zero_threshold and negative scale', () => {
      const counts = [0, 1, 127, 128, 16383, 16384, 2 ** 32, 2 ** 53 - 1];
      const bytes = request((m) =>
        msg(m, 10, (e) => {
          msg(e, 1, (p) => {
            tag(p, 6, 0).sint32(-3);
            tag(p, 14, 1).double(1e-9);
            tag(p, 7, 1).fixed64(5);
            msg(p, 8, (b) => {
              tag(b, 1, 0).sint32(-42);
              tag(b, 2, LEN).fork();
              for (const c of counts) b.uint64(c);
              b.ldelim();
            });
            msg(p, 9, (b) => {
              tag(b, 1, 0).sint32(7);
              for (const c of [3, 300]) tag(b, 2, 0).uint64(c);
            });
            tag(p, 12, 1).double(-1);
            tag(p, 13, 1).double(2);
          });
          tag(e, 2, 0).uint32(1);
        }),
      );
      const m = decodeMetricsRequest(bytes).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as ExpHistogramMetric;
      const p = m.points[0]!;
      assert.equal(m.temporality, 'delta');
      assert.equal(p.scale, -3);
      assert.equal(p.zeroThreshold, 1e-9);
      assert.equal(p.zeroCount, 5);
      assert.deepEqual(p.positive, { offset: -42, bucketCounts: counts });
      assert.deepEqual(p.negative, { offset: 7, bucketCounts: [3, 300] });
      assert.equal(p.min, -1);
      assert.equal(p.max, 2);
    });
  });

  describe('exp-histogram buckets', () => {
    it('concatenates packed bucket_counts that arrive in several pieces, mixed with unpacked ones', () => {
      const bytes = request((m) =>
        msg(m, 10, (e) => {
          msg(e, 1, (p) => {
            msg(p, 8, (b) => {
              tag(b, 1, 0).sint32(2);
              tag(b, 2, 0).uint64(9);
              tag(b, 2, LEN).fork();
              for (const c of [1, 200, 3]) b.uint64(c);
              b.ldelim();
              tag(b, 2, LEN).fork();
              for (const c of [70000, 0]) b.uint64(c);
              b.ldelim();
              tag(b, 2, 0).uint64(5);
            });
          });
        }),
      );
      const m = decodeMetricsRequest(bytes).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0] as ExpHistogramMetric;
      assert.deepEqual(m.points[0]!.positive, { offset: 2, bucketCounts: [9, 1, 200, 3, 70000, 0, 5] });
    });
  });

  describe('attributes', () => {
    it('keeps __proto__ and constructor as ordinary keys; the last duplicate wins', () => {
      const w = protobuf.Writer.create();
      msg(w, 1, (rm) =>
        msg(rm, 1, (r) => {
          kv(r, 1, '__proto__', 'a');
          kv(r, 1, 'constructor', 'b');
          kv(r, 1, 'k', 'first');
          kv(r, 1, 'k', 'second');
        }),
      );
      const attrs = decodeMetricsRequest(w.finish()).resourceMetrics[0]!.resource.attributes;
      assert.deepEqual(Object.keys(attrs).sort(), ['__proto__', 'constructor', 'k']);
      assert.equal(attrs['__proto__'], 'a');
      assert.equal(attrs['k'], 'second');
      assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(attrs)), null);
    });

    it('decodes int64 attributes beyond 2^53 as bigint and negative ones exactly', () => {
      const w = protobuf.Writer.create();
      msg(w, 1, (rm) =>
        msg(rm, 1, (r) => {
          for (const [k, v] of [['big', '9223372036854775807'], ['neg', '-5'], ['min', '-9223372036854775808']] as const) {
            msg(r, 1, (x) => {
              tag(x, 1, LEN).string(k);
              msg(x, 2, (a) => tag(a, 3, 0).int64(v as unknown as number));
            });
          }
        }),
      );
      const attrs = decodeMetricsRequest(w.finish()).resourceMetrics[0]!.resource.attributes;
      assert.equal(attrs['big'], 9223372036854775807n);
      assert.equal(attrs['neg'], -5);
      assert.equal(attrs['min'], -9223372036854775808n);
    });
  });

  describe('malformed input', () => {
    const cases: [string, number[], RegExp][] = [
      ['a truncated length', [0x0a, 0x05, 0x0a], /ExportMetricsServiceRequest\.resource_metrics.*runs past/],
      ['a truncated varint', [0x08, 0x80], /truncated/],
      ['an invalid wire type', [0x0f], /invalid wire type 7/],
      ['an unterminated group', [0x0b, 0x08, 0x01], /unterminated group/],
      ['a varint longer than 10 bytes', [0x08, ...new Array<number>(11).fill(0xff), 0x01], /longer than 10 bytes/],
      ['a packed fixed64 length not a multiple of 8', [0x0a, 0x0c, 0x12, 0x0a, 0x12, 0x08, 0x4a, 0x06, 0x0a, 0x04, 0x32, 0x02, 0, 0], /HistogramDataPoint\.bucket_counts|multiple of 8/],
    ];
    for (const [what, bytes, re] of cases) {
      it(`throws OtlpDecodeError for ${what}`, () => {
        assert.throws(() => decodeMetricsRequest(new Uint8Array(bytes)), (e: unknown) => e instanceof OtlpDecodeError && re.test(e.message) && e.offset >= 0);
      });
    }

    // Found by fuzzing (issue 16): the tenth byte of a varint holds bit 63 only;
    // 0x7f there made a bucket count of about 10^21 (past uint64), taken as is.
    describe('regression (fuzzing): a varint whose tenth byte overflows 64 bits', () => {
      const tenBytes = (last: number): number[] => [...new Array<number>(9).fill(0xff), last];
      /** An exponential histogram point whose positive counts are 1, 2, the varint `count`, 3 (packed). */
      const expPoint = (count: number[]): Uint8Array =>
        request((m) => msg(m, 10, (e) => msg(e, 1, (p) => msg(p, 8, (b) => tag(b, 2, LEN).bytes(Uint8Array.from([1, 2, ...count, 3]))))));
      const refused = (bytes: Uint8Array, field: RegExp): void => {
        const ok = (e: unknown): boolean => e instanceof OtlpDecodeError && /varint overflows 64 bits/.test(e.message) && field.test(e.message);
        assert.throws(() => decodeMetricsRequest(bytes), ok, 'the tree decoder refuses it');
        assert.throws(() => scanMetricsRequest(bytes), ok, 'the streaming check refuses it, before any point is visited');
      };

      it('is refused in packed exponential bucket counts, by the decoder and the streaming check alike', () => {
        refused(expPoint(tenBytes(0x7f)), /positive\.bucket_counts/);
        refused(expPoint(tenBytes(0x02)), /positive\.bucket_counts/);
      });

      it('is refused in a temporality (an enum read as 32 bits) and in an unknown varint field', () => {
        // Sum { aggregation_temporality (2) = a 10-byte varint ending 0x7f }
        const bad = request((m) => {
          tag(m, 7, LEN).bytes(Uint8Array.from([0x10, ...tenBytes(0x7f)]));
        });
        refused(bad, /Sum\.aggregation_temporality|Sum/);
        // Sum { field 98 (varint, unknown) = a 10-byte varint ending 0x03 }
        const unknown = request((m) => {
          tag(m, 7, LEN).bytes(Uint8Array.from([0x90, 0x06, ...tenBytes(0x03)]));
        });
        refused(unknown, /Sum/);
      });

      it('still takes a tenth byte of 1 (2^63)', () => {
        const top = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        const p = decodeMetricsRequest(expPoint(top)).resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.points[0] as ExpHistogramMetric['points'][number];
        assert.deepEqual(Array.from(p.positive.bucketCounts), [1, 2, 2 ** 63, 3]);
        let n = 0;
        scanMetricsRequest(expPoint(top)).forEachPoint(() => n++);
        assert.equal(n, 1);
      });
    });

    it('bounds the nesting of AnyValue', () => {
      let inner = protobuf.Writer.create().uint32(10).string('leaf').finish();
      for (let i = 0; i < 40; i++) {
        // AnyValue{array_value (5): ArrayValue{values (1): inner}}
        const arr = protobuf.Writer.create().uint32(10).bytes(inner).finish();
        inner = protobuf.Writer.create().uint32(42).bytes(arr).finish();
      }
      const w = protobuf.Writer.create();
      msg(w, 1, (rl) =>
        msg(rl, 2, (sl) =>
          msg(sl, 2, (lr) => {
            tag(lr, 5, LEN).bytes(inner);
          }),
        ),
      );
      assert.throws(() => decodeLogsRequest(w.finish()), /nested deeper than 32/);
    });

    it('decodes an empty body as an empty request', () => {
      assert.deepEqual(decodeMetricsRequest(new Uint8Array(0)), { resourceMetrics: [] });
      assert.deepEqual(decodeLogsRequest(new Uint8Array(0)), { resourceLogs: [] });
    });
  });
});

/** Every point a streaming visit hands over, with the counts copied (the visit lends scratch views). */
function visitAll(bytes: Uint8Array): { resource: unknown; scope: string; metric: string; type: string; point: Record<string, unknown> }[] {
  const out: { resource: unknown; scope: string; metric: string; type: string; point: Record<string, unknown> }[] = [];
  scanMetricsRequest(bytes).forEachPoint((resource, scope, metric, p) => {
    const point: Record<string, unknown> = { ...p };
    if ('positive' in p) {
      point.positive = { offset: p.positive.offset, bucketCounts: Array.from(p.positive.bucketCounts) };
      point.negative = { offset: p.negative.offset, bucketCounts: Array.from(p.negative.bucketCounts) };
      delete point.countsChecked;
    }
    out.push({ resource: { ...resource.attributes }, scope: scope.name, metric: metric.name, type: metric.type, point });
  });
  return out;
}

/** The same, from the decoded tree. */
function treePoints(bytes: Uint8Array): ReturnType<typeof visitAll> {
  const out: ReturnType<typeof visitAll> = [];
  for (const rm of decodeMetricsRequest(bytes).resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        for (const p of m.points) out.push({ resource: { ...rm.resource.attributes }, scope: sm.scope.name, metric: m.name, type: m.type, point: { ...p } });
      }
    }
  }
  return out;
}

/** An exponential point with `counts` (packed) and the attributes written by `attrs`. */
function expPoint(w: W, attrs: (p: W) => void, counts: number[], offset = 0): void {
  msg(w, 1, (p) => {
    attrs(p);
    tag(p, 4, 1).fixed64(counts.reduce((a, b) => a + b, 0));
    tag(p, 6, 0).sint32(3);
    msg(p, 8, (b) => {
      tag(b, 1, 0).sint32(offset);
      tag(b, 2, LEN).fork();
      for (const c of counts) b.uint64(c);
      b.ldelim();
    });
  });
}

describe('scanMetricsRequest', () => {
  it('visits the points decodeMetricsRequest decodes, in order, with their resource, scope and metric', () => {
    const bytes = request((m) =>
      msg(m, 10, (e) => {
        expPoint(e, (p) => kv(p, 1, 'ml.feature.name', 'a'), [1, 2, 300, 0, 70000], -4);
        expPoint(e, (p) => kv(p, 1, 'ml.feature.name', 'b'), [5]);
        tag(e, 2, 0).int32(1);
      }),
    );
    const visited = visitAll(bytes);
    assert.equal(visited.length, 2);
    assert.deepEqual(visited, treePoints(bytes));
    assert.deepEqual(visited[0]?.point.positive, { offset: -4, bucketCounts: [1, 2, 300, 0, 70000] });
    assert.equal(scanMetricsRequest(bytes).pointCount, 2);
  });

  it('knows the temporality and the metric name while visiting, though both follow the points on the wire', () => {
    // request() writes the metric name after the data; field 2 (temporality) follows the points here.
    const bytes = request((m) =>
      msg(m, 10, (e) => {
        expPoint(e, (p) => kv(p, 1, 'k', 'v'), [1]);
        tag(e, 2, 0).int32(2);
      }),
    );
    const seen: string[] = [];
    scanMetricsRequest(bytes).forEachPoint((_r, _s, metric) => {
      seen.push(`${metric.name} ${'temporality' in metric ? metric.temporality : '-'}`);
    });
    assert.deepEqual(seen, ['late.name cumulative']);
  });

  it('refuses a request whole when its last point is malformed: nothing is visited', () => {
    const good = request((m) => msg(m, 10, (e) => expPoint(e, (p) => kv(p, 1, 'k', 'v'), [1, 2, 3])));
    // A second ResourceMetrics whose packed counts end inside a varint.
    const w = protobuf.Writer.create();
    msg(w, 1, (rm) =>
      msg(rm, 2, (sm) =>
        msg(sm, 2, (m) =>
          msg(m, 10, (e) =>
            msg(e, 1, (p) =>
              msg(p, 8, (b) => {
                tag(b, 2, LEN).bytes(new Uint8Array([1, 0x80]));
              }),
            ),
          ),
        ),
      ),
    );
    const bad = new Uint8Array([...good, ...w.finish()]);
    assert.throws(() => scanMetricsRequest(bad), (e: unknown) => e instanceof OtlpDecodeError && /bucket_counts: packed varint runs past its length/.test(e.message));
  });

  describe('point attributes', () => {
    it('shares one frozen object between points whose attribute bytes are equal', () => {
      const bytes = request((m) =>
        msg(m, 10, (e) => {
          for (const f of ['x', 'y', 'x']) expPoint(e, (p) => (kv(p, 1, 'ml.model.name', 'm'), kv(p, 1, 'ml.feature.name', f)), [1]);
        }),
      );
      const attrs: Record<string, unknown>[] = [];
      scanMetricsRequest(bytes).forEachPoint((_r, _s, _m, p) => attrs.push(p.attributes));
      assert.deepEqual(attrs.map((a) => ({ ...a })), [
        { 'ml.model.name': 'm', 'ml.feature.name': 'x' },
        { 'ml.model.name': 'm', 'ml.feature.name': 'y' },
        { 'ml.model.name': 'm', 'ml.feature.name': 'x' },
      ]);
      assert.equal(attrs[0], attrs[2]);
      assert.notEqual(attrs[0], attrs[1]);
      assert.ok(Object.isFrozen(attrs[0]));
    });

    it('keeps every set of a fleet of 100 models x 24 features: the next request shares all 2,400 objects', () => {
      // Regression: with two ways per hash, ~30 of these sets evicted each other in every request.
      const bytes = request((m) =>
        msg(m, 10, (e) => {
          for (let i = 0; i < 100; i++) {
            for (let f = 0; f < 24; f++) expPoint(e, (p) => (kv(p, 1, 'ml.model.name', `model_${i}`), kv(p, 1, 'ml.model.version', '1'), kv(p, 1, 'ml.feature.name', `feature_${f}`)), [1]);
          }
        }),
      );
      const first: unknown[] = [];
      scanMetricsRequest(bytes).forEachPoint((_r, _s, _m, p) => first.push(p.attributes));
      let shared = 0;
      let i = 0;
      scanMetricsRequest(bytes).forEachPoint((_r, _s, _m, p) => {
        if (p.attributes === first[i++]) shared++;
      });
      assert.equal(new Set(first).size, 2400);
      assert.equal(shared, 2400);
    });

    it('decodes more distinct sets than the cache holds, each right', () => {
      const n = 20_000;
      const bytes = request((m) =>
        msg(m, 10, (e) => {
          for (let i = 0; i < n; i++) expPoint(e, (p) => kv(p, 1, 'ml.feature.name', `f${i}`), [1]);
        }),
      );
      for (let pass = 0; pass < 2; pass++) {
        let i = 0;
        scanMetricsRequest(bytes).forEachPoint((_r, _s, _m, p) => {
          assert.equal(p.attributes['ml.feature.name'], `f${i}`);
          i++;
        });
        assert.equal(i, n);
      }
    });

    it('merges attribute fields interleaved with other fields (the later value of a key wins)', () => {
      const bytes = request((m) =>
        msg(m, 10, (e) =>
          msg(e, 1, (p) => {
            kv(p, 1, 'a', '1');
            kv(p, 1, 'b', '1');
            tag(p, 6, 0).sint32(2);
            kv(p, 1, 'b', '2');
            kv(p, 1, 'c', '3');
          }),
        ),
      );
      const [visited] = visitAll(bytes);
      assert.deepEqual({ ...(visited?.point.attributes as object) }, { a: '1', b: '2', c: '3' });
      assert.deepEqual(visited, treePoints(bytes)[0]);
    });
  });

  it('copies bytes attribute values out of a Buffer body (regression: Buffer#slice shares memory)', () => {
    const w = protobuf.Writer.create();
    msg(w, 1, (rm) =>
      msg(rm, 2, (sm) =>
        msg(sm, 2, (m) => {
          tag(m, 1, LEN).string('x');
          msg(m, 10, (e) => expPoint(e, (p) => msg(p, 1, (k) => (tag(k, 1, LEN).string('blob'), msg(k, 2, (v) => tag(v, 7, LEN).bytes(new Uint8Array([7, 7, 7]))))), [1]));
        }),
      ),
    );
    const body = Buffer.from(w.finish());
    const tree = decodeMetricsRequest(body);
    body.fill(0);
    const point = (tree.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0] as ExpHistogramMetric).points[0];
    assert.deepEqual(point?.attributes.blob, new Uint8Array([7, 7, 7]));
  });
});
