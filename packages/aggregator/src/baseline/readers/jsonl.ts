/**
 * JSON Lines input: one JSON object per line; blank lines are skipped. Lines
 * are cut from the byte stream here rather than with `readline`, which is
 * several times slower on large files and has no bound on a line's length.
 */
import { createReadStream } from 'node:fs';
import { BaselineInputError } from '../errors.js';
import { PROGRESS_EVERY_ROWS, checkColumns, type ReaderContext } from './types.js';

/** Longest line accepted (in UTF-16 units); past it the file is rejected instead of filling memory. */
export const MAX_JSONL_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Streams a JSON Lines file into the accumulator.
 * @throws {@link BaselineInputError} naming the line that is not a JSON object, or
 *   a file without rows.
 */
export async function readJsonl(ctx: ReaderContext): Promise<void> {
  const { acc, path, signal } = ctx;
  // The utf8 decoder keeps a character split across two chunks whole.
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  let carry = '';
  let line = 0;
  let rows = 0;
  const take = (text: string): void => {
    line++;
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(t);
    } catch (e) {
      throw new BaselineInputError('parse', `${path}: line ${line}: not valid JSON: ${(e as Error).message}`, { path, line, cause: e });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new BaselineInputError('parse', `${path}: line ${line}: expected a JSON object (one row), got ${got}`, { path, line });
    }
    // The rule of a CSV header (declareColumns): a blank key names no column. Found
    // by fuzzing (issue 16): a "" key became a feature, and a baseline that does not load.
    for (const key in value) {
      if (key.trim() === '') throw new BaselineInputError('parse', `${path}: line ${line}: a key is empty; every key names a column`, { path, line });
    }
    acc.addObjectRow(value as Record<string, unknown>, line);
    if (++rows % PROGRESS_EVERY_ROWS === 0) ctx.progress(stream.bytesRead);
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      signal?.throwIfAborted();
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        take(carry + chunk.slice(start, nl));
        carry = '';
        start = nl + 1;
      }
      carry += chunk.slice(start);
      if (carry.length > MAX_JSONL_LINE_CHARS) {
        throw new BaselineInputError('parse', `${path}: line ${line + 1} is longer than ${MAX_JSONL_LINE_CHARS} characters`, { path, line: line + 1 });
      }
    }
    if (carry !== '') take(carry);
  } finally {
    stream.destroy();
  }
  if (rows === 0) throw new BaselineInputError('empty', `${path}: no JSON rows (the file holds only blank lines)`, { path });
  checkColumns(ctx, acc.columns);
  ctx.progress(stream.bytesRead);
}
