// Placeholder; replaced below.
import type { Model } from './model.js';
/** The seed-name mapping, rendered to docs/seed-name-mapping.md. */
export interface SeedMapping {
  render(model: Model): string;
}
/** Placeholder loader. */
export function loadSeedMapping(_text: string, _model: Model): SeedMapping {
  return { render: () => '' };
}
