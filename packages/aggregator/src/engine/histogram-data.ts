/**
 * The plain-data histogram shapes, from `@modelwatch/stats` (the same shape as
 * OTLP's exponential histogram point).
 *
 * @packageDocumentation
 */
export type { ExpBuckets as ExpBucketsData, ExpHistogramData, ExplicitHistogramData } from '@modelwatch/stats';
