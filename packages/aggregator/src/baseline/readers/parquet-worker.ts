/**
 * The Parquet reader's decoding process (see parquet.ts), started with
 * `child_process.fork`: decodes a file with hyparquet, one row group and one
 * column at a time, over a file handle, and sends the decoded values of each
 * {@link ParquetJob.rowsPerRead} rows to the parent, which feeds the
 * accumulator. It runs apart so that a corrupt file making hyparquet loop or
 * allocate without end can be stopped: the parent kills it past a deadline,
 * and its heap has a bound (`--max-old-space-size`), past which V8 ends this
 * process and only this process.
 *
 * Messages in: {@link ToParquetWorker}; out: {@link FromParquetWorker}, over
 * the IPC channel with `serialization: 'advanced'` (typed arrays, BigInts and
 * Dates arrive as such). A process reads one file at a time and may be given
 * another afterwards; it exits when the parent disconnects (or dies).
 *
 * @module
 */
import { realpathSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { checkColumnChunk, checkFooter, chunkRange, ParquetPlausibilityError } from './parquet-checks.js';

/** Reads one file. */
export interface ParquetJob {
  type: 'read';
  path: string;
  totalBytes: number;
  /** Rows decoded per read of a column. */
  rowsPerRead: number;
}

/** Parent -> decoding process. */
export type ToParquetWorker =
  | ParquetJob
  /** The columns to decode, once the parent has checked the schema. */
  | { type: 'columns'; used: string[] }
  /** The parent has taken a `values` message in: the process may send another. */
  | { type: 'ack' };

/** Decoding process -> parent. */
export type FromParquetWorker =
  | { type: 'ready' }
  | { type: 'schema'; names: string[]; totalRows: number }
  | { type: 'values'; column: string; rowStart: number; values: ArrayLike<unknown> }
  /** Row group `group` (0-based) is done; `rows` rows were read in all so far. */
  | { type: 'group'; group: number; rows: number }
  | { type: 'done' }
  /** The file cannot be read; `message` starts with the path. `causeName` is the class of hyparquet's error. */
  | { type: 'error'; code: 'parse' | 'empty'; message: string; causeName?: string; causeMessage?: string };

/** `values` messages sent ahead of the parent: decoding overlaps accumulating, and memory stays bounded. */
const IN_FLIGHT = 2;

/**
 * An hyparquet `AsyncBuffer` reading byte ranges from an open file. The last
 * range read is kept: a column chunk read in several row ranges is then
 * fetched from the file once, not once per range.
 */
export function fileHandleBuffer(fh: FileHandle, byteLength: number): AsyncBuffer {
  let cached: { start: number; stop: number; data: ArrayBuffer } | undefined;
  return {
    byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? byteLength, byteLength);
      if (cached && cached.start === start && cached.stop === stop) return cached.data;
      const out = new Uint8Array(Math.max(0, stop - start));
      let filled = 0;
      // Bounded: each read returns at least one byte until EOF, which ends the loop.
      while (filled < out.length) {
        const { bytesRead } = await fh.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      cached = { start, stop, data: out.buffer };
      return out.buffer;
    },
  };
}

/** A failure to report as a BaselineInputError in the parent. */
class ReadFailure extends Error {
  constructor(readonly code: 'parse' | 'empty', message: string, options?: { cause: unknown }) {
    super(message, options);
  }
}

let credits = IN_FLIGHT;
let wake: (() => void) | undefined;
const inbox: ToParquetWorker[] = [];

function post(m: FromParquetWorker): void {
  // Copied (structured clone): an IPC channel cannot hand buffers over as a thread's transfer list did.
  process.send?.(m);
}

async function nextMessage(): Promise<ToParquetWorker> {
  while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
  return inbox.shift() as ToParquetWorker;
}

async function credit(): Promise<void> {
  while (credits === 0) await new Promise<void>((r) => (wake = r));
  credits--;
}

/** Decodes one file, posting its schema, values and row groups. */
async function read(job: ParquetJob): Promise<void> {
  const { path, totalBytes } = job;
  const fh = await open(path, 'r').catch((e: unknown) => {
    throw new ReadFailure('parse', `${path}: cannot open: ${(e as Error).message}`, { cause: e });
  });
  try {
    const file = fileHandleBuffer(fh, totalBytes);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
      checkFooter(metadata, totalBytes);
    } catch (e) {
      throw new ReadFailure('parse', `${path}: not a readable Parquet file: ${(e as Error).message}`, { cause: e });
    }
    let names: string[];
    try {
      names = parquetSchema(metadata).children.map((c) => c.element.name);
    } catch (e) {
      // A footer whose schema claims more children than it lists: hyparquet's
      // tree building throws a TypeError (found by fuzzing, issue 16).
      throw new ReadFailure('parse', `${path}: not a readable Parquet file: its schema is malformed (${(e as Error).message})`, { cause: e });
    }
    const totalRows = Number(metadata.num_rows);
    post({ type: 'schema', names, totalRows });
    const answer = await nextMessage();
    if (answer.type !== 'columns') throw new Error(`the Parquet decoding process expected the columns to decode, got a "${answer.type}" message`);
    const used = answer.used;
    if (totalRows === 0) throw new ReadFailure('empty', `${path}: the Parquet file has no rows`);
    const step = job.rowsPerRead;
    let done = 0;
    for (const [g, group] of metadata.row_groups.entries()) {
      const groupEnd = done + Number(group.num_rows);
      for (const column of used) {
        const chunk = group.columns.find((c) => c.meta_data?.path_in_schema[0] === column && c.meta_data.path_in_schema.length === 1);
        if (chunk?.meta_data !== undefined) {
          const { start, size } = chunkRange(chunk.meta_data);
          try {
            // The same range hyparquet reads next for a whole chunk: the buffer's cache serves it then.
            checkColumnChunk(new Uint8Array(await file.slice(start, start + size)), chunk, group);
          } catch (e) {
            throw new ReadFailure('parse', `${path}: row group ${g + 1}, column "${column}": ${(e as Error).message}`, { cause: e });
          }
        }
        // hyparquet decodes every page up to the end of the requested range and
        // skips earlier pages undecoded, so reading a column in row ranges keeps
        // one range of decoded values in memory instead of the whole row group.
        for (let rowStart = done; rowStart < groupEnd; rowStart += step) {
          const rowEnd = Math.min(groupEnd, rowStart + step);
          let values: ArrayLike<unknown>;
          try {
            // A scan per range: a scan caches what it decoded, so it is dropped after one read.
            const scan = await parquetScan({ file, metadata, columns: [column], rowStart, rowEnd });
            values = await scan.readColumn({ column, rowStart, rowEnd });
          } catch (e) {
            throw new ReadFailure('parse', `${path}: rows ${rowStart + 1}..${rowEnd} (row group ${g + 1}), column "${column}": ${(e as Error).message}`, { cause: e });
          }
          if (values.length !== rowEnd - rowStart) {
            throw new ReadFailure('parse', `${path}: rows ${rowStart + 1}..${rowEnd}, column "${column}": expected ${rowEnd - rowStart} values, read ${values.length}`);
          }
          await credit();
          post({ type: 'values', column, rowStart, values });
        }
      }
      done = groupEnd;
      post({ type: 'group', group: g, rows: done });
    }
    if (done !== totalRows) throw new ReadFailure('parse', `${path}: read ${done} rows of the ${totalRows} the footer announces`);
  } finally {
    await fh.close();
  }
}

/**
 * Whether this module is the process's entry (forked by parquet.ts), not
 * merely imported: only then does it talk on the IPC channel. Real paths,
 * because a symlinked package (npm workspaces) names the entry one way and
 * the module the other.
 */
function isDecodingProcess(): boolean {
  const entry = process.argv[1];
  if (process.send === undefined || entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isDecodingProcess()) {
  // The parent closed the channel (it exited or died): nothing else will come. Heard between two awaits only: a
  // process inside one long decoding is killed by the parent on its way out (parquet.ts), or ends at its heap bound.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: ToParquetWorker) => {
    if (m.type === 'ack') credits++;
    else inbox.push(m);
    wake?.();
  });
  // One job after another, for as long as the parent keeps the process.
  void (async () => {
    post({ type: 'ready' });
    for (;;) {
      const job = await nextMessage();
      if (job.type !== 'read') continue;
      credits = IN_FLIGHT;
      try {
        await read(job);
        post({ type: 'done' });
      } catch (e) {
        const cause = (e as Error).cause as Error | undefined;
        const code = e instanceof ReadFailure ? e.code : 'parse';
        const message = e instanceof ReadFailure ? e.message : `${job.path}: ${(e as Error).message}`;
        const inner = cause instanceof ParquetPlausibilityError ? undefined : cause;
        post({ type: 'error', code, message, ...(inner instanceof Error ? { causeName: inner.name, causeMessage: inner.message } : {}) });
      }
      inbox.length = 0;
    }
  })();
}
