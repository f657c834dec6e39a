import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointSchedule, type CheckpointLog, type CheckpointScheduleOptions } from '../../src/store/checkpoint-schedule.js';
import { StoreBusyError, StoreError } from '../../src/store/database.js';
import { FailStop } from '../../src/store/fail-stop.js';
import { StoreHealth } from '../../src/store/health.js';

const INTERVAL = 60_000;
const LOG_BYTES = 1000;

/** An ingest log whose checkpoint commits record what they covered, and fail or wait when told to. */
class FakeLog implements CheckpointLog {
  lastSeq = 0;
  appendedBytes = 0;
  readonly written: Array<{ uptoSeq: number; now: number; bytes: Uint8Array }> = [];
  /** Thrown by the next commits, one each. */
  readonly failures: Error[] = [];
  /** Set: the next commit waits for it. */
  gate: Promise<void> | undefined;

  append(bytes: number): void {
    this.lastSeq++;
    this.appendedBytes += bytes;
  }

  async writeCheckpoint(uptoSeq: number, now: number, snapshot: () => Promise<Uint8Array>): Promise<void> {
    const bytes = await snapshot();
    await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.written.push({ uptoSeq, now, bytes });
  }
}

function schedule(options: Partial<CheckpointScheduleOptions> = {}) {
  const clock = { t: 1_000_000 };
  const log = new FakeLog();
  const said: string[] = [];
  const health = new StoreHealth();
  const failStop = new FailStop({ log: (m) => said.push(m) });
  let snapshots = 0;
  const s = new CheckpointSchedule({
    log,
    snapshot: async () => Uint8Array.of(++snapshots),
    health,
    failStop,
    now: () => clock.t,
    intervalMs: INTERVAL,
    logBytes: LOG_BYTES,
    ...options,
  });
  return { s, clock, log, health, failStop, said };
}

describe('CheckpointSchedule', () => {
  describe('due', () => {
    it('is due once checkpointInterval has passed since the start', () => {
      const { s, clock } = schedule();
      assert.equal(s.due(), false);
      clock.t += INTERVAL - 1;
      assert.equal(s.due(), false);
      clock.t += 1;
      assert.equal(s.due(), true);
    });

    it('is due once checkpointLogBytes were appended, counting the replayed bytes', () => {
      const { s, log } = schedule();
      log.append(LOG_BYTES - 1);
      assert.equal(s.due(), false);
      log.append(1);
      assert.equal(s.due(), true);
      const replayed = schedule({ replayedBytes: LOG_BYTES - 10 });
      assert.equal(replayed.s.due(), false);
      replayed.log.append(10);
      assert.equal(replayed.s.due(), true, 'the replayed requests count towards the first checkpoint');
    });

    it('counts from the start of the last checkpoint', async () => {
      const { s, clock, log } = schedule();
      clock.t += INTERVAL;
      log.append(LOG_BYTES);
      await s.persist();
      assert.equal(s.due(), false);
      log.append(LOG_BYTES);
      assert.equal(s.due(), true);
    });
  });

  describe('persist', () => {
    it('commits a checkpoint covering the log up to its start, at now, and tells the store health', async () => {
      const { s, clock, log, health } = schedule();
      log.append(10);
      log.append(10);
      clock.t += 5;
      await s.persist();
      assert.deepEqual(log.written, [{ uptoSeq: 2, now: clock.t, bytes: Uint8Array.of(1) }]);
      assert.equal(health.readiness().checkpoints.committed, 1);
    });

    it('runs checkpoints one at a time in the order asked for, each covering the log when it starts', async () => {
      const { s, log } = schedule();
      let open = (): void => {};
      log.gate = new Promise((resolve) => (open = resolve));
      log.append(1);
      const first = s.persist();
      await new Promise((resolve) => setImmediate(resolve));
      log.gate = undefined;
      log.append(1);
      const second = s.persist();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(log.written.length, 0, 'the second waits for the first');
      log.append(1);
      open();
      await Promise.all([first, second]);
      assert.deepEqual(log.written.map((w) => [w.uptoSeq, w.bytes[0]]), [[1, 1], [3, 2]]);
    });

    it('rejects when the database is locked, but goes on: only a deferral', async () => {
      const { s, log, health, failStop } = schedule();
      const busy = new StoreBusyError('database is locked');
      log.failures.push(busy);
      await assert.rejects(s.persist(), (err) => err === busy);
      assert.equal(failStop.failure, null);
      assert.equal(health.readiness().checkpoints.failing, true);
      await s.persist();
      assert.equal(log.written.length, 1);
      assert.equal(health.readiness().checkpoints.failing, false);
    });

    it('fails the store on any other failure, and takes no checkpoint after it', async () => {
      const { s, log, failStop, said } = schedule();
      const broken = new StoreError('disk I/O error');
      log.failures.push(broken);
      await assert.rejects(s.persist(), (err) => err === broken);
      assert.equal(failStop.failure, broken);
      assert.deepEqual(said, ['store failure, refusing data until restarted: disk I/O error']);
      await s.persist();
      assert.equal(log.written.length, 0);
    });
  });

  describe('persistIfDue', () => {
    it('checkpoints only when due, or when forced', async () => {
      const { s, clock, log } = schedule();
      await s.persistIfDue(false);
      assert.equal(log.written.length, 0);
      await s.persistIfDue(true);
      assert.equal(log.written.length, 1);
      clock.t += INTERVAL;
      await s.persistIfDue(false);
      assert.equal(log.written.length, 2);
    });

    it('resolves when the database is locked, and rejects on any other failure', async () => {
      const { s, log } = schedule();
      log.failures.push(new StoreBusyError('database is locked'));
      await s.persistIfDue(true);
      const broken = new StoreError('disk I/O error');
      log.failures.push(broken);
      await assert.rejects(s.persistIfDue(true), (err) => err === broken);
    });
  });
});
