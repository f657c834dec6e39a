/**
 * CSV input: a header line, then one row per record, parsed by csv-parse's
 * streaming parser (RFC 4180 quoting, CRLF, a byte-order mark) so memory stays
 * bounded by one record whatever the file size.
 */
import { createReadStream } from 'node:fs';
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
  // No `info`/`on_record`: csv-parse then builds a context object per record, which
  // costs about a third of the throughput. Line numbers of malformed records still
  // come with csv-parse's errors; warnings name the data row instead.
  const parser = parse({ bom: true, skip_empty_lines: true, max_record_size: MAX_CSV_RECORD_BYTES });
  // pipeline() may report the AbortError it destroys the source with instead of
  // the consumer's own error, so the consumer keeps its error for the catch below.
  let failure: BaselineInputError | undefined;
  const consume = async (records: AsyncIterable<string[]>): Promise<void> => {
    try {
      await consumeRecords(records);
    } catch (e) {
      if (e instanceof BaselineInputError) failure = e;
      throw e;
    }
  };
  const consumeRecords = async (records: AsyncIterable<string[]>): Promise<void> => {
    for await (const record of records) {
      if (header === undefined) {
        header = record;
        try {
          acc.declareColumns(record);
        } catch (e) {
          throw new BaselineInputError('parse', `${path}: header: ${(e as Error).message}`, { path, line: 1, cause: e });
        }
        checkColumns(ctx, record);
        continue;
      }
      acc.addArrayRow(record);
      if (++rows % PROGRESS_EVERY_ROWS === 0) ctx.progress(stream.bytesRead);
    }
  };
  try {
    await pipeline(stream, parser, consume, ctx.signal ? { signal: ctx.signal } : {});
  } catch (e) {
    if (failure) throw failure;
    // pipeline() rejects with a generic AbortError; callers expect the signal's own reason.
    if (ctx.signal?.aborted) throw ctx.signal.reason;
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
