/**
 * Parquet input through hyparquet (snappy, dictionary and the other standard
 * encodings), one row group and one column at a time, over a file handle: the
 * whole file is never loaded, and memory holds one decoded column of one row group.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { BaselineInputError } from '../errors.js';
import { checkColumns, type ReaderContext } from './types.js';

/** An hyparquet `AsyncBuffer` reading byte ranges from an open file. */
export function fileHandleBuffer(fh: FileHandle, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? byteLength, byteLength);
      const out = new Uint8Array(Math.max(0, stop - start));
      let filled = 0;
      // Bounded: each read returns at least one byte until EOF, which ends the loop.
      while (filled < out.length) {
        const { bytesRead } = await fh.read(out, filled, out.length - filled, start + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
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
    const names = parquetSchema(metadata).children.map((c) => c.element.name);
    try {
      acc.declareColumns(names);
    } catch (e) {
      throw new BaselineInputError('parse', `${path}: schema: ${(e as Error).message}`, { path, cause: e });
    }
    checkColumns(ctx, names);
    const used = acc.usedColumns(names);
    const totalRows = Number(metadata.num_rows);
    if (totalRows === 0) throw new BaselineInputError('empty', `${path}: the Parquet file has no rows`, { path });
    let done = 0;
    for (const [g, group] of metadata.row_groups.entries()) {
      signal?.throwIfAborted();
      const rowStart = done;
      const rowEnd = done + Number(group.num_rows);
      for (const column of used) {
        let values: ArrayLike<unknown>;
        try {
          // A scan per column chunk: a scan caches what it decoded, so dropping it
          // after one chunk keeps memory at one decoded column of one row group.
          const scan = await parquetScan({ file, metadata, columns: [column], rowStart, rowEnd });
          values = rowEnd > rowStart ? await scan.readColumn({ column, rowStart, rowEnd }) : [];
        } catch (e) {
          throw new BaselineInputError('parse', `${path}: rows ${rowStart + 1}..${rowEnd} (row group ${g + 1}), column "${column}": ${(e as Error).message}`, { path, cause: e });
        }
        if (values.length !== rowEnd - rowStart) {
          throw new BaselineInputError('parse', `${path}: row group ${g + 1}, column "${column}": expected ${rowEnd - rowStart} values, read ${values.length}`, { path });
        }
        acc.addColumnValues(column, values, rowStart + 1);
      }
      acc.addRowCount(rowEnd - rowStart);
      done = rowEnd;
      ctx.progress(Math.round((ctx.totalBytes * done) / totalRows));
    }
    if (done !== totalRows) throw new BaselineInputError('parse', `${path}: read ${done} rows of the ${totalRows} the footer announces`, { path });
  } finally {
    await fh.close();
  }
}
