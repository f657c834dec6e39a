/**
 * The durable ingest log: every OTLP request the aggregator acknowledges is
 * appended here, and the append resolves only once its SQLite transaction has
 * committed, so a request answered 200 survives `kill -9` and restart.
 *
 * Appends arriving close together share one transaction (group commit): by
 * default every append made during one turn of the event loop is committed
 * together at the end of that turn, so a burst of concurrent requests costs
 * one commit, and a lone request waits for no timer.
 *
 * The engine's snapshot is written as a checkpoint together with the last
 * sequence number it covers, and the log rows it covers are deleted in the
 * same transaction. Recovery is: restore the checkpoint, then replay the rows
 * after its sequence number, in order, with the receive times they were
 * ingested at.
 *
 * Payloads are the request bodies exactly as received (decompressed), not a
 * re-encoding of the decoded request: storing bytes costs a copy, while
 * serialising the decoded request measured 2 to 4 times the cost of decoding
 * it (see docs/durability.md).
 *
 * @packageDocumentation
 */
import type Database from 'better-sqlite3';
import { StoreError, type Store } from './database.js';

/** Which OTLP signal a logged request carries. */
export type IngestKind = 'metrics' | 'logs';

/** How a logged payload is encoded (the request's own content type). */
export type PayloadEncoding = 'protobuf' | 'json';

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
  snapshotJson: string;
  /** When it was written (epoch ms). */
  updatedAt: number;
}

/** Options of {@link IngestLog}. */
export interface IngestLogOptions {
  /**
   * How long an append may wait for others to share its commit, in ms. 0
   * commits at the end of the current event-loop turn (no timer): the
   * requests handled in one turn share a transaction at no added latency.
   * A few ms helps only with `synchronous: 'FULL'`, where each commit is an fsync.
   * @default 0
   */
  maxBatchDelayMs?: number;
  /** Appends per transaction at most; reaching it commits at once. @default 512 */
  maxBatchSize?: number;
  /** Payload bytes per transaction at most; reaching it commits at once. @default 16 MiB */
  maxBatchBytes?: number;
}

/** Counters of an {@link IngestLog}, for the aggregator's own telemetry. */
export interface IngestLogStats {
  /** Requests appended (committed or pending). */
  appends: number;
  /** Transactions that committed appended rows. */
  commits: number;
  /** Payload bytes appended. */
  bytes: number;
  /** Checkpoints written. */
  checkpoints: number;
  /** Rows in the log now (not yet covered by a checkpoint). */
  rows: number;
  /** Appends failed because their transaction could not commit. */
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

function positiveInt(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`IngestLog: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return v;
}

/** The durable ingest log of one {@link Store} (schema 2 or later). */
export class IngestLog {
  private readonly db: Database.Database;
  private readonly maxBatchDelayMs: number;
  private readonly maxBatchSize: number;
  private readonly maxBatchBytes: number;
  private readonly insert: Database.Statement;
  private readonly selectAfter: Database.Statement;
  private readonly deleteUpto: Database.Statement;
  private readonly putCheckpoint: Database.Statement;
  private readonly getCheckpoint: Database.Statement;
  private readonly commitBatch: (rows: Pending[]) => void;
  private readonly commitCheckpoint: (rows: Pending[], snapshotJson: string, uptoSeq: number, now: number) => void;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private timer: { kind: 'immediate'; handle: NodeJS.Immediate } | { kind: 'timeout'; handle: NodeJS.Timeout } | undefined;
  private nextSeq: number;
  private checkpointSeq: number;
  private closed = false;
  private readonly counters = { appends: 0, commits: 0, bytes: 0, checkpoints: 0, rows: 0, failedAppends: 0 };

  /**
   * @throws StoreError when the store's schema has no ingest log (opened with an older `maxSchemaVersion`).
   * @throws RangeError for a bad option, naming it.
   */
  constructor(store: Store, options: IngestLogOptions = {}) {
    if (store.schemaVersion < 2) throw new StoreError(`${store.path} has schema version ${store.schemaVersion}; the ingest log needs version 2`);
    const delay = options.maxBatchDelayMs ?? 0;
    if (!Number.isFinite(delay) || delay < 0) throw new RangeError(`IngestLog: maxBatchDelayMs must be a number >= 0, got ${String(options.maxBatchDelayMs)}`);
    this.maxBatchDelayMs = delay;
    this.maxBatchSize = positiveInt('maxBatchSize', options.maxBatchSize, 512, 1);
    this.maxBatchBytes = positiveInt('maxBatchBytes', options.maxBatchBytes, 16 * 1024 * 1024, 1);
    const db = (this.db = store.db);
    this.insert = db.prepare('INSERT INTO ingest_log (seq, kind, encoding, received_at, payload) VALUES (?, ?, ?, ?, ?)');
    this.selectAfter = db.prepare(
      'SELECT seq, kind, encoding, received_at AS receivedAt, payload FROM ingest_log WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    this.deleteUpto = db.prepare('DELETE FROM ingest_log WHERE seq <= ?');
    this.putCheckpoint = db.prepare(
      'INSERT INTO checkpoint (id, seq, snapshot, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot, updated_at = excluded.updated_at',
    );
    this.getCheckpoint = db.prepare('SELECT seq, snapshot AS snapshotJson, updated_at AS updatedAt FROM checkpoint WHERE id = 1');
    const insertRows = (rows: Pending[], afterSeq: number): number => {
      let n = 0;
      for (const r of rows) {
        // A row the checkpoint in the same transaction covers need not be written at all.
        if (r.seq <= afterSeq) continue;
        this.insert.run(r.seq, r.kind, r.encoding, r.receivedAt, r.payload);
        n++;
      }
      return n;
    };
    this.commitBatch = db.transaction((rows: Pending[]) => {
      this.counters.rows += insertRows(rows, 0);
    });
    this.commitCheckpoint = db.transaction((rows: Pending[], snapshotJson: string, uptoSeq: number, now: number) => {
      this.counters.rows += insertRows(rows, uptoSeq);
      this.putCheckpoint.run(uptoSeq, snapshotJson, now);
      this.counters.rows -= this.deleteUpto.run(uptoSeq).changes;
    });

    const last = this.lastCheckpoint();
    this.checkpointSeq = last?.seq ?? 0;
    const maxRow = (db.prepare('SELECT max(seq) AS s, count(*) AS n FROM ingest_log').get() as { s: number | null; n: number });
    this.counters.rows = maxRow.n;
    this.nextSeq = Math.max(this.checkpointSeq, maxRow.s ?? 0) + 1;
  }

  /** Sequence number of the last append (committed or still pending); 0 when none ever was. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Appends waiting for their commit. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * Appends one request. The sequence number is assigned now, in call order;
   * the promise resolves with it once the row is committed (or covered by a
   * committed checkpoint) and rejects with a {@link StoreError} if the
   * transaction fails, in which case the request must not be acknowledged.
   *
   * The payload is kept by reference until the commit: do not modify it.
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

  /** Commits the pending appends now (synchronously). */
  flush(): void {
    this.cancelTimer();
    const rows = this.takePending();
    if (rows.length === 0) return;
    try {
      this.commitBatch(rows);
    } catch (err) {
      this.fail(rows, err);
      return;
    }
    this.counters.commits++;
    for (const r of rows) r.resolve(r.seq);
  }

  /**
   * Rows after `afterSeq`, in sequence order, read in small chunks so a long
   * log is never held in memory at once. Run it before appending: the rows
   * of appends still pending are not included.
   */
  *replay(afterSeq: number): Iterable<LoggedRequest> {
    let from = afterSeq;
    for (;;) {
      const rows = this.selectAfter.all(from, REPLAY_CHUNK) as Array<{ seq: number; kind: IngestKind; encoding: PayloadEncoding; receivedAt: number; payload: Buffer }>;
      for (const r of rows) yield { seq: r.seq, kind: r.kind, encoding: r.encoding, payload: r.payload, receivedAt: r.receivedAt };
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < REPLAY_CHUNK) return;
      from = last.seq;
    }
  }

  /**
   * Writes the snapshot that includes every request up to `uptoSeq` and
   * deletes the log rows it covers, in one transaction. Pending appends are
   * committed by the same transaction (those it covers without writing
   * their rows). Take `uptoSeq` from {@link lastSeq} at the moment the
   * snapshot is made.
   * @throws RangeError when `uptoSeq` is beyond the last append or before the last checkpoint.
   * @throws StoreError when the transaction fails (the previous checkpoint and the log stay as they were).
   */
  checkpoint(snapshotJson: string, uptoSeq: number, now: number): void {
    if (!Number.isInteger(uptoSeq) || uptoSeq > this.lastSeq || uptoSeq < this.checkpointSeq) {
      throw new RangeError(`IngestLog.checkpoint: uptoSeq must be an integer in [${this.checkpointSeq}, ${this.lastSeq}], got ${String(uptoSeq)}`);
    }
    this.cancelTimer();
    const rows = this.takePending();
    try {
      this.commitCheckpoint(rows, snapshotJson, uptoSeq, Math.round(now));
    } catch (err) {
      this.fail(rows, err);
      throw new StoreError(`cannot write the checkpoint: ${(err as Error).message}`, { cause: err });
    }
    this.checkpointSeq = uptoSeq;
    this.counters.checkpoints++;
    if (rows.length > 0) this.counters.commits++;
    for (const r of rows) r.resolve(r.seq);
  }

  /** The latest checkpoint, if one was ever written. */
  lastCheckpoint(): Checkpoint | undefined {
    return this.getCheckpoint.get() as Checkpoint | undefined;
  }

  /** Counters since this log was opened (`rows`: now). */
  stats(): IngestLogStats {
    return { ...this.counters };
  }

  /** Commits what is pending and refuses further appends. Closing the store stays the caller's job. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
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
