/**
 * What every input reader gets: the file, the accumulator to feed, and hooks
 * for progress and cancellation.
 */
import type { BaselineAccumulator } from '../accumulator.js';
import { BaselineInputError } from '../errors.js';

/** What decoding one file may take. */
export interface ParquetBounds {
  /** The decoding process's old-generation (V8 heap) bound, in MiB (`--max-old-space-size`). */
  heapMiB: number;
  /**
   * The decoding process's young-generation bound, in MiB. V8 splits it in
   * three (two semi-spaces and the new large-object space): the process gets
   * `--max-semi-space-size` of a third of it.
   */
  youngMiB: number;
  /** Wall time from the process's start on the file to its last value, in ms. */
  deadlineMs: number;
}

/** Context handed to a reader. */
export interface ReaderContext {
  /** The input file. */
  path: string;
  /** Size of the file in bytes. */
  totalBytes: number;
  /** Receives every row. */
  acc: BaselineAccumulator;
  /** Prediction columns named explicitly by the caller: their absence is an error. */
  explicit: { labelColumn?: boolean; confidenceColumn?: boolean };
  /** Called now and then with the bytes consumed so far. */
  progress: (bytesRead: number) => void;
  /** Stops reading when aborted. */
  signal: AbortSignal | undefined;
  /** Parquet: rows decoded per read of a column (tests use small values). @default PARQUET_ROWS_PER_READ */
  parquetRowsPerRead?: number;
  /** Parquet: overrides of the decoding bounds (tests use small values). @default parquetBounds(totalBytes) */
  parquetBounds?: Partial<ParquetBounds>;
}

/** How often (in rows) readers report progress and look at the abort signal. */
export const PROGRESS_EVERY_ROWS = 4096;

/**
 * Checks that the configured features and explicitly named prediction columns
 * are among the file's columns.
 * @throws {@link BaselineInputError} (`missing_column`) naming each absent column.
 */
export function checkColumns(ctx: ReaderContext, names: Iterable<string>): void {
  try {
    ctx.acc.checkColumns(names, ctx.explicit);
  } catch (e) {
    throw new BaselineInputError('missing_column', `${ctx.path}: ${(e as Error).message}`, { path: ctx.path, cause: e });
  }
}
