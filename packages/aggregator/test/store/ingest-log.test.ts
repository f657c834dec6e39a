import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { StoreError, openStore, type Store } from '../../src/store/database.js';
import { IngestLog } from '../../src/store/ingest-log.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mw-ingest-log-'));
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
const turn = () => new Promise((r) => setImmediate(r));

/** Rows visible to another connection: what has really been committed. */
function committedSeqs(store: Store): number[] {
  const other = new Database(store.path, { readonly: true });
  try {
    return (other.prepare('SELECT seq FROM ingest_log ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
  } finally {
    other.close();
  }
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
        assert.ok(cp === undefined || JSON.parse(cp.snapshotJson).upto === cp.seq);
        assert.ok(inCheckpoint > 0, 'no checkpoint was exercised');
        store.close();
      });
    }
  });
});
