import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureSampler } from '../../src/sampling/feature-sampler.js';
import { manualClock, seededRandom } from '../helpers/test-sdk.js';

/** Runs `calls` calls spaced `stepMs` apart and returns how many were sampled. */
function drive(sampler: FeatureSampler, clock: { advance: (ms: number) => void }, calls: number, stepMs: number): number {
  let sampled = 0;
  for (let i = 0; i < calls; i++) {
    clock.advance(stepMs);
    if (sampler.sample()) sampled++;
  }
  return sampled;
}

describe('FeatureSampler', () => {
  describe('sample (fixed rate)', () => {
    it('samples every call at rate 1 and none at rate 0', () => {
      const all = new FeatureSampler({ rate: 1 });
      const none = new FeatureSampler({ rate: 0 });
      let a = 0;
      let b = 0;
      for (let i = 0; i < 10_000; i++) { if (all.sample()) a++; if (none.sample()) b++; }
      assert.equal(a, 10_000);
      assert.equal(b, 0);
    });
    for (const [rate, seed] of [[0.3, 1], [0.05, 2], [0.001, 3]] as const) {
      it(`samples a fraction ${rate} of calls within 4 sigma (seed ${seed})`, () => {
        const n = 200_000;
        const s = new FeatureSampler({ rate, random: seededRandom(seed) });
        let k = 0;
        for (let i = 0; i < n; i++) if (s.sample()) k++;
        const sigma = Math.sqrt(n * rate * (1 - rate));
        assert.ok(Math.abs(k - n * rate) < 4 * sigma, `k=${k} expected ${n * rate} ± ${4 * sigma}`);
      });
    }
    it('samples calls independently: counts per block of 100 have binomial variance', () => {
      // A deterministic 1-in-k pattern would pass the mean test with zero variance.
      const rate = 0.2;
      const s = new FeatureSampler({ rate, random: seededRandom(9) });
      const blocks: number[] = [];
      for (let b = 0; b < 2000; b++) {
        let k = 0;
        for (let i = 0; i < 100; i++) if (s.sample()) k++;
        blocks.push(k);
      }
      const mean = blocks.reduce((x, y) => x + y, 0) / blocks.length;
      const variance = blocks.reduce((x, y) => x + (y - mean) ** 2, 0) / (blocks.length - 1);
      // Binomial(100, 0.2): variance 16; the sample variance of 2000 blocks is within ~10% of it.
      assert.ok(variance > 13 && variance < 19, `variance=${variance}`);
    });
  });

  describe('sample (adaptive)', () => {
    for (const [perSecond, seed] of [[1000, 11], [10_000, 12], [200, 13]] as const) {
      it(`keeps about 20 vectors per second at ${perSecond} calls per second`, () => {
        const clock = manualClock();
        const s = new FeatureSampler({ targetPerSecond: 20, now: clock.now, random: seededRandom(seed) });
        drive(s, clock, perSecond * 3, 1000 / perSecond); // warm up: three windows
        const seconds = 60;
        const k = drive(s, clock, perSecond * seconds, 1000 / perSecond);
        const expected = 20 * seconds;
        // Poisson-like count: 4 sigma = 4 * sqrt(1200) ~ 139
        assert.ok(Math.abs(k - expected) < 4 * Math.sqrt(expected), `k=${k} expected ${expected}`);
        assert.ok(Math.abs(s.rate - 20 / perSecond) / (20 / perSecond) < 0.1, `rate=${s.rate}`);
      });
    }
    it('samples every call when traffic is below the target', () => {
      const clock = manualClock();
      const s = new FeatureSampler({ targetPerSecond: 20, now: clock.now, random: seededRandom(5) });
      assert.equal(drive(s, clock, 100, 200), 100); // 5 calls per second for 20 s
      assert.equal(s.rate, 1);
    });
    it('bounds the burst when traffic surges within one window', () => {
      const clock = manualClock();
      const s = new FeatureSampler({ targetPerSecond: 20, now: clock.now, random: seededRandom(6) });
      drive(s, clock, 50, 100); // 10 per second for 5 s: everything sampled
      const burst = drive(s, clock, 10_000, 0.1); // 10 000 per second for 1 s
      assert.ok(burst < 3 * 20, `sampled ${burst} in the surge second`);
    });
    it('recovers the full rate within a few seconds after traffic drops', () => {
      const clock = manualClock();
      const s = new FeatureSampler({ targetPerSecond: 20, now: clock.now, random: seededRandom(7) });
      drive(s, clock, 50_000, 0.1); // 10 000 per second for 5 s
      assert.ok(s.rate < 0.01);
      drive(s, clock, 40, 100); // 10 per second for 4 s
      assert.equal(s.rate, 1);
    });
  });
});
