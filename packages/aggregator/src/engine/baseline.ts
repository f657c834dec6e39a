/**
 * The baseline file format (`modelwatch.baseline/v1`): the reference
 * distributions a model's current window is compared with. Written by
 * `modelwatch baseline` (from a data file) or by the engine (learned from the
 * first full window), read back through {@link parseBaseline}.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import type { ExpHistogramData } from './histogram-data.js';

export type { ExpHistogramData } from './histogram-data.js';

/** The `format` tag every baseline file carries. */
export const BASELINE_FORMAT = 'modelwatch.baseline/v1';

/** Reference distribution of a numeric feature. */
export interface NumericFeatureBaseline {
  type: 'numeric';
  /**
   * Base-2 exponential histogram of the values, at the finest scale that fits
   * the builder's bucket budget (160 per side by default, like the OTel SDK).
   * Exactly one of `histogram` and `explicit` is present.
   */
  histogram?: ExpHistogramData;
  /**
   * Explicit-bucket histogram, only in baselines the engine learned from a
   * feature sent without the exponential view (reduced precision).
   */
  explicit?: { bounds: number[]; counts: number[] };
  /** Number of rows where the value was missing (null, empty or NaN). */
  missing: number;
}

/** Reference distribution of a categorical feature. */
export interface CategoricalFeatureBaseline {
  type: 'categorical';
  /** Category -> count; `__other__` collects categories past the cardinality bound. */
  counts: Record<string, number>;
  /** Number of rows where the value was missing. */
  missing: number;
}

/** Reference distribution of one feature. */
export type FeatureBaseline = NumericFeatureBaseline | CategoricalFeatureBaseline;

/** Reference distributions of the model's outputs. */
export interface PredictionBaseline {
  /**
   * Confidence scores in explicit buckets (`CONFIDENCE_BUCKETS` from
   * `@modelwatch/semconv`); `counts.length === bounds.length + 1`.
   */
  confidence?: { bounds: number[]; counts: number[] };
  /** Predicted label -> count (classification). */
  labels?: Record<string, number>;
  /** Predicted values (regression), as an exponential histogram. */
  value?: ExpHistogramData;
}

/** Where a baseline came from. */
export interface BaselineSource {
  /** `'file'`: built from a data file by `modelwatch baseline`; `'learned'`: from the first full window. */
  kind: 'file' | 'learned';
  /** The data file it was built from. */
  path?: string;
  /** Rows read from the data file. */
  rows?: number;
  /** Start of the learned window (ISO 8601). */
  windowStart?: string;
  /** End of the learned window (ISO 8601). */
  windowEnd?: string;
}

/** A model's baseline: the reference every drift verdict compares against. */
export interface Baseline {
  format: typeof BASELINE_FORMAT;
  model: string;
  /** Baselines are kept per model version; absent means "any version". */
  modelVersion?: string;
  /** When the baseline was made (ISO 8601). */
  createdAt: string;
  source?: BaselineSource;
  features: Record<string, FeatureBaseline>;
  prediction?: PredictionBaseline;
}

const count = z.number().finite().nonnegative();

const expBuckets = z.strictObject({
  offset: z.number().int(),
  bucketCounts: z.array(count),
});

const expHistogramSchema = z
  .strictObject({
    scale: z.number().int().min(-10).max(20),
    zeroCount: count,
    zeroThreshold: z.number().finite().nonnegative().optional(),
    positive: expBuckets,
    negative: expBuckets,
    count,
    sum: z.number().finite().optional(),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .superRefine((h, ctx) => {
    const total = h.zeroCount + sumOf(h.positive.bucketCounts) + sumOf(h.negative.bucketCounts);
    // A count that disagrees with its buckets means the file was edited or truncated;
    // every statistic would then be computed on the wrong n.
    if (Math.abs(total - h.count) > 1e-9 * Math.max(1, h.count)) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: `count ${h.count} differs from the sum of zeroCount and buckets (${total})` });
    }
  });

const explicitSchema = z
  .strictObject({ bounds: z.array(z.number().finite()), counts: z.array(count) })
  .superRefine((c, ctx) => {
    if (c.counts.length !== c.bounds.length + 1) {
      ctx.addIssue({ code: 'custom', path: ['counts'], message: `expected ${c.bounds.length + 1} counts (bounds.length + 1), got ${c.counts.length}` });
    }
    for (let i = 1; i < c.bounds.length; i++) {
      if (!((c.bounds[i] ?? 0) > (c.bounds[i - 1] ?? 0))) {
        ctx.addIssue({ code: 'custom', path: ['bounds', i], message: 'bounds must be strictly increasing' });
        break;
      }
    }
  });

const numericFeature = z
  .strictObject({ type: z.literal('numeric'), histogram: expHistogramSchema.optional(), explicit: explicitSchema.optional(), missing: count })
  .superRefine((f, ctx) => {
    if ((f.histogram === undefined) === (f.explicit === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['histogram'], message: 'a numeric feature needs exactly one of histogram (exponential) and explicit' });
    }
  });
const categoricalFeature = z.strictObject({ type: z.literal('categorical'), counts: z.record(z.string(), count), missing: count });

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO 8601 date-time' });

const baselineSchema = z.strictObject({
  format: z.literal(BASELINE_FORMAT),
  model: z.string().min(1),
  modelVersion: z.string().min(1).optional(),
  createdAt: isoDate,
  source: z
    .strictObject({
      kind: z.enum(['file', 'learned']),
      path: z.string().optional(),
      rows: z.number().int().nonnegative().optional(),
      windowStart: isoDate.optional(),
      windowEnd: isoDate.optional(),
    })
    .optional(),
  features: z.record(z.string().min(1), z.discriminatedUnion('type', [numericFeature, categoricalFeature])),
  prediction: z
    .strictObject({
      confidence: explicitSchema.optional(),
      labels: z.record(z.string(), count).optional(),
      value: expHistogramSchema.optional(),
    })
    .optional(),
});

function sumOf(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** Thrown by {@link parseBaseline}; `issues` name the path of every bad key. */
export class BaselineFormatError extends Error {
  override readonly name = 'BaselineFormatError';
  /** One entry per problem: `path: message`. */
  readonly issues: string[];

  constructor(issues: string[], options?: { cause?: unknown }) {
    super(`invalid baseline: ${issues.join('; ')}`, options);
    this.issues = issues;
  }
}

/**
 * Validates parsed JSON as a {@link Baseline} (strict: unknown keys are errors).
 *
 * @throws {@link BaselineFormatError} listing every problem with the path of the bad key,
 *   for example `features.age.histogram.scale: Too big: expected number to be <=20`.
 */
export function parseBaseline(json: unknown): Baseline {
  const r = baselineSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
    throw new BaselineFormatError(issues, { cause: r.error });
  }
  return r.data as Baseline;
}

/** A feature typed one way in a baseline and the other way in the config. */
export interface BaselineTypeConflict {
  feature: string;
  baseline: FeatureBaseline['type'];
  config: FeatureBaseline['type'];
}

/**
 * The features whose type in `baseline` contradicts the configured `features`
 * (features only one side knows are not conflicts: the drift report shows them).
 */
export function baselineTypeConflicts(baseline: Baseline, features: Readonly<Record<string, FeatureBaseline['type']>>): BaselineTypeConflict[] {
  const out: BaselineTypeConflict[] = [];
  for (const [feature, type] of Object.entries(features)) {
    const b = baseline.features[feature];
    if (b !== undefined && b.type !== type) out.push({ feature, baseline: b.type, config: type });
  }
  return out;
}

/** One sentence per conflict, naming the model, the feature, both types and where the baseline came from. */
export function describeBaselineConflicts(model: string, source: string, conflicts: readonly BaselineTypeConflict[]): string[] {
  return conflicts.map(
    (c) => `model ${JSON.stringify(model)}: feature ${JSON.stringify(c.feature)} is ${c.baseline} in the baseline (${source}) but ${c.config} in the config; rebuild the baseline with \`modelwatch baseline --config\` or fix the type in the config`,
  );
}

/** Thrown when a baseline contradicts the configured feature types; the message names each feature and both types. */
export class BaselineConflictError extends Error {
  override readonly name = 'BaselineConflictError';
  /** One sentence per conflicting feature. */
  readonly problems: string[];

  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

/**
 * Throws {@link BaselineConflictError} when `baseline` contradicts `features`.
 * @param source where the baseline came from, for the message (a path, or "PUT /api/v1/models/{model}/baseline").
 */
export function assertBaselineMatches(model: string, baseline: Baseline, features: Readonly<Record<string, FeatureBaseline['type']>>, source: string): void {
  const conflicts = baselineTypeConflicts(baseline, features);
  if (conflicts.length > 0) throw new BaselineConflictError(describeBaselineConflicts(model, source, conflicts));
}
