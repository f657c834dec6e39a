/**
 * The plain-data shape of a base-2 exponential histogram, as in the OTLP data
 * model and `@modelwatch/stats`.
 *
 * @packageDocumentation
 */

/** One side (positive or negative) of an exponential histogram. */
export interface ExpBucketsData {
  /** Index of the first bucket: bucket `offset + i` covers (base^(offset+i), base^(offset+i+1)]. */
  offset: number;
  bucketCounts: number[];
}

/** A base-2 exponential histogram as plain, JSON-serialisable data (base = 2^(2^-scale)). */
export interface ExpHistogramData {
  scale: number;
  zeroCount: number;
  zeroThreshold?: number;
  positive: ExpBucketsData;
  negative: ExpBucketsData;
  count: number;
  sum?: number;
  min?: number;
  max?: number;
}
