/**
 * Parquet input through hyparquet (snappy, dictionary and the other standard
 * encodings), one row group and one column at a time, over a file handle: the
 * whole file is never loaded, and memory holds one compressed column chunk plus
 * the decoded values of {@link PARQUET_ROWS_PER_READ} rows of it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { BaselineInputError } from '../errors.js';
import { checkColumns, type ReaderContext } from './types.js';

/** Rows decoded per read of a column: bounds memory whatever the row group size (pyarrow writes 1M-row groups). */
export const PARQUET_ROWS_PER_READ = 65_536;

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

/**
 * Streams a Parquet file into the accumulator. Progress is reported per row
 * group, as the share of rows read times the file size.
 * @throws {@link BaselineInputError} when the file is not Parquet or has no rows.
 */
export async function readParquet(ctx: ReaderContext): Promise<void> {
  const { acc, path, signal } = ctx;
  const fh = await open(path, 'r');
  try {
    const file = fileHandleBuffer(fh, ctx.totalBytes);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      throw new BaselineInputError('parse', `${path}: not a readable Parquet file: ${(e as Error).message}`, { path, cause: e });
    }
    let names: string[];
    try {
      names = parquetSchema(metadata).children.map((c) => c.element.name);
    } catch (e) {
      // A footer whose schema claims more children than it lists: hyparquet's
      // tree building throws a TypeError (found by fuzzing, issue 16).
      throw new BaselineInputError('parse', `${path}: not a readable Parquet file: its schema is malformed (${(e as Error).message})`, { path, cause: e });
    }
    try {
      acc.declareColumns(names);
    } catch (e) {
      throw new BaselineInputError('parse', `${path}: schema: ${(e as Error).message}`, { path, cause: e });
    }
    checkColumns(ctx, names);
    const used = acc.usedColumns(names);
    const totalRows = Number(metadata.num_rows);
    if (totalRows === 0) throw new BaselineInputError('empty', `${path}: the Parquet file has no rows`, { path });
    const step = ctx.parquetRowsPerRead ?? PARQUET_ROWS_PER_READ;
    let done = 0;
    for (const [g, group] of metadata.row_groups.entries()) {
      const groupEnd = done + Number(group.num_rows);
      for (const column of used) {
        // hyparquet decodes every page up to the end of the requested range and
        // skips earlier pages undecoded, so reading a column in row ranges keeps
        // one range of decoded values in memory instead of the whole row group.
        for (let rowStart = done; rowStart < groupEnd; rowStart += step) {
          signal?.throwIfAborted();
          const rowEnd = Math.min(groupEnd, rowStart + step);
          let values: ArrayLike<unknown>;
          try {
            // A scan per range: a scan caches what it decoded, so it is dropped after one read.
            const scan = await parquetScan({ file, metadata, columns: [column], rowStart, rowEnd });
            values = await scan.readColumn({ column, rowStart, rowEnd });
          } catch (e) {
            throw new BaselineInputError('parse', `${path}: rows ${rowStart + 1}..${rowEnd} (row group ${g + 1}), column "${column}": ${(e as Error).message}`, { path, cause: e });
          }
          if (values.length !== rowEnd - rowStart) {
            throw new BaselineInputError('parse', `${path}: rows ${rowStart + 1}..${rowEnd}, column "${column}": expected ${rowEnd - rowStart} values, read ${values.length}`, { path });
          }
          acc.addColumnValues(column, values, rowStart + 1);
        }
      }
      acc.addRowCount(groupEnd - done);
      done = groupEnd;
      ctx.progress(Math.round((ctx.totalBytes * done) / totalRows));
    }
    if (done !== totalRows) throw new BaselineInputError('parse', `${path}: read ${done} rows of the ${totalRows} the footer announces`, { path });
  } finally {
    await fh.close();
  }
}
