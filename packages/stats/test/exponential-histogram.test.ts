import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ExponentialHistogram,
  bucketLowerBoundary,
  mapToIndex,
  relativeError,
  type ExpHistogramData,
} from '../src/exponential-histogram.js';
import { sdkExponentialHistogram } from './helpers/sdk-histogram.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Values spread over many orders of magnitude, with zeros and negatives, as features are. */
const featureValue = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
  fc.constantFrom(0, 1, 2, 0.5, 1024, -4, 3),
  finite,
);
const values = fc.array(featureValue, { minLength: 1, maxLength: 300 });

function build(xs: readonly number[], maxSize = 160): ExponentialHistogram {
  const h = new ExponentialHistogram({ maxSize });
  for (const x of xs) h.record(x);
  return h;
}

/** Data without the floating-point sum, whose rounding depends on the order of additions. */
function shape(h: ExponentialHistogram): Omit<ExpHistogramData, 'sum'> {
  const { sum: _sum, ...rest } = h.toData();
  return rest;
}

function assertSameHistogram(actual: ExponentialHistogram, expected: ExponentialHistogram): void {
  assert.deepEqual(shape(actual), shape(expected));
  if (!Number.isFinite(expected.sum)) {
    // Values near the top of the double range overflow the sum in some orders of addition.
    assert.ok(!Number.isFinite(actual.sum) || Math.abs(actual.sum) > 1e300, `sum ${actual.sum} vs ${expected.sum}`);
    return;
  }
  const tol = 1e-9 * (Math.abs(expected.sum) + 1);
  assert.ok(Math.abs(actual.sum - expected.sum) <= tol || Math.abs(expected.sum) > 1e300, `sum ${actual.sum} vs ${expected.sum}`);
}

describe('ExponentialHistogram', () => {
  describe('record', () => {
    it('puts values in the same buckets at the same scale as the OpenTelemetry JS SDK', async () => {
      await fc.assert(
        fc.asyncProperty(values, fc.integer({ min: 2, max: 200 }), async (xs, maxSize) => {
          const ours = build(xs, maxSize).toData();
          const sdk = await sdkExponentialHistogram(xs, maxSize);
          assert.deepEqual(ours.positive, sdk.positive);
          assert.deepEqual(ours.negative, sdk.negative);
          assert.equal(ours.zeroCount, sdk.zeroCount);
          assert.equal(ours.count, sdk.count);
          assert.equal(ours.min, sdk.min);
          assert.equal(ours.max, sdk.max);
          // The SDK reports scale 0 when only zeros were recorded; otherwise scales must match.
          if (ours.positive.bucketCounts.length + ours.negative.bucketCounts.length > 0) assert.equal(ours.scale, sdk.scale);
        }),
        { numRuns: 60 },
      );
    });

    it('matches the SDK on 10000 lognormal latencies, the common production shape', async () => {
      const xs = Array.from({ length: 10_000 }, (_, i) => Math.exp(Math.sin(i * 12.9898) * 4));
      const sdk = await sdkExponentialHistogram(xs, 160);
      const ours = build(xs).toData();
      assert.equal(ours.scale, sdk.scale);
      assert.deepEqual(ours.positive, sdk.positive);
    });

    it('puts an exact power of two in the bucket below it (buckets are upper-inclusive)', () => {
      for (const scale of [-3, 0, 1, 5, 20]) {
        // 2^(3 * 2^-scale) is a bucket boundary at scale <= 0; 8 is one at every positive scale.
        const v = scale <= 0 ? 2 ** (3 * 2 ** -scale) : 8;
        const index = mapToIndex(v, scale);
        assert.ok(bucketLowerBoundary(index, scale) < v, `scale ${scale}`);
        assert.equal(bucketLowerBoundary(index + 1, scale), v, `scale ${scale}`);
      }
    });

    it('maps every value into (lower, upper] of its bucket', () => {
      fc.assert(
        fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), fc.integer({ min: -10, max: 20 }), (v, scale) => {
          const i = mapToIndex(v, scale);
          const lo = bucketLowerBoundary(i, scale);
          const hi = bucketLowerBoundary(i + 1, scale);
          // One ulp of slack: boundaries of irrational powers are rounded doubles.
          assert.ok(lo <= v * (1 + 2e-16) && v <= hi * (1 + 2e-16), `${v} at scale ${scale}: (${lo}, ${hi}]`);
        }),
      );
    });

    it('keeps each sign within maxSize buckets by lowering the scale', () => {
      fc.assert(
        fc.property(values, fc.integer({ min: 2, max: 40 }), (xs, maxSize) => {
          const d = build(xs, maxSize).toData();
          assert.ok(d.positive.bucketCounts.length <= maxSize);
          assert.ok(d.negative.bucketCounts.length <= maxSize);
        }),
      );
    });

    it('counts values within the zero threshold in the zero bucket', () => {
      const h = ExponentialHistogram.fromData({ scale: 5, zeroCount: 0, zeroThreshold: 0.5, positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, count: 0 });
      h.record(0.25);
      h.record(-0.5);
      h.record(2);
      assert.equal(h.zeroCount, 2);
      assert.equal(h.count, 3);
    });

    it('adds a count of identical values at once', () => {
      const a = new ExponentialHistogram();
      a.record(3.5, 4);
      assertSameHistogram(a, build([3.5, 3.5, 3.5, 3.5]));
    });

    it('rejects NaN, Infinity and bad counts, naming the problem', () => {
      const h = new ExponentialHistogram();
      assert.throws(() => h.record(NaN), /value must be finite, got NaN/);
      assert.throws(() => h.record(Infinity), /value must be finite, got Infinity/);
      assert.throws(() => h.record(1, -1), /count must be a finite non-negative number, got -1/);
      assert.equal(h.count, 0);
    });
  });

  describe('constructor', () => {
    it('rejects a maxSize below 2 or a scale outside -10..20', () => {
      assert.throws(() => new ExponentialHistogram({ maxSize: 1 }), /maxSize must be an integer >= 2, got 1/);
      assert.throws(() => new ExponentialHistogram({ maxScale: 21 }), /maxScale must be an integer in -10..20, got 21/);
    });
  });

  describe('merge', () => {
    it('is commutative', () => {
      fc.assert(
        fc.property(values, values, (xs, ys) => {
          const ab = build(xs);
          ab.merge(build(ys));
          const ba = build(ys);
          ba.merge(build(xs));
          assertSameHistogram(ab, ba);
        }),
      );
    });

    it('is associative', () => {
      fc.assert(
        fc.property(values, values, values, fc.integer({ min: 2, max: 160 }), (xs, ys, zs, maxSize) => {
          const left = build(xs, maxSize);
          left.merge(build(ys, maxSize));
          left.merge(build(zs, maxSize));
          const right = build(ys, maxSize);
          right.merge(build(zs, maxSize));
          const result = build(xs, maxSize);
          result.merge(right);
          assertSameHistogram(left, result);
        }),
      );
    });

    it('equals recording every value into one histogram', () => {
      fc.assert(
        fc.property(values, values, fc.integer({ min: 2, max: 160 }), (xs, ys, maxSize) => {
          const merged = build(xs, maxSize);
          merged.merge(build(ys, maxSize));
          assertSameHistogram(merged, build([...xs, ...ys], maxSize));
        }),
      );
    });

    it('accepts plain OTLP data at another scale and aligns to the lower scale', () => {
      const h = build([1.5, 3, 100]);
      const other = build([7, 0, -2]);
      other.downscale(other.scale - 3);
      const expected = build([1.5, 3, 100, 7, 0, -2]);
      expected.downscale(expected.scale - Math.min(3, h.scale));
      h.merge(other.toData());
      assert.equal(h.scale, 3);
      assertSameHistogram(h, expected);
    });

    it('rejects invalid data, naming the field', () => {
      const h = new ExponentialHistogram();
      const good: ExpHistogramData = { scale: 0, zeroCount: 0, positive: { offset: 0, bucketCounts: [2] }, negative: { offset: 0, bucketCounts: [] }, count: 2 };
      assert.throws(() => h.merge({ ...good, scale: 21 }), /merge: other\.scale must be an integer in -10\.\.20, got 21/);
      assert.throws(() => h.merge({ ...good, count: 3 }), /merge: other\.count is 3 but zeroCount plus the bucket counts add up to 2/);
      assert.throws(() => h.merge({ ...good, positive: { offset: 0.5, bucketCounts: [2] } }), /positive\.offset must be an integer/);
      assert.throws(() => h.merge({ ...good, positive: { offset: 0, bucketCounts: [NaN] }, count: NaN }), /positive\.bucketCounts\[0\] must be a finite non-negative number, got NaN/);
      assert.throws(() => h.merge({ ...good, min: Infinity }), /min must be finite when present/);
      assert.equal(h.count, 0);
    });
  });

  describe('downscale', () => {
    it('commutes with merge', () => {
      fc.assert(
        fc.property(values, values, fc.integer({ min: 0, max: 8 }), (xs, ys, by) => {
          // A large maxSize keeps merge from lowering the scale itself, so both orders end at the same scale.
          const a = build(xs, 4096);
          const b = build(ys, 4096);
          const shift = Math.min(by, a.scale + 10, b.scale + 10);
          const mergedThenDown = a.clone();
          mergedThenDown.merge(b);
          mergedThenDown.downscale(Math.min(shift, mergedThenDown.scale + 10));
          const downThenMerged = a.clone();
          downThenMerged.downscale(shift);
          const b2 = b.clone();
          b2.downscale(shift);
          downThenMerged.merge(b2);
          // Bring both to the same scale (they agree already unless one scale was clamped at -10).
          const s = Math.min(mergedThenDown.scale, downThenMerged.scale);
          mergedThenDown.downscale(mergedThenDown.scale - s);
          downThenMerged.downscale(downThenMerged.scale - s);
          assertSameHistogram(mergedThenDown, downThenMerged);
        }),
      );
    });

    it('keeps every count and halves the resolution per step', () => {
      const h = build([1, 1.1, 1.3, 1.9, 2.5, 3]);
      const before = h.scale;
      h.downscale(2);
      assert.equal(h.scale, before - 2);
      assert.equal(h.count, 6);
      const d = h.toData();
      assert.equal(d.positive.bucketCounts.reduce((s, c) => s + c, 0), 6);
    });

    it('rejects going below scale -10 or a negative step', () => {
      const h = new ExponentialHistogram({ maxScale: -9 });
      assert.throws(() => h.downscale(2), /scale -9 - 2 is below the minimum scale -10/);
      assert.throws(() => h.downscale(-1), /by must be a non-negative integer, got -1/);
    });
  });

  describe('subtract', () => {
    it('recovers the delta between two cumulative snapshots', () => {
      fc.assert(
        fc.property(values, values, fc.integer({ min: 2, max: 160 }), (earlierValues, laterValues, maxSize) => {
          const earlier = build(earlierValues, maxSize);
          const cumulative = earlier.clone();
          for (const v of laterValues) cumulative.record(v);
          const delta = cumulative.subtract(earlier.toData());
          assert.ok(delta !== null);
          const expected = build(laterValues, maxSize);
          expected.downscale(expected.scale - Math.min(expected.scale, delta.scale));
          assert.deepEqual(delta.toData().positive, expected.toData().positive);
          assert.deepEqual(delta.toData().negative, expected.toData().negative);
          assert.equal(delta.zeroCount, expected.zeroCount);
          assert.equal(delta.count, laterValues.length);
          // Adding the delta back gives the cumulative snapshot.
          const roundTrip = earlier.clone();
          roundTrip.merge(delta);
          assert.deepEqual({ ...shape(roundTrip), min: 0, max: 0 }, { ...shape(cumulative), min: 0, max: 0 });
        }),
      );
    });

    it('returns null when the count went down (the process restarted)', () => {
      assert.equal(build([1, 2]).subtract(build([1, 2, 3])), null);
    });

    it('returns null when a bucket went down even though the count did not', () => {
      assert.equal(build([1, 2, 2]).subtract(build([1, 1, 5]).toData()), null);
    });

    it('returns an empty delta for identical snapshots', () => {
      const h = build([1, 2, -3, 0]);
      const delta = h.subtract(h);
      assert.ok(delta !== null);
      assert.equal(delta.count, 0);
      assert.deepEqual(delta.toData().positive, { offset: 0, bucketCounts: [] });
    });
  });

  describe('cdfAtEdges', () => {
    it('gives the exact fraction of raw values at or below each edge (strictly below on the negative side)', () => {
      fc.assert(
        fc.property(values, (all) => {
          // Subnormals share the SDK's lowest bucket, whose edge is documented as inexact for them.
          const xs = all.filter((x) => x === 0 || Math.abs(x) >= 2 ** -1022);
          fc.pre(xs.length > 0);
          const { edges, cdf } = build(xs, 40).cdfAtEdges();
          for (let k = 0; k < edges.length; k++) {
            const e = edges[k] as number;
            const expected = xs.filter((x) => (e < 0 ? x < e : x <= e)).length / xs.length;
            assert.equal(cdf[k], expected, `edge ${e}`);
            if (k > 0) assert.ok(e > (edges[k - 1] as number));
          }
          assert.equal(cdf[cdf.length - 1], 1);
        }),
      );
    });

    it('keeps edges exact when a bucket straddles the zero threshold', () => {
      const empty = { offset: 0, bucketCounts: [] };
      const h = ExponentialHistogram.fromData({ scale: 0, zeroCount: 0, zeroThreshold: 0.75, positive: empty, negative: empty, count: 0 });
      const xs = [-0.9, -0.7, 0.1, 0.8, 3];
      xs.forEach((x) => h.record(x));
      const { edges, cdf } = h.cdfAtEdges();
      for (let k = 0; k < edges.length; k++) {
        const e = edges[k] as number;
        assert.equal(cdf[k], xs.filter((x) => (e < 0 ? x < e : x <= e)).length / xs.length, `edge ${e}`);
      }
    });

    it('returns empty arrays for an empty histogram', () => {
      assert.equal(new ExponentialHistogram().cdfAtEdges().edges.length, 0);
    });
  });

  describe('quantile', () => {
    it('is within the relative error (base-1)/(base+1) of the exact quantile', () => {
      fc.assert(
        fc.property(values, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 2, max: 160 }), (xs, q, maxSize) => {
          const h = build(xs, maxSize);
          const sorted = [...xs].sort((a, b) => a - b);
          const exact = sorted[Math.max(1, Math.ceil(q * xs.length)) - 1] as number;
          const estimate = h.quantile(q);
          const tolerance = relativeError(h.scale) * Math.abs(exact) * (1 + 1e-9) + 1e-300;
          assert.ok(Math.abs(estimate - exact) <= tolerance, `q=${q}: ${estimate} vs ${exact} (scale ${h.scale})`);
        }),
      );
    });

    it('returns the recorded min and max at q = 0 and q = 1', () => {
      const h = build([3.3, -7.1, 12.9]);
      assert.equal(h.quantile(0), -7.1);
      assert.equal(h.quantile(1), 12.9);
    });

    it('rejects an empty histogram and q outside [0, 1]', () => {
      assert.throws(() => new ExponentialHistogram().quantile(0.5), /histogram is empty/);
      assert.throws(() => build([1]).quantile(1.5), /q must be in \[0, 1\], got 1.5/);
      assert.throws(() => build([1]).quantile(NaN), /got NaN/);
    });
  });

  describe('fromData', () => {
    it('round-trips toData', () => {
      fc.assert(
        fc.property(values, (xs) => {
          const h = build(xs);
          assertSameHistogram(ExponentialHistogram.fromData(h.toData()), h);
        }),
      );
    });

    it('marks min, max and sum unknown when the data has none', () => {
      const h = ExponentialHistogram.fromData({ scale: 1, zeroCount: 1, positive: { offset: 3, bucketCounts: [1, 0, 2] }, negative: { offset: 0, bucketCounts: [] }, count: 4 });
      assert.ok(Number.isNaN(h.min) && Number.isNaN(h.max) && Number.isNaN(h.sum));
      assert.deepEqual(h.toData().positive, { offset: 3, bucketCounts: [1, 0, 2] });
    });
  });
});
