import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { DeltaConverter, DeltaRejections, subtractExpHistogram } from '../../src/receiver/delta.js';
import { decodeMetricsRequest, scanMetricsRequest } from '../../src/receiver/otlp/decode-protobuf.js';
import { expView, sdkMeter } from './sdk-data.js';
import {
  createAttributes,
  type ExpBuckets,
  type ExpHistogramPoint,
  type Metric,
  type MetricsRequest,
  type NumberPoint,
} from '../../src/receiver/otlp/types.js';

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const metricsOf = (req: MetricsRequest): Metric[] => req.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));

/** Index -> count at a coarser scale. */
function rebucket(b: ExpBuckets, by: number): Map<number, number> {
  const out = new Map<number, number>();
  b.bucketCounts.forEach((c, k) => {
    if (c === 0) return;
    const idx = (b.offset + k) >> by;
    out.set(idx, (out.get(idx) ?? 0) + c);
  });
  return out;
}

function sumPoint(value: number, start: bigint, time: bigint, attrs: Record<string, string> = {}): NumberPoint {
  const attributes = createAttributes();
  Object.assign(attributes, attrs);
  return { attributes, startTimeUnixNano: start, timeUnixNano: time, flags: 0, value };
}

function sumRequest(points: NumberPoint[], monotonic = true, name = 'c'): MetricsRequest {
  return {
    resourceMetrics: [
      {
        resource: { attributes: createAttributes() },
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: { name: 's', version: '', attributes: createAttributes() },
            schemaUrl: '',
            metrics: [{ name, description: '', unit: '', metadata: createAttributes(), type: 'sum', monotonic, temporality: 'cumulative', points }],
          },
        ],
      },
    ],
  };
}

const valuesOf = (req: MetricsRequest): number[] => metricsOf(req).flatMap((m) => (m.points as NumberPoint[]).map((p) => p.value));

describe('DeltaConverter', () => {
  describe('convert', () => {
    it('turns the SDK cumulative output into the same deltas as its delta output (sums, histograms, exp histograms)', async () => {
      const cumulative = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
      const delta = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': 's' }),
        readers: [cumulative, delta],
        views: [{ instrumentName: 'exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 40 } } }],
      });
      const meter = provider.getMeter('m');
      const counter = meter.createCounter('c');
      const hist = meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1, 10, 100] } });
      const exp = meter.createHistogram('exp');
      const converter = new DeltaConverter();
      let seed = 1;
      const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
      let compared = 0;
      for (let round = 0; round < 6; round++) {
        for (let i = 0; i < 200; i++) {
          const attrs = { k: `v${i % 3}` };
          counter.add(Math.floor(rand() * 10), attrs);
          hist.record(rand() * 200, attrs);
          // Spread grows each round, so the cumulative scale drops over time.
          exp.record(Math.exp((round + 1) * 2 * (rand() - 0.5)), attrs);
        }
        const cum = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest((await cumulative.collect()).resourceMetrics)!);
        const del = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest((await delta.collect()).resourceMetrics)!);
        const converted = converter.convert(cum, 1000 * round);
        assert.equal(converted.rejectedDataPoints, 0);
        const want = new Map(metricsOf(del).map((m) => [m.name, m]));
        for (const got of metricsOf(converted.request)) {
          const ref = want.get(got.name)!;
          assert.equal(got.type === 'sum' || got.type === 'histogram' || got.type === 'exponentialHistogram' ? got.temporality : '', 'delta');
          for (const p of got.points) {
            const key = JSON.stringify({ ...p.attributes });
            const q = ref.points.find((x) => JSON.stringify({ ...x.attributes }) === key)!;
            if (got.type === 'sum') assert.equal((p as NumberPoint).value, (q as NumberPoint).value);
            else if (got.type === 'histogram') {
              const hp = p as { bucketCounts: number[]; count: number; sum?: number };
              const hq = q as { bucketCounts: number[]; count: number; sum?: number };
              assert.deepEqual(hp.bucketCounts, hq.bucketCounts);
              assert.equal(hp.count, hq.count);
              assert.ok(Math.abs(hp.sum! - hq.sum!) < 1e-6 * Math.max(1, Math.abs(hq.sum!)));
            } else if (got.type === 'exponentialHistogram') {
              const ep = p as ExpHistogramPoint;
              const eq = q as ExpHistogramPoint;
              assert.ok(eq.scale >= ep.scale);
              assert.equal(ep.count, eq.count);
              assert.equal(ep.zeroCount, eq.zeroCount);
              assert.deepEqual(rebucket(ep.positive, 0), rebucket(eq.positive, eq.scale - ep.scale));
            }
            compared++;
          }
        }
      }
      assert.ok(compared >= 6 * 9);
      await provider.shutdown();
    });

    it('passes the first cumulative point on as a delta over its own interval', () => {
      const out = new DeltaConverter().convert(sumRequest([sumPoint(5, 10n, 20n)]), 0);
      const m = metricsOf(out.request)[0]!;
      assert.equal(m.type === 'sum' && m.temporality, 'delta');
      assert.deepEqual(m.points[0], sumPoint(5, 10n, 20n));
    });

    it('covers (previous time, time] with the difference', () => {
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(5, 10n, 20n)]), 0);
      const p = metricsOf(c.convert(sumRequest([sumPoint(12, 10n, 30n)]), 1).request)[0]!.points[0] as NumberPoint;
      assert.equal(p.value, 7);
      assert.equal(p.startTimeUnixNano, 20n);
      assert.equal(p.timeUnixNano, 30n);
    });

    it('carries on from a snapshot after a restart instead of counting the total again', async () => {
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(5, 10n, 20n, { k: 'v' })]), 0);
      const restored = DeltaConverter.restore(c.snapshot());
      const p = metricsOf(restored.convert(sumRequest([sumPoint(12, 10n, 30n, { k: 'v' })]), 1).request)[0]!.points[0] as NumberPoint;
      assert.equal(p.value, 7);
      assert.equal(p.startTimeUnixNano, 20n);
      assert.deepEqual(restored.stats(), c.stats());
      // Histograms too, through the SDK's own cumulative output.
      const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
      const provider = new MeterProvider({ readers: [reader] });
      const h = provider.getMeter('m').createHistogram('h');
      const decode = async () => decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest((await reader.collect()).resourceMetrics)!);
      h.record(1);
      h.record(-0 + 3);
      const a = new DeltaConverter();
      a.convert(await decode(), 0);
      const b = DeltaConverter.restore(a.snapshot());
      // Regression: two collections within one clock tick share a timestamp, and a repeat is dropped as a duplicate.
      await new Promise((r) => setTimeout(r, 20));
      h.record(7);
      const next = await decode();
      const fromA = metricsOf(a.convert(next, 1).request);
      const fromB = metricsOf(b.convert(next, 1).request);
      assert.deepEqual(fromB, fromA);
      const point = fromB[0]?.points[0] as { count: number } | undefined;
      assert.equal(point?.count, 1, 'the restored converter emits the delta of one new value');
      await provider.shutdown();
    });

    it('detects a restart by a changed start time, and by a decrease', () => {
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(50, 10n, 20n)]), 0);
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(3, 25n, 30n)]), 1).request), [3]);
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(1, 25n, 40n)]), 2).request), [1]);
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(4, 25n, 50n)]), 3).request), [3]);
      assert.equal(c.stats().restarts, 2);
    });

    it('drops an exact repeat silently and rejects an older point', () => {
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(5, 10n, 20n)]), 0);
      const repeat = c.convert(sumRequest([sumPoint(5, 10n, 20n)]), 1);
      assert.deepEqual(valuesOf(repeat.request), []);
      assert.equal(repeat.rejectedDataPoints, 0);
      const stale = c.convert(sumRequest([sumPoint(4, 10n, 15n)]), 2);
      assert.equal(stale.rejectedDataPoints, 1);
      assert.match(stale.errors[0]!, /older than the last one/);
      // The stream still continues from its latest point.
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(9, 10n, 30n)]), 3).request), [4]);
    });

    it('regression: a snapshot stamped in the same millisecond as the last one, with a larger total, is the next point, not a repeat', () => {
      // SDKs stamp points in ms: two exports in one ms share a time. Dropped as a
      // repeat, the second one's increment was lost whenever it was the stream's last.
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(5, 10n, 20n)]), 0);
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(8, 10n, 20n)]), 1).request), [3]);
      // Its retry, and the older same-time snapshot arriving late, are repeats.
      for (const late of [8, 5, 6]) {
        const r = c.convert(sumRequest([sumPoint(late, 10n, 20n)]), 2);
        assert.deepEqual(valuesOf(r.request), [], `same time, total ${late}`);
        assert.equal(r.rejectedDataPoints, 0);
      }
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(9, 10n, 30n)]), 3).request), [1]);
      assert.equal(c.stats().restarts, 0);
    });

    it('regression: histogram snapshots stamped in the same millisecond, in either order, add up to the newest total', async () => {
      const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
      const provider = new MeterProvider({ resource: resourceFromAttributes({ 'ml.model.name': 'm' }), readers: [reader], views: [expView('ml.feature.value')] });
      const h = provider.getMeter('t').createHistogram('ml.feature.value');
      const snapshots: MetricsRequest[] = [];
      for (let i = 0; i < 3; i++) {
        for (let k = 0; k < 10; k++) h.record(1 + i * 10 + k);
        snapshots.push(decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest((await reader.collect()).resourceMetrics)!));
      }
      await provider.shutdown();
      const pointOf = (req: MetricsRequest): ExpHistogramPoint => metricsOf(req)[0]!.points[0] as ExpHistogramPoint;
      // The last two share the first one's time, as in one busy millisecond.
      for (const req of snapshots) pointOf(req).timeUnixNano = pointOf(snapshots[0]!).timeUnixNano;
      for (const order of [[0, 1, 2], [0, 2, 1], [2, 1, 0]]) {
        const c = new DeltaConverter();
        let total = 0;
        for (const i of order) for (const m of metricsOf(c.convert(snapshots[i]!, i).request)) for (const p of m.points) total += (p as ExpHistogramPoint).count;
        assert.equal(total, 30, `order ${order.join(',')}`);
      }
    });

    it('keeps streams apart by attributes and passes non-monotonic sums through', () => {
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(1, 0n, 1n, { a: 'x' }), sumPoint(100, 0n, 1n, { a: 'y' })]), 0);
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(2, 0n, 2n, { a: 'x' }), sumPoint(150, 0n, 2n, { a: 'y' })]), 1).request), [1, 50]);
      const updown = c.convert(sumRequest([sumPoint(-4, 0n, 3n)], false, 'ud'), 2);
      const m = metricsOf(updown.request)[0]!;
      assert.equal(m.type === 'sum' && m.temporality, 'cumulative');
      assert.deepEqual(valuesOf(updown.request), [-4]);
    });

    it('rejects points of unspecified temporality, counted', () => {
      const req = sumRequest([sumPoint(1, 0n, 1n), sumPoint(2, 0n, 1n, { b: '1' })]);
      const m = req.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!;
      if (m.type === 'sum') m.temporality = 'unspecified';
      const out = new DeltaConverter().convert(req, 0);
      assert.equal(out.rejectedDataPoints, 2);
      assert.deepEqual(metricsOf(out.request), []);
      assert.match(out.errors[0]!, /^2 data points: aggregation temporality is unspecified/);
    });

    it('does not modify its input', () => {
      const c = new DeltaConverter();
      c.convert(sumRequest([sumPoint(5, 10n, 20n)]), 0);
      const req = sumRequest([sumPoint(12, 10n, 30n)]);
      const before = JSON.stringify(req, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      c.convert(req, 1);
      assert.equal(JSON.stringify(req, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)), before);
    });

    it('bounds tracked streams, evicting the least recently seen, and expires idle ones', () => {
      const c = new DeltaConverter({ maxStreams: 2, ttlMs: 100 });
      c.convert(sumRequest([sumPoint(1, 0n, 1n, { s: 'a' })]), 0);
      c.convert(sumRequest([sumPoint(1, 0n, 1n, { s: 'b' })]), 10);
      c.convert(sumRequest([sumPoint(2, 0n, 2n, { s: 'a' })]), 20); // a is now the most recent
      c.convert(sumRequest([sumPoint(1, 0n, 1n, { s: 'c' })]), 30); // evicts b
      assert.deepEqual(c.stats(), { trackedStreams: 2, evictedStreams: 1, expiredStreams: 0, restarts: 0 });
      // b is new again: its cumulative value passes whole.
      assert.deepEqual(valuesOf(c.convert(sumRequest([sumPoint(7, 0n, 3n, { s: 'b' })]), 40).request), [7]);
      c.convert(sumRequest([]), 1000);
      assert.equal(c.stats().trackedStreams, 0);
      assert.equal(c.stats().expiredStreams, 2);
    });

    it('rejects invalid options by name', () => {
      assert.throws(() => new DeltaConverter({ maxStreams: 0 }), /maxStreams/);
      assert.throws(() => new DeltaConverter({ ttlMs: -1 }), /ttlMs/);
    });
  });

  describe('subtractExpHistogram', () => {
    const point = (scale: number, offset: number, counts: number[], zero = 0): ExpHistogramPoint => ({
      attributes: createAttributes(),
      startTimeUnixNano: 0n,
      timeUnixNano: 1n,
      flags: 0,
      count: counts.reduce((a, b) => a + b, zero),
      sum: undefined,
      min: undefined,
      max: undefined,
      scale,
      zeroCount: zero,
      zeroThreshold: 0,
      positive: { offset, bucketCounts: counts },
      negative: { offset: 0, bucketCounts: [] },
    });

    it('re-buckets the previous point down to the current scale before subtracting', () => {
      // prev at scale 1: indices 4..7 -> at scale 0: 2,2,3,3
      const prev = point(1, 4, [1, 1, 2, 0]);
      const cur = point(0, 2, [5, 6]);
      const d = subtractExpHistogram(cur, prev)!;
      assert.deepEqual(d.positive, { offset: 2, bucketCounts: [3, 4] });
      assert.equal(d.count, 7);
    });

    it('reports a reset when a bucket would go negative or the scale got finer', () => {
      assert.equal(subtractExpHistogram(point(0, 0, [1, 0]), point(0, 0, [0, 1])), undefined);
      assert.equal(subtractExpHistogram(point(2, 0, [5]), point(1, 0, [1])), undefined);
    });
  });
});

describe('DeltaConverter.convertPoint', () => {
  it('converts cumulative points streamed from protobuf bytes, though the visit reuses their bucket buffers', async () => {
    const sdk = sdkMeter({ temporality: 'cumulative', views: [expView('h')] });
    const h = sdk.meter.createHistogram('h');
    const encode = async (): Promise<Uint8Array> => ProtobufMetricsSerializer.serializeRequest(await sdk.collect())!;
    // Two streams in one request: the second point's counts overwrite the
    // scratch the first one's were decoded into, so what the converter keeps
    // must be its own copy.
    for (let i = 1; i <= 50; i++) {
      h.record(i, { s: 'a' });
      h.record(1000 + i, { s: 'b' });
    }
    const first = await encode();
    // Two collections within one clock tick share a timestamp, and the second would be a duplicate.
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 1; i <= 10; i++) h.record(i, { s: 'a' });
    h.record(5000, { s: 'b' });
    const second = await encode();
    await sdk.shutdown();

    const converter = new DeltaConverter();
    const streamed = (bytes: Uint8Array, t: number): Map<string, { count: number; total: number }> => {
      const out = new Map<string, { count: number; total: number }>();
      const rejections = new DeltaRejections();
      converter.expire(t);
      scanMetricsRequest(bytes).forEachPoint((resource, scope, metric, p) => {
        const d = converter.convertPoint(resource, scope, metric, p, t, rejections);
        if (d === undefined || !('positive' in d)) return;
        let total = d.zeroCount;
        for (let k = 0; k < d.positive.bucketCounts.length; k++) total += d.positive.bucketCounts[k] as number;
        out.set(String(d.attributes.s), { count: d.count, total });
      });
      assert.equal(rejections.count, 0);
      return out;
    };
    streamed(first, 1);
    const deltas = streamed(second, 2);
    assert.deepEqual(deltas.get('a'), { count: 10, total: 10 });
    assert.deepEqual(deltas.get('b'), { count: 1, total: 1 });
  });

  it('counts unspecified temporality as a rejection with its reason', () => {
    const converter = new DeltaConverter();
    const rejections = new DeltaRejections();
    const resource = { attributes: createAttributes() };
    const scope = { name: '', version: '', attributes: createAttributes() };
    const header = { name: 'c', description: '', unit: '', metadata: createAttributes(), type: 'sum' as const, monotonic: true, temporality: 'unspecified' as const };
    assert.equal(converter.convertPoint(resource, scope, header, sumPoint(1, 0n, 1n), 0, rejections), undefined);
    assert.deepEqual(rejections.messages(), ['1 data point: aggregation temporality is unspecified']);
  });
});
