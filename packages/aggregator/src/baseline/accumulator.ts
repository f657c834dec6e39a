/**
 * Turns rows (or column chunks) into a {@link Baseline}, one value at a time,
 * in memory bounded by the number of columns: numeric columns go straight into
 * exponential histograms, categorical ones into bounded counts. No I/O here;
 * the readers in `./readers/` feed it.
 */
import { CategoricalDistribution, ExponentialHistogram } from '@modelwatch/stats';
import { CONFIDENCE_BUCKETS, OTHER_CATEGORY } from '@modelwatch/semconv';
import {
  BASELINE_FORMAT,
  type Baseline,
  type FeatureBaseline,
  type PredictionBaseline,
} from '../engine/baseline.js';
import { disguisedNumber, plainNumber, readCell, type Cell } from './values.js';

/** Type of a feature column. */
export type FeatureType = 'numeric' | 'categorical';

/** Options of {@link BaselineAccumulator}. */
export interface AccumulatorOptions {
  /** Feature types from the config; when given, only these columns are features. */
  features?: Record<string, FeatureType>;
  /** Column with the predicted label. @default 'label' */
  labelColumn?: string;
  /** Column with the prediction's confidence score. @default 'confidence' */
  confidenceColumn?: string;
  /** Column with the regression output, if any. */
  valueColumn?: string;
  /** Maximum buckets per sign of each exponential histogram. @default 160 */
  maxSize?: number;
  /** Distinct categories kept per column (and for labels); later ones count as `__other__`. @default 100 */
  maxCategories?: number;
  /** Non-empty values a column's type is inferred from. @default 1000 */
  inferenceSample?: number;
}

/** Something in the input that did not stop the build but changed what was counted. */
export interface BaselineWarning {
  /** The column concerned. */
  column: string;
  /**
   * - `non_numeric`: text in a numeric column (counted as missing);
   * - `unsupported`: a value that is neither number nor text, e.g. Infinity or a nested object (counted as missing);
   * - `missing_prediction`: a row without a usable label / confidence / value (not counted);
   * - `out_of_range`: a confidence outside [0, 1] (counted in the edge bucket);
   * - `categories_capped`: more distinct values than `maxCategories` (the rest counted as `__other__`);
   * - `no_values`: a column with no value at all (typed categorical);
   * - `disguised_numbers`: at least half of a feature column's values are numbers
   *   wrapped in text (`np.float64(1.5)`, `'1.5'`), so they were not read as numbers.
   */
  kind: 'non_numeric' | 'unsupported' | 'missing_prediction' | 'out_of_range' | 'categories_capped' | 'no_values' | 'disguised_numbers';
  /** How many values it concerned. */
  count: number;
  /** 1-based data row where it first happened (the header is not a row). */
  firstRow?: number;
  /** 1-based line of the file where it first happened (CSV, JSON Lines). */
  firstLine?: number;
  /** The first offending value, shortened. */
  example?: string;
  /** The whole warning as one sentence. */
  message: string;
}

/**
 * What the builder saw in one feature column, so a person can check the types
 * before trusting the baseline (the CLI prints one line per column).
 */
export interface FeatureSummary {
  /** The column's name. */
  column: string;
  /** The type the baseline uses. */
  type: FeatureType;
  /** The type the config declares; absent when the type was inferred. */
  declared?: FeatureType;
  /**
   * What inference says of the values: numeric when every one of the first
   * `inferenceSample` non-missing values is a number, else categorical; absent
   * when the column has no value. Tracked for declared columns too, so a
   * declared type the values contradict shows.
   */
  inferred?: FeatureType;
  /** Non-missing values: numbers and texts (text in a numeric column included, though the baseline counts it as missing). */
  values: number;
  /** Missing values: empty and NA-style cells, absent JSON keys, and values that are neither number nor text. */
  missing: number;
  /** Distinct values, compared as text; exact unless {@link FeatureSummary.distinctCapped}. */
  distinct: number;
  /** Counting stopped at the bound (`max(maxCategories, 1000) + 1`) to keep memory bounded: `distinct` is a lower bound. */
  distinctCapped: boolean;
  /** Share of `values` that are not numbers, in [0, 1]; 0 without values. */
  nonNumericShare: number;
  /** Texts that are numbers in disguise (`np.float64(1.5)`, `Decimal('1.5')`, `'1.5'`). */
  disguisedNumbers: number;
  /** The first value that is not a number, shortened. */
  example?: string;
}

/** What {@link BaselineAccumulator.finish} returns. */
export interface AccumulatorResult {
  baseline: Baseline;
  warnings: BaselineWarning[];
  /** One summary per feature column, sorted by name. */
  columns: FeatureSummary[];
}

/** Where a value came from, for warnings. */
interface Position {
  row: number;
  line: number | undefined;
}

/** A value as quoted in warnings: long texts are cut so one warning stays one line. */
function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

class Issue {
  count = 0;
  firstRow = 0;
  firstLine: number | undefined;
  example: string | undefined;

  note(at: Position, example?: string): void {
    if (this.count === 0) {
      this.firstRow = at.row;
      this.firstLine = at.line;
      this.example = example === undefined ? undefined : shorten(example);
    }
    this.count++;
  }
}

/** Where an {@link Issue} first happened, for messages. */
function firstAt(issue: Issue): string {
  return issue.firstLine === undefined ? `row ${issue.firstRow}` : `line ${issue.firstLine}`;
}

/** Category counts as a plain record with sorted keys, so the file is stable whatever order the rows came in. */
function countsRecord(d: CategoricalDistribution): Record<string, number> {
  const counts = d.counts();
  const out: Record<string, number> = {};
  for (const k of [...counts.keys()].sort()) out[k] = counts.get(k) ?? 0;
  return out;
}

/** Values counted as `__other__` because the bound was reached (0 while it was not). */
function overflow(d: CategoricalDistribution): number {
  const counts = d.counts();
  const named = counts.size - (counts.has(d.otherCategory) ? 1 : 0);
  return named >= d.maxCategories ? (counts.get(d.otherCategory) ?? 0) : 0;
}

/**
 * One feature column: its type (declared or being inferred), its distribution
 * and missing count, and what its summary reports.
 */
class FeatureColumn {
  type: FeatureType | undefined;
  /** Missing in the baseline's sense: includes text in a numeric column. */
  missing = 0;
  /** Values seen while the type is still being inferred (all numbers, else the type would be categorical). */
  private pending: Cell[] = [];
  private hist: ExponentialHistogram | undefined;
  private cats: CategoricalDistribution | undefined;
  readonly nonNumeric = new Issue();
  readonly unsupported = new Issue();
  readonly disguised = new Issue();
  /** Numbers and texts seen (whatever the type made of them). */
  private values = 0;
  private texts = 0;
  private firstText: string | undefined;
  /** What inference says, kept apart from `type` so a declared column has it too. */
  private inferred: FeatureType | undefined;
  /** Distinct texts, up to {@link distinctBound} + 1 of them: enough to tell "more than maxCategories" exactly. */
  private readonly distinct = new Set<string>();
  private readonly distinctBound: number;
  private distinctCapped = false;
  /** The first distinct value past `maxCategories`: for a categorical column, the first one counted as `__other__`. */
  private firstSurplus: string | undefined;

  constructor(
    readonly name: string,
    private readonly declared: FeatureType | undefined,
    private readonly opts: { maxSize: number; maxCategories: number; inferenceSample: number },
  ) {
    this.distinctBound = Math.max(opts.maxCategories, 1000);
    if (declared !== undefined) this.decide(declared);
  }

  add(raw: unknown, at: Position): void {
    if (this.hist) {
      const v = plainNumber(raw);
      // Finite check: "1e400" is decimal text but overflows; readCell reports it.
      if (Number.isFinite(v)) {
        this.hist.record(v);
        // The same text readCell would give: plainNumber only accepts untrimmed decimals.
        this.seeNumber(typeof raw === 'string' ? raw : String(v));
        return;
      }
    }
    const cell = readCell(raw);
    switch (cell.kind) {
      case 'missing':
        this.missing++;
        return;
      case 'unsupported':
        this.missing++;
        this.unsupported.note(at, cell.text);
        return;
      case 'number':
        this.seeNumber(cell.text);
        if (this.type === 'numeric') this.hist?.record(cell.value);
        else if (this.type === 'categorical') this.cats?.add(cell.text);
        else {
          this.pending.push(cell);
          if (this.pending.length >= this.opts.inferenceSample) this.decide('numeric');
        }
        return;
      case 'text':
        this.seeText(cell.text, at);
        if (this.type === 'numeric') {
          this.missing++;
          this.nonNumeric.note(at, cell.text);
        } else {
          if (this.type === undefined) this.decide('categorical');
          this.cats?.add(cell.text);
        }
        return;
    }
  }

  private seeNumber(text: string): void {
    this.values++;
    // Same rule as the type itself: numeric once the first inferenceSample values are all numbers.
    if (this.inferred === undefined && this.values >= this.opts.inferenceSample) this.inferred = 'numeric';
    this.seeDistinct(text);
  }

  private seeText(text: string, at: Position): void {
    this.values++;
    this.texts++;
    this.inferred ??= 'categorical';
    this.firstText ??= shorten(text);
    if (disguisedNumber(text) !== undefined) this.disguised.note(at, text);
    this.seeDistinct(text);
  }

  private seeDistinct(text: string): void {
    if (this.distinctCapped || this.distinct.has(text)) return;
    this.distinct.add(text);
    if (this.distinct.size === this.opts.maxCategories + 1) this.firstSurplus = shorten(text);
    if (this.distinct.size > this.distinctBound) this.distinctCapped = true;
  }

  private decide(type: FeatureType): void {
    this.type = type;
    if (type === 'numeric') this.hist = new ExponentialHistogram({ maxSize: this.opts.maxSize });
    else this.cats = new CategoricalDistribution({ maxCategories: this.opts.maxCategories, otherCategory: OTHER_CATEGORY });
    for (const c of this.pending) {
      if (c.kind !== 'number') continue;
      if (type === 'numeric') this.hist?.record(c.value);
      else this.cats?.add(c.text);
    }
    this.pending = [];
  }

  finish(warnings: BaselineWarning[]): FeatureBaseline {
    if (this.type === undefined) {
      // Fewer values than the inference sample, all numbers (or none at all).
      if (this.pending.length === 0) {
        warnings.push({ column: this.name, kind: 'no_values', count: this.missing, message: `column "${this.name}" has no values (all ${this.missing} missing); typed categorical` });
      }
      this.decide(this.pending.length > 0 ? 'numeric' : 'categorical');
    }
    // Disguised numbers first: they are usually why the other warnings (text in a numeric column, too many categories) happened.
    if (this.disguised.count > 0 && this.disguised.count * 2 >= this.values) warnings.push(this.disguisedWarning());
    if (this.nonNumeric.count > 0) {
      warnings.push(warning(this.name, 'non_numeric', this.nonNumeric, `non-numeric values in numeric column "${this.name}" counted as missing`));
    }
    if (this.unsupported.count > 0) {
      warnings.push(warning(this.name, 'unsupported', this.unsupported, `values that are neither numbers nor text in column "${this.name}" counted as missing`));
    }
    const capped = this.cats ? overflow(this.cats) : 0;
    if (capped > 0) warnings.push(this.cappedWarning(capped));
    if (this.type === 'numeric' && this.hist) return { type: 'numeric', histogram: this.hist.toData(), missing: this.missing };
    return { type: 'categorical', counts: this.cats ? countsRecord(this.cats) : {}, missing: this.missing };
  }

  /** The column's summary; call after {@link finish}, which settles the type. */
  summary(): FeatureSummary {
    const s: FeatureSummary = {
      column: this.name,
      type: this.type ?? 'categorical',
      values: this.values,
      // Text in a numeric column is a value here (it shows in nonNumericShare), missing only in the baseline.
      missing: this.missing - this.nonNumeric.count,
      distinct: this.distinct.size,
      distinctCapped: this.distinctCapped,
      nonNumericShare: this.values === 0 ? 0 : this.texts / this.values,
      disguisedNumbers: this.disguised.count,
    };
    if (this.declared !== undefined) s.declared = this.declared;
    // Fewer values than the sample, all numbers: numeric, as finish() types an undeclared column.
    const inferred = this.inferred ?? (this.values > 0 ? 'numeric' : undefined);
    if (inferred !== undefined) s.inferred = inferred;
    if (this.firstText !== undefined) s.example = this.firstText;
    return s;
  }

  private disguisedWarning(): BaselineWarning {
    const d = this.disguised;
    const example = d.example ?? '';
    let consequence: string;
    if (this.type === 'numeric') {
      consequence = `the column is ${this.declared === undefined ? 'numeric (inferred from its first values)' : 'declared numeric'}, so they were counted as missing`;
    } else if (this.declared === undefined) {
      consequence = 'the column was therefore inferred categorical (numeric needs plain numbers), each distinct text a category';
    } else {
      consequence = 'the column is declared categorical, so each distinct text is a category';
    }
    let fix = 'write plain numbers, e.g. convert with float() or .astype(float) before writing the file';
    // Declaring the type does not read the disguise, but turns a silent category into an error.
    if (this.declared === undefined) fix += ', or declare the type with --config (a declared numeric column with such values is an error)';
    const w: BaselineWarning = {
      column: this.name, kind: 'disguised_numbers', count: d.count, firstRow: d.firstRow, example,
      message: `column "${this.name}": ${d.count} of ${this.values} values are numbers written as text, e.g. ${JSON.stringify(example)} (first at ${firstAt(d)}); ${consequence}. Fix: ${fix}`,
    };
    if (d.firstLine !== undefined) w.firstLine = d.firstLine;
    return w;
  }

  private cappedWarning(capped: number): BaselineWarning {
    const max = this.opts.maxCategories;
    const distinct = this.distinctCapped ? `at least ${this.distinct.size}` : String(this.distinct.size);
    const w: BaselineWarning = {
      column: this.name, kind: 'categories_capped', count: capped,
      message: `column "${this.name}" has ${distinct} distinct values, more than the ${max} kept`
        + (this.firstSurplus === undefined ? '' : ` (the first one past the bound: ${JSON.stringify(this.firstSurplus)})`)
        + `; ${capped} values past the bound counted as "${OTHER_CATEGORY}". If it is a measurement, declare it numeric with --config;`
        + ` else raise --max-categories (and limits.maxCategories in modelwatch.yaml, which bounds the live counts the same way)`,
    };
    if (this.firstSurplus !== undefined) w.example = this.firstSurplus;
    return w;
  }
}

function warning(column: string, kind: BaselineWarning['kind'], issue: Issue, what: string): BaselineWarning {
  const where = firstAt(issue);
  const example = issue.example === undefined ? '' : ` (${JSON.stringify(issue.example)})`;
  const w: BaselineWarning = {
    column, kind, count: issue.count, firstRow: issue.firstRow,
    message: `${issue.count} ${what}; first at ${where}${example}`,
  };
  if (issue.firstLine !== undefined) w.firstLine = issue.firstLine;
  if (issue.example !== undefined) w.example = issue.example;
  return w;
}

/** Index of the explicit bucket holding `v`: bucket i covers (bounds[i-1], bounds[i]], as in OTLP. */
function explicitBucket(bounds: readonly number[], v: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= (bounds[mid] ?? Infinity)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A column's handler for one value. */
type Sink = (raw: unknown, at: Position) => void;

/**
 * Accumulates a baseline from rows. Declare the columns (CSV header, Parquet
 * schema) with {@link declareColumns} or let object rows (JSON Lines) bring
 * them, add rows, then {@link finish}.
 */
export class BaselineAccumulator {
  private readonly features = new Map<string, FeatureColumn>();
  private readonly sinks = new Map<string, Sink>();
  /** Per declared column position, its sink (undefined: column not used). */
  private columnSinks: (Sink | undefined)[] = [];
  private readonly configured: Record<string, FeatureType> | undefined;
  private readonly labelColumn: string;
  private readonly confidenceColumn: string;
  private readonly valueColumn: string | undefined;
  private readonly maxSize: number;
  private readonly maxCategories: number;
  private readonly inferenceSample: number;
  private labels: CategoricalDistribution | undefined;
  private confidence: number[] | undefined;
  private value: ExponentialHistogram | undefined;
  private readonly predictionIssues = new Map<string, Issue>();
  private readonly outOfRange = new Issue();
  private rowCount = 0;
  private readonly at: Position = { row: 0, line: undefined };
  private readonly seen = new Set<string>();

  /** @throws RangeError naming the bad option. */
  constructor(opts: AccumulatorOptions = {}) {
    this.configured = opts.features;
    this.labelColumn = opts.labelColumn ?? 'label';
    this.confidenceColumn = opts.confidenceColumn ?? 'confidence';
    this.valueColumn = opts.valueColumn;
    this.maxSize = opts.maxSize ?? 160;
    this.maxCategories = opts.maxCategories ?? 100;
    this.inferenceSample = opts.inferenceSample ?? 1000;
    if (!Number.isInteger(this.maxSize) || this.maxSize < 2) throw new RangeError(`maxSize must be an integer >= 2, got ${this.maxSize}`);
    if (!Number.isInteger(this.maxCategories) || this.maxCategories < 1) throw new RangeError(`maxCategories must be an integer >= 1, got ${this.maxCategories}`);
    if (!Number.isInteger(this.inferenceSample) || this.inferenceSample < 1) throw new RangeError(`inferenceSample must be an integer >= 1, got ${this.inferenceSample}`);
    for (const [name, type] of Object.entries(opts.features ?? {})) {
      if (type !== 'numeric' && type !== 'categorical') throw new RangeError(`features.${name}: expected "numeric" or "categorical", got ${JSON.stringify(type)}`);
      // Created up front so rows of JSON Lines that lack the key count it as missing.
      this.sinkFor(name);
    }
  }

  /** Column names the input has shown so far (declared, or keys of object rows). */
  get columns(): string[] {
    return [...this.seen];
  }

  /** Rows added so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** The columns, among `names`, that the baseline uses (features and prediction columns). */
  usedColumns(names: readonly string[]): string[] {
    return names.filter((n) => this.sinkFor(n) !== undefined);
  }

  /**
   * Declares the file's columns in order, for {@link addArrayRow}.
   * @throws Error for an empty or duplicated column name.
   */
  declareColumns(names: readonly string[]): void {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (n.trim() === '') throw new Error(`column ${i + 1} has an empty name`);
      if (seen.has(n)) throw new Error(`column "${n}" appears twice (columns ${names.indexOf(n) + 1} and ${i + 1})`);
      seen.add(n);
      this.seen.add(n);
    });
    this.columnSinks = names.map((n) => this.sinkFor(n));
  }

  /**
   * Checks that every configured feature, and every prediction column named
   * explicitly, is among `names` (call once the file's columns are known).
   * @throws Error naming each absent column and listing the ones present.
   */
  checkColumns(names: Iterable<string>, explicit: { labelColumn?: boolean; confidenceColumn?: boolean } = {}): void {
    const have = new Set(names);
    const absent: string[] = [];
    for (const f of Object.keys(this.configured ?? {})) if (!have.has(f)) absent.push(`feature "${f}" (from the config)`);
    if (explicit.labelColumn && !have.has(this.labelColumn)) absent.push(`label column "${this.labelColumn}"`);
    if (explicit.confidenceColumn && !have.has(this.confidenceColumn)) absent.push(`confidence column "${this.confidenceColumn}"`);
    if (this.valueColumn !== undefined && !have.has(this.valueColumn)) absent.push(`value column "${this.valueColumn}"`);
    if (absent.length > 0) {
      const list = [...have].map((n) => JSON.stringify(n)).join(', ');
      throw new Error(`not in the file: ${absent.join(', ')}; the file has columns ${list || '(none)'}`);
    }
  }

  /** Adds one row whose values follow the order given to {@link declareColumns}. */
  addArrayRow(values: readonly unknown[], line?: number): void {
    this.rowCount++;
    this.at.row = this.rowCount;
    this.at.line = line;
    const sinks = this.columnSinks;
    for (let i = 0; i < sinks.length; i++) {
      // A short row reads as missing values (the CSV reader rejects ragged rows before this).
      sinks[i]?.(values[i], this.at);
    }
  }

  /**
   * Adds one row given as an object (JSON Lines). Keys not seen before become
   * columns, missing in every earlier row; known keys absent here are missing.
   */
  addObjectRow(row: Readonly<Record<string, unknown>>, line?: number): void {
    this.rowCount++;
    this.at.row = this.rowCount;
    this.at.line = line;
    for (const key in row) {
      if (!this.seen.has(key) && Object.prototype.hasOwnProperty.call(row, key)) this.discover(key);
    }
    for (const [key, sink] of this.sinks) sink(row[key], this.at);
  }

  /**
   * Adds one column's values for rows `firstRow .. firstRow + values.length - 1`
   * (1-based), for columnar input (Parquet). Call {@link addRowCount} once per
   * batch of rows as well.
   */
  addColumnValues(column: string, values: ArrayLike<unknown>, firstRow: number): void {
    const sink = this.sinkFor(column);
    if (sink === undefined) return;
    const at: Position = { row: firstRow, line: undefined };
    for (let i = 0; i < values.length; i++) {
      at.row = firstRow + i;
      sink(values[i], at);
    }
  }

  /** Counts rows fed column by column through {@link addColumnValues}. */
  addRowCount(n: number): void {
    this.rowCount += n;
  }

  /** Builds the baseline from everything added, with a summary per feature column. */
  finish(meta: { model: string; modelVersion?: string; createdAt: string; path?: string }): AccumulatorResult {
    const warnings: BaselineWarning[] = [];
    const features: Record<string, FeatureBaseline> = {};
    const columns: FeatureSummary[] = [];
    for (const name of [...this.features.keys()].sort()) {
      const col = this.features.get(name);
      if (!col) continue;
      features[name] = col.finish(warnings);
      columns.push(col.summary());
    }
    const prediction: PredictionBaseline = {};
    if (this.confidence) prediction.confidence = { bounds: [...CONFIDENCE_BUCKETS], counts: this.confidence.slice() };
    if (this.labels) prediction.labels = countsRecord(this.labels);
    if (this.value) prediction.value = this.value.toData();
    for (const [column, issue] of this.predictionIssues) {
      warnings.push(warning(column, 'missing_prediction', issue, `rows without a usable value in prediction column "${column}" left out of the prediction baseline`));
    }
    if (this.outOfRange.count > 0) {
      warnings.push(warning(this.confidenceColumn, 'out_of_range', this.outOfRange, `confidence values outside [0, 1] counted in the edge buckets`));
    }
    const cappedLabels = this.labels ? overflow(this.labels) : 0;
    if (cappedLabels > 0) {
      warnings.push({
        column: this.labelColumn, kind: 'categories_capped', count: cappedLabels,
        message: `more than ${this.maxCategories} distinct labels; ${cappedLabels} past the bound counted as "${OTHER_CATEGORY}"`,
      });
    }
    const baseline: Baseline = {
      format: BASELINE_FORMAT,
      model: meta.model,
      createdAt: meta.createdAt,
      source: { kind: 'file', rows: this.rowCount },
      features,
    };
    if (meta.modelVersion !== undefined) baseline.modelVersion = meta.modelVersion;
    if (meta.path !== undefined && baseline.source) baseline.source.path = meta.path;
    if (Object.keys(prediction).length > 0) baseline.prediction = prediction;
    return { baseline, warnings, columns };
  }

  /** A JSON Lines key seen for the first time: earlier rows lacked it, so they count as missing. */
  private discover(key: string): void {
    this.seen.add(key);
    // A configured feature's sink exists from the start and has counted the earlier rows already.
    if (this.sinks.has(key)) return;
    if (this.sinkFor(key) === undefined) return;
    const col = this.features.get(key);
    if (col) col.missing += this.rowCount - 1;
  }

  /** The handler of a column (creating its state), or undefined when the baseline does not use it. */
  private sinkFor(name: string): Sink | undefined {
    const existing = this.sinks.get(name);
    if (existing) return existing;
    const handlers: Sink[] = [];
    if (name === this.labelColumn) handlers.push(this.labelSink(name));
    if (name === this.confidenceColumn) handlers.push(this.confidenceSink(name));
    if (name === this.valueColumn) handlers.push(this.valueSink(name));
    const declared = this.configured?.[name];
    // Without a config, every column except the prediction columns is a feature.
    if (declared !== undefined || (this.configured === undefined && handlers.length === 0)) {
      const col = new FeatureColumn(name, declared, { maxSize: this.maxSize, maxCategories: this.maxCategories, inferenceSample: this.inferenceSample });
      this.features.set(name, col);
      handlers.push((raw, at) => col.add(raw, at));
    }
    let sink: Sink | undefined;
    if (handlers.length === 1) sink = handlers[0];
    else if (handlers.length > 1) sink = (raw, at) => { for (const h of handlers) h(raw, at); };
    if (sink) this.sinks.set(name, sink);
    return sink;
  }

  private predictionIssue(column: string): Issue {
    let issue = this.predictionIssues.get(column);
    if (!issue) {
      issue = new Issue();
      this.predictionIssues.set(column, issue);
    }
    return issue;
  }

  private labelSink(column: string): Sink {
    const labels = new CategoricalDistribution({ maxCategories: this.maxCategories, otherCategory: OTHER_CATEGORY });
    this.labels = labels;
    return (raw, at) => {
      const cell = readCell(raw);
      if (cell.kind === 'number' || cell.kind === 'text') labels.add(cell.text);
      else this.predictionIssue(column).note(at, cell.kind === 'unsupported' ? cell.text : undefined);
    };
  }

  private confidenceSink(column: string): Sink {
    const bounds = CONFIDENCE_BUCKETS;
    const counts = new Array<number>(bounds.length + 1).fill(0);
    this.confidence = counts;
    return (raw, at) => {
      const cell = readCell(raw);
      if (cell.kind !== 'number') {
        this.predictionIssue(column).note(at, cell.kind === 'missing' ? undefined : cell.text);
        return;
      }
      if (cell.value < 0 || cell.value > 1) this.outOfRange.note(at, cell.text);
      const i = explicitBucket(bounds, cell.value);
      counts[i] = (counts[i] ?? 0) + 1;
    };
  }

  private valueSink(column: string): Sink {
    const hist = new ExponentialHistogram({ maxSize: this.maxSize });
    this.value = hist;
    return (raw, at) => {
      const cell = readCell(raw);
      if (cell.kind === 'number') hist.record(cell.value);
      else this.predictionIssue(column).note(at, cell.kind === 'missing' ? undefined : cell.text);
    };
  }
}
