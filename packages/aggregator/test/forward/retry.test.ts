import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_UPSTREAM_RETRY_MS, RetrySchedule } from '../../src/forward/retry.js';

describe('RetrySchedule', () => {
  describe('constructor', () => {
    it('names a bad option', () => {
      assert.throws(() => new RetrySchedule({ initialMs: -1 }), /initialMs/);
      assert.throws(() => new RetrySchedule({ initialMs: 2000, maxMs: 1000 }), /maxMs \(1000\) must be at least initialMs \(2000\)/);
      assert.throws(() => new RetrySchedule({ multiplier: 0.5 }), /multiplier/);
    });
  });

  describe('failed', () => {
    it('backs off exponentially up to maxMs', () => {
      const s = new RetrySchedule({ initialMs: 100, maxMs: 500 });
      const delays = [0, 1, 2, 3, 4].map((i) => s.failed(i * 10_000) - i * 10_000);
      assert.deepEqual(delays, [100, 200, 400, 500, 500]);
      assert.equal(s.consecutiveFailures, 5);
    });

    it('never retries sooner than the downstream asked', () => {
      const s = new RetrySchedule({ initialMs: 100, maxMs: 500 });
      assert.equal(s.failed(1000, 3000), 4000);
    });

    it('cuts a very long asked delay to maxAskedMs', () => {
      const s = new RetrySchedule({ initialMs: 100, maxMs: 500, maxAskedMs: 60_000 });
      assert.equal(s.failed(0, 86_400_000), 60_000);
    });

    it('does not shorten a pause when a second failure of one burst reports a shorter delay', () => {
      const s = new RetrySchedule({ initialMs: 100, maxMs: 500 });
      s.failed(0, 5000);
      assert.equal(s.failed(10), 5000);
    });
  });

  describe('succeeded', () => {
    it('starts the backoff again from initialMs', () => {
      const s = new RetrySchedule({ initialMs: 100, maxMs: 500 });
      s.failed(0);
      s.failed(0);
      s.succeeded();
      assert.equal(s.failed(10_000), 10_100);
      assert.equal(s.consecutiveFailures, 1);
    });
  });

  describe('upstreamRetryMs', () => {
    it('asks the aggregator\'s senders to wait until forwarding tries again, within [1 s, maxMs]', () => {
      const s = new RetrySchedule({ initialMs: 1000, maxMs: 30_000 });
      assert.equal(s.upstreamRetryMs(0), MIN_UPSTREAM_RETRY_MS);
      s.failed(0, 8000);
      assert.equal(s.upstreamRetryMs(2000), 6000);
      s.failed(0, 120_000);
      assert.equal(s.upstreamRetryMs(0), 30_000);
    });
  });
});
