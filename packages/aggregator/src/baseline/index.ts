/**
 * `modelwatch baseline`: builds a model's baseline from a CSV, JSON Lines or
 * Parquet file, streaming it. The CLI calls {@link parseBaselineArgs}, then
 * {@link buildBaselineReport} with a {@link progressBar}, prints
 * {@link formatSummary}, then calls {@link writeBaseline}.
 *
 * @packageDocumentation
 */
export {
  buildBaseline,
  buildBaselineReport,
  type BuildBaselineOptions,
  type BaselineProgress,
  type BaselineReport,
} from './build.js';
export { formatFromPath, BASELINE_INPUT_FORMATS, type BaselineInputFormat } from './format.js';
export {
  BaselineAccumulator,
  type AccumulatorOptions,
  type AccumulatorResult,
  type BaselineWarning,
  type FeatureSummary,
  type FeatureType,
} from './accumulator.js';
export { BaselineInputError, type BaselineInputErrorCode } from './errors.js';
export { writeBaseline } from './write.js';
export { parseBaselineArgs, BASELINE_HELP, type BaselineArgs } from './args.js';
export { progressBar, formatProgress, type ProgressBar, type ProgressBarOptions, type ProgressStream } from './progress.js';
export { MISSING_TOKENS, disguisedNumber } from './values.js';
export { formatSummary } from './summary.js';
