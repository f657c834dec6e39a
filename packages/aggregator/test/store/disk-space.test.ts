import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskSpaceGuard, formatBytes, type FreeSpace } from '../../src/store/disk-space.js';

/** A file system whose free space the test sets, read synchronously or in the background. */
function fakeFs(freeBytes: number): { fs: { sync: (d: string) => FreeSpace; async: (d: string) => Promise<FreeSpace> }; set: (n: number) => void; reads: { sync: number; async: number }; fail: (e?: Error) => void } {
  let free = freeBytes;
  let failure: Error | undefined;
  const reads = { sync: 0, async: 0 };
  const read = (): FreeSpace => {
    if (failure) throw failure;
    return { bavail: free / 1024, bsize: 1024 };
  };
  return {
    fs: {
      sync: () => (reads.sync++, read()),
      async: async () => (reads.async++, read()),
    },
    set: (n) => (free = n),
    reads,
    fail: (e) => (failure = e),
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('DiskSpaceGuard', () => {
  describe('refusal', () => {
    it('refuses while free space is below minFreeBytes, naming both, and admits once space is freed', async () => {
      const disk = fakeFs(10 * 1024 ** 2);
      let clock = 0;
      const guard = new DiskSpaceGuard({ dir: '/data', minFreeBytes: 1024 ** 2, written: () => 0, now: () => clock, statfs: disk.fs });
      assert.equal(guard.refusal(), undefined);
      disk.set(512 * 1024);
      // Seen at the next reading (after refreshMs), not before.
      assert.equal(guard.refusal(), undefined);
      clock += 250;
      guard.refusal();
      await turn();
      assert.equal(guard.refusal(), 'the file system of /data has 512.0 KiB free, less than storage.minFreeSpace (1.0 MiB); new data is refused until space is freed');
      assert.deepEqual(guard.status(), { freeBytes: 512 * 1024, minFreeBytes: 1024 ** 2, refusing: true, lastError: null });
      disk.set(20 * 1024 ** 2);
      clock += 250;
      // The first request after space is freed is taken: a refusal is never decided on an old reading.
      assert.equal(guard.refusal(), undefined);
    });

    it("takes this process's own writes off the last reading at once", () => {
      const disk = fakeFs(3 * 1024 ** 2);
      let written = 1000;
      const guard = new DiskSpaceGuard({ dir: '/data', minFreeBytes: 1024 ** 2, written: () => written, now: () => 0, statfs: disk.fs });
      written += 1024 ** 2;
      assert.equal(guard.refusal(), undefined);
      written += 1024 ** 2 + 1;
      assert.match(guard.refusal() ?? '', /has 1024\.0 KiB free/);
      assert.equal(guard.freeBytes, 1024 ** 2 - 1);
      assert.equal(disk.reads.async, 0);
    });

    it('reads the file system at most once per refreshMs while admitting', async () => {
      const disk = fakeFs(10 * 1024 ** 2);
      let clock = 0;
      const guard = new DiskSpaceGuard({ dir: '/data', minFreeBytes: 1024, written: () => 0, now: () => clock, refreshMs: 100, statfs: disk.fs });
      for (let i = 0; i < 50; i++) guard.refusal();
      clock += 100;
      for (let i = 0; i < 50; i++) guard.refusal();
      await turn();
      assert.deepEqual(disk.reads, { sync: 1, async: 1 });
    });

    it('refuses nothing when the file system cannot be read, and says why', async () => {
      const disk = fakeFs(0);
      disk.fail(Object.assign(new Error('EIO: i/o error, statfs'), { code: 'EIO' }));
      const guard = new DiskSpaceGuard({ dir: '/data', minFreeBytes: 1024, written: () => 0, statfs: disk.fs });
      assert.equal(guard.refusal(), undefined);
      assert.deepEqual(guard.status(), { freeBytes: null, minFreeBytes: 1024, refusing: false, lastError: 'EIO: i/o error, statfs' });
    });

    it('does nothing with minFreeBytes 0', () => {
      const disk = fakeFs(0);
      const guard = new DiskSpaceGuard({ dir: '/data', minFreeBytes: 0, written: () => 0, statfs: disk.fs });
      assert.equal(guard.refusal(), undefined);
      assert.deepEqual(disk.reads, { sync: 0, async: 0 });
    });

    it('reads the real file system of a directory', () => {
      const guard = new DiskSpaceGuard({ dir: mkdtempSync(join(tmpdir(), 'mw-disk-')), minFreeBytes: 1, written: () => 0 });
      assert.ok((guard.freeBytes ?? 0) > 0);
      assert.equal(guard.refusal(), undefined);
    });
  });

  describe('constructor', () => {
    it('names a bad minFreeBytes', () => {
      assert.throws(() => new DiskSpaceGuard({ dir: '/data', minFreeBytes: -1, written: () => 0 }), /minFreeBytes must be a number >= 0, got -1/);
    });
  });

  describe('formatBytes', () => {
    it('uses binary units', () => {
      assert.deepEqual([0, 1023, 1024, 1536 * 1024, 64 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 MiB', '64.0 GiB']);
    });
  });
});
