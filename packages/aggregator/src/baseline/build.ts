/**
 * `buildBaseline`: a data file in, a {@link Baseline} out, streaming.
 */
import { stat } from 'node:fs/promises';
import { BaselineAccumulator, type BaselineWarning, type FeatureSummary, type FeatureType } from './accumulator.js';
import { BaselineInputError } from './errors.js';
import { BASELINE_INPUT_FORMATS, formatFromPath, type BaselineInputFormat } from './format.js';
import { readCsv } from './readers/csv.js';
import { readJsonl } from './readers/jsonl.js';
import { readParquet } from './readers/parquet.js';
import type { ReaderContext } from './readers/types.js';
import type { Baseline } from '../engine/baseline.js';

/** Progress of a build, as passed to {@link BuildBaselineOptions.onProgress}. */
export interface BaselineProgress {
  /** Bytes of the input consumed so far (for Parquet: the share of rows read times the file size). */
  bytesRead: number;
  /** Size of the input file. */
  totalBytes: number;
  /** Data rows read so far. */
  rows: number;
}

/** Options of {@link buildBaseline}. */
export interface BuildBaselineOptions {
  /** The model the baseline belongs to. */
  model: string;
  /** The model version it belongs to; absent means any version. */
  modelVersion?: string;
  /** Path of the data file. */
  input: string;
  /** Input format. @default from the extension: `.csv`, `.jsonl`/`.ndjson`, `.parquet`/`.pq` */
  format?: BaselineInputFormat;
  /**
   * Feature columns and their types (from the config). When given, only these
   * columns are features and each must be in the file. When absent, every column
   * but the prediction columns is a feature, typed by inference: numeric when its
   * first {@link BuildBaselineOptions.inferenceSample} non-missing values are all numbers, else categorical.
   * A column declared numeric whose values are mostly (more than half) not
   * numbers is an error; one declared categorical may hold numbers (codes).
   */
  features?: Record<string, FeatureType>;
  /** Column with the predicted label; an explicitly named column must exist. @default 'label' */
  labelColumn?: string;
  /** Column with the confidence score; an explicitly named column must exist. @default 'confidence' */
  confidenceColumn?: string;
  /** Column with the regression output; must exist when given. */
  valueColumn?: string;
  /** Maximum buckets per sign of each exponential histogram (as the OTel SDK's `maxSize`). @default 160 */
  maxSize?: number;
  /** Distinct categories kept per categorical column and for labels; the rest count as `__other__`. @default 100 */
  maxCategories?: number;
  /** Non-missing values a column's type is inferred from. @default 1000 */
  inferenceSample?: number;
  /** Called every few thousand rows and once at the end. */
  onProgress?: (p: BaselineProgress) => void;
  /** Called once per warning at the end (non-numeric values in numeric columns, capped categories, ...). */
  onWarning?: (w: BaselineWarning) => void;
  /** Cancels the build; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A baseline with what happened while building it. */
export interface BaselineReport {
  baseline: Baseline;
  /** What was counted differently from a plain reading of the file. */
  warnings: BaselineWarning[];
  /** One summary per feature column (type, distinct, missing, non-numeric share), sorted by name. */
  columns: FeatureSummary[];
  /** Data rows read. */
  rows: number;
  /** Size of the input in bytes. */
  bytes: number;
  /** Format the input was read as. */
  format: BaselineInputFormat;
}

/**
 * The columns declared numeric whose values are mostly not numbers. Text in a
 * numeric column is counted as missing, so building on would give a baseline of
 * a few stray numbers (or none) while the file plainly says something else:
 * better to stop and name the column.
 * @throws {@link BaselineInputError} `type_mismatch` naming every such column.
 */
function checkDeclaredTypes(columns: readonly FeatureSummary[], path: string): void {
  const problems: string[] = [];
  for (const c of columns) {
    if (c.declared !== 'numeric' || c.nonNumericShare <= 0.5) continue;
    // Exact: the share is texts / values, and both are far below 2^52.
    const texts = Math.round(c.nonNumericShare * c.values);
    const example = c.example === undefined ? '' : `, e.g. ${JSON.stringify(c.example)}`;
    const fix = c.disguisedNumbers > 0
      ? `${c.disguisedNumbers} of them are numbers written as text: write plain numbers, e.g. convert with float() or .astype(float) before writing the file`
      : 'if it holds categories, declare it categorical';
    problems.push(`column "${c.column}" is declared numeric in the config, but ${texts} of its ${c.values} values are not numbers: they read as categorical${example}; ${fix}`);
  }
  if (problems.length === 0) return;
  const message = problems.length === 1
    ? `${path}: ${problems[0] ?? ''}`
    : `${path}: ${problems.length} columns contradict the types declared in the config:\n  - ${problems.join('\n  - ')}`;
  throw new BaselineInputError('type_mismatch', message, { path });
}

/**
 * Builds a baseline from a data file, streaming it, and returns it with the
 * warnings met on the way and a summary of each feature column.
 * @throws {@link BaselineInputError} naming the problem: an unknown format, a
 *   missing or empty file, a malformed row (with its line), a configured column
 *   absent from the file, a column declared numeric whose values are mostly not
 *   numbers (`type_mismatch`). An aborted `signal` rejects with its reason.
 */
export async function buildBaselineReport(opts: BuildBaselineOptions): Promise<BaselineReport> {
  if (typeof opts.model !== 'string' || opts.model.trim() === '') {
    throw new BaselineInputError('bad_option', `model: expected a non-empty model name, got ${JSON.stringify(opts.model)}`);
  }
  if (typeof opts.input !== 'string' || opts.input === '') {
    throw new BaselineInputError('bad_option', `input: expected a file path, got ${JSON.stringify(opts.input)}`);
  }
  if (opts.format !== undefined && !BASELINE_INPUT_FORMATS.includes(opts.format)) {
    throw new BaselineInputError('unknown_format', `format: expected one of ${BASELINE_INPUT_FORMATS.join(', ')}, got ${JSON.stringify(opts.format)}`, { path: opts.input });
  }
  const format = opts.format ?? formatFromPath(opts.input);
  opts.signal?.throwIfAborted();

  let totalBytes: number;
  try {
    const s = await stat(opts.input);
    if (!s.isFile()) throw new BaselineInputError('not_a_file', `input ${opts.input} is not a regular file`, { path: opts.input });
    totalBytes = s.size;
  } catch (e) {
    if (e instanceof BaselineInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BaselineInputError('not_found', `input file not found: ${opts.input}`, { path: opts.input, cause: e });
    throw new BaselineInputError('not_found', `cannot read input ${opts.input}: ${(e as Error).message}`, { path: opts.input, cause: e });
  }
  if (totalBytes === 0) throw new BaselineInputError('empty', `input file ${opts.input} is empty`, { path: opts.input });

  let acc: BaselineAccumulator;
  try {
    acc = new BaselineAccumulator(opts);
  } catch (e) {
    throw new BaselineInputError('bad_option', (e as Error).message, { cause: e });
  }
  const report = (bytesRead: number): void => {
    opts.onProgress?.({ bytesRead: Math.min(bytesRead, totalBytes), totalBytes, rows: acc.rows });
  };
  const explicit: ReaderContext['explicit'] = {};
  if (opts.labelColumn !== undefined) explicit.labelColumn = true;
  if (opts.confidenceColumn !== undefined) explicit.confidenceColumn = true;
  const ctx: ReaderContext = { path: opts.input, totalBytes, acc, explicit, progress: report, signal: opts.signal };
  switch (format) {
    case 'csv':
      await readCsv(ctx);
      break;
    case 'jsonl':
      await readJsonl(ctx);
      break;
    case 'parquet':
      await readParquet(ctx);
      break;
  }
  report(totalBytes);
  const meta: { model: string; modelVersion?: string; createdAt: string; path: string } = {
    model: opts.model,
    createdAt: new Date().toISOString(),
    path: opts.input,
  };
  if (opts.modelVersion !== undefined) meta.modelVersion = opts.modelVersion;
  const { baseline, warnings, columns } = acc.finish(meta);
  checkDeclaredTypes(columns, opts.input);
  for (const w of warnings) opts.onWarning?.(w);
  return { baseline, warnings, columns, rows: acc.rows, bytes: totalBytes, format };
}

/**
 * Builds a baseline from a CSV, JSON Lines or Parquet file, streaming it
 * (memory is bounded by the number of columns, not the file size).
 * Warnings go to {@link BuildBaselineOptions.onWarning}; use
 * {@link buildBaselineReport} to get them as a list.
 * @throws {@link BaselineInputError} naming what was wrong with the input.
 */
export async function buildBaseline(opts: BuildBaselineOptions): Promise<Baseline> {
  return (await buildBaselineReport(opts)).baseline;
}
