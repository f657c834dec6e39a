/**
 * Input formats of the baseline builder and how a file's format is told from its name.
 */
import { extname } from 'node:path';
import { BaselineInputError } from './errors.js';

/** Input formats `buildBaseline` reads. */
export type BaselineInputFormat = 'csv' | 'jsonl' | 'parquet';

/** The formats, for validation and help texts. */
export const BASELINE_INPUT_FORMATS: readonly BaselineInputFormat[] = ['csv', 'jsonl', 'parquet'];

/**
 * The input format of `path` from its extension.
 * @throws {@link BaselineInputError} (`unknown_format`) for any other extension.
 */
export function formatFromPath(path: string): BaselineInputFormat {
  const ext = extname(path).toLowerCase();
  switch (ext) {
    case '.csv':
      return 'csv';
    case '.jsonl':
    case '.ndjson':
      return 'jsonl';
    case '.parquet':
    case '.pq':
      return 'parquet';
    default:
      throw new BaselineInputError(
        'unknown_format',
        `cannot tell the format of ${path} from its extension ${ext === '' ? '(none)' : JSON.stringify(ext)}; expected .csv, .jsonl, .ndjson or .parquet, or pass the format (${BASELINE_INPUT_FORMATS.join(', ')})`,
        { path },
      );
  }
}
