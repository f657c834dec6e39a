import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fmix32, fnv1a32, predictionIdHash } from '../../src/sampling/prediction-hash.js';
import { createPredictionIdGenerator } from '../../src/sampling/prediction-id.js';

/** FNV-1a over bytes, written directly from the definition as an independent oracle. */
function fnvOfBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5n;
  for (const b of bytes) h = ((h ^ BigInt(b)) * 0x01000193n) & 0xffffffffn;
  return Number(h);
}

describe('prediction-hash', () => {
  describe('fnv1a32', () => {
    it('matches the published FNV-1a 32-bit test vectors', () => {
      assert.equal(fnv1a32(''), 0x811c9dc5);
      assert.equal(fnv1a32('a'), 0xe40c292c);
      assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    });
    it('hashes the UTF-8 bytes of non-ASCII ids, like other languages do', () => {
      for (const id of ['é', 'pred-日本-1', 'x\u{1F600}y']) {
        assert.equal(fnv1a32(id), fnvOfBytes(new TextEncoder().encode(id)), id);
      }
    });
  });

  describe('fmix32', () => {
    it('is a bijection on a large sample (no two inputs collide)', () => {
      const seen = new Set<number>();
      for (let i = 0; i < 100_000; i++) seen.add(fmix32(i));
      assert.equal(seen.size, 100_000);
    });
  });

  describe('predictionIdHash', () => {
    it('is deterministic and in [0, 1)', () => {
      for (const id of ['a', 'req-1', 'f47ac10b-58cc-4372-a567-0e02b2c3d479']) {
        const h = predictionIdHash(id);
        assert.equal(predictionIdHash(id), h);
        assert.ok(h >= 0 && h < 1);
      }
    });
    it('spreads counter-generated ids uniformly (chi-square over 20 bins)', () => {
      const next = createPredictionIdGenerator('0123456789abcdef01234567');
      const n = 100_000;
      const bins = new Array<number>(20).fill(0);
      for (let i = 0; i < n; i++) bins[Math.floor(predictionIdHash(next()) * 20)]! += 1;
      const expected = n / 20;
      const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0);
      // chi-square with 19 degrees of freedom: P(X > 43.82) = 0.001
      assert.ok(chi2 < 43.82, `chi2=${chi2} bins=${bins.join(',')}`);
    });
  });
});

describe('prediction-id', () => {
  describe('createPredictionIdGenerator', () => {
    it('generates distinct ids with a per-generator random prefix', () => {
      const a = createPredictionIdGenerator();
      const b = createPredictionIdGenerator();
      const ids = new Set<string>();
      for (let i = 0; i < 1000; i++) { ids.add(a()); ids.add(b()); }
      assert.equal(ids.size, 2000);
      assert.notEqual(a().split('-')[0], b().split('-')[0]);
    });
  });
});
