/**
 * CSV input: a header line, then one row per record, parsed by csv-parse's
 * streaming parser (RFC 4180 quoting, CRLF, a byte-order mark) so memory stays
 * bounded by one record whatever the file size.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse } from 'csv-parse';
import { BaselineInputError } from '../errors.js';
import { PROGRESS_EVERY_ROWS, checkColumns, type ReaderContext } from './types.js';

/** Longest record accepted; past it (e.g. an unclosed quote) the file is rejected instead of filling memory. */
export const MAX_CSV_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Streams a CSV file into the accumulator.
 * @throws {@link BaselineInputError} naming the line of a malformed record, a bad
 *   header, or a file without data rows.
 */
export async function readCsv(ctx: ReaderContext): Promise<void> {
  const { acc, path } = ctx;
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  let header: string[] | undefined;
  let rows = 0;
  const parser = parse({
    bom: true,
    skip_empty_lines: true,
    max_record_size: MAX_CSV_RECORD_BYTES,
    // Rows are consumed here, synchronously, and dropped (null): nothing queues up behind the parser.
    on_record: (record: string[], info) => {
      if (header === undefined) {
        header = record;
        try {
          acc.declareColumns(record);
        } catch (e) {
          throw new BaselineInputError('parse', `${path}: header: ${(e as Error).message}`, { path, line: info.lines, cause: e });
        }
        checkColumns(ctx, record);
        return null;
      }
      acc.addArrayRow(record, info.lines);
      if (++rows % PROGRESS_EVERY_ROWS === 0) ctx.progress(stream.bytesRead);
      return null;
    },
  });
  const drain = new Writable({ objectMode: true, write: (_chunk, _enc, done) => done() });
  try {
    await pipeline(stream, parser, drain, ctx.signal ? { signal: ctx.signal } : {});
  } catch (e) {
    if (e instanceof BaselineInputError) throw e;
    if (e instanceof CsvError) {
      const lines: unknown = (e as unknown as { lines?: unknown }).lines;
      const line = typeof lines === 'number' ? lines : undefined;
      throw new BaselineInputError('parse', `${path}: cannot parse CSV: ${e.message}`, line === undefined ? { path, cause: e } : { path, line, cause: e });
    }
    throw e;
  }
  if (header === undefined) throw new BaselineInputError('empty', `${path}: no CSV header and no rows (the file holds only blank lines)`, { path });
  if (rows === 0) throw new BaselineInputError('empty', `${path}: a CSV header but no data rows`, { path });
  ctx.progress(stream.bytesRead);
}
