import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ExponentialHistogram, type ExplicitHistogramData } from '../src/exponential-histogram.js';
import { histogramKs } from '../src/histogram-ks.js';
import { exactKsD, normals } from './helpers/random.js';
import { sdkExponentialHistogram } from './helpers/sdk-histogram.js';

const featureValue = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
  fc.constantFrom(0, 1, 2, 0.5, -4, 3),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const values = fc.array(featureValue, { minLength: 1, maxLength: 200 });

function expHist(xs: readonly number[], maxSize = 160): ExponentialHistogram {
  const h = new ExponentialHistogram({ maxSize });
  for (const x of xs) h.record(x);
  return h;
}

/** Explicit-bucket histogram of `xs` with OTLP's upper-inclusive buckets. */
function explicitHist(xs: readonly number[], bounds: readonly number[]): ExplicitHistogramData {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const x of xs) {
    let k = 0;
    while (k < bounds.length && x > (bounds[k] as number)) k++;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return { bounds: [...bounds], counts, count: xs.length };
}

// -0 is folded into 0 and uniqueness is by ===: uniqueArray's default (SameValue) keeps -0 and 0
// apart, and bounds equal under `<` are not strictly increasing (a CI run drew [-0, 0]).
const sortedBounds = fc
  .uniqueArray(
    fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((d) => d + 0),
    { minLength: 0, maxLength: 30, comparator: 'IsStrictlyEqual' },
  )
  .map((b) => b.sort((x, y) => x - y));

describe('histogramKs', () => {
  describe('exponential histograms', () => {
    it('brackets the exact KS statistic of the raw values: statistic <= D <= bound', () => {
      fc.assert(
        fc.property(values, values, fc.integer({ min: 2, max: 160 }), fc.integer({ min: 2, max: 160 }), (xs, ys, sizeA, sizeB) => {
          const r = histogramKs(expHist(xs, sizeA), expHist(ys, sizeB));
          const d = exactKsD(xs, ys);
          assert.ok(r.statistic <= d + 1e-12, `statistic ${r.statistic} > D ${d}`);
          assert.ok(d <= r.bound + 1e-12, `D ${d} > bound ${r.bound}`);
          assert.ok(r.statistic >= 0 && r.bound <= 1);
        }),
        { numRuns: 300 },
      );
    });

    it('keeps the bound within the statistic plus the largest single-bucket mass', () => {
      fc.assert(
        fc.property(values, values, (xs, ys) => {
          const a = expHist(xs);
          const b = expHist(ys);
          const r = histogramKs(a, b);
          const s = Math.min(a.scale, b.scale);
          const largest = (h: ExponentialHistogram): number => {
            const c = h.clone();
            c.downscale(c.scale - s);
            const d = c.toData();
            return Math.max(d.zeroCount, ...d.positive.bucketCounts, ...d.negative.bucketCounts) / d.count;
          };
          assert.ok(r.bound <= r.statistic + Math.max(largest(a), largest(b)) + 1e-12);
        }),
      );
    });

    it('is symmetric', () => {
      fc.assert(
        fc.property(values, values, (xs, ys) => {
          const ab = histogramKs(expHist(xs), expHist(ys));
          const ba = histogramKs(expHist(ys), expHist(xs));
          assert.equal(ab.statistic, ba.statistic);
          assert.equal(ab.bound, ba.bound);
          assert.equal(ab.pValue, ba.pValue);
        }),
      );
    });

    it('equals the gap of the two CDFs at common edges computed by cdfAtEdges', () => {
      const a = expHist(normals(500, 1, 10, 2));
      const b = expHist(normals(700, 2, 10.5, 2));
      const s = Math.min(a.scale, b.scale);
      a.downscale(a.scale - s);
      b.downscale(b.scale - s);
      const ea = a.cdfAtEdges();
      const eb = b.cdfAtEdges();
      // Evaluate each step CDF at the union of edges.
      const at = (e: { edges: Float64Array; cdf: Float64Array }, x: number): number => {
        let v = 0;
        for (let k = 0; k < e.edges.length && (e.edges[k] as number) <= x; k++) v = e.cdf[k] as number;
        return v;
      };
      let expected = 0;
      for (const x of [...ea.edges, ...eb.edges]) expected = Math.max(expected, Math.abs(at(ea, x) - at(eb, x)));
      const r = histogramKs(a, b);
      assert.ok(Math.abs(r.statistic - expected) < 1e-12, `${r.statistic} vs ${expected}`);
      assert.equal(r.n, 500);
      assert.equal(r.m, 700);
    });

    it('detects a real shift and not a stationary sample (p-value from n*m/(n+m))', () => {
      const ref = expHist(normals(5000, 3));
      const same = histogramKs(ref, expHist(normals(5000, 4)));
      const shifted = histogramKs(ref, expHist(normals(5000, 5, 0.3)));
      assert.ok(same.pValue > 0.01, `stationary p ${same.pValue}`);
      assert.ok(shifted.pValue < 1e-10, `shifted p ${shifted.pValue}`);
      assert.ok(shifted.statistic > 0.1 && shifted.statistic < 0.14);
    });

    it('handles the zero bucket with a threshold as an interval', () => {
      const empty = { offset: 0, bucketCounts: [] };
      const a = ExponentialHistogram.fromData({ scale: 3, zeroCount: 0, zeroThreshold: 0.5, positive: empty, negative: empty, count: 0 });
      const b = a.clone();
      const xs = [0.1, -0.2, 0.3, 2, -3];
      const ys = [0.4, 0.45, 5, 6, -0.1];
      xs.forEach((x) => a.record(x));
      ys.forEach((y) => b.record(y));
      const r = histogramKs(a, b);
      const d = exactKsD(xs, ys);
      assert.ok(r.statistic <= d && d <= r.bound, `${r.statistic} <= ${d} <= ${r.bound}`);
    });

    it('takes the data points exported by the OpenTelemetry JS SDK as they are', async () => {
      const xs = normals(2000, 61, 5, 1);
      const ys = normals(1500, 62, 5.2, 1);
      const r = histogramKs(await sdkExponentialHistogram(xs, 160), await sdkExponentialHistogram(ys, 160));
      assert.deepEqual(r, histogramKs(expHist(xs), expHist(ys)));
      const d = exactKsD(xs, ys);
      assert.ok(r.statistic <= d && d <= r.bound);
    });

    it('accepts plain OTLP data as well as instances', () => {
      const a = expHist([1, 2, 3]);
      const b = expHist([2, 3, 4]);
      assert.deepEqual(histogramKs(a.toData(), b.toData()), histogramKs(a, b));
    });
  });

  describe('explicit-bucket histograms', () => {
    it('brackets the exact KS statistic of the raw values, also with partly shared bounds', () => {
      fc.assert(
        fc.property(values, values, sortedBounds, sortedBounds, fc.boolean(), (xs, ys, b1, b2, share) => {
          const boundsB = share ? b1 : [...new Set([...b1.filter((_, i) => i % 2 === 0), ...b2])].sort((x, y) => x - y);
          const r = histogramKs(explicitHist(xs, b1), explicitHist(ys, boundsB));
          const d = exactKsD(xs, ys);
          assert.ok(r.statistic <= d + 1e-12 && d <= r.bound + 1e-12, `${r.statistic} <= ${d} <= ${r.bound}`);
        }),
        { numRuns: 300 },
      );
    });

    it('is exact when every value sits on a bound', () => {
      fc.assert(
        fc.property(sortedBounds.filter((b) => b.length > 0), fc.array(fc.nat(), { minLength: 1, maxLength: 100 }), fc.array(fc.nat(), { minLength: 1, maxLength: 100 }), (bounds, i, j) => {
          const xs = i.map((k) => bounds[k % bounds.length] as number);
          const ys = j.map((k) => bounds[k % bounds.length] as number);
          const r = histogramKs(explicitHist(xs, bounds), explicitHist(ys, bounds));
          assert.ok(Math.abs(r.statistic - exactKsD(xs, ys)) < 1e-12);
        }),
      );
    });

    it('gives statistic 0 and bound 1 when no bound is shared', () => {
      const r = histogramKs(explicitHist([1, 2], [1.5]), explicitHist([1, 2], [0.5]));
      assert.equal(r.statistic, 0);
      assert.equal(r.bound, 1);
    });
  });

  describe('bad input', () => {
    it('rejects empty histograms, naming which one', () => {
      assert.throws(() => histogramKs(new ExponentialHistogram(), expHist([1])), /histogramKs: reference histogram is empty/);
      assert.throws(() => histogramKs(expHist([1]), { bounds: [1], counts: [1, 0], count: 1 }), /cannot compare an exponential reference with an explicit-bucket current/);
      assert.throws(() => histogramKs(explicitHist([1], [1]), { bounds: [1], counts: [0, 0], count: 0 }), /current histogram is empty/);
    });

    it('rejects malformed explicit data, naming the field', () => {
      const good = explicitHist([1, 2], [1.5]);
      assert.throws(() => histogramKs(good, { bounds: [1, 2], counts: [1, 1], count: 2 }), /current\.counts has 2 entries but bounds has 2/);
      assert.throws(() => histogramKs(good, { bounds: [2, 1], counts: [1, 1, 0], count: 2 }), /bounds must be strictly increasing/);
      assert.throws(() => histogramKs(good, { bounds: [NaN], counts: [1, 1], count: 2 }), /current\.bounds\[0\] must be finite, got NaN/);
      assert.throws(() => histogramKs(good, { bounds: [1], counts: [1, -1], count: 0 }), /current\.counts\[1\] must be a finite non-negative number, got -1/);
      assert.throws(() => histogramKs(good, { bounds: [1], counts: [1, 1], count: 3 }), /current\.count is 3 but the bucket counts add up to 2/);
    });

    it('rejects malformed exponential data and differing zero thresholds', () => {
      const a = expHist([1, 2]);
      const data = a.toData();
      assert.throws(() => histogramKs(a, { ...data, scale: -11 }), /current\.scale must be an integer in -10\.\.20, got -11/);
      assert.throws(() => histogramKs(a, { ...data, zeroThreshold: 0.1 }), /zero thresholds differ \(reference 0, current 0\.1\)/);
    });
  });
});
