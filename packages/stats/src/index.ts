/** @module @modelwatch/stats */
export const PACKAGE_NAME = '@modelwatch/stats';
export {
  ks2Samp,
  kstwoSf,
  smirnovSf,
  type Ks2SampOptions,
  type Ks2SampResult,
  type KsAlternative,
  type KsMethodOption,
  type KsMethodUsed,
} from './ks.js';
export {
  ExponentialHistogram,
  bucketLowerBoundary,
  mapToIndex,
  relativeError,
  validateExpHistogramData,
  DEFAULT_MAX_SIZE,
  MAX_SCALE,
  MIN_SCALE,
  type ExpBuckets,
  type ExpHistogramData,
  type ExplicitHistogramData,
  type ExponentialHistogramOptions,
} from './exponential-histogram.js';
export { histogramKs, type HistogramKsResult } from './histogram-ks.js';
export { validateExplicitHistogramData, type HistogramInput } from './aligned-histograms.js';
export { kolmogorovLimitSf } from './kolmogorov-limit.js';
export { chiSquareTest, chiSquareSf, type ChiSquareResult } from './chi-square.js';
export { PSI_FLOOR, psi, psiPValue, histogramPsi, type BinnedComparison, type HistogramPsiOptions } from './psi.js';
export { jensenShannonDistance, wassersteinDistance, normalizedWasserstein, histogramWasserstein } from './divergence.js';
export { CategoricalDistribution, alignCategories, type CategoricalOptions, type CategoricalJSON } from './categorical.js';
export { chiSquareIsf, kolmogorovLimitIsf, ksNeededSamples, psiNeededSamples } from './needed-samples.js';
