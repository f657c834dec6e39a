/**
 * The durable ingest log: every OTLP request the aggregator acknowledges is
 * appended here, and the append resolves only once its record has been
 * written to the log's segment file (and synced, under `synchronous: FULL`),
 * so a request answered 200 survives `kill -9` and restart.
 *
 * Appends arriving close together share one write (group commit): by
 * default every append made during one turn of the event loop is written
 * together at the end of that turn with one `writev`, so a burst of
 * concurrent requests costs one system call, and a lone request waits for no timer.
 * Under `FULL` the `fdatasync` after each write runs on the thread pool, one
 * at a time, while the event loop goes on (see {@link IngestLog.flush}).
 *
 * Where things are: the request bodies go to append-only segment files in
 * `<dataDir>/ingest-log/` (segment-log.ts, record layout in log-record.ts);
 * the engine's snapshot goes to SQLite's `checkpoint` table with the last
 * sequence number it covers. A checkpoint commits in SQLite first, then the
 * segment files it wholly covers are deleted and the log moves on to a new
 * segment. Recovery is: restore the checkpoint, then replay the records
 * after its sequence number, in order, with the receive times they were
 * ingested at. A crash between the commit and the deletions leaves files that
 * replay skips (and the next open deletes).
 *
 * Why files and not SQLite rows: a 714 kB body cost 1.1-1.5 ms of CPU as a
 * row (overflow pages, WAL frames, and the WAL copy-backs and fsyncs they
 * cause on the event loop), against ~0.5 ms as a checksummed `writev`
 * (docs/durability.md). SQLite keeps what needs transactions: the checkpoint.
 *
 * Directories written by schema 2 may hold rows in the `ingest_log` table:
 * they are replayed before the segment records (their seqs are all lower),
 * and the first checkpoint after them deletes them.
 *
 * Payloads are the request bodies exactly as received (decompressed), not a
 * re-encoding of the decoded request: storing bytes costs a copy, while
 * serialising the decoded request measured 2 to 4 times the cost of decoding
 * it (see docs/durability.md).
 *
 * @packageDocumentation
 */
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { StoreBusyError, StoreError, isBusyError, type Store } from './database.js';
import { SegmentLog, nodeFileSystem, type ReadPosition, type SegmentFileSystem, type SyncLevel } from './segment-log.js';
import { WorkerCheckpointWriter, type CheckpointWriter } from './checkpoint-writer.js';
import { DELETE_COVERED_ROWS_SQL, PUT_CHECKPOINT_SQL } from './checkpoint-sql.js';

/** Name of the directory, inside the data directory, that holds the segment files. */
export const INGEST_LOG_DIR = 'ingest-log';

// The record's kinds live with the record format (log-record.ts), which every log module reads.
export type { IngestKind, PayloadEncoding } from './log-record.js';
import type { IngestKind, PayloadEncoding } from './log-record.js';

export type { ReadPosition } from './segment-log.js';

/** One logged request, as {@link IngestLog.replay} returns it. */
export interface LoggedRequest {
  /** Position in the log; strictly increasing, never reused. */
  seq: number;
  kind: IngestKind;
  encoding: PayloadEncoding;
  /** The decompressed request body. */
  payload: Uint8Array;
  /** The `now` (epoch ms) the request was ingested at; replay must use the same. */
  receivedAt: number;
}

/** The latest checkpoint. */
export interface Checkpoint {
  /** Last log sequence number whose request the snapshot includes (0: none). */
  seq: number;
  snapshotJson: string | Uint8Array;
  /** When it was written (epoch ms). */
  updatedAt: number;
}

/** Options of {@link IngestLog}. */
export interface IngestLogOptions {
  /**
   * How long an append may wait for others to share its write, in ms. 0
   * writes at the end of the current event-loop turn (no timer): the
   * requests handled in one turn share one write at no added latency.
   * Under `synchronous: 'FULL'` the appends made while a sync runs share the
   * next write anyway (see {@link IngestLog.flush}), so a delay seldom helps.
   * @default 0
   */
  maxBatchDelayMs?: number;
  /** Appends per write at most; reaching it writes at once. @default 512 */
  maxBatchSize?: number;
  /** Payload bytes per write at most; reaching it writes at once. @default 16 MiB */
  maxBatchBytes?: number;
  /**
   * A segment file that has reached this size is closed and the next write
   * starts a new one. By default segments are started anew only at
   * checkpoints: the service's checkpoints cover everything logged, so each
   * one deletes every file, and a size bound would bound nothing on disk.
   * It would cost, though: closing a segment under `NORMAL` fdatasyncs it
   * (see SegmentLog.roll), which writes back data that the next checkpoint
   * would mostly have deleted before the kernel ever wrote it. With 64 MiB
   * segments the ingest benchmark's durable requests cost 1.0-1.9 ms of CPU
   * more than volatile ones, against 0.4-0.5 ms without size rolls.
   * @default unbounded
   */
  maxSegmentBytes?: number;
  /**
   * The file operations the segment files are written with: for tests, to
   * count syncs or make a write fail.
   * @default node:fs
   */
  fileSystem?: SegmentFileSystem;
  /**
   * What commits the checkpoints of {@link IngestLog.writeCheckpoint}: for
   * tests, to make a commit fail or wait.
   * @default a worker thread with its own connection to the store (started with the first such checkpoint)
   */
  checkpointWriter?: CheckpointWriter;
  /**
   * The log keeps every record after this sequence number on disk even once
   * a checkpoint covers it: processor mode's forwarder (src/forward/) passes
   * its "forwarded up to" cursor, so the log is also its sending queue.
   * Asked when the log is opened and whenever covered segments are deleted.
   * @default nothing is kept past the checkpoint
   */
  retainAfter?: () => number;
}

/** Counters of an {@link IngestLog}, for the aggregator's own telemetry. */
export interface IngestLogStats {
  /** Requests appended (written or pending). */
  appends: number;
  /** Writes (group commits) that made appended records durable. */
  commits: number;
  /** Payload bytes appended. */
  bytes: number;
  /** Checkpoints written. */
  checkpoints: number;
  /** Records in the log now that no checkpoint covers yet (what a restart would replay). */
  rows: number;
  /** Appends failed because their write could not be made. */
  failedAppends: number;
}

interface Pending {
  seq: number;
  kind: IngestKind;
  encoding: PayloadEncoding;
  payload: Uint8Array;
  receivedAt: number;
  resolve: (seq: number) => void;
  reject: (err: Error) => void;
}

const REPLAY_CHUNK = 64;
const SYNC_LEVELS: ReadonlyArray<SyncLevel> = ['OFF', 'NORMAL', 'FULL', 'FULL']; // PRAGMA synchronous: 0..3 (3 is EXTRA)

function positiveInt(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`IngestLog: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return v;
}

/**
 * The durable ingest log of one {@link Store} (schema 3 or later), its
 * segment files in `<dataDir>/ingest-log/`. One per store: two would append
 * to the same files (the data directory's lock keeps other processes out).
 */
export class IngestLog {
  private readonly db: Database.Database;
  private readonly synchronous: SyncLevel;
  private readonly maxBatchDelayMs: number;
  private readonly maxBatchSize: number;
  private readonly maxBatchBytes: number;
  private readonly segments: SegmentLog;
  private readonly selectAfter: Database.Statement;
  private readonly deleteUpto: Database.Statement;
  private readonly putCheckpoint: Database.Statement;
  private readonly getCheckpoint: Database.Statement;
  /** Returns how many schema-2 table rows it deleted. */
  private readonly commitCheckpoint: (snapshotJson: string | Uint8Array, uptoSeq: number, now: number) => number;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: { kind: 'immediate'; handle: NodeJS.Immediate } | { kind: 'timeout'; handle: NodeJS.Timeout } | undefined;
  private nextSeq: number;
  private checkpointSeq: number;
  /** Rows in the schema-2 `ingest_log` table, all of them (0 once a checkpoint has covered them). */
  private tableRows: number;
  private closed = false;
  private readonly writer: CheckpointWriter;
  /** Whether a {@link writeCheckpoint} is between its start and its commit. */
  private writing = false;
  /** Under `FULL`: woken when the running asynchronous sync ends. */
  private syncWaiters: (() => void)[] = [];
  /** Set while a checkpoint or the close waits for the running sync: its end then starts no next batch. */
  private holdSyncs = false;
  private closing: Promise<void> | undefined;
  private readonly counters = { appends: 0, commits: 0, bytes: 0, checkpoints: 0, failedAppends: 0 };
  private readonly retainAfter: (() => number) | undefined;
  /** Highest seq whose append has resolved (its record is durable); see {@link committedSeq}. */
  private committedUpto: number;
  private readonly commitListeners: Array<(seq: number) => void> = [];

  /**
   * Opens the log and recovers its segment files (a torn record at the end
   * of the last one, left by a crash, is cut off).
   * @throws StoreError when the store's schema is older than 3 (opened with an older `maxSchemaVersion`), or a segment file is damaged other than at the end of the log (the message names the file and offset).
   * @throws RangeError for a bad option, naming it.
   */
  constructor(store: Store, options: IngestLogOptions = {}) {
    // Schema 3 marks a directory whose log is in segment files, so a modelwatch that knows only the table refuses it.
    if (store.schemaVersion < 3) throw new StoreError(`${store.path} has schema version ${store.schemaVersion}; the ingest log needs version 3`);
    const delay = options.maxBatchDelayMs ?? 0;
    if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`IngestLog: maxBatchDelayMs must be a number >= 0, got ${String(options.maxBatchDelayMs)}`);
    this.maxBatchDelayMs = delay;
    this.maxBatchSize = positiveInt('maxBatchSize', options.maxBatchSize, 512, 1);
    this.maxBatchBytes = positiveInt('maxBatchBytes', options.maxBatchBytes, 16 * 1024 * 1024, 1);
    const maxSegmentBytes = positiveInt('maxSegmentBytes', options.maxSegmentBytes, Number.MAX_SAFE_INTEGER, 1);
    const db = (this.db = store.db);
    // The store's own setting, read back rather than passed again, so the segment files and the database cannot disagree.
    this.synchronous = SYNC_LEVELS[db.pragma('synchronous', { simple: true }) as number] ?? 'FULL';
    this.selectAfter = db.prepare(
      'SELECT seq, kind, encoding, received_at AS receivedAt, payload FROM ingest_log WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.deleteUpto = db.prepare(DELETE_COVERED_ROWS_SQL);
    this.putCheckpoint = db.prepare(PUT_CHECKPOINT_SQL);
    this.getCheckpoint = db.prepare('SELECT seq, snapshot AS snapshotJson, updated_at AS updatedAt FROM checkpoint WHERE id = 1');
    this.commitCheckpoint = db.transaction((snapshotJson: string | Uint8Array, uptoSeq: number, now: number) => {
      this.putCheckpoint.run(uptoSeq, snapshotJson, now);
      return this.tableRows > 0 ? this.deleteUpto.run(uptoSeq).changes : 0;
    });

    const last = this.lastCheckpoint();
    this.checkpointSeq = last?.seq ?? 0;
    this.retainAfter = options.retainAfter;
    const table = db.prepare('SELECT max(seq) AS s, count(*) AS n FROM ingest_log').get() as { s: number | null; n: number };
    this.tableRows = table.n;
    this.segments = new SegmentLog(join(dirname(store.path), INGEST_LOG_DIR), this.deletableSeq(), {
      synchronous: this.synchronous,
      maxSegmentBytes,
      fs: options.fileSystem ?? nodeFileSystem,
    });
    this.nextSeq = Math.max(this.checkpointSeq, table.s ?? 0, this.segments.lastSeq) + 1;
    this.committedUpto = this.nextSeq - 1;
    this.writer = options.checkpointWriter ?? new WorkerCheckpointWriter({ path: store.path, synchronous: this.synchronous });
  }

  /** Sequence number of the last append (written or still pending); 0 when none ever was. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Sequence number up to which every append has resolved: its record is
   * durable (or it failed, and no record of it exists). Records up to here
   * can be read back with {@link readAfter}; later ones may still be pending.
   */
  get committedSeq(): number {
    return this.committedUpto;
  }

  /** Calls `listener` with {@link committedSeq} whenever it grows (synchronously: schedule the work). */
  onCommitted(listener: (seq: number) => void): void {
    this.commitListeners.push(listener);
  }

  /**
   * The segment records after `afterSeq` up to {@link committedSeq}, in
   * order, resuming at `from` (the `next` of a record read before) when
   * given, so a reader that follows the log reads each record once. Rows a
   * schema-2 directory left in the table are not included: the forwarder's
   * cursor starts at or after the last of them.
   * @throws StoreError when a record is damaged, naming the file and offset.
   */
  *readAfter(afterSeq: number, from?: ReadPosition): Iterable<LoggedRequest & { next: ReadPosition }> {
    const upto = this.committedUpto;
    for (const r of this.segments.read(afterSeq, from)) {
      if (r.seq > upto) return;
      yield r;
    }
  }

  /**
   * Deletes, in the background, the segment files whose records are all
   * covered both by the last checkpoint and by {@link IngestLogOptions.retainAfter}
   * (a checkpoint does this too): for the forwarder, once its cursor has moved.
   */
  removeCovered(): void {
    if (!this.closed) this.segments.removeCovered(this.deletableSeq(), true);
  }

  /** Records up to here may be deleted: covered by the checkpoint, and not retained. */
  private deletableSeq(): number {
    return this.retainAfter === undefined ? this.checkpointSeq : Math.min(this.checkpointSeq, this.retainAfter());
  }

  private resolveAll(rows: Pending[]): void {
    let top = this.committedUpto;
    for (const r of rows) {
      r.resolve(r.seq);
      if (r.seq > top) top = r.seq;
    }
    this.advanceCommitted(top);
  }

  private advanceCommitted(seq: number): void {
    if (seq <= this.committedUpto) return;
    this.committedUpto = seq;
    for (const l of this.commitListeners) l(seq);
  }

  /** Bytes of request bodies appended since this log was opened. */
  get appendedBytes(): number {
    return this.counters.bytes;
  }

  /** Appends waiting for their write. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Appends one request. The sequence number is assigned now, in call order;
   * the promise resolves with it once the record is written (or covered by a
   * committed checkpoint) and rejects with a {@link StoreError} if the
   * write fails, in which case the request must not be acknowledged.
   *
   * The payload is kept by reference until the write: do not modify it.
   */
  append(kind: IngestKind, payload: Uint8Array, receivedAt: number, encoding: PayloadEncoding = 'protobuf'): Promise<number> {
    if (this.closed) return Promise.reject(new StoreError('the ingest log is closed'));
    if (!Number.isFinite(receivedAt)) return Promise.reject(new RangeError(`IngestLog.append: receivedAt must be a finite number, got ${String(receivedAt)}`));
    const seq = this.nextSeq++;
    this.counters.appends++;
    this.counters.bytes += payload.byteLength;
    const done = new Promise<number>((resolve, reject) => {
      this.pending.push({ seq, kind, encoding, payload, receivedAt: Math.round(receivedAt), resolve, reject });
    });
    this.pendingBytes += payload.byteLength;
    if (this.pending.length >= this.maxBatchSize || this.pendingBytes >= this.maxBatchBytes) this.flush();
    else if (this.timer === undefined) {
      this.timer =
        this.maxBatchDelayMs === 0
          ? { kind: 'immediate', handle: setImmediate(() => this.flush()) }
          : { kind: 'timeout', handle: setTimeout(() => this.flush(), this.maxBatchDelayMs) };
    }
    return done;
  }

  /**
   * Writes the pending appends now, with one write. Under `FULL` the
   * `fdatasync` that follows runs on the thread pool, so the event loop
   * goes on receiving and ingesting meanwhile, and the appends resolve when
   * it ends; appends made while it runs wait for it, then share the next
   * write and sync (one sync at a time: see SegmentLog.syncAsync).
   */
  flush(): void {
    this.cancelTimer();
    if (this.synchronous !== 'FULL') {
      this.flushNow();
      return;
    }
    if (this.segments.syncing || this.holdSyncs) return;
    const rows = this.takePending();
    if (rows.length === 0) return;
    try {
      this.write(rows, false);
    } catch (err) {
      this.fail(rows, err);
      return;
    }
    this.segments.syncAsync((err) => {
      if (err !== null) this.fail(rows, err);
      else {
        this.counters.commits++;
        this.resolveAll(rows);
      }
      for (const wake of this.syncWaiters.splice(0)) wake();
      if (!this.holdSyncs && this.pending.length > 0) this.flush();
    });
  }

  /** Writes the pending appends now with one write, and under `FULL` syncs it before returning. */
  private flushNow(): void {
    this.cancelTimer();
    const rows = this.takePending();
    if (rows.length === 0) return;
    try {
      this.write(rows);
    } catch (err) {
      this.fail(rows, err);
      return;
    }
    this.counters.commits++;
    this.resolveAll(rows);
  }

  /**
   * Records after `afterSeq`, in sequence order (rows a schema-2 directory
   * left in the table first), read in bounded chunks so a long log is never
   * held in memory at once. Run it before appending: the records of appends
   * still pending are not included.
   * @throws StoreError when a record is damaged (a checksum that does not match, a broken frame), naming the file and offset; replay stops there, since what follows would be replayed with a hole in it.
   */
  *replay(afterSeq: number): Iterable<LoggedRequest> {
    let from = afterSeq;
    for (;;) {
      const rows = this.selectAfter.all(from, REPLAY_CHUNK) as Array<{ seq: number; kind: IngestKind; encoding: PayloadEncoding; receivedAt: number; payload: Buffer }>;
      for (const r of rows) yield { seq: r.seq, kind: r.kind, encoding: r.encoding, payload: r.payload, receivedAt: r.receivedAt };
      const last = rows[rows.length - 1];
      if (last !== undefined) from = last.seq;
      if (last === undefined || rows.length < REPLAY_CHUNK) break;
    }
    for (const r of this.segments.read(afterSeq)) {
      // Segments are written after every table row; a record that is not is from a mixed-up directory.
      if (r.seq <= from) throw new StoreError(`the ingest log in ${this.segments.dir} holds sequence number ${r.seq}, not after the last row of the ingest_log table in ${this.db.name} (${from})`);
      yield r;
    }
  }

  /**
   * Writes the snapshot that includes every request up to `uptoSeq`: pending
   * appends after `uptoSeq` are written to the log first (under `FULL` while
   * an asynchronous sync runs: after it, to the next segment), then the checkpoint
   * row commits in SQLite, and then the segment files it wholly covers (and
   * the schema-2 table rows it covers, in the same transaction) are deleted.
   * Pending appends it covers are not written at all; they resolve with the
   * commit. Take `uptoSeq` from {@link lastSeq} at the moment the snapshot is made.
   * @throws RangeError when `uptoSeq` is beyond the last append or before the last checkpoint.
   * @throws StoreError when the write or the transaction fails (the previous checkpoint and the log stay as they were).
   */
  checkpoint(snapshotJson: string | Uint8Array, uptoSeq: number, now: number): void {
    this.checkUpto('checkpoint', uptoSeq);
    this.cancelTimer();
    const rows = this.takePending();
    // Records a reader still needs (the forwarder) must be written even when the checkpoint covers them.
    const keepAll = this.retainAfter !== undefined;
    const after = keepAll ? rows : rows.filter((r) => r.seq > uptoSeq);
    const covered = keepAll ? [] : rows.filter((r) => r.seq <= uptoSeq);
    // Under FULL with a sync running, the appends after the snapshot are not
    // written now (syncs run one at a time): they stay pending and go, after
    // that sync, to the segment the roll below starts.
    const deferred = this.segments.syncing;
    if (deferred) this.requeue(after);
    else this.writeAhead(after, rows);
    try {
      this.commitDurably(snapshotJson, uptoSeq, Math.round(now));
    } catch (err) {
      // What was written is durable and is replayed after the previous checkpoint; what the checkpoint covered is nowhere.
      if (!deferred) this.resolveAll(after);
      this.fail(covered, err);
      throw new StoreError(`cannot write the checkpoint: ${(err as Error).message}`, { cause: err });
    }
    this.checkpointSeq = uptoSeq;
    this.counters.checkpoints++;
    // After the commit, so a crash in between leaves only files that replay skips.
    this.segments.removeCovered(this.deletableSeq());
    this.segments.roll();
    this.resolveAll(deferred ? covered : rows);
  }

  /** Puts appends taken from the queue back at its head (they keep their order and sequence numbers). */
  private requeue(rows: Pending[]): void {
    if (rows.length === 0) return;
    this.pending = [...rows, ...this.pending];
    for (const r of rows) this.pendingBytes += r.payload.byteLength;
  }

  /** The latest checkpoint, if one was ever written. */
  lastCheckpoint(): Checkpoint | undefined {
    return this.getCheckpoint.get() as Checkpoint | undefined;
  }

  /** Counters since this log was opened (`rows`: now). */
  stats(): IngestLogStats {
    const tableRows = this.tableRows > 0 ? (this.db.prepare('SELECT count(*) AS n FROM ingest_log WHERE seq > ?').get(this.checkpointSeq) as { n: number }).n : 0;
    return { ...this.counters, rows: tableRows + this.segments.countAfter(this.checkpointSeq) };
  }

  /**
   * Writes a checkpoint without holding the event loop for its write: the
   * checkpoint counterpart of {@link checkpoint} for large snapshots.
   *
   * In the calling turn (right after the snapshot was taken at `uptoSeq`,
   * which must be {@link lastSeq} then or earlier): the pending appends are
   * written and the current segment is closed, so the records after
   * `uptoSeq` go to new segment files. Then `snapshot()` is awaited (the
   * caller may encode in a later turn), the row is committed by the
   * checkpoint writer (a worker thread), and once it has committed the
   * segment files it wholly covers are deleted. Appends go on meanwhile, as
   * usual; a crash at any point leaves the previous checkpoint and every
   * segment it does not cover.
   * @throws RangeError when `uptoSeq` is out of range or another checkpoint is being written.
   * @throws StoreError (rejection) when the pending appends cannot be written or the commit fails; the previous checkpoint and the log then stay as they were.
   * @throws StoreBusyError (rejection) when only the commit failed, because another connection held the database's lock for longer than the writer waits: every request is then in the log still, and a later checkpoint can cover them.
   */
  async writeCheckpoint(uptoSeq: number, now: number, snapshot: () => string | Uint8Array | Promise<string | Uint8Array>): Promise<void> {
    if (this.writing) throw new RangeError('IngestLog.writeCheckpoint: another checkpoint is being written; wait for it first');
    if (this.closed) throw new StoreError('the ingest log is closed');
    this.checkUpto('writeCheckpoint', uptoSeq);
    this.writing = true;
    try {
      // Under FULL: after the running sync, if any (this write syncs by itself, and syncs run one at a time).
      if (this.segments.syncing) await this.syncsSettled();
      this.holdSyncs = false;
      this.cancelTimer();
      const rows = this.takePending();
      this.writeAhead(rows, rows);
      this.resolveAll(rows);
      this.segments.roll();
      const bytes = await snapshot();
      let deleted: number;
      try {
        deleted = await this.writer.commit(bytes, uptoSeq, Math.round(now), this.tableRows > 0);
      } catch (err) {
        // Everything is still in the log (written above): a lock held by another connection
        // only delays the checkpoint, so it is told apart from a failure (StoreBusyError).
        const Failure = isBusyError(err) ? StoreBusyError : StoreError;
        throw new Failure(`cannot write the checkpoint: ${(err as Error).message}`, { cause: err });
      }
      this.tableRows -= deleted;
      this.checkpointSeq = uptoSeq;
      this.counters.checkpoints++;
      // After the commit, so a crash in between leaves only files that replay skips.
      if (!this.closed) this.segments.removeCovered(this.deletableSeq(), true);
    } finally {
      this.holdSyncs = false;
      this.writing = false;
    }
  }

  /**
   * Starts the checkpoint writer of {@link writeCheckpoint} now, so that the
   * first checkpoint does not pay for starting a worker thread (and, under
   * tsx, compiling its module) while requests wait for the CPU.
   */
  startCheckpointWriter(): void {
    this.writer.start?.();
  }

  /**
   * Writes what is pending (after the running sync, if any) and refuses
   * further appends; stops the checkpoint writer. Closing the store stays the caller's job.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    if (this.segments.syncing) await this.syncsSettled();
    this.flushNow();
    this.closed = true;
    this.segments.close();
    await this.writer.close();
  }

  /**
   * Writes `rows` (pending appends) ahead of a checkpoint; when that fails,
   * every one of `taken` (the pending appends taken for it) is refused.
   * @throws StoreError naming the failure.
   */
  private writeAhead(rows: Pending[], taken: Pending[]): void {
    if (rows.length === 0) return;
    try {
      this.write(rows);
    } catch (err) {
      this.fail(taken, err);
      throw new StoreError(`cannot write the checkpoint: ${(err as Error).message}`, { cause: err });
    }
    this.counters.commits++;
  }

  /** @throws RangeError when a checkpoint cannot cover `uptoSeq`: beyond the last append or before the last checkpoint. */
  private checkUpto(method: string, uptoSeq: number): void {
    if (!Number.isInteger(uptoSeq) || uptoSeq > this.lastSeq || uptoSeq < this.checkpointSeq) {
      throw new RangeError(`IngestLog.${method}: uptoSeq must be an integer in [${this.checkpointSeq}, ${this.lastSeq}], got ${String(uptoSeq)}`);
    }
  }

  private write(rows: Pending[], syncNow = true): void {
    // Without the store no checkpoint can ever cover these records, nor can replay find the one they follow.
    if (!this.db.open) throw new StoreError(`the database ${this.db.name} is closed`);
    this.segments.write(rows, syncNow);
  }

  /**
   * Resolves once no `fdatasync` of the log runs, keeping the next batch
   * from starting one meanwhile: for what must write and sync by itself (a
   * checkpoint, the close). The caller clears {@link holdSyncs} afterwards.
   */
  private async syncsSettled(): Promise<void> {
    this.holdSyncs = true;
    while (this.segments.syncing) await new Promise<void>((wake) => this.syncWaiters.push(wake));
  }

  /**
   * Commits the checkpoint row. Under `NORMAL` this one transaction runs with
   * `FULL`: the segment files it covers are deleted right after, and a commit
   * that power loss could roll back must not outlive those files' deletion
   * (the log would have a hole). One WAL fsync per checkpoint.
   */
  private commitDurably(snapshotJson: string | Uint8Array, uptoSeq: number, now: number): void {
    if (this.synchronous !== 'NORMAL') {
      this.tableRows -= this.commitCheckpoint(snapshotJson, uptoSeq, now);
      return;
    }
    this.db.pragma('synchronous = FULL');
    try {
      this.tableRows -= this.commitCheckpoint(snapshotJson, uptoSeq, now);
    } finally {
      try {
        this.db.pragma('synchronous = NORMAL');
      } catch {
        // Only a closed or broken connection refuses a pragma; its next statement reports that.
      }
    }
  }

  private takePending(): Pending[] {
    const rows = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return rows;
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    if (this.timer.kind === 'immediate') clearImmediate(this.timer.handle);
    else clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  private fail(rows: Pending[], err: unknown): void {
    this.counters.failedAppends += rows.length;
    const e = new StoreError(`cannot commit ${rows.length} request(s) to the ingest log: ${(err as Error).message}`, { cause: err });
    for (const r of rows) r.reject(e);
  }
}
