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
});
