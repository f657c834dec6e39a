/**
 * Cheap plausibility checks of a Parquet file's footer and page headers, run
 * before hyparquet decodes anything. hyparquet takes sizes and counts at their
 * word: a page header claiming 2 GiB uncompressed makes it allocate 2 GiB
 * (outside the V8 heap, where a worker's `resourceLimits` do not reach), a
 * value count of 2^31 an array of that length. Each check compares a claim
 * with what the file can hold, so most corrupt files fail here, fast and with
 * a message naming the claim, instead of at the worker's memory bound or
 * deadline (see parquet.ts).
 *
 * @module
 */
import type { ColumnChunk, ColumnMetaData, FileMetaData, RowGroup } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';

/**
 * Snappy's largest expansion: a 5-byte copy emits at most 64 bytes, so no
 * block decompresses to more than ~21x its size (plus its length preamble).
 */
const SNAPPY_MAX_RATIO = 22;

/** A claim of the file that cannot be true; the message says which and why. */
export class ParquetPlausibilityError extends Error {
  override readonly name = 'ParquetPlausibilityError';
}

/**
 * Checks the footer's row counts and each column chunk's byte range against
 * the file size.
 * @throws {@link ParquetPlausibilityError} naming the row group and column.
 */
export function checkFooter(metadata: FileMetaData, fileBytes: number): void {
  let rows = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const n = Number(group.num_rows);
    if (!Number.isSafeInteger(n) || n < 0) throw new ParquetPlausibilityError(`row group ${g + 1} claims ${group.num_rows} rows`);
    rows += n;
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (meta === undefined) continue;
      const { start, size } = chunkRange(meta);
      const where = `row group ${g + 1}, column "${meta.path_in_schema.join('.')}"`;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(size) || start < 0 || size < 0 || start + size > fileBytes) {
        throw new ParquetPlausibilityError(`${where}: the column chunk claims bytes ${start}..${start + size} of a ${fileBytes}-byte file`);
      }
      if (isFlat(meta) && Number(meta.num_values) !== n) {
        throw new ParquetPlausibilityError(`${where}: the column chunk claims ${meta.num_values} values for the row group's ${n} rows`);
      }
    }
  }
  if (rows !== Number(metadata.num_rows)) throw new ParquetPlausibilityError(`the footer announces ${metadata.num_rows} rows, its row groups hold ${rows}`);
}

/** Where a column chunk's pages are: from its dictionary page when it has one. */
export function chunkRange(meta: ColumnMetaData): { start: number; size: number } {
  const dict = meta.dictionary_page_offset;
  // pyarrow and polars sometimes write a dictionary offset of 0 or after the data: hyparquet takes the smaller.
  const start = Number(dict !== undefined && dict > 0n && dict < meta.data_page_offset ? dict : meta.data_page_offset);
  return { start, size: Number(meta.total_compressed_size) };
}

/** A top-level column of plain values (not a list or struct part): one value per row. */
function isFlat(meta: ColumnMetaData): boolean {
  return meta.path_in_schema.length === 1;
}

/**
 * Walks the page headers of one column chunk (its bytes, from
 * {@link chunkRange}) without decoding a page: every page must lie inside the
 * chunk, a compressed page must not claim more than Snappy can expand to, and
 * the pages of a top-level column must hold as many values as the row group
 * has rows.
 * @throws {@link ParquetPlausibilityError} naming the page and its claim.
 */
export function checkColumnChunk(bytes: Uint8Array, chunk: ColumnChunk, group: RowGroup): void {
  const meta = chunk.meta_data;
  if (meta === undefined) return;
  const rows = Number(group.num_rows);
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  let values = 0;
  // Bounded: each turn moves past a header of at least one byte, or throws.
  for (let page = 1; reader.offset < bytes.byteLength; page++) {
    const at = reader.offset;
    let header: ReturnType<typeof parquetHeader>;
    try {
      header = parquetHeader(reader);
    } catch (e) {
      throw new ParquetPlausibilityError(`page ${page}: unreadable page header at byte ${at} of the column chunk (${(e as Error).message})`);
    }
    if (reader.offset <= at) throw new ParquetPlausibilityError(`page ${page}: empty page header at byte ${at} of the column chunk`);
    const compressed = header.compressed_page_size;
    const uncompressed = header.uncompressed_page_size;
    const left = bytes.byteLength - reader.offset;
    if (!Number.isSafeInteger(compressed) || compressed < 0 || compressed > left) {
      throw new ParquetPlausibilityError(`page ${page}: claims ${compressed} bytes where the column chunk has ${left} left`);
    }
    if (!Number.isSafeInteger(uncompressed) || uncompressed < 0) throw new ParquetPlausibilityError(`page ${page}: claims ${uncompressed} uncompressed bytes`);
    if (meta.codec === 'SNAPPY' && uncompressed > compressed * SNAPPY_MAX_RATIO + 64) {
      throw new ParquetPlausibilityError(`page ${page}: claims ${uncompressed} uncompressed bytes from ${compressed} Snappy-compressed ones, more than Snappy can expand to`);
    }
    const dataValues = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values;
    if (dataValues !== undefined) {
      if (!Number.isSafeInteger(dataValues) || dataValues < 0) throw new ParquetPlausibilityError(`page ${page}: claims ${dataValues} values`);
      values += dataValues;
      if (isFlat(meta) && values > rows) throw new ParquetPlausibilityError(`page ${page}: the pages claim ${values} values or more for the row group's ${rows} rows`);
    }
    const dictValues = header.dictionary_page_header?.num_values;
    // A dictionary value takes at least one byte (booleans are never dictionary-encoded).
    if (dictValues !== undefined && (!Number.isSafeInteger(dictValues) || dictValues < 0 || dictValues > Math.max(uncompressed, compressed))) {
      throw new ParquetPlausibilityError(`page ${page}: the dictionary claims ${dictValues} values in ${uncompressed} bytes`);
    }
    reader.offset += compressed;
  }
  if (isFlat(meta) && values !== rows) throw new ParquetPlausibilityError(`the pages hold ${values} values for the row group's ${rows} rows`);
}
