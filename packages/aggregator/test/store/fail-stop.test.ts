import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailStop } from '../../src/store/fail-stop.js';
import { OverloadedError } from '../../src/receiver/sink.js';

describe('FailStop', () => {
  describe('fail', () => {
    it('keeps, logs and reports only the first failure, and returns each', () => {
      const said: string[] = [];
      const fatal: Error[] = [];
      const stop = new FailStop({ log: (m) => said.push(m), onFatal: (e) => fatal.push(e) });
      assert.equal(stop.failure, null);
      const first = new Error('disk I/O error');
      assert.equal(stop.fail(first), first);
      const second = new Error('database is closed');
      assert.equal(stop.fail(second), second);
      assert.equal(stop.failure, first);
      assert.deepEqual(said, ['store failure, refusing data until restarted: disk I/O error']);
      assert.deepEqual(fatal, [first]);
    });

    it('wraps what is not an Error', () => {
      const stop = new FailStop();
      const e = stop.fail('SQLITE_IOERR');
      assert.ok(e instanceof Error);
      assert.equal(e.message, 'SQLITE_IOERR');
      assert.equal(stop.failure, e);
    });
  });

  describe('refuseIfFailed', () => {
    it('takes data until the store fails, then refuses it as unavailable, retry in 5 s, naming the failure', () => {
      const stop = new FailStop();
      stop.refuseIfFailed();
      stop.fail(new Error('disk I/O error'));
      assert.throws(
        () => stop.refuseIfFailed(),
        (err: unknown) =>
          err instanceof OverloadedError &&
          err.kind === 'unavailable' &&
          err.retryAfterMs === 5000 &&
          err.message === "the aggregator's store failed (disk I/O error); it must be restarted",
      );
    });
  });
});
