/**
 * Parquet input through hyparquet (snappy, dictionary and the other standard
 * encodings), one row group and one column at a time, over a file handle: the
 * whole file is never loaded, and memory holds one compressed column chunk plus
 * the decoded values of {@link PARQUET_ROWS_PER_READ} rows of it.
 *
 * hyparquet trusts what a file says: a corrupt run length makes it write
 * values for minutes, a corrupt size makes it allocate gigabytes (found by
 * fuzzing, issue 16). So decoding runs in a child process (parquet-worker.ts)
 * with a heap bound and a deadline, both from the file size
 * ({@link parquetBounds}); past either, the process ends and the read fails
 * with a {@link BaselineInputError} saying so. Plausibility checks of the
 * footer and page headers (parquet-checks.ts) stop most corrupt files before that.
 *
 * A process and not a worker thread: on Node 20, when hyparquet grows one
 * array past a worker's heap bound (an RLE run claiming 2^30 values), V8
 * aborts the whole process on a fatal out-of-memory error instead of the
 * worker reporting ERR_WORKER_OUT_OF_MEMORY, taking `modelwatch baseline` and
 * anything else in the process with it. A child started with
 * `--max-old-space-size` dies alone; its stderr says it ran out of heap. The
 * costs: a process starts about 80 ms slower than a thread (paid once per run
 * of reads: an idle process is kept for the next file), and decoded values
 * are copied over the IPC channel where a thread took typed arrays over
 * (about 20% more time on a 500,000-row file).
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BaselineInputError } from '../errors.js';
import { checkColumns, type ParquetBounds, type ReaderContext } from './types.js';
import type { FromParquetWorker, ParquetJob, ToParquetWorker } from './parquet-worker.js';

export type { ParquetBounds } from './types.js';

/** Rows decoded per read of a column: bounds memory whatever the row group size (pyarrow writes 1M-row groups). */
export const PARQUET_ROWS_PER_READ = 65_536;


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
 * Powers of two so that files of similar sizes share a decoding process.
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

/** How to start the decoding process: the compiled .js next to this module, or the .ts source under tsx (tests and benchmarks run the sources). */
function decoderEntry(): { modulePath: string; execArgv: string[] } {
  const fromSources = import.meta.url.endsWith('.ts');
  const modulePath = fileURLToPath(new URL(fromSources ? './parquet-worker.ts' : './parquet-worker.js', import.meta.url));
  // The child gets its own flags, not the parent's (--test, --inspect, a heap size): tsx's loader is one of them when needed.
  return { modulePath, execArgv: fromSources ? ['--import', import.meta.resolve('tsx')] : [] };
}

/** The bytes of the decoding process's stderr kept for a failure's message. */
const STDERR_TAIL = 4096;
/**
 * What V8 writes before aborting a process out of heap ("Reached heap
 * limit ... JavaScript heap out of memory"), or past the largest array it can
 * make ("invalid size error", "invalid array length").
 */
const OUT_OF_MEMORY = /^.*(?:heap out of memory|invalid size error|invalid array length).*$/im;
/** A decoding process that has not said it is ready after this long is stopped: its start-up (tsx, a busy machine) takes well under a second. */
const STARTUP_MS = 30_000;

/** How a process ended. */
interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started decoding process and the limits it was started with. */
interface DecodeProcess {
  child: ChildProcess;
  key: string;
  /** Resolves once the process has loaded hyparquet and waits for a file. */
  ready: Promise<void>;
  /** Resolves once the process has ended and its stderr is read to the end. */
  exited: Promise<Exit>;
  /** The end of its stderr, and V8's line saying it ran out of memory when it did. */
  stderr: { tail: string; outOfMemory?: string };
  /** While a read uses the process: receives its `error` events (a failed spawn, a message that could not be sent). */
  onError?: (e: Error) => void;
  /** While a read uses the process: told when it ends. A slot, not a listener per read: a process serves many reads. */
  onExit?: (e: Exit) => void;
}

/** A decoding process kept this long after a read, for the next file (one takes ~50-300 ms to start, more under tsx). */
const IDLE_MS = 2000;
let idle: { p: DecodeProcess; timer: NodeJS.Timeout } | undefined;
/** Every decoding process not known to have ended, killed when this process exits. */
const running = new Set<ChildProcess>();

/**
 * Kills the decoding processes when this one exits (process.exit() from the
 * CLI's signal handlers, say). An idle process exits by itself when its IPC
 * channel closes, but one busy in a long synchronous decoding would not hear
 * of it until that ends. Registered with the first process, not at import.
 */
function killOnExit(child: ChildProcess): void {
  if (running.size === 0) process.once('exit', killRunning);
  running.add(child);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) process.off('exit', killRunning);
  });
}

function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
}

function boundsKey(b: ParquetBounds): string {
  return `${b.heapMiB}/${b.youngMiB}`;
}

/** `code 1`, `signal SIGABRT`: how a process ended. */
function exitText(e: Exit): string {
  return e.signal !== null ? `signal ${e.signal}` : `code ${e.code}`;
}

/**
 * The line of a process's stderr that says what went wrong, as `: <line>`,
 * or nothing: the last one naming an error (V8's "FATAL ERROR: ...", an
 * uncaught "TypeError: ..."), else the last line. Not simply the last line:
 * a native stack trace or Node's version line follows the message.
 */
function stderrReason(tail: string): string {
  const lines = tail.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^#?\s*(?:fatal|\w*error\b)/i.test(lines[i] as string)) return `: ${lines[i]}`;
  }
  return lines.length > 0 ? `: ${lines.at(-1)}` : '';
}

function startProcess(b: ParquetBounds): DecodeProcess {
  const { modulePath, execArgv } = decoderEntry();
  const child = fork(modulePath, [], {
    execArgv: [...execArgv, `--max-old-space-size=${b.heapMiB}`, `--max-semi-space-size=${Math.max(1, Math.floor(b.youngMiB / 3))}`],
    // Structured clone: Float64Array, BigInt and Date values arrive as such, as they did from a worker thread.
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  killOnExit(child);
  const p: DecodeProcess = { child, key: boundsKey(b), ready: Promise.resolve(), exited: Promise.resolve({ code: null, signal: null }), stderr: { tail: '' } };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Looked for before trimming: V8's native stack trace after its message can be longer than the tail.
    const text = p.stderr.tail + chunk;
    p.stderr.outOfMemory ??= OUT_OF_MEMORY.exec(text)?.[0].trim();
    p.stderr.tail = text.slice(-STDERR_TAIL);
  });
  // Always listened to: an `error` event without a listener would throw in the parent.
  child.on('error', (e) => p.onError?.(e));
  p.exited = new Promise((resolve) => child.once('close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal })));
  void p.exited.then((e) => p.onExit?.(e));
  p.ready = new Promise<void>((resolve, reject) => {
    const onMessage = (m: FromParquetWorker): void => {
      if (m.type !== 'ready') return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    void p.exited.then((e) => reject(new Error(`the Parquet decoding process exited (${exitText(e)}) before it was ready${stderrReason(p.stderr.tail)}`)));
  });
  p.ready.catch(() => {});
  return p;
}

/** Whether a process can take another file. */
function alive(p: DecodeProcess): boolean {
  return p.child.exitCode === null && p.child.signalCode === null && p.child.connected;
}

/** Ends a process, at once: it may be stuck in hyparquet. */
function stopProcess(p: DecodeProcess): void {
  p.child.kill('SIGKILL');
}

/** Whether the process (its handle, IPC channel and stderr pipe) keeps the parent's event loop alive. */
function setRef(p: DecodeProcess, ref: boolean): void {
  const handles = [p.child, p.child.channel, p.child.stderr as Socket | null];
  for (const h of handles) {
    if (ref) h?.ref();
    else h?.unref();
  }
}

/** The idle process when its limits are these and it is alive, else a new one. */
function leaseProcess(b: ParquetBounds): DecodeProcess {
  const kept = idle;
  idle = undefined;
  if (kept !== undefined) {
    clearTimeout(kept.timer);
    if (kept.p.key === boundsKey(b) && alive(kept.p)) return kept.p;
    stopProcess(kept.p);
  }
  return startProcess(b);
}

/** Keeps a process that finished a read cleanly for the next one, for {@link IDLE_MS}. */
function releaseProcess(p: DecodeProcess): void {
  if (idle !== undefined) {
    clearTimeout(idle.timer);
    stopProcess(idle.p);
  }
  // An idle process never keeps the parent alive; it exits when the parent does (its IPC channel closes).
  setRef(p, false);
  const timer = setTimeout(() => {
    if (idle?.p === p) idle = undefined;
    stopProcess(p);
  }, IDLE_MS);
  timer.unref();
  idle = { p, timer };
}

/**
 * Why a decoding process ended during a read: a {@link BaselineInputError}
 * when it ran out of heap (V8 says so on stderr, and ends the process with
 * SIGABRT: exit code 134 through a shell), else an Error naming how it ended.
 */
function exitError(path: string, heapMiB: number, p: DecodeProcess, e: Exit): Error {
  if (p.stderr.outOfMemory !== undefined || e.signal === 'SIGABRT' || e.code === 134) {
    return new BaselineInputError(
      'parse',
      `${path}: decoding needed more than ${heapMiB} MiB of heap: the file is corrupt or holds column chunks too large to decode within that bound (it is 128 MiB + twice the file size, at least ${PARQUET_MIN_HEAP_MIB} and at most ${PARQUET_MAX_HEAP_MIB} MiB)`,
      { path, cause: new Error(`the decoding process ended (${exitText(e)})${p.stderr.outOfMemory !== undefined ? `: ${p.stderr.outOfMemory}` : stderrReason(p.stderr.tail)}`) },
    );
  }
  return new Error(`${path}: the Parquet decoding process exited (${exitText(e)}) while decoding${stderrReason(p.stderr.tail)}`);
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
  const p = leaseProcess(bounds);
  const { child } = p;
  setRef(p, true);
  let startup: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  let onMessage: ((m: FromParquetWorker) => void) | undefined;
  /** Whether the process finished the file (read or refused it) and waits for another. */
  let reusable = false;
  /** Whether the read has its outcome (a process starting late must not be given the file then). */
  let settled = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: unknown): void => {
        settled = true;
        reject(e);
      };
      onAbort = () => fail(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      p.onError = (e) => fail(new Error(`${path}: the Parquet decoding process failed: ${e.message}`, { cause: e }));
      let totalRows = 0;
      /** Rows of the row groups done, as counted into the accumulator. */
      let counted = 0;
      onMessage = (m: FromParquetWorker) => {
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
              settled = true;
              resolve();
              return;
            case 'error':
              // The process caught the failure and waits for another file.
              reusable = true;
              throw new BaselineInputError(m.code, m.message, { path, ...(m.causeName !== undefined ? { cause: causeOf(m.causeName, m.causeMessage) } : {}) });
          }
        } catch (e) {
          fail(e);
        }
      };
      child.on('message', onMessage);
      const post = (m: ToParquetWorker): void => {
        child.send(m);
      };
      startup = setTimeout(() => fail(new Error(`${path}: the Parquet decoding process did not start within ${STARTUP_MS / 1000} s`)), STARTUP_MS);
      startup.unref();
      p.ready.then(() => {
        clearTimeout(startup);
        if (settled) return;
        // From here an exit is the decoding's (before, `ready` rejects saying the process did not start).
        p.onExit = (e) => fail(exitError(path, bounds.heapMiB, p, e));
        const seconds = Math.round(bounds.deadlineMs / 100) / 10;
        deadline = setTimeout(() => {
          fail(new BaselineInputError('parse', `${path}: decoding took longer than ${seconds} s: the file is corrupt (hyparquet decodes corrupt run lengths for minutes) or the machine is far too busy; the bound is ${PARQUET_MIN_DEADLINE_MS / 1000} s plus ${PARQUET_DEADLINE_MS_PER_MIB / 1000} s per MiB of file`, { path }));
        }, bounds.deadlineMs);
        deadline.unref();
        const job: ParquetJob = { type: 'read', path, totalBytes: ctx.totalBytes, rowsPerRead: ctx.parquetRowsPerRead ?? PARQUET_ROWS_PER_READ };
        post(job);
      }, (e: Error) => fail(new Error(`${path}: ${e.message}`, { cause: e })));
    });
  } finally {
    clearTimeout(startup);
    clearTimeout(deadline);
    if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    if (onMessage !== undefined) child.off('message', onMessage);
    p.onError = undefined;
    p.onExit = undefined;
    if (reusable) releaseProcess(p);
    // A process stopped mid-file (deadline, abort, failure) may be stuck in hyparquet: it is not reused.
    else stopProcess(p);
  }
}
