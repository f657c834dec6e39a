/**
 * Records one sampled feature vector: numeric values into the `ml.feature.value`
 * histogram (negative values by the sign rule), categorical values as local
 * counts, and missing values as local counts.
 * @module
 */
import type { Attributes, Histogram } from '@opentelemetry/api';
import {
  ATTR_ML_FEATURE_CATEGORY,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_FEATURE_SIGN,
  ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE,
} from '@modelwatch/semconv';
import { BoundedCounts } from './bounded-counts.js';
import type { FeatureKind, PredictionRecord } from './options.js';
import type { ReportOnce } from './report-once.js';

/** Features of one prediction, as given by the caller. */
export type FeatureVector = NonNullable<PredictionRecord['features']>;

interface FeatureBase {
  readonly name: string;
  /** Attributes of this feature's points: model identity + ml.feature.name. */
  readonly attributes: Attributes;
  /** Missing (null, undefined, NaN, infinite, wrong type) values seen in sampled vectors. */
  missing: number;
}
interface NumericFeature extends FeatureBase {
  readonly kind: 'numeric';
  /** The same plus ml.feature.sign = negative, for magnitudes of negative values. */
  readonly negativeAttributes: Attributes;
}
interface CategoricalFeature extends FeatureBase {
  readonly kind: 'categorical';
  readonly counts: BoundedCounts;
}
/** The recorder's state for one feature. */
export type FeatureState = NumericFeature | CategoricalFeature;

/** Options of {@link FeatureRecorder}. */
export interface FeatureRecorderOptions {
  /** Declared schema; absent means kinds are inferred from the first value seen. */
  schema: Record<string, FeatureKind> | undefined;
  /** Model-identity attributes every feature point carries (may be empty). */
  identity: Attributes;
  /** The `ml.feature.value` histogram. */
  histogram: Histogram;
  maxCategories: number;
  maxFeatures: number;
  report: ReportOnce;
}

/**
 * Vectors on which the keys of the vector are scanned for features outside the
 * known list: the first ones, then one in SCAN_EVERY (a power of two). Scanning
 * costs a `for...in` over the vector, which the all-features path should not pay
 * on every prediction just to warn about a typo once.
 */
const SCAN_FIRST = 64;
const SCAN_EVERY = 256;

/** Records sampled feature vectors of one model. */
export class FeatureRecorder {
  /** Known features in a flat array: the hot loop indexes it, no iterator. */
  private readonly list: FeatureState[] = [];
  private readonly byName = new Map<string, FeatureState>();
  private vectors = 0;

  constructor(private readonly options: FeatureRecorderOptions) {
    if (options.schema !== undefined) {
      for (const [name, kind] of Object.entries(options.schema)) this.add(name, kind);
    }
  }

  /** Records one vector. Never throws on bad values; reports them through `diag`. */
  record(features: FeatureVector): void {
    const n = ++this.vectors;
    if (n <= SCAN_FIRST || (n & (SCAN_EVERY - 1)) === 0) this.scanKeys(features);
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const f = list[i] as FeatureState;
      const v = features[f.name];
      if (f.kind === 'numeric') this.recordNumeric(f, v);
      else this.recordCategorical(f, v);
    }
  }

  private recordNumeric(f: NumericFeature, v: unknown): void {
    if (typeof v === 'number') {
      // NaN fails both comparisons and falls through to missing.
      if (v >= 0) {
        if (v !== Number.POSITIVE_INFINITY) return this.options.histogram.record(v, f.attributes);
      } else if (v < 0) {
        if (v !== Number.NEGATIVE_INFINITY) return this.options.histogram.record(-v, f.negativeAttributes);
      }
      if (v === v) this.options.report.warn(`inf:${f.name}`, `feature "${f.name}" got ${v}; infinite values count as missing`);
    } else if (v !== undefined && v !== null) {
      this.options.report.warn(`type:${f.name}`, `numeric feature "${f.name}" got a ${typeof v}; counted as missing`);
    }
    f.missing++;
  }

  private recordCategorical(f: CategoricalFeature, v: unknown): void {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && v === v)) {
      f.counts.cell(v).count++;
      return;
    }
    if (v !== undefined && v !== null && typeof v !== 'number') {
      this.options.report.warn(`type:${f.name}`, `categorical feature "${f.name}" got a ${typeof v}; counted as missing`);
    }
    f.missing++;
  }

  /** Finds keys outside the known list: warns (schema) or adopts them (inferred). */
  private scanKeys(features: FeatureVector): void {
    for (const key in features) {
      if (this.byName.has(key)) continue;
      if (this.options.schema !== undefined) {
        this.options.report.warn(`unknown:${key}`, `feature "${key}" is not in the schema; ignored`);
        continue;
      }
      const v = features[key];
      if (v === undefined || v === null) continue; // kind unknown until a value arrives
      if (this.list.length >= this.options.maxFeatures) {
        this.options.report.warn(`maxFeatures:${key}`, `more than maxFeatures=${this.options.maxFeatures} features; "${key}" ignored`);
        continue;
      }
      this.add(key, typeof v === 'number' ? 'numeric' : 'categorical');
    }
  }

  private add(name: string, kind: FeatureKind): void {
    const attributes = Object.freeze({ ...this.options.identity, [ATTR_ML_FEATURE_NAME]: name });
    const state: FeatureState = kind === 'numeric'
      ? {
          kind, name, attributes, missing: 0,
          negativeAttributes: Object.freeze({ ...attributes, [ATTR_ML_FEATURE_SIGN]: ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE }),
        }
      : {
          kind, name, attributes, missing: 0,
          counts: new BoundedCounts(this.options.maxCategories, (category) =>
            Object.freeze({ ...attributes, [ATTR_ML_FEATURE_CATEGORY]: category })),
        };
    this.list.push(state);
    this.byName.set(name, state);
  }

  /** Visits every feature's state (for the observable callback). */
  forEach(visit: (state: FeatureState) => void): void {
    for (const f of this.list) visit(f);
  }
}
