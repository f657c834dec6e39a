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
