/**
 * Commits checkpoint rows off the event loop. A checkpoint of 2,000
 * hour-long streams is ~17 MB; writing it into SQLite and syncing the WAL
 * took ~90-140 ms, which held every request that arrived meanwhile
 * (docs/performance.md, "Evaluation ticks"). A worker thread with its own
 * connection does it instead: WAL mode lets it write while the main
 * connection reads, and the two never write at once in practice (the main
 * connection writes only baselines set through the API; busy_timeout covers
 * that rare overlap).
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { StoreBusyError, StoreError } from './database.js';

/** What the worker is started with. */
export interface CheckpointWorkerData {
  /** The database file. */
  path: string;
  /** The store's `synchronous` level. */
  synchronous: 'OFF' | 'NORMAL' | 'FULL';
  /**
   * How long a commit waits for a lock another connection holds, in ms
   * (SQLite `busy_timeout`); past it the commit fails with a {@link StoreBusyError}.
   * The worker waits off the event loop, so it may wait long.
   * @default 5000
   */
  busyTimeoutMs?: number;
}

/** One commit, main thread -> worker. */
export interface CheckpointRequest {
  type: 'commit';
  id: number;
  snapshot: string | Uint8Array;
  uptoSeq: number;
  now: number;
  /** Whether schema-2 `ingest_log` table rows may be left to delete. */
  deleteTableRows: boolean;
}

/** The worker's answer to a {@link CheckpointRequest}. */
export type CheckpointReply = { id: number; ok: true; deletedRows: number } | { id: number; ok: false; message: string; busy?: boolean };

/** Commits checkpoint rows; {@link WorkerCheckpointWriter} by default, a stand-in in tests. */
export interface CheckpointWriter {
  /**
   * Commits the checkpoint row (and deletes the table rows it covers when asked).
   * The snapshot's bytes may be transferred away: do not use them afterwards.
   * @returns how many `ingest_log` table rows were deleted.
   */
  commit(snapshot: string | Uint8Array, uptoSeq: number, now: number, deleteTableRows: boolean): Promise<number>;
  /** Stops the writer once the commits in flight are done. */
  close(): Promise<void>;
  /** Gets ready for the first commit now rather than at it (a worker thread takes a while to start). */
  start?(): void;
}

/** The worker's entry: the compiled .js next to this module, or the .ts source when running under tsx. */
function workerSource(): { code: string; eval: true } | { url: URL; eval: false } {
  const url = new URL(import.meta.url.endsWith('.ts') ? './checkpoint-worker.ts' : './checkpoint-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return { url, eval: false };
  // Worker threads do not inherit tsx's loader under Node 20: register it first (tests and benchmarks run the sources).
  const api = import.meta.resolve('tsx/esm/api');
  return { code: `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`, eval: true };
}

/**
 * A {@link CheckpointWriter} on a worker thread, started with the first
 * commit. Commits run one after another, in call order. The worker keeps the
 * process alive only while a commit is in flight.
 */
export class WorkerCheckpointWriter implements CheckpointWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly inFlight = new Map<number, { resolve: (n: number) => void; reject: (e: Error) => void }>();
  /** Set when the worker died: every later commit fails with it. */
  private broken: StoreError | undefined;
  private closed = false;
  /** The latest commit, settled or not: close waits for it. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly data: CheckpointWorkerData) {}

  commit(snapshot: string | Uint8Array, uptoSeq: number, now: number, deleteTableRows: boolean): Promise<number> {
    if (this.closed) return Promise.reject(new StoreError('the checkpoint writer is closed'));
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const worker = this.start();
    const id = this.nextId++;
    const request: CheckpointRequest = { type: 'commit', id, snapshot, uptoSeq, now, deleteTableRows };
    const done = new Promise<number>((resolve, reject) => this.inFlight.set(id, { resolve, reject }));
    this.last = done.catch(() => undefined);
    worker.ref();
    // A whole buffer of our own is handed over, not copied (17 MB at the benchmark's hour-long windows).
    const whole = typeof snapshot !== 'string' && snapshot.byteOffset === 0 && snapshot.byteLength === snapshot.buffer.byteLength && snapshot.buffer instanceof ArrayBuffer;
    worker.postMessage(request, whole ? [snapshot.buffer as ArrayBuffer] : []);
    return done;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    await this.last;
    if (this.broken !== undefined) return;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    // Held until it has closed its connection: an unreferenced worker would let the process end first.
    worker.ref();
    worker.postMessage({ type: 'close' });
    await exited;
  }

  /** Starts the worker thread now (the first commit would otherwise). */
  start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const src = workerSource();
    const worker = src.eval ? new Worker(src.code, { eval: true, workerData: this.data }) : new Worker(src.url, { workerData: this.data });
    worker.unref();
    worker.on('message', (r: CheckpointReply) => {
      const p = this.inFlight.get(r.id);
      if (p === undefined) return;
      this.inFlight.delete(r.id);
      if (this.inFlight.size === 0) worker.unref();
      if (r.ok) p.resolve(r.deletedRows);
      else {
        // Locked by another connection: a passing condition the caller may wait out (see StoreBusyError).
        const Failure = r.busy === true ? StoreBusyError : StoreError;
        p.reject(new Failure(`cannot commit the checkpoint to ${this.data.path}: ${r.message}`));
      }
    });
    const die = (why: string, cause?: unknown): void => {
      if (this.broken !== undefined) return;
      this.broken = new StoreError(`the checkpoint writer thread ${why}`, { cause });
      for (const p of this.inFlight.values()) p.reject(this.broken);
      this.inFlight.clear();
    };
    worker.on('error', (err) => die(`failed: ${err.message}`, err));
    worker.on('exit', (code) => {
      if (!this.closed || this.inFlight.size > 0) die(`exited (code ${code})`);
    });
    return (this.worker = worker);
  }
}
