import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ks2Samp, type KsAlternative, type KsMethodOption } from '../src/ks.js';

// ---------------------------------------------------------------------------
// Fixtures: scipy.stats.ks_2samp results written by scripts/gen-ks-fixtures.py.

type Encoded = number | 'NaN' | 'Infinity' | '-Infinity';
interface GenSpec {
  seed: number;
  n1: number;
  n2: number;
  kind: 'uniform' | 'normal' | 'ties' | 'copyshift';
  shift?: number;
  scale?: number;
  frac?: number;
}
interface FixtureCase {
  name: string;
  alternative: KsAlternative;
  method: KsMethodOption;
  x?: Encoded[];
  y?: Encoded[];
  gen?: GenSpec;
  expected: { statistic: Encoded; pValue: Encoded; method: string; location: Encoded; sign: 1 | -1 };
}
interface Fixture {
  scipy: string;
  prngCheck: { seed: number; first: number[]; sum1000: number };
  cases: FixtureCase[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/ks-cases.json', import.meta.url), 'utf8'),
) as Fixture;

function dec(v: Encoded): number {
  return typeof v === 'number' ? v : Number(v);
}

/** mulberry32, identical to the generator script's: yields k / 2^32 in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SQRT3 = Math.sqrt(3);

function draw(rng: () => number, kind: GenSpec['kind']): number {
  if (kind === 'uniform') return rng();
  // Irwin-Hall(4): the four-term sum is exact, so Python and JS agree bit for bit.
  const s = rng() + rng() + rng() + rng();
  const z = (s - 2) * SQRT3;
  if (kind === 'normal') return z;
  return Math.floor(z * 3);
}

function generateCase(spec: GenSpec): [Float64Array, Float64Array] {
  const rng = mulberry32(spec.seed);
  const x = new Float64Array(spec.n1);
  const y = new Float64Array(spec.n2);
  if (spec.kind === 'copyshift') {
    for (let i = 0; i < spec.n1; i++) x[i] = rng();
    const frac = spec.frac ?? 0;
    for (let i = 0; i < spec.n2; i++) y[i] = x[i]! < frac ? x[i]! + 1 : x[i]!;
    return [x, y];
  }
  for (let i = 0; i < spec.n1; i++) x[i] = draw(rng, spec.kind);
  for (let i = 0; i < spec.n2; i++) y[i] = draw(rng, spec.kind) * (spec.scale ?? 1) + (spec.shift ?? 0);
  return [x, y];
}

function caseData(c: FixtureCase): [ArrayLike<number>, ArrayLike<number>] {
  if (c.gen) return generateCase(c.gen);
  return [(c.x ?? []).map(dec), (c.y ?? []).map(dec)];
}

/** p-values: 1e-6 relative, or 1e-12 absolute when scipy's value is below 1e-6. */
function assertPValue(actual: number, expected: number, label: string): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${label}: expected NaN p-value, got ${actual}`);
    return;
  }
  const tol = expected < 1e-6 ? 1e-12 : 1e-6 * expected;
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${label}: p-value ${actual} vs scipy ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`,
  );
}

describe('ks2Samp', () => {
  describe('scipy fixtures', () => {
    it(`reproduces the generator's PRNG (scipy ${fixture.scipy})`, () => {
      const rng = mulberry32(fixture.prngCheck.seed);
      const values = Array.from({ length: 1000 }, rng);
      assert.deepEqual(values.slice(0, 5), fixture.prngCheck.first);
      const sum = values.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(sum - fixture.prngCheck.sum1000) < 1e-9);
    });

    it('has at least 300 cases covering every alternative and method', () => {
      assert.ok(fixture.cases.length >= 300);
      for (const alt of ['two-sided', 'less', 'greater']) {
        assert.ok(fixture.cases.some((c) => c.alternative === alt));
      }
      for (const m of ['exact', 'asymp', 'asymp-fallback']) {
        assert.ok(fixture.cases.some((c) => c.expected.method === m), m);
      }
    });

    for (const c of fixture.cases) {
      const label = `${c.name} [${c.alternative}, ${c.method}]`;
      it(`matches scipy: ${label}`, () => {
        const [x, y] = caseData(c);
        const r = ks2Samp(x, y, { alternative: c.alternative, method: c.method });
        const e = c.expected;
        assert.ok(
          Math.abs(r.statistic - dec(e.statistic)) <= 1e-12,
          `${label}: statistic ${r.statistic} vs scipy ${dec(e.statistic)}`,
        );
        assertPValue(r.pValue, dec(e.pValue), label);
        assert.equal(r.method, e.method, `${label}: method`);
        assert.equal(r.statisticSign, e.sign, `${label}: sign`);
        assert.ok(Object.is(r.statisticLocation, dec(e.location)) || r.statisticLocation === dec(e.location),
          `${label}: location ${r.statisticLocation} vs scipy ${dec(e.location)}`);
      });
    }
  });

  describe('properties', () => {
    const sample = fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 60 });
    // Small integer ranges make ties common.
    const tiedSample = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 60 });

    it('two-sided D(x, y) equals D(y, x), p-values agree, and both lie in [0, 1]', () => {
      fc.assert(
        fc.property(fc.oneof(sample, tiedSample), fc.oneof(sample, tiedSample), fc.constantFrom<KsMethodOption>('auto', 'exact', 'asymp'), (x, y, method) => {
          const a = ks2Samp(x, y, { method });
          const b = ks2Samp(y, x, { method });
          assert.equal(a.statistic, b.statistic);
          assert.ok(a.statistic >= 0 && a.statistic <= 1);
          if (!Number.isNaN(a.pValue)) {
            assert.ok(Math.abs(a.pValue - b.pValue) <= 1e-12 * Math.max(1, a.pValue));
            assert.ok(a.pValue >= 0 && a.pValue <= 1);
          }
        }),
      );
    });

    it("'less' on (x, y) equals 'greater' on (y, x)", () => {
      fc.assert(
        fc.property(fc.oneof(sample, tiedSample), fc.oneof(sample, tiedSample), (x, y) => {
          const a = ks2Samp(x, y, { alternative: 'less' });
          const b = ks2Samp(y, x, { alternative: 'greater' });
          assert.equal(a.statistic, b.statistic);
          assert.ok(Math.abs(a.pValue - b.pValue) <= 1e-12);
        }),
      );
    });

    it('the two-sided statistic is the larger one-sided statistic', () => {
      fc.assert(
        fc.property(fc.oneof(sample, tiedSample), fc.oneof(sample, tiedSample), (x, y) => {
          const two = ks2Samp(x, y, { method: 'asymp' }).statistic;
          const less = ks2Samp(x, y, { alternative: 'less', method: 'asymp' }).statistic;
          const greater = ks2Samp(x, y, { alternative: 'greater', method: 'asymp' }).statistic;
          assert.equal(two, Math.max(less, greater));
        }),
      );
    });

    it('identical samples give D = 0 and p = 1', () => {
      fc.assert(
        fc.property(fc.oneof(sample, tiedSample), fc.constantFrom<KsAlternative>('two-sided', 'less', 'greater'), (x, alternative) => {
          const r = ks2Samp(x, [...x].reverse(), { alternative, method: 'exact' });
          assert.equal(r.statistic, 0);
          assert.equal(r.pValue, 1);
        }),
      );
    });

    it('the statistic equals a brute-force sup |F_x - F_y| over the pooled values', () => {
      fc.assert(
        fc.property(fc.oneof(sample, tiedSample), fc.oneof(sample, tiedSample), (x, y) => {
          const ecdf = (s: number[], t: number): number => s.filter((v) => v <= t).length / s.length;
          let d = 0;
          for (const t of [...x, ...y]) d = Math.max(d, Math.abs(ecdf(x, t) - ecdf(y, t)));
          assert.ok(Math.abs(ks2Samp(x, y, { method: 'asymp' }).statistic - d) <= 1e-15);
        }),
      );
    });
  });

  describe('input handling', () => {
    it('does not modify its inputs', () => {
      const x = [3, 1, 2, 5, 4];
      const y = new Float64Array([9, 7, 8, 6]);
      ks2Samp(x, y);
      assert.deepEqual(x, [3, 1, 2, 5, 4]);
      assert.deepEqual([...y], [9, 7, 8, 6]);
    });

    it('sorts large samples (radix path) to the same result as small ones', () => {
      const rng = mulberry32(7);
      const x = Array.from({ length: 5000 }, () => Math.floor((rng() - 0.5) * 400) / 7);
      const y = x.map((v, i) => (i % 3 === 0 ? -v : v));
      const r = ks2Samp(x, y, { method: 'asymp' });
      const ecdf = (s: number[], t: number): number => s.filter((v) => v <= t).length / s.length;
      let d = 0;
      for (const t of new Set([...x, ...y])) d = Math.max(d, Math.abs(ecdf(x, t) - ecdf(y, t)));
      assert.equal(r.statistic, d);
    });

    it('rejects an empty sample, naming it', () => {
      assert.throws(() => ks2Samp([], [1, 2]), { name: 'RangeError', message: /x is empty/ });
      assert.throws(() => ks2Samp([1], new Float64Array(0)), { name: 'RangeError', message: /y is empty/ });
    });

    it('rejects NaN, naming the sample and the index', () => {
      assert.throws(() => ks2Samp([1, Number.NaN, 3], [1, 2]), { name: 'RangeError', message: /x contains NaN .* index 1/ });
      const big = Array.from({ length: 4000 }, (_, i) => i);
      big[3999] = Number.NaN;
      assert.throws(() => ks2Samp([1, 2], big), { name: 'RangeError', message: /y contains NaN .* index 3999/ });
    });

    it('rejects a non-numeric entry as NaN', () => {
      assert.throws(() => ks2Samp([1, undefined as unknown as number], [1, 2]), { name: 'RangeError', message: /x contains NaN/ });
    });

    it('rejects unknown options, naming them', () => {
      assert.throws(() => ks2Samp([1], [2], { alternative: 'two_sided' as KsAlternative }), { name: 'TypeError', message: /alternative .* two_sided/ });
      assert.throws(() => ks2Samp([1], [2], { method: 'approx' as KsMethodOption }), { name: 'TypeError', message: /method .* approx/ });
      assert.throws(() => ks2Samp(null as unknown as number[], [2]), { name: 'TypeError', message: /x must be an array/ });
    });

    it('orders ±Infinity like any other value (documented; scipy agrees, see the fixtures)', () => {
      const r = ks2Samp([Number.NEGATIVE_INFINITY, 0], [Number.POSITIVE_INFINITY, 1]);
      assert.equal(r.statistic, 1);
      assert.equal(r.statisticLocation, 0);
    });

    it('returns a NaN p-value for n = m = 1 with the asymptotic method (effective size rounds to 0, as in scipy)', () => {
      const r = ks2Samp([1], [2], { method: 'asymp' });
      assert.equal(r.statistic, 1);
      assert.ok(Number.isNaN(r.pValue));
      assert.equal(ks2Samp([1], [2]).pValue, 1);
    });

    it('reports the sample sizes', () => {
      const r = ks2Samp([1, 2, 3], [4, 5]);
      assert.equal(r.n1, 3);
      assert.equal(r.n2, 2);
    });
  });
});
