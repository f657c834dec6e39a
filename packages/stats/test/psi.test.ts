import { describe, it } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { PSI_FLOOR, histogramPsi, psi, psiPValue } from '../src/psi.js';
import { ExponentialHistogram, type ExplicitHistogramData } from '../src/exponential-histogram.js';
import { assertClose, fixtures } from './helpers/fixtures.js';
import { normals } from './helpers/random.js';

function expHist(xs: readonly number[]): ExponentialHistogram {
  const h = new ExponentialHistogram();
  for (const x of xs) h.record(x);
  return h;
}

describe('psi', () => {
  describe('against the numpy reference formula', () => {
    it(`matches every fixture case (${fixtures.psi.length}) to 1e-12 relative, with the same empty-bin floor`, () => {
      assert.equal(fixtures.psiFloor, PSI_FLOOR);
      assert.ok(fixtures.psi.length >= 50);
      for (const [i, c] of fixtures.psi.entries()) assertClose(psi(c.expected, c.actual), c.psi, 1e-12, 1e-15, `case ${i}`);
    });
  });

  describe('floor', () => {
    it('floors an emptied bin at PSI_FLOOR', () => {
      // Proportions e = [0.5, 0.5], a = [1, 0 -> PSI_FLOOR].
      const expected = (1 - 0.5) * Math.log(1 / 0.5) + (PSI_FLOOR - 0.5) * Math.log(PSI_FLOOR / 0.5);
      assertClose(psi([1, 1], [1, 0]), expected, 1e-12, 0, 'psi');
    });
  });

  describe('bad input', () => {
    it('names empty, mismatched, negative, NaN and all-zero inputs', () => {
      assert.throws(() => psi([], []), /psi: expected is empty/);
      assert.throws(() => psi([1, 2], [1]), /expected has 2 entries but actual has 1/);
      assert.throws(() => psi([1, 2], [1, -1]), /actual\[1\] must be non-negative/);
      assert.throws(() => psi([NaN, 2], [1, 1]), /expected\[0\] must be a finite number, got NaN/);
      assert.throws(() => psi([0, 0], [1, 1]), /expected is all zeros/);
    });
  });
});

describe('psiPValue', () => {
  it(`matches scipy chi2.sf(PSI * n*m/(n+m), bins - 1) on ${fixtures.psi.length} cases`, () => {
    for (const [i, c] of fixtures.psi.entries()) assertClose(psiPValue(c.psi, c.n, c.m, c.bins), c.pValue, 1e-9, 1e-300, `case ${i}`);
  });
  it('rejects bad arguments, naming them', () => {
    assert.throws(() => psiPValue(-1, 10, 10, 10), /psiValue must be finite and >= 0, got -1/);
    assert.throws(() => psiPValue(0.1, 0, 10, 10), /n must be a positive count, got 0/);
    assert.throws(() => psiPValue(0.1, 10, 10, 0), /bins must be an integer >= 1, got 0/);
  });
});

describe('histogramPsi', () => {
  describe('decile re-binning', () => {
    it('is small without drift at n = 1000, where PSI over the raw buckets is noise', () => {
      const ref = expHist(normals(1000, 41, 10, 2));
      const cur = expHist(normals(1000, 42, 10, 2));
      const r = histogramPsi(ref, cur);
      // The raw-bucket PSI on the same data, for contrast.
      const s = Math.min(ref.scale, cur.scale);
      const a = ref.clone();
      const b = cur.clone();
      a.downscale(a.scale - s);
      b.downscale(b.scale - s);
      const da = a.toData().positive;
      const db = b.toData().positive;
      const lo = Math.min(da.offset, db.offset);
      const hi = Math.max(da.offset + da.bucketCounts.length, db.offset + db.bucketCounts.length);
      const raw = (d: typeof da): number[] => Array.from({ length: hi - lo }, (_, k) => d.bucketCounts[k + lo - d.offset] ?? 0);
      const rawPsi = psi(raw(da), raw(db));
      assert.ok(r.psi < 0.05, `decile PSI ${r.psi}`);
      assert.ok(rawPsi > 0.1, `raw PSI ${rawPsi}`);
      assert.ok(r.pValue > 0.01, `p ${r.pValue}`);
    });

    it('puts about a tenth of the reference in each of 10 bins, with ascending edges', () => {
      const r = histogramPsi(expHist(normals(5000, 43)), expHist(normals(5000, 44)));
      assert.equal(r.bins.expected.length, 10);
      assert.equal(r.bins.edges.length, 9);
      for (const e of r.bins.expected) assert.ok(e > 350 && e < 650, `bin ${e}`);
      for (let k = 1; k < r.bins.edges.length; k++) assert.ok((r.bins.edges[k] as number) > (r.bins.edges[k - 1] as number));
      assert.equal(r.bins.actual.reduce((s, x) => s + x, 0), 5000);
      assertClose(r.psi, psi(r.bins.expected, r.bins.actual), 1e-15, 0, 'psi of the bins');
    });

    it('flags a half-sd shift as significant and above the warning threshold', () => {
      const r = histogramPsi(expHist(normals(5000, 45)), expHist(normals(5000, 46, 0.7)));
      assert.ok(r.psi > 0.2, `psi ${r.psi}`);
      assert.ok(r.pValue < 1e-10);
    });

    it('yields fewer bins when one bucket holds more than a decile of the reference', () => {
      const ref = expHist([...new Array<number>(500).fill(0), ...normals(500, 47)]);
      const r = histogramPsi(ref, expHist(normals(500, 48)));
      assert.ok(r.bins.expected.length < 10 && r.bins.expected.length >= 5, `${r.bins.expected.length} bins`);
      assert.equal(r.bins.expected.reduce((s, x) => s + x, 0), 1000);
    });

    it('works on explicit-bucket histograms', () => {
      const bounds = Array.from({ length: 39 }, (_, k) => -2 + k * 0.1);
      const explicit = (xs: number[]): ExplicitHistogramData => {
        const counts = new Array<number>(bounds.length + 1).fill(0);
        for (const x of xs) {
          let k = 0;
          while (k < bounds.length && x > (bounds[k] as number)) k++;
          counts[k] = (counts[k] ?? 0) + 1;
        }
        return { bounds, counts, count: xs.length };
      };
      const r = histogramPsi(explicit(normals(3000, 49)), explicit(normals(3000, 50)));
      assert.ok(r.bins.expected.length >= 9 && r.psi < 0.05);
    });
  });

  describe('bins', () => {
    it('partition both histograms, every bin holding reference mass', () => {
      const value = fc.oneof(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.constantFrom(0, 1, -1, 2.5));
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.array(value, { minLength: 1, maxLength: 300 }), fc.integer({ min: 2, max: 20 }), (xs, ys, bins) => {
          const r = histogramPsi(expHist(xs), expHist(ys), { bins });
          assert.equal(r.bins.expected.reduce((s, x) => s + x, 0), xs.length);
          assert.equal(r.bins.actual.reduce((s, x) => s + x, 0), ys.length);
          assert.ok(r.bins.expected.length <= bins && r.bins.expected.every((e) => e > 0));
          assert.equal(r.bins.edges.length, r.bins.expected.length - 1);
          assert.ok(r.psi >= 0 && r.pValue >= 0 && r.pValue <= 1);
        }),
      );
    });
  });

  describe('bad input', () => {
    it('rejects fewer than 2 bins and empty histograms', () => {
      assert.throws(() => histogramPsi(expHist([1]), expHist([1]), { bins: 1 }), /bins must be an integer >= 2, got 1/);
      assert.throws(() => histogramPsi(expHist([1]), new ExponentialHistogram()), /histogramPsi: current histogram is empty/);
    });
  });
});
