import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chiSquareIsf, kolmogorovLimitIsf, kolmogorovLimitSf, ksNeededSamples, psiNeededSamples } from '../src/index.js';

const cases = JSON.parse(readFileSync(new URL('./fixtures/needed-samples-cases.json', import.meta.url), 'utf8')) as {
  kolmogorovIsf: Array<{ p: number; x: number }>;
  chiSquareIsf: Array<{ p: number; dof: number; x: number }>;
};

const close = (got: number, want: number, rel: number, what: string): void => {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: got ${got}, scipy ${want}`);
};

describe('needed-samples', () => {
  describe('kolmogorovLimitIsf', () => {
    it(`matches scipy kstwobign.isf on ${cases.kolmogorovIsf.length} points to 1e-9 relative`, () => {
      for (const c of cases.kolmogorovIsf) close(kolmogorovLimitIsf(c.p), c.x, 1e-9, `p=${c.p}`);
    });
    it('rejects p outside (0, 1)', () => {
      assert.throws(() => kolmogorovLimitIsf(0), /p must be in \(0, 1\)/);
    });
  });

  describe('chiSquareIsf', () => {
    it(`matches scipy chi2.isf on ${cases.chiSquareIsf.length} points to 1e-9 relative`, () => {
      for (const c of cases.chiSquareIsf) close(chiSquareIsf(c.p, c.dof), c.x, 1e-9, `p=${c.p} dof=${c.dof}`);
    });
  });

  describe('ksNeededSamples', () => {
    it('is the least n at which the effect is significant, asymptotically', () => {
      const m = 10_000;
      const alpha = 1e-7;
      const n = ksNeededSamples(0.15, m, alpha);
      const p = (k: number): number => kolmogorovLimitSf(0.15 * Math.sqrt((k * m) / (k + m)));
      assert.ok(p(n) <= alpha, `p at n=${n} is ${p(n)}`);
      assert.ok(p(n - 1) > alpha, `p at n-1=${n - 1} is ${p(n - 1)}`);
    });
    it('is infinite when the reference alone is too small to show the effect', () => {
      assert.equal(ksNeededSamples(0.15, 50, 1e-7), Number.POSITIVE_INFINITY);
    });
    it('grows as the level gets stricter and the effect smaller', () => {
      assert.ok(ksNeededSamples(0.15, 10_000, 1e-9) > ksNeededSamples(0.15, 10_000, 1e-3));
      assert.ok(ksNeededSamples(0.1, 10_000, 1e-7) > ksNeededSamples(0.25, 10_000, 1e-7));
    });
  });

  describe('psiNeededSamples', () => {
    it('is the least n at which PSI / (1/n + 1/m) reaches the chi-square critical value', () => {
      const n = psiNeededSamples(0.2, 10_000, 10, 1e-7);
      const q = chiSquareIsf(1e-7, 9);
      assert.ok(0.2 / (1 / n + 1e-4) >= q);
      assert.ok(0.2 / (1 / (n - 1) + 1e-4) < q);
      assert.equal(psiNeededSamples(0.2, 10_000, 1, 1e-7), Number.POSITIVE_INFINITY, 'one bin: no test');
    });
  });
});
