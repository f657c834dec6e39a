import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { StoreBusyError, StoreError, isBusyError, openStore, type Store } from '../../src/store/database.js';
import { WorkerCheckpointWriter } from '../../src/store/checkpoint-writer.js';
import { INGEST_LOG_DIR, IngestLog } from '../../src/store/ingest-log.js';
import { nodeFileSystem, type SegmentFileSystem } from '../../src/store/segment-log.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mw-ingest-log-'));
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const turn = () => new Promise((r) => setImmediate(r));
const segmentPaths = (dir: string) =>
  readdirSync(join(dir, INGEST_LOG_DIR))
    .filter((n) => n.endsWith('.seg'))
    .sort()
    .map((n) => join(dir, INGEST_LOG_DIR, n));

/**
 * The records of one segment file, parsed here from the documented layout
 * (8-byte file header; per record a 32-byte header: crc, length, seq low,
 * seq high, ...) rather than with the code under test.
 */
function recordsOf(path: string): Array<{ seq: number; offset: number; length: number }> {
  const b = readFileSync(path);
  const out: Array<{ seq: number; offset: number; length: number }> = [];
  for (let at = 8; at + 32 <= b.length; ) {
    const length = b.readUInt32LE(at + 4);
    if (at + 32 + length > b.length) break;
    out.push({ seq: b.readUInt32LE(at + 8) + b.readUInt32LE(at + 12) * 2 ** 32, offset: at, length });
    at += 32 + length;
  }
  return out;
}

/**
 * What a restart would replay, read without the log under test: the rows of
 * the old table and the records of the segment files after the committed
 * checkpoint (as another connection sees it).
 */
function committedSeqs(store: Store): number[] {
  const other = new Database(store.path, { readonly: true });
  try {
    const cp = (other.prepare('SELECT seq FROM checkpoint WHERE id = 1').get() as { seq: number } | undefined)?.seq ?? 0;
    const table = (other.prepare('SELECT seq FROM ingest_log WHERE seq > ? ORDER BY seq').all(cp) as { seq: number }[]).map((r) => r.seq);
    const files = segmentPaths(dirname(store.path)).flatMap((p) => recordsOf(p).map((r) => r.seq));
    return [...table, ...files.filter((s) => s > cp)];
  } finally {
    other.close();
  }
}

/** The checkpoint's seq as another connection sees it. */
function committedCheckpoint(store: Store): number | undefined {
  const other = new Database(store.path, { readonly: true });
  try {
    return (other.prepare('SELECT seq FROM checkpoint WHERE id = 1').get() as { seq: number } | undefined)?.seq;
  } finally {
    other.close();
  }
}

/** node:fs with counted syncs, and writes or syncs that fail when told to. */
/**
 * With `holdSyncs`, each asynchronous fdatasync waits in `held` until the
 * test runs it (`await f.held.shift()!()`, which resolves once its callback
 * has run), so a test can act while one is running.
 */
function countingFs(): SegmentFileSystem & { calls: Record<string, number>; failWrites: boolean; failSyncs: boolean; failUnlinks: boolean; holdSyncs: boolean; held: (() => Promise<void>)[] } {
  const calls: Record<string, number> = { writevSync: 0, fdatasyncSync: 0, fdatasync: 0, fsyncSync: 0 };
  const f = {
    ...nodeFileSystem,
    calls,
    failWrites: false,
    failSyncs: false,
    failUnlinks: false,
    holdSyncs: false,
    held: [] as (() => Promise<void>)[],
    writevSync(fd: number, buffers: readonly Uint8Array[], position: number): number {
      calls.writevSync!++;
      if (!f.failWrites) return nodeFileSystem.writevSync(fd, buffers, position);
      // Half of the batch reaches the file, then the disk is full.
      nodeFileSystem.writevSync(fd, buffers.slice(0, Math.ceil(buffers.length / 2)), position);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
    fdatasyncSync(fd: number): void {
      calls.fdatasyncSync!++;
      if (f.failSyncs) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      nodeFileSystem.fdatasyncSync(fd);
    },
    fdatasync(fd: number, cb: (err: Error | null) => void): void {
      calls.fdatasync!++;
      // Resolves once `cb` has run.
      const run = (): Promise<void> =>
        new Promise((done) => {
          const end = (err: Error | null): void => {
            cb(err);
            done();
          };
          if (f.failSyncs) setImmediate(() => end(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })));
          else nodeFileSystem.fdatasync(fd, end);
        });
      if (f.holdSyncs) f.held.push(run);
      else void run();
    },
    fsyncSync(fd: number): void {
      calls.fsyncSync!++;
      nodeFileSystem.fsyncSync(fd);
    },
    unlinkSync(path: string): void {
      if (f.failUnlinks) throw Object.assign(new Error(`EACCES: permission denied, unlink '${path}'`), { code: 'EACCES' });
      nodeFileSystem.unlinkSync(path);
    },
    unlink(path: string, cb: (err: Error | null) => void): void {
      if (f.failUnlinks) queueMicrotask(() => cb(Object.assign(new Error(`EACCES: permission denied, unlink '${path}'`), { code: 'EACCES' })));
      else nodeFileSystem.unlink(path, cb);
    },
  };
  return f;
}

/** Waits until `dir` holds `n` segment files, for at most 5 s: background unlinks finish on the thread pool. */
async function segmentsLeft(dir: string, n: number): Promise<void> {
  for (let i = 0; i < 1000 && segmentPaths(dir).length !== n; i++) await new Promise((r) => setTimeout(r, 5));
}

/** A data directory as schema 2 left it: request bodies as rows of the ingest_log table. */
function schema2Dir(rows: Array<{ seq: number; fill: number }>, checkpointSeq?: number): string {
  const dir = tmp();
  const s = openStore(dir, { maxSchemaVersion: 2 });
  const insert = s.db.prepare("INSERT INTO ingest_log (seq, kind, encoding, received_at, payload) VALUES (?, 'metrics', 'protobuf', ?, ?)");
  for (const r of rows) insert.run(r.seq, 1000 + r.seq, bytes(10 + r.seq, r.fill));
  if (checkpointSeq !== undefined) s.db.prepare("INSERT INTO checkpoint (id, seq, snapshot, updated_at) VALUES (1, ?, '{}', 0)").run(checkpointSeq);
  s.close();
  return dir;
}

describe('IngestLog', () => {
  describe('append', () => {
    it('resolves with increasing sequence numbers only once the rows are committed', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      const a = log.append('metrics', bytes(10, 1), 1000);
      const b = log.append('logs', bytes(20, 2), 1001, 'json');
      assert.equal(log.lastSeq, 2);
      assert.equal(log.pendingCount, 2);
      assert.deepEqual(committedSeqs(store), []);
      const seqs = await Promise.all([a.then((s) => [s, committedSeqs(store)] as const), b]);
      assert.deepEqual(seqs, [[1, [1, 2]], 2]);
      assert.equal(log.pendingCount, 0);
      store.close();
    });

    it('commits every append of one event-loop turn in one transaction', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      await Promise.all(Array.from({ length: 100 }, (_, i) => log.append('metrics', bytes(100, i), i)));
      assert.equal(log.stats().commits, 1);
      assert.equal(log.stats().appends, 100);
      assert.equal(log.stats().rows, 100);
      await Promise.all(Array.from({ length: 3 }, (_, i) => log.append('metrics', bytes(1, i), i)));
      assert.equal(log.stats().commits, 2);
      store.close();
    });

    it('commits at once when a batch reaches maxBatchSize or maxBatchBytes', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store, { maxBatchSize: 10, maxBatchBytes: 1000 });
      const all = Array.from({ length: 25 }, (_, i) => log.append('metrics', bytes(1, i), i));
      // Two full batches were committed synchronously; the last 5 wait for the end of the turn.
      assert.equal(log.stats().commits, 2);
      assert.equal(committedSeqs(store).length, 20);
      await Promise.all(all);
      assert.equal(log.stats().commits, 3);
      void log.append('logs', bytes(600, 1), 1);
      void log.append('logs', bytes(600, 2), 2);
      assert.equal(log.stats().commits, 4);
      store.close();
    });

    it('waits up to maxBatchDelayMs for more appends to share the commit', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store, { maxBatchDelayMs: 30 });
      const first = log.append('metrics', bytes(1, 1), 1);
      await turn();
      const second = log.append('metrics', bytes(1, 2), 2);
      await turn();
      assert.deepEqual(committedSeqs(store), []);
      await Promise.all([first, second]);
      assert.equal(log.stats().commits, 1);
      assert.deepEqual(committedSeqs(store), [1, 2]);
      store.close();
    });

    it('rejects with a StoreError when the transaction cannot commit', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      const p = log.append('metrics', bytes(1, 1), 1);
      store.close();
      await assert.rejects(p, (e: unknown) => e instanceof StoreError && /cannot commit 1 request/.test(e.message));
      assert.equal(log.stats().failedAppends, 1);
    });

    it('refuses bad options and a non-finite receive time, naming them', async () => {
      const store = openStore(tmp());
      assert.throws(() => new IngestLog(store, { maxBatchSize: 0 }), /maxBatchSize must be an integer >= 1, got 0/);
      assert.throws(() => new IngestLog(store, { maxBatchDelayMs: -1 }), /maxBatchDelayMs must be a number >= 0, got -1/);
      await assert.rejects(new IngestLog(store).append('metrics', bytes(1, 1), Number.NaN), /receivedAt must be a finite number, got NaN/);
      store.close();
    });

    for (const sync of ['OFF', 'NORMAL', 'FULL'] as const) {
      it(`writes each batch with one writev and fdatasyncs it ${sync === 'FULL' ? 'off the event loop before resolving' : 'never'} (synchronous ${sync})`, async () => {
        const store = openStore(tmp(), { synchronous: sync });
        const f = countingFs();
        const log = new IngestLog(store, { fileSystem: f });
        for (let batch = 0; batch < 3; batch++) {
          const all = Array.from({ length: 5 }, (_, i) => log.append('metrics', bytes(50, i), i));
          const synced = all.map(() => f.calls.fdatasync);
          // Each append resolves after its batch's fdatasync (FULL), never earlier.
          await Promise.all(all.map((p, i) => p.then(() => (synced[i] = f.calls.fdatasync))));
          assert.deepEqual(
            synced,
            all.map(() => (sync === 'FULL' ? batch + 1 : 0)),
          );
        }
        assert.equal(f.calls.writevSync, 3);
        assert.equal(log.stats().commits, 3);
        // On the thread pool (fdatasync), never on the event loop (fdatasyncSync).
        assert.equal(f.calls.fdatasync, sync === 'FULL' ? 3 : 0);
        assert.equal(f.calls.fdatasyncSync, 0);
        // Names made durable: the new ingest-log directory's (in the data directory), and the new segment file's.
        assert.equal(f.calls.fsyncSync, sync === 'FULL' ? 2 : 0);
        assert.deepEqual(committedSeqs(store), Array.from({ length: 15 }, (_, i) => i + 1));
        store.close();
      });
    }

    it('rejects the batch with a StoreError naming the file when the write fails, and the next batch follows the good data', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const f = countingFs();
      const log = new IngestLog(store, { fileSystem: f });
      await Promise.all([1, 2].map((i) => log.append('metrics', bytes(100, i), i)));
      f.failWrites = true;
      const failed = [3, 4, 5].map((i) => log.append('metrics', bytes(100, i), i));
      for (const p of failed) {
        await assert.rejects(p, (e: unknown) => e instanceof StoreError && /cannot commit 3 request\(s\)/.test(e.message) && e.message.includes(segmentPaths(dir)[0]!) && /ENOSPC/.test(e.message));
      }
      assert.equal(log.stats().failedAppends, 3);
      f.failWrites = false;
      assert.equal(await log.append('logs', bytes(100, 6), 6), 6);
      store.close();
      const again = new IngestLog(openStore(dir));
      assert.deepEqual(
        [...again.replay(0)].map((r) => [r.seq, r.payload[0]]),
        [
          [1, 1],
          [2, 2],
          [6, 6],
        ],
      );
    });

    it('fails every later append once an fdatasync failed (synchronous FULL): the kernel may have dropped the written data', async () => {
      const store = openStore(tmp(), { synchronous: 'FULL' });
      const f = countingFs();
      const log = new IngestLog(store, { fileSystem: f });
      f.failSyncs = true;
      await assert.rejects(log.append('metrics', bytes(1, 1), 1), /cannot commit 1 request\(s\) to the ingest log: cannot sync .*0000000000000001\.seg: EIO/);
      f.failSyncs = false;
      await assert.rejects(log.append('metrics', bytes(1, 2), 2), /EIO/);
      assert.equal(log.stats().failedAppends, 2);
      store.close();
    });

    describe('synchronous FULL: the fdatasync on the thread pool', () => {
      /** A FULL log whose asynchronous syncs wait for the test; `settle` lets the event loop run. */
      function heldLog(dir = tmp()) {
        const store = openStore(dir, { synchronous: 'FULL' });
        const f = countingFs();
        f.holdSyncs = true;
        const log = new IngestLog(store, { fileSystem: f });
        const settle = async (): Promise<void> => {
          for (let i = 0; i < 5; i++) await turn();
        };
        /** Runs the oldest held sync and lets its callback and the appends' continuations run. */
        const releaseSync = async (): Promise<void> => {
          assert.ok(f.held.length > 0, 'no sync is waiting');
          await f.held.shift()!();
          await settle();
        };
        return { dir, store, f, log, settle, releaseSync };
      }
      const state = (ps: Promise<unknown>[]) => {
        const out = ps.map(() => 'pending');
        ps.forEach((p, i) => p.then(() => (out[i] = 'resolved'), () => (out[i] = 'rejected')));
        return out;
      };

      it('writes the appends made while a sync runs together after it, and resolves each only after its own sync', async () => {
        const { store, f, log, settle, releaseSync } = heldLog();
        const first = [log.append('metrics', bytes(10, 1), 1)];
        await settle();
        assert.equal(f.calls.writevSync, 1);
        assert.equal(f.held.length, 1);
        // The event loop goes on while the sync runs: more requests arrive and are queued, not written.
        const second = [2, 3, 4].map((i) => log.append('metrics', bytes(10, i), i));
        const s1 = state(first);
        const s2 = state(second);
        await settle();
        assert.equal(f.calls.writevSync, 1);
        assert.deepEqual(s1, ['pending']);
        assert.equal(log.pendingCount, 3);
        await releaseSync();
        assert.deepEqual(s1, ['resolved']);
        // One write for the three, then their own sync.
        assert.equal(f.calls.writevSync, 2);
        assert.deepEqual(s2, ['pending', 'pending', 'pending']);
        await releaseSync();
        assert.deepEqual(s2, ['resolved', 'resolved', 'resolved']);
        assert.equal(f.calls.fdatasync, 2);
        assert.equal(f.calls.fdatasyncSync, 0);
        assert.equal(log.stats().commits, 2);
        assert.deepEqual(committedSeqs(store), [1, 2, 3, 4]);
        store.close();
      });

      it('rejects the batch of a failed sync, the appends queued behind it and every later one', async () => {
        const { store, f, log, settle, releaseSync } = heldLog();
        const first = assert.rejects(log.append('metrics', bytes(10, 1), 1), /cannot sync .*0000000000000001\.seg: EIO/);
        await settle();
        const queued = assert.rejects(log.append('metrics', bytes(10, 2), 2), /EIO/);
        f.failSyncs = true;
        await releaseSync();
        await first;
        await queued;
        f.failSyncs = false;
        f.holdSyncs = false;
        await assert.rejects(log.append('metrics', bytes(10, 3), 3), /EIO/);
        assert.equal(log.stats().failedAppends, 3);
        store.close();
      });

      it('checkpoint() during a sync commits at once and writes the later appends to the next segment after the sync', async () => {
        const { dir, store, f, log, settle, releaseSync } = heldLog();
        const synced = [1, 2].map((i) => log.append('metrics', bytes(10, i), i));
        await settle();
        const covered = log.append('metrics', bytes(10, 3), 3);
        const after = log.append('metrics', bytes(10, 4), 4);
        const s = state([...synced, covered, after]);
        // Syncs run one at a time: nothing is written now.
        log.checkpoint('{"upto":3}', 3, 100);
        assert.equal(f.calls.writevSync, 1);
        assert.equal(committedCheckpoint(store), 3);
        await settle();
        // Covered by the committed checkpoint: acknowledged without a write; 4 waits for its own.
        assert.deepEqual(s, ['pending', 'pending', 'resolved', 'pending']);
        await releaseSync();
        assert.deepEqual(s, ['resolved', 'resolved', 'resolved', 'pending']);
        assert.equal(f.calls.writevSync, 2);
        await releaseSync();
        assert.deepEqual(s, ['resolved', 'resolved', 'resolved', 'resolved']);
        assert.deepEqual(segmentPaths(dir).map((p) => [p.slice(-20), recordsOf(p).map((r) => r.seq)]), [['0000000000000004.seg', [4]]]);
        assert.equal(f.calls.fdatasyncSync, 0);
        await log.close();
        store.close();
        const again = new IngestLog(openStore(dir));
        assert.deepEqual([...again.replay(3)].map((r) => r.seq), [4]);
      });

      it('writeCheckpoint() and close() wait for a running sync, then write and sync by themselves', async () => {
        const { dir, store, f, log, settle, releaseSync } = heldLog();
        const first = log.append('metrics', bytes(10, 1), 1);
        await settle();
        const second = log.append('metrics', bytes(10, 2), 2);
        let committed = false;
        const cp = log.writeCheckpoint(2, 100, () => '{"upto":2}').then(() => (committed = true));
        await settle();
        assert.equal(f.calls.writevSync, 1);
        assert.equal(committed, false);
        await releaseSync();
        assert.equal(await first, 1);
        assert.equal(await second, 2);
        await cp;
        assert.equal(committedCheckpoint(store), 2);
        // The checkpoint's own write of 2 was synced on the spot: no sync was waiting.
        assert.equal(f.calls.writevSync, 2);
        assert.equal(f.calls.fdatasyncSync, 1);
        const third = log.append('metrics', bytes(10, 3), 3);
        await settle();
        const fourth = log.append('metrics', bytes(10, 4), 4);
        let closed = false;
        const closing = log.close().then(() => (closed = true));
        await settle();
        assert.equal(closed, false);
        await releaseSync();
        await closing;
        assert.equal(await third, 3);
        assert.equal(await fourth, 4);
        assert.equal(f.calls.fdatasyncSync, 2);
        store.close();
        assert.deepEqual([...new IngestLog(openStore(dir)).replay(2)].map((r) => r.seq), [3, 4]);
      });
    });

    it('starts a new segment file once one has reached maxSegmentBytes, named by its first sequence number', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const f = countingFs();
      const log = new IngestLog(store, { maxSegmentBytes: 1000, fileSystem: f });
      for (let i = 1; i <= 7; i++) await log.append('metrics', bytes(300, i), i);
      const names = segmentPaths(dir).map((p) => p.slice(-20));
      assert.deepEqual(names, ['0000000000000001.seg', '0000000000000004.seg', '0000000000000007.seg']);
      // Under NORMAL a closed segment is synced off the event loop, so no later segment reaches the disk before it.
      assert.equal(f.calls.fdatasync, 2);
      assert.equal(f.calls.fdatasyncSync, 0);
      store.close();
      assert.deepEqual([...new IngestLog(openStore(dir)).replay(0)].map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7]);
    });
  });

  describe('constructor', () => {
    /** A closed log of `n` records of 100 bytes in one segment; returns the directory and that segment's path. */
    async function written(n: number): Promise<{ dir: string; seg: string }> {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      for (let i = 1; i <= n; i++) await log.append('metrics', bytes(100, i), 1000 + i);
      await log.close();
      store.close();
      return { dir, seg: segmentPaths(dir)[0]! };
    }

    it('cuts a torn record at the end of the last segment: the records before it replay, and appends continue after them', async () => {
      const { dir, seg } = await written(5);
      const last = recordsOf(seg)[4]!;
      truncateSync(seg, last.offset + 32 + 40); // the crash came in the middle of the last body
      const store = openStore(dir);
      const log = new IngestLog(store);
      assert.deepEqual([...log.replay(0)].map((r) => r.seq), [1, 2, 3, 4]);
      assert.equal(log.lastSeq, 4);
      assert.equal(fs.statSync(seg).size, last.offset, 'the torn bytes were cut off');
      assert.equal(await log.append('logs', bytes(7, 9), 2000), 5);
      store.close();
      const again = new IngestLog(openStore(dir));
      assert.deepEqual(
        [...again.replay(0)].map((r) => [r.seq, r.kind, r.payload.length]),
        [
          [1, 'metrics', 100],
          [2, 'metrics', 100],
          [3, 'metrics', 100],
          [4, 'metrics', 100],
          [5, 'logs', 7],
        ],
      );
    });

    it('cuts a torn record header at the end of the last segment', async () => {
      const { dir, seg } = await written(3);
      truncateSync(seg, recordsOf(seg)[2]!.offset + 10);
      const log = new IngestLog(openStore(dir));
      assert.deepEqual([...log.replay(0)].map((r) => r.seq), [1, 2]);
      assert.equal(await log.append('metrics', bytes(1, 1), 1), 3);
    });

    it('cuts a last record whose checksum does not match (a write that did not all reach the disk)', async () => {
      const { dir, seg } = await written(5);
      const b = readFileSync(seg);
      const last = recordsOf(seg)[4]!;
      b[last.offset + 32 + 50]! ^= 0xff;
      writeFileSync(seg, b);
      const log = new IngestLog(openStore(dir));
      assert.deepEqual([...log.replay(0)].map((r) => r.seq), [1, 2, 3, 4]);
      assert.equal(fs.statSync(seg).size, last.offset);
      assert.equal(log.stats().rows, 4);
    });

    it('refuses damage that good records follow in the last segment, naming the file and offset, and leaves the file as it was', async () => {
      const { dir, seg } = await written(5);
      const b = readFileSync(seg);
      const second = recordsOf(seg)[1]!;
      b[second.offset + 32 + 3]! ^= 0x01;
      writeFileSync(seg, b);
      const store = openStore(dir);
      assert.throws(
        () => new IngestLog(store),
        (e: unknown) => e instanceof StoreError && e.message.includes(`${seg} is damaged at offset ${second.offset}`) && /checksum mismatch, and good records follow/.test(e.message),
      );
      assert.deepEqual(readFileSync(seg), b);
      store.close();
    });

    it('deletes a last segment that holds no complete record (created just before the crash)', async () => {
      const { dir } = await written(2);
      const empty = join(dir, INGEST_LOG_DIR, '0000000000000003.seg');
      writeFileSync(empty, Buffer.from('MWI'));
      const log = new IngestLog(openStore(dir));
      assert.equal(log.lastSeq, 2);
      assert.equal(fs.existsSync(empty), false);
      assert.equal(await log.append('metrics', bytes(1, 1), 1), 3);
    });

    it('refuses a segment that is not the last and is torn or damaged, naming the file and offset', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store, { maxSegmentBytes: 500 });
      for (let i = 1; i <= 6; i++) await log.append('metrics', bytes(300, i), i);
      store.close();
      const [first, second] = segmentPaths(dir) as [string, string];
      const r2 = recordsOf(first)[1]!;
      // Damaged payload: found by replay, which stops there.
      const original = readFileSync(first);
      const b = Buffer.from(original);
      b[r2.offset + 32 + 7]! ^= 0x10;
      writeFileSync(first, b);
      const damaged = new IngestLog(openStore(dir));
      assert.throws(
        () => [...damaged.replay(0)],
        (e: unknown) => e instanceof StoreError && e.message.includes(`${first} is damaged at offset ${r2.offset} (checksum mismatch)`) && /truncate -s/.test(e.message),
      );
      // Torn: found when the log is opened, before anything is replayed.
      writeFileSync(first, original.subarray(0, r2.offset + 40));
      assert.throws(
        () => new IngestLog(openStore(dir)),
        (e: unknown) => e instanceof StoreError && e.message.includes(`${first} is damaged at offset ${r2.offset}`) && /the record claims 300 payload bytes/.test(e.message),
      );
      assert.ok(fs.existsSync(second));
    });

    it('refuses a segment written in a newer format without modifying it', async () => {
      const { dir, seg } = await written(1);
      const b = readFileSync(seg);
      b.writeUInt32LE(2, 4);
      writeFileSync(seg, b);
      assert.throws(() => new IngestLog(openStore(dir)), (e: unknown) => e instanceof StoreError && /segment format version 2, written by a newer modelwatch/.test(e.message));
      assert.deepEqual(readFileSync(seg), b);
    });

    it('refuses a store of schema 2 (its directory is upgraded by openStore first)', () => {
      const s = openStore(tmp(), { maxSchemaVersion: 2 });
      assert.throws(() => new IngestLog(s), (e: unknown) => e instanceof StoreError && /schema version 2; the ingest log needs version 3/.test(e.message));
      s.close();
    });

    it('continues sequence numbers after the checkpoint, the table rows and the segment records, whichever is last', async () => {
      assert.equal(new IngestLog(openStore(schema2Dir([{ seq: 4, fill: 1 }], 2))).lastSeq, 4);
      assert.equal(new IngestLog(openStore(schema2Dir([], 9))).lastSeq, 9);
      const { dir } = await written(3);
      assert.equal(new IngestLog(openStore(dir)).lastSeq, 3);
    });
  });

  describe('replay', () => {
    it('returns the rows after a sequence number in order, with their bytes, kind, encoding and receive time, across reopen', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      const n = 150; // more than one read chunk
      await Promise.all(Array.from({ length: n }, (_, i) => log.append(i % 3 === 0 ? 'logs' : 'metrics', bytes(i + 1, i), 5000 + i, i % 2 === 0 ? 'protobuf' : 'json')));
      store.close();

      const again = openStore(dir);
      const log2 = new IngestLog(again);
      const rows = [...log2.replay(40)];
      assert.equal(rows.length, n - 40);
      rows.forEach((r, k) => {
        const i = k + 40;
        assert.equal(r.seq, i + 1);
        assert.equal(r.kind, i % 3 === 0 ? 'logs' : 'metrics');
        assert.equal(r.encoding, i % 2 === 0 ? 'protobuf' : 'json');
        assert.equal(r.receivedAt, 5000 + i);
        assert.deepEqual(new Uint8Array(r.payload), bytes(i + 1, i));
      });
      // Sequence numbers continue after the last one written, never reused.
      assert.equal(await log2.append('metrics', bytes(1, 0), 1), n + 1);
      again.close();
    });

    it('reads records larger than its read chunk, between small ones', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      const sizes = [10, 3 * 1024 * 1024 + 5, 20, 1024 * 1024, 30];
      await Promise.all(sizes.map((n, i) => log.append('metrics', bytes(n, i + 1), i)));
      store.close();
      const rows = [...new IngestLog(openStore(dir)).replay(0)];
      assert.deepEqual(
        rows.map((r) => r.payload.length),
        sizes,
      );
      rows.forEach((r, i) => assert.ok(r.payload.every((x) => x === i + 1)));
    });

    it('returns the rows a schema-2 directory left in the table before the segment records, and a checkpoint deletes them', async () => {
      const dir = schema2Dir([
        { seq: 3, fill: 3 },
        { seq: 4, fill: 4 },
        { seq: 5, fill: 5 },
      ], 2);
      const store = openStore(dir);
      const log = new IngestLog(store);
      assert.equal(log.lastSeq, 5);
      assert.equal(log.stats().rows, 3);
      await Promise.all([6, 7].map((i) => log.append('logs', bytes(10 + i, i), 1000 + i, 'json')));
      assert.equal(log.stats().rows, 5);
      const rows = [...log.replay(2)];
      assert.deepEqual(
        rows.map((r) => [r.seq, r.kind, r.encoding, r.receivedAt, r.payload.length, r.payload[0]]),
        [
          [3, 'metrics', 'protobuf', 1003, 13, 3],
          [4, 'metrics', 'protobuf', 1004, 14, 4],
          [5, 'metrics', 'protobuf', 1005, 15, 5],
          [6, 'logs', 'json', 1006, 16, 6],
          [7, 'logs', 'json', 1007, 17, 7],
        ],
      );
      assert.deepEqual([...log.replay(4)].map((r) => r.seq), [5, 6, 7]);
      log.checkpoint('{}', 4, 1);
      assert.deepEqual(committedSeqs(store), [5, 6, 7]);
      log.checkpoint('{}', 7, 2);
      // The table stays (an empty table costs nothing), its rows are gone.
      assert.equal((store.db.prepare('SELECT count(*) AS n FROM ingest_log').get() as { n: number }).n, 0);
      assert.deepEqual(segmentPaths(dir), []);
      assert.equal(log.stats().rows, 0);
      store.close();
      const again = new IngestLog(openStore(dir));
      assert.deepEqual([...again.replay(7)], []);
      assert.equal(await again.append('metrics', bytes(1, 1), 1), 8);
    });
  });

  describe('checkpoint', () => {
    it('stores the snapshot with its sequence number and deletes the rows it covers in the same transaction', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      await Promise.all(Array.from({ length: 10 }, (_, i) => log.append('metrics', bytes(4, i), i)));
      log.checkpoint('{"upto":6}', 6, 99);
      assert.deepEqual(committedSeqs(store), [7, 8, 9, 10]);
      assert.deepEqual(log.lastCheckpoint(), { seq: 6, snapshotJson: '{"upto":6}', updatedAt: 99 });
      assert.deepEqual([...log.replay(6)].map((r) => r.seq), [7, 8, 9, 10]);
      assert.equal(log.stats().rows, 4);
      store.close();

      const again = new IngestLog(openStore(dir));
      assert.deepEqual(again.lastCheckpoint(), { seq: 6, snapshotJson: '{"upto":6}', updatedAt: 99 });
      assert.equal(again.stats().rows, 4);
    });

    it('commits pending appends with it, without writing the rows it covers', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      const before = log.append('metrics', bytes(1, 1), 1);
      const covered = log.append('metrics', bytes(1, 2), 2);
      const upto = log.lastSeq;
      const after = log.append('logs', bytes(1, 3), 3);
      log.checkpoint('{}', upto, 10);
      assert.equal(log.pendingCount, 0);
      assert.deepEqual(await Promise.all([before, covered, after]), [1, 2, 3]);
      assert.deepEqual(committedSeqs(store), [3]);
      assert.equal(log.stats().commits, 1);
      store.close();
    });

    it('keeps sequence numbers increasing after a checkpoint emptied the log', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      await log.append('metrics', bytes(1, 1), 1);
      await log.append('metrics', bytes(1, 1), 1);
      log.checkpoint('{}', 2, 3);
      store.close();
      const again = openStore(dir);
      assert.equal(await new IngestLog(again).append('logs', bytes(1, 1), 1), 3);
      again.close();
    });

    it('deletes the segment files it wholly covers and starts a new segment, keeping one that holds later records', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      await Promise.all([1, 2, 3, 4].map((i) => log.append('metrics', bytes(10, i), i)));
      log.checkpoint('{"upto":2}', 2, 1);
      // 3 and 4 are not covered: the file stays, and the log moves on to a new one.
      await log.append('metrics', bytes(10, 5), 5);
      assert.deepEqual(segmentPaths(dir).map((p) => p.slice(-20)), ['0000000000000001.seg', '0000000000000005.seg']);
      assert.deepEqual(committedSeqs(store), [3, 4, 5]);
      log.checkpoint('{"upto":4}', 4, 2);
      assert.deepEqual(segmentPaths(dir).map((p) => p.slice(-20)), ['0000000000000005.seg']);
      assert.equal(log.stats().rows, 1);
      log.checkpoint('{"upto":5}', 5, 3);
      assert.deepEqual(segmentPaths(dir), []);
      assert.equal(await log.append('logs', bytes(10, 6), 6), 6);
      assert.deepEqual(segmentPaths(dir).map((p) => p.slice(-20)), ['0000000000000006.seg']);
      store.close();
    });

    it('commits the checkpoint with synchronous FULL under NORMAL, as the files it covers are deleted right after', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      await log.append('metrics', bytes(1, 1), 1);
      // Each change of level, with whether the checkpoint row had committed at that moment.
      const seen: Array<[string, boolean]> = [];
      const pragma = store.db.pragma.bind(store.db);
      store.db.pragma = ((source: string, options?: Database.PragmaOptions) => {
        if (source.startsWith('synchronous =')) seen.push([source, committedCheckpoint(store) === 1]);
        return pragma(source, options);
      }) as typeof store.db.pragma;
      log.checkpoint('{}', 1, 1);
      assert.deepEqual(seen, [
        ['synchronous = FULL', false],
        ['synchronous = NORMAL', true],
      ]);
      assert.equal(pragma('synchronous', { simple: true }), 1);
      store.close();
    });

    it('is harmless when the process dies between its commit and the deletion of the files it covers', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const f = countingFs();
      const log = new IngestLog(store, { fileSystem: f });
      await Promise.all([1, 2, 3].map((i) => log.append('metrics', bytes(10, i), i)));
      // As if killed right after the commit: the deletion does not happen.
      f.failUnlinks = true;
      log.checkpoint('{"upto":3}', 3, 1);
      assert.equal(segmentPaths(dir).length, 1);
      assert.deepEqual([...log.replay(3)], []);
      assert.equal(log.stats().rows, 0);
      f.failUnlinks = false;
      await log.append('metrics', bytes(10, 4), 4);
      store.close();
      // On open, replay skips what the checkpoint covers, and the file it covers wholly is deleted.
      const again = new IngestLog(openStore(dir));
      assert.deepEqual([...again.replay(3)].map((r) => r.seq), [4]);
      assert.deepEqual(segmentPaths(dir).map((p) => p.slice(-20)), ['0000000000000004.seg']);
    });

    it('refuses a sequence number beyond the last append or before the last checkpoint', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      await log.append('metrics', bytes(1, 1), 1);
      assert.throws(() => log.checkpoint('{}', 2, 0), /uptoSeq must be an integer in \[0, 1\], got 2/);
      log.checkpoint('{}', 1, 0);
      await log.append('metrics', bytes(1, 1), 1);
      assert.throws(() => log.checkpoint('{}', 0, 0), /in \[1, 2\], got 0/);
      store.close();
    });
  });

  describe('writeCheckpoint', () => {
    it('commits on the worker thread while appends go on, keeping what came after the snapshot for replay', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const log = new IngestLog(store);
      await Promise.all(Array.from({ length: 5 }, (_, i) => log.append('metrics', bytes(4, i), i)));
      const pending = log.append('metrics', bytes(4, 5), 5);
      const upto = log.lastSeq;
      let during: Promise<number> | undefined;
      const done = log.writeCheckpoint(upto, 77, async () => {
        // Requests arrive between the snapshot and its commit.
        during = Promise.all([log.append('logs', bytes(3, 7), 7), log.append('logs', bytes(3, 8), 8)]).then(() => 0);
        await turn();
        return new Uint8Array([1, 2, 3]);
      });
      assert.equal(await pending, 6);
      await done;
      await during;
      const cp = log.lastCheckpoint();
      assert.equal(cp?.seq, 6);
      assert.deepEqual([...(cp?.snapshotJson as Uint8Array)], [1, 2, 3]);
      assert.deepEqual([...log.replay(6)].map((r) => r.seq), [7, 8]);
      // The segment that held 1..6 goes (unlinked in the background); the one the later appends went to stays.
      await segmentsLeft(dir, 1);
      assert.deepEqual(segmentPaths(dir).flatMap((p) => recordsOf(p).map((r) => r.seq)), [7, 8]);
      assert.equal(log.stats().checkpoints, 1);
      await log.close();
      store.close();
      const again = new IngestLog(openStore(dir));
      assert.deepEqual([...again.replay(again.lastCheckpoint()?.seq ?? 0)].map((r) => r.seq), [7, 8]);
      await again.close();
    });

    it('deletes covered files in the background, and one it failed to delete at the next checkpoint', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const f = countingFs();
      const log = new IngestLog(store, { fileSystem: f });
      await Promise.all([1, 2].map((i) => log.append('metrics', bytes(10, i), i)));
      let unlinkSyncs = 0;
      f.unlinkSync = () => void unlinkSyncs++;
      f.failUnlinks = true;
      await log.writeCheckpoint(2, 1, () => '{}');
      // Not deleted (EACCES), and never with the event loop waiting on unlinkSync.
      await turn();
      assert.deepEqual(segmentPaths(dir).map((p) => p.slice(-20)), ['0000000000000001.seg']);
      f.failUnlinks = false;
      await log.append('metrics', bytes(10, 3), 3);
      await log.writeCheckpoint(3, 2, () => '{}');
      await segmentsLeft(dir, 0);
      assert.deepEqual(segmentPaths(dir), []);
      assert.equal(unlinkSyncs, 0);
      await log.close();
      store.close();
    });

    it('refuses a second checkpoint while one is being written', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      await log.append('metrics', bytes(1, 1), 1);
      let release = (): void => {};
      const gate = new Promise<void>((r) => (release = r));
      const first = log.writeCheckpoint(1, 1, async () => (await gate, '{}'));
      await assert.rejects(log.writeCheckpoint(1, 2, () => '{}'), /another checkpoint is being written/);
      release();
      await first;
      await log.close();
    });

    it('rejects with a StoreError when the commit fails, leaving the previous checkpoint and every segment', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const failing = { commit: () => Promise.reject(new Error('disk full')), close: async () => {} };
      const log = new IngestLog(store, { checkpointWriter: failing });
      await Promise.all([log.append('metrics', bytes(2, 1), 1), log.append('metrics', bytes(2, 2), 2)]);
      await assert.rejects(log.writeCheckpoint(2, 1, () => '{}'), (e: Error) => e instanceof StoreError && /cannot write the checkpoint: disk full/.test(e.message));
      assert.equal(log.lastCheckpoint(), undefined);
      assert.deepEqual([...log.replay(0)].map((r) => r.seq), [1, 2]);
      assert.equal(await log.append('metrics', bytes(2, 3), 3), 3);
      await log.close();
    });

    it('rejects with a StoreBusyError when another process holds the database locked, keeping every record for the next checkpoint (regression: the service stopped)', async () => {
      const dir = tmp();
      const store = openStore(dir);
      // The real worker, waiting 50 ms for the lock instead of 5 s.
      const writer = new WorkerCheckpointWriter({ path: store.path, synchronous: 'NORMAL', busyTimeoutMs: 50 });
      const log = new IngestLog(store, { checkpointWriter: writer });
      await Promise.all([log.append('metrics', bytes(2, 1), 1), log.append('metrics', bytes(2, 2), 2)]);
      // Another process, e.g. an sqlite3 shell in a transaction: in WAL mode, EXCLUSIVE keeps other writers out.
      const other = new Database(store.path);
      other.exec('BEGIN EXCLUSIVE');
      try {
        await assert.rejects(log.writeCheckpoint(2, 1, () => '{"upto":2}'), (e: Error) => e instanceof StoreBusyError && isBusyError(e) && /cannot write the checkpoint: .*database is locked/.test(e.message));
        assert.equal(committedCheckpoint(store), undefined);
        assert.deepEqual(committedSeqs(store), [1, 2]);
        // Appends go on meanwhile, to a new segment.
        assert.equal(await log.append('metrics', bytes(2, 3), 3), 3);
      } finally {
        other.exec('COMMIT');
        other.close();
      }
      await log.writeCheckpoint(3, 2, () => '{"upto":3}');
      assert.equal(committedCheckpoint(store), 3);
      assert.deepEqual(committedSeqs(store), []);
      await log.close();
      store.close();
    });
  });

  describe('close', () => {
    it('commits what is pending and refuses later appends', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      const p = log.append('metrics', bytes(1, 1), 1);
      await log.close();
      assert.deepEqual(committedSeqs(store), [1]);
      assert.equal(await p, 1);
      await assert.rejects(log.append('metrics', bytes(1, 1), 1), /the ingest log is closed/);
      store.close();
    });
  });

  describe('kill -9', () => {
    const child = fileURLToPath(new URL('../fixtures/store/append-child.ts', import.meta.url));
    for (const sync of ['NORMAL', 'FULL'] as const) {
      it(`loses no acknowledged append when the process is killed mid-stream (synchronous ${sync})`, async () => {
        const dir = tmp();
        const acked = new Map<number, number>();
        for (let round = 0; round < (sync === 'NORMAL' ? 3 : 2); round++) {
          const p = spawn(process.execPath, ['--import', 'tsx', child, dir, sync], { stdio: ['ignore', 'pipe', 'inherit'] });
          const exited = new Promise((r) => p.once('exit', r));
          let ready!: () => void;
          const isReady = new Promise<void>((r) => (ready = r));
          createInterface({ input: p.stdout! }).on('line', (line) => {
            if (line === 'ready') ready();
            const m = /^ack (\d+) (\d+)$/.exec(line);
            if (m) acked.set(Number(m[1]), Number(m[2]));
          });
          await isReady;
          await new Promise((r) => setTimeout(r, 150 + 100 * round));
          p.kill('SIGKILL');
          await exited;
        }
        assert.ok(acked.size > 100, `only ${acked.size} appends were acknowledged`);
        const store = openStore(dir);
        const log = new IngestLog(store);
        const cp = log.lastCheckpoint();
        const rows = new Map([...log.replay(0)].map((r) => [r.seq, r]));
        let inCheckpoint = 0;
        for (const [seq, tag] of acked) {
          if (cp !== undefined && seq <= cp.seq && !rows.has(seq)) {
            inCheckpoint++;
            continue;
          }
          const row = rows.get(seq);
          assert.ok(row !== undefined, `acknowledged append ${seq} is missing (checkpoint at ${cp?.seq ?? 'none'})`);
          assert.deepEqual(new Uint8Array(row.payload), bytes(200 + tag, tag));
          assert.equal(row.receivedAt, 1_700_000_000_000 + tag);
        }
        assert.ok(cp === undefined || JSON.parse(cp.snapshotJson as string).upto === cp.seq);
        assert.ok(inCheckpoint > 0, 'no checkpoint was exercised');
        store.close();
      });
    }
  });

  describe('retainAfter', () => {
    it('keeps the segments holding records after it when a checkpoint covers them, and across a restart', async () => {
      const dir = tmp();
      let retained = 0;
      const store = openStore(dir);
      const log = new IngestLog(store, { retainAfter: () => retained });
      for (let i = 0; i < 3; i++) await log.append('metrics', bytes(10, i), 1000);
      await log.writeCheckpoint(3, 2000, () => '{}');
      assert.equal(segmentPaths(dir).length, 1, 'the checkpoint kept the unforwarded segment');
      assert.deepEqual([...log.readAfter(0)].map((r) => r.seq), [1, 2, 3]);
      await log.close();
      store.close();
      // Reopened with the records still retained: nothing deleted at open either.
      const store2 = openStore(dir);
      const log2 = new IngestLog(store2, { retainAfter: () => retained });
      assert.deepEqual([...log2.readAfter(1)].map((r) => r.seq), [2, 3]);
      retained = 3;
      log2.removeCovered();
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(segmentPaths(dir).length, 0, 'deleted once forwarded and checkpointed');
      await log2.close();
      store2.close();
    });
  });

  describe('readAfter', () => {
    it('resumes at a position and stops at the last committed record', async () => {
      const store = openStore(tmp());
      const log = new IngestLog(store);
      const seen: number[] = [];
      log.onCommitted((seq) => seen.push(seq));
      for (let i = 0; i < 4; i++) await log.append('logs', bytes(5 + i, i), 1000, 'json');
      const first = [...log.readAfter(0)];
      assert.deepEqual(first.map((r) => [r.seq, r.payload.byteLength, r.encoding]), [[1, 5, 'json'], [2, 6, 'json'], [3, 7, 'json'], [4, 8, 'json']]);
      assert.deepEqual([...log.readAfter(2, first[1]?.next)].map((r) => r.seq), [3, 4]);
      const pending = log.append('logs', bytes(1, 9), 1000);
      assert.equal(log.committedSeq, 4);
      assert.deepEqual([...log.readAfter(4, first[3]?.next)].map((r) => r.seq), [], 'a pending append is not read');
      await pending;
      assert.deepEqual([...log.readAfter(4, first[3]?.next)].map((r) => r.seq), [5]);
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
      await log.close();
      store.close();
    });
  });
});
