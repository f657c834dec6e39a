import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kstwoSf, smirnovSf } from '../src/ks/kolmogorov.js';

interface Point {
  n: number;
  x: number;
  kstwoSf: number | 'NaN';
  smirnovSf: number | 'NaN';
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/ks-distributions.json', import.meta.url), 'utf8'),
) as { scipy: string; points: Point[] };

/** 1e-6 relative, or 1e-12 absolute below 1e-6 (the tolerance). */
function close(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  return Math.abs(actual - expected) <= (expected < 1e-6 ? 1e-12 : 1e-6 * expected);
}

describe('kolmogorov', () => {
  describe('kstwoSf', () => {
    it(`matches scipy ${fixture.scipy} kstwo.sf on ${fixture.points.length} (n, x) points across every branch`, () => {
      const bad = fixture.points
        .map((p) => ({ ...p, got: kstwoSf(p.n, p.x), want: Number(p.kstwoSf) }))
        .filter((p) => !close(p.got, p.want));
      assert.deepEqual(bad.map((p) => `n=${p.n} x=${p.x}: ${p.got} vs ${p.want}`), []);
    });

    it('is 1 at x <= 0, 0 at x >= 1, and NaN for a non-integer or non-positive n', () => {
      assert.equal(kstwoSf(10, 0), 1);
      assert.equal(kstwoSf(10, -0.5), 1);
      assert.equal(kstwoSf(10, 1), 0);
      assert.ok(Number.isNaN(kstwoSf(0, 0.5)));
      assert.ok(Number.isNaN(kstwoSf(2.5, 0.5)));
      assert.ok(Number.isNaN(kstwoSf(10, Number.NaN)));
    });

    it('decreases in x for a fixed n', () => {
      for (const n of [7, 140, 1000, 50000]) {
        let prev = 1;
        for (let x = 0.001; x < 1; x += 0.001) {
          const p = kstwoSf(n, x);
          assert.ok(p <= prev + 1e-12, `n=${n} x=${x}: ${p} > ${prev}`);
          prev = p;
        }
      }
    });
  });

  describe('smirnovSf', () => {
    it(`matches scipy ${fixture.scipy} special.smirnov on the same grid`, () => {
      const bad = fixture.points
        .map((p) => ({ ...p, got: smirnovSf(p.n, p.x), want: Number(p.smirnovSf) }))
        .filter((p) => !close(p.got, p.want));
      assert.deepEqual(bad.map((p) => `n=${p.n} x=${p.x}: ${p.got} vs ${p.want}`), []);
    });

    it('is NaN outside 0 <= x <= 1', () => {
      assert.ok(Number.isNaN(smirnovSf(5, -0.1)));
      assert.ok(Number.isNaN(smirnovSf(5, 1.1)));
    });
  });
});
