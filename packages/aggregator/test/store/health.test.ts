import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StoreBusyError, StoreError } from '../../src/store/database.js';
import { DiskSpaceGuard } from '../../src/store/disk-space.js';
import { StoreHealth } from '../../src/store/health.js';

const degraded = (h: StoreHealth): Record<string, number> =>
  Object.fromEntries(h.outputs().filter((s) => s.name === 'ml.aggregator.degraded').map((s) => [String(s.attributes['ml.aggregator.component']), s.value]));

describe('StoreHealth', () => {
  describe('checkpointFailed', () => {
    it('goes on past a locked database, reporting it until a checkpoint commits, and tells the start and the end once', () => {
      const said: string[] = [];
      const h = new StoreHealth({ log: (m) => said.push(m) });
      assert.equal(h.checkpointFailed(new StoreBusyError('cannot write the checkpoint: database is locked')), true);
      assert.equal(h.checkpointFailed(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })), true);
      assert.deepEqual(degraded(h), { storage: 0, checkpoint: 1 });
      const r = h.readiness().checkpoints;
      assert.equal(r.deferred, 2);
      assert.equal(r.failing, true);
      assert.match(r.lastError ?? '', /database is locked/);
      h.checkpointCommitted();
      assert.deepEqual(degraded(h), { storage: 0, checkpoint: 0 });
      assert.equal(h.readiness().checkpoints.failing, false);
      assert.equal(said.length, 2);
      assert.match(said[0] ?? '', /checkpoint deferred, the database is locked/);
      assert.equal(said[1], 'checkpoint committed after 2 deferred');
    });

    it('does not go on past any other store failure', () => {
      const h = new StoreHealth();
      assert.equal(h.checkpointFailed(new StoreError('cannot write the checkpoint: disk I/O error')), false);
      assert.equal(h.readiness().checkpoints.deferred, 0);
    });
  });

  describe('refusal', () => {
    it('refuses for disk space, counting by signal, and tells when it starts and ends', async () => {
      let free = 100;
      let clock = 0;
      const disk = new DiskSpaceGuard({ dir: '/data', minFreeBytes: 50, written: () => 0, now: () => clock, statfs: { sync: () => ({ bavail: free, bsize: 1 }), async: async () => ({ bavail: free, bsize: 1 }) } });
      const said: string[] = [];
      const h = new StoreHealth({ disk, log: (m) => said.push(m) });
      assert.equal(h.refusal('metrics'), undefined);
      free = 10;
      clock += 1000;
      // Seen by the background reading this request starts.
      assert.equal(h.refusal('metrics'), undefined);
      await new Promise((r) => setImmediate(r));
      assert.match(h.refusal('metrics') ?? '', /has 10 B free, less than storage.minFreeSpace \(50 B\)/);
      assert.ok(h.refusal('logs') !== undefined);
      assert.deepEqual(degraded(h), { storage: 1, checkpoint: 0 });
      assert.equal(h.readiness().refusedRequests, 2);
      const refused = h.outputs().filter((s) => s.name === 'ml.aggregator.refused').map((s) => [s.attributes['ml.signal'], s.attributes['ml.refusal.reason'], s.value]);
      assert.deepEqual(refused, [['metrics', 'disk_space', 1], ['logs', 'disk_space', 1]]);
      free = 1000;
      clock += 1000;
      assert.equal(h.refusal('metrics'), undefined);
      assert.equal(said.length, 2);
      assert.match(said[1] ?? '', /free space is back above storage.minFreeSpace/);
    });
  });
});
