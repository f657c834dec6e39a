/**
 * The checkpoint writer's worker thread (see checkpoint-writer.ts): its own
 * connection to the store's database, committing checkpoint rows so that
 * the event loop never waits for a multi-MB SQLite write and its sync.
 *
 * workerData: {@link CheckpointWorkerData}; messages in: {@link CheckpointRequest}
 * or `{ type: 'close' }`; messages out: {@link CheckpointReply}.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isBusyError } from './database.js';
import { DELETE_COVERED_ROWS_SQL, PUT_CHECKPOINT_SQL } from './checkpoint-sql.js';
import type { CheckpointReply, CheckpointRequest, CheckpointWorkerData } from './checkpoint-writer.js';

const port = parentPort;
if (port === null) throw new Error('checkpoint-worker.ts must run as a worker thread');
const data = workerData as CheckpointWorkerData;
const db = new Database(data.path, { fileMustExist: true });
db.pragma(`busy_timeout = ${data.busyTimeoutMs ?? 5000}`);
// The commit is followed by the deletion of the segment files it covers: a
// commit that power loss could roll back must not outlive them, so it is
// synced (FULL) unless the store promises nothing about power loss (OFF).
db.pragma(`synchronous = ${data.synchronous === 'OFF' ? 'OFF' : 'FULL'}`);
db.pragma('journal_size_limit = 67108864');
db.pragma('wal_autocheckpoint = 256');
const put = db.prepare(PUT_CHECKPOINT_SQL);
const del = db.prepare(DELETE_COVERED_ROWS_SQL);
const commit = db.transaction((r: CheckpointRequest): number => {
  put.run(r.uptoSeq, r.snapshot, r.now);
  return r.deleteTableRows ? del.run(r.uptoSeq).changes : 0;
});

port.on('message', (m: CheckpointRequest | { type: 'close' }) => {
  if (m.type === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: CheckpointReply;
  try {
    reply = { id: m.id, ok: true, deletedRows: commit(m) };
  } catch (err) {
    reply = { id: m.id, ok: false, message: (err as Error).message, busy: isBusyError(err) };
  }
  // The snapshot's bytes go back to the main thread, whose frequent collections
  // free them at once. This thread allocates so little that its heap would keep
  // every multi-MB snapshot until its external memory reached V8's collection
  // threshold: the soak (bench/soak.ts) saw resident memory grow by one snapshot
  // per checkpoint, minutes on end.
  const s = m.snapshot;
  port.postMessage(reply, typeof s !== 'string' && s.byteOffset === 0 && s.byteLength === s.buffer.byteLength ? [s.buffer as ArrayBuffer] : []);
});
