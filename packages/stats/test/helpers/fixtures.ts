// Loads the scipy/numpy oracle fixtures written by scripts/gen-stats-fixtures.py.
import { readFileSync } from 'node:fs';

export interface StatsFixtures {
  psiFloor: number;
  chiSquare: { reference: number[]; current: number[]; statistic: number; pValue: number; dof: number }[];
  jensenShannon: { p: number[]; q: number[]; distance: number }[];
  wasserstein: { x: number[]; y: number[]; distance: number; normalized: number | null }[];
  psi: { expected: number[]; actual: number[]; psi: number; n: number; m: number; bins: number; pValue: number }[];
  kolmogorovLimit: { x: number; sf: number }[];
}

export const fixtures = JSON.parse(readFileSync(new URL('../fixtures/stats-cases.json', import.meta.url), 'utf8')) as StatsFixtures;

/** Relative closeness with an absolute floor for values near zero. */
export function assertClose(actual: number, expected: number, rel: number, abs: number, what: string): void {
  const ok = actual === expected || Math.abs(actual - expected) <= Math.max(rel * Math.abs(expected), abs);
  if (!ok) throw new Error(`${what}: got ${actual}, expected ${expected} (rel ${Math.abs(actual - expected) / Math.abs(expected)})`);
}
