/**
 * `modelwatch baseline` flags: a pure parser (no file system, no process
 * globals), so every error path is testable.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { BuildBaselineOptions } from './build.js';
import { BASELINE_INPUT_FORMATS, type BaselineInputFormat } from './format.js';

/** `modelwatch baseline --help`. */
export const BASELINE_HELP = `Usage: modelwatch baseline --model NAME --input FILE [options]

Build a model's baseline (the reference distributions drift is measured
against) from a CSV, JSON Lines or Parquet file, streaming it. Columns are
features; their types come from the config when given, else are inferred
(numbers -> numeric, anything else -> categorical).

Then a summary goes to stderr: one line per feature column with its type
(declared) or (inferred), values, distinct values, missing values and the
share of values that are not numbers, and one "warning:" line per warning,
e.g. numbers written as text (np.float64(1.5), Decimal('1.5'), '1.5'),
which make a column categorical, or more distinct values than
--max-categories. With --config, a column declared numeric whose values are
mostly not numbers is an error and nothing is written. stdout gets one JSON
status line.

Options:
  --model NAME              model the baseline belongs to (required)
  --input FILE              data file: .csv, .jsonl/.ndjson or .parquet (required)
  --out FILE                where to write the baseline (default: ./baselines/NAME.json)
  --config FILE             modelwatch.yaml: feature types of the model come from it
  --model-version VERSION   model version the baseline belongs to (default: any)
  --format FORMAT           csv, jsonl or parquet (default: from the file extension)
  --label-column NAME       column with the predicted label (default: label)
  --confidence-column NAME  column with the confidence score (default: confidence)
  --value-column NAME       column with the regression output (default: none)
  --max-size N              buckets per sign of each exponential histogram (default: 160)
  --max-categories N        categories kept per column; the rest count as __other__
                            (default: limits.maxCategories of --config, else 100)
  -h, --help                show this help

Exit status: 0 baseline written (warnings or not); 1 not written: a bad flag,
an unreadable or malformed input, or a column contradicting its declared type;
2 the --config file is invalid.
`;

/** Parsed `modelwatch baseline` flags. */
export type BaselineArgs =
  | { help: true }
  | (Omit<BuildBaselineOptions, 'onProgress' | 'onWarning' | 'signal' | 'features'> & {
      help: false;
      /** Output path. @default ./baselines/NAME.json (relative to the working directory) */
      out: string;
      /** Config file to take the model's feature types from. */
      config?: string;
    });

// Model names end up in the default file name: keep them to one path segment.
const SAFE_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses `modelwatch baseline` arguments (everything after the sub-command).
 * @throws Error naming the bad or missing flag.
 */
export function parseBaselineArgs(argv: readonly string[]): BaselineArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        input: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        'model-version': { type: 'string' },
        format: { type: 'string' },
        'label-column': { type: 'string' },
        'confidence-column': { type: 'string' },
        'value-column': { type: 'string' },
        'max-size': { type: 'string' },
        'max-categories': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    // node:util's messages already name the flag ("Unknown option '--foo'", "Option '--model <value>' argument missing").
    throw new Error(`modelwatch baseline: ${(e as Error).message}; see --help`, { cause: e });
  }
  const v = parsed.values;
  if (v.help === true) return { help: true };
  const fail = (flag: string, why: string): never => {
    throw new Error(`modelwatch baseline: --${flag}: ${why}; see --help`);
  };
  const text = (flag: keyof typeof v & string): string | undefined => {
    const s = v[flag];
    if (s === undefined || typeof s !== 'string') return undefined;
    if (s.trim() === '') fail(flag, 'expected a value, got an empty string');
    return s;
  };
  const integer = (flag: 'max-size' | 'max-categories', min: number): number | undefined => {
    const s = text(flag);
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s.trim()) || Number(s) < min) fail(flag, `expected a whole number >= ${min}, got ${JSON.stringify(s)}`);
    return Number(s);
  };

  const model = text('model') ?? fail('model', 'required (the model the baseline is for)');
  const input = text('input') ?? fail('input', 'required (a .csv, .jsonl or .parquet file)');
  const format = text('format');
  if (format !== undefined && !BASELINE_INPUT_FORMATS.includes(format as BaselineInputFormat)) {
    fail('format', `expected one of ${BASELINE_INPUT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  let out = text('out');
  if (out === undefined) {
    if (!SAFE_FILE_NAME.test(model) || model === '.' || model === '..') {
      fail('out', `required when the model name ${JSON.stringify(model)} is not usable as a file name`);
    }
    out = join('baselines', `${model}.json`);
  }

  const args: BaselineArgs = { help: false, model, input, out };
  const config = text('config');
  if (config !== undefined) args.config = config;
  const modelVersion = text('model-version');
  if (modelVersion !== undefined) args.modelVersion = modelVersion;
  if (format !== undefined) args.format = format as BaselineInputFormat;
  const labelColumn = text('label-column');
  if (labelColumn !== undefined) args.labelColumn = labelColumn;
  const confidenceColumn = text('confidence-column');
  if (confidenceColumn !== undefined) args.confidenceColumn = confidenceColumn;
  const valueColumn = text('value-column');
  if (valueColumn !== undefined) args.valueColumn = valueColumn;
  const maxSize = integer('max-size', 2);
  if (maxSize !== undefined) args.maxSize = maxSize;
  const maxCategories = integer('max-categories', 1);
  if (maxCategories !== undefined) args.maxCategories = maxCategories;
  return args;
}
