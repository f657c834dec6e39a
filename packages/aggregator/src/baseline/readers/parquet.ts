/**
 * Parquet input through hyparquet (snappy, dictionary and the other standard
 * encodings), one row group and one column at a time, over a file handle: the
 * whole file is never loaded, and memory holds one compressed column chunk plus
 * the decoded values of {@link PARQUET_ROWS_PER_READ} rows of it.
 *
 * hyparquet trusts what a file says: a corrupt run length makes it write
 * values for minutes, a corrupt size makes it allocate gigabytes (found by
 * fuzzing, issue 16). So decoding runs on a worker thread (parquet-worker.ts)
 * with a heap bound and a deadline, both from the file size
 * ({@link parquetBounds}); past either, the worker is terminated and the read
 * fails with a {@link BaselineInputError} saying so. Plausibility checks of the
 * footer and page headers (parquet-checks.ts) stop most corrupt files before that.
 *
 * Known gap (Node 20): when hyparquet grows one array past the heap bound in a
 * single step (a corrupt RLE run of 2^30 values), V8 aborts the whole process
 * instead of the worker reporting ERR_WORKER_OUT_OF_MEMORY. A child process
 * with --max-old-space-size would contain it; not done yet.
 */
import { Worker } from 'node:worker_threads';
import { BaselineInputError } from '../errors.js';
import { checkColumns, type ReaderContext } from './types.js';
import type { FromParquetWorker, ParquetJob, ToParquetWorker } from './parquet-worker.js';

/** Rows decoded per read of a column: bounds memory whatever the row group size (pyarrow writes 1M-row groups). */
export const PARQUET_ROWS_PER_READ = 65_536;

/** What decoding one file may take. */
export interface ParquetBounds {
  /** The worker's old-generation (V8 heap) bound, in MiB. */
  heapMiB: number;
  /** The worker's young-generation bound, in MiB. */
  youngMiB: number;
  /** Wall time from the worker's start on the file to its last value, in ms. */
  deadlineMs: number;
}

/** Heap bound floor: decoding holds a range of values and a dictionary, whatever the file size. */
export const PARQUET_MIN_HEAP_MIB = 256;
/** Heap bound cap: a file needing more is refused rather than taking the machine's memory. */
export const PARQUET_MAX_HEAP_MIB = 4096;
/** Deadline floor, for small files (a valid one of a few MB decodes in well under a second). */
export const PARQUET_MIN_DEADLINE_MS = 3000;
/** Deadline per MiB of file: 1 MB/s, tens of times slower than hyparquet decodes and the accumulator takes values in. */
export const PARQUET_DEADLINE_MS_PER_MIB = 1000;

/**
 * The bounds of decoding a Parquet file of `totalBytes`: a heap of
 * 128 MiB + 2x the file size rounded up to a power of two, between
 * {@link PARQUET_MIN_HEAP_MIB} and {@link PARQUET_MAX_HEAP_MIB}; a young
 * generation of 1/16 of that, 16 to 64 MiB; a deadline of
 * {@link PARQUET_MIN_DEADLINE_MS} plus {@link PARQUET_DEADLINE_MS_PER_MIB} per MiB.
 * Powers of two so that files of similar sizes share a worker.
 */
export function parquetBounds(totalBytes: number): ParquetBounds {
  const mib = totalBytes / 2 ** 20;
  const heapMiB = Math.min(PARQUET_MAX_HEAP_MIB, Math.max(PARQUET_MIN_HEAP_MIB, 2 ** Math.ceil(Math.log2(128 + 2 * mib))));
  return {
    heapMiB,
    youngMiB: Math.min(64, Math.max(16, heapMiB / 16)),
    deadlineMs: Math.round(PARQUET_MIN_DEADLINE_MS + PARQUET_DEADLINE_MS_PER_MIB * mib),
  };
}

/** The worker's entry: the compiled .js next to this module, or the .ts source when running under tsx (as checkpoint-writer.ts). */
function workerSource(): { code: string; eval: true } | { url: URL; eval: false } {
  const url = new URL(import.meta.url.endsWith('.ts') ? './parquet-worker.ts' : './parquet-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return { url, eval: false };
  // Worker threads do not inherit tsx's loader under Node 20: register it first (tests and benchmarks run the sources).
  const api = import.meta.resolve('tsx/esm/api');
  return { code: `import(${JSON.stringify(api)}).then((m) => m.register()).then(() => import(${JSON.stringify(url.href)}))`, eval: true };
}

/** A started worker and the limits it was started with. */
interface DecodeWorker {
  worker: Worker;
  key: string;
  /** Resolves once the worker has loaded hyparquet and waits for a file. */
  ready: Promise<void>;
}

/** A worker kept this long after a read, for the next file (a worker takes ~50-300 ms to start). */
const IDLE_MS = 2000;
let idle: { w: DecodeWorker; timer: NodeJS.Timeout } | undefined;

function startWorker(b: ParquetBounds): DecodeWorker {
  const src = workerSource();
  const options = { resourceLimits: { maxOldGenerationSizeMb: b.heapMiB, maxYoungGenerationSizeMb: b.youngMiB }, stdout: false, stderr: false };
  const worker = src.eval ? new Worker(src.code, { ...options, eval: true }) : new Worker(src.url, options);
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromParquetWorker): void => {
      if (m.type !== 'ready') return;
      worker.off('error', reject);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the Parquet decoding thread exited (code ${code}) before it was ready`)));
  });
  ready.catch(() => {});
  return { worker, key: `${b.heapMiB}/${b.youngMiB}`, ready };
}

/** The idle worker when its limits are these, else a new one. */
function leaseWorker(b: ParquetBounds): DecodeWorker {
  const key = `${b.heapMiB}/${b.youngMiB}`;
  const kept = idle;
  idle = undefined;
  if (kept !== undefined) {
    clearTimeout(kept.timer);
    if (kept.w.key === key) return kept.w;
    void kept.w.worker.terminate();
  }
  return startWorker(b);
}

/** Keeps a worker that finished a read cleanly for the next one, for {@link IDLE_MS}. */
function releaseWorker(w: DecodeWorker): void {
  if (idle !== undefined) {
    clearTimeout(idle.timer);
    void idle.w.worker.terminate();
  }
  w.worker.removeAllListeners('message');
  w.worker.removeAllListeners('error');
  w.worker.removeAllListeners('exit');
  // An idle worker never keeps the process alive.
  w.worker.unref();
  const timer = setTimeout(() => {
    if (idle?.w === w) idle = undefined;
    void w.worker.terminate();
  }, IDLE_MS);
  timer.unref();
  idle = { w, timer };
}

/** Rebuilds the kind of hyparquet's error (the fuzz oracle tells engine errors apart by it). */
function causeOf(name: string | undefined, message: string | undefined): Error | undefined {
  if (name === undefined || message === undefined) return undefined;
  const e = name === 'TypeError' ? new TypeError(message) : name === 'RangeError' ? new RangeError(message) : new Error(message);
  if (e.name !== name) Object.defineProperty(e, 'name', { value: name });
  return e;
}

/**
 * Streams a Parquet file into the accumulator. Progress is reported per row
 * group, as the share of rows read times the file size.
 * @throws {@link BaselineInputError} (`parse`) when the file is not Parquet, a
 *   claim of its footer or page headers cannot be true, decoding took longer
 *   than the deadline or needed more than the heap bound of
 *   {@link parquetBounds}; (`empty`) when it has no rows. An aborted signal
 *   rejects with its reason.
 */
export async function readParquet(ctx: ReaderContext): Promise<void> {
  const { acc, path, signal } = ctx;
  signal?.throwIfAborted();
  const bounds = { ...parquetBounds(ctx.totalBytes), ...ctx.parquetBounds };
  const w = leaseWorker(bounds);
  const { worker } = w;
  worker.ref();
  let deadline: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  /** Whether the worker finished the file (read or refused it) and waits for another. */
  let reusable = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: unknown): void => reject(e);
      onAbort = () => fail(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('error', (e: Error & { code?: string }) => {
        if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          fail(new BaselineInputError('parse', `${path}: decoding needed more than ${bounds.heapMiB} MiB of heap: the file is corrupt or holds column chunks too large to decode within that bound (it is 128 MiB + twice the file size, at least ${PARQUET_MIN_HEAP_MIB} and at most ${PARQUET_MAX_HEAP_MIB} MiB)`, { path, cause: e }));
        } else fail(new Error(`${path}: the Parquet decoding thread failed: ${e.message}`, { cause: e }));
      });
      worker.on('exit', (code) => fail(new Error(`${path}: the Parquet decoding thread exited (code ${code})`)));
      let totalRows = 0;
      /** Rows of the row groups done, as counted into the accumulator. */
      let counted = 0;
      worker.on('message', (m: FromParquetWorker) => {
        try {
          switch (m.type) {
            case 'ready':
              return;
            case 'schema': {
              totalRows = m.totalRows;
              try {
                acc.declareColumns(m.names);
              } catch (e) {
                throw new BaselineInputError('parse', `${path}: schema: ${(e as Error).message}`, { path, cause: e });
              }
              checkColumns(ctx, m.names);
              post({ type: 'columns', used: acc.usedColumns(m.names) });
              return;
            }
            case 'values':
              signal?.throwIfAborted();
              acc.addColumnValues(m.column, m.values, m.rowStart + 1);
              post({ type: 'ack' });
              return;
            case 'group':
              acc.addRowCount(m.rows - counted);
              counted = m.rows;
              ctx.progress(Math.round((ctx.totalBytes * m.rows) / Math.max(totalRows, 1)));
              return;
            case 'done':
              reusable = true;
              resolve();
              return;
            case 'error':
              // The worker caught the failure and waits for another file.
              reusable = true;
              throw new BaselineInputError(m.code, m.message, { path, ...(m.causeName !== undefined ? { cause: causeOf(m.causeName, m.causeMessage) } : {}) });
          }
        } catch (e) {
          fail(e);
        }
      });
      const post = (m: ToParquetWorker): void => worker.postMessage(m);
      w.ready.then(() => {
        const seconds = Math.round(bounds.deadlineMs / 100) / 10;
        deadline = setTimeout(() => {
          fail(new BaselineInputError('parse', `${path}: decoding took longer than ${seconds} s: the file is corrupt (hyparquet decodes corrupt run lengths for minutes) or the machine is far too busy; the bound is ${PARQUET_MIN_DEADLINE_MS / 1000} s plus ${PARQUET_DEADLINE_MS_PER_MIB / 1000} s per MiB of file`, { path }));
        }, bounds.deadlineMs);
        deadline.unref();
        const job: ParquetJob = { type: 'read', path, totalBytes: ctx.totalBytes, rowsPerRead: ctx.parquetRowsPerRead ?? PARQUET_ROWS_PER_READ };
        post(job);
      }, fail);
    });
  } finally {
    clearTimeout(deadline);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    if (reusable) releaseWorker(w);
    // A worker stopped mid-file (deadline, abort, failure) may be stuck in hyparquet: it is not reused.
    else void worker.terminate();
  }
}
