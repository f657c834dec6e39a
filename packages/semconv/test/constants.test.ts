import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIDENCE_BUCKETS, DRIFT_SEVERITY_LEVEL, LATENCY_BUCKETS, METRICS, OTHER_CATEGORY } from '../src/index.js';

describe('constants', () => {
  describe('OTHER_CATEGORY', () => {
    it('is the issue\'s overflow category', () => assert.equal(OTHER_CATEGORY, '__other__'));
  });

  describe('CONFIDENCE_BUCKETS', () => {
    it('has at least 20 buckets strictly inside (0, 1), strictly increasing', () => {
      assert.ok(CONFIDENCE_BUCKETS.length + 1 >= 20);
      CONFIDENCE_BUCKETS.forEach((b, i) => {
        assert.ok(b > 0 && b < 1, `${b}`);
        if (i > 0) assert.ok(b > (CONFIDENCE_BUCKETS[i - 1] as number));
      });
    });

    it('holds the 0.05 grid exactly, so common thresholds are bucket edges', () => {
      for (let k = 1; k <= 19; k++) {
        // Decimal literals, not k * 0.05 (0.15000000000000002 would miss).
        assert.ok(CONFIDENCE_BUCKETS.includes(Number((k * 0.05).toFixed(2))), `missing ${(k * 0.05).toFixed(2)}`);
      }
    });

    it('is finer above 0.95, where confident models put most mass', () => {
      assert.ok(CONFIDENCE_BUCKETS.filter((b) => b > 0.95).length >= 3);
    });

    it('is frozen', () => {
      assert.throws(() => (CONFIDENCE_BUCKETS as number[]).push(2), TypeError);
    });
  });

  describe('LATENCY_BUCKETS', () => {
    it('equals the issue\'s boundaries', () => {
      assert.deepEqual([...LATENCY_BUCKETS], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    });
  });

  describe('DRIFT_SEVERITY_LEVEL', () => {
    it('orders severities so that worse is higher', () => {
      const { error, insufficient_data, none, info, warning, critical } = DRIFT_SEVERITY_LEVEL;
      assert.deepEqual([error, insufficient_data, none, info, warning, critical], [-2, -1, 0, 1, 2, 3]);
    });

    it('is the encoding the registry documents for ml.drift.severity', () => {
      const brief = METRICS['ml.drift.severity'].brief;
      for (const [name, level] of Object.entries(DRIFT_SEVERITY_LEVEL)) {
        assert.ok(brief.includes(`${level} ${name.replace('_', ' ')}`), `brief lacks "${level} ${name}"`);
      }
    });
  });
});
