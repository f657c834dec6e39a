/**
 * The figures an end-to-end test file measured. Each is a sentence for people
 * and named values for the reliability report: printed when the file's tests
 * end, and written to `test-artifacts/<name>.json`, which
 * `packages/aggregator/bench/reliability.ts` gathers into
 * `bench/results/reliability.json` (and docs/reliability.md quotes).
 *
 * Values come from what the test measured, never from its expectations: a
 * loss is `acknowledged - held`, so a test that let one through would report
 * it even before its assertion failed.
 */
import { after } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './aggregator.js';

/** A value of a figure. */
export type FigureValue = number | string | boolean | null;

/** One measured case: its sentence and its values. */
export interface Figure {
  line: string;
  values: Record<string, FigureValue>;
}

/** What a test file's figures are written as. */
export interface FigureFile {
  name: string;
  date: string;
  node: string;
  figures: Record<string, Figure>;
}

/** Where the figures of test file `name` are written. */
export const figuresPath = (name: string): string => join(ROOT, 'test-artifacts', `${name}.json`);

/**
 * Collects the figures of one test file, titled `title` when printed. Call at
 * the top level of the file: it registers the hook that prints and writes them.
 */
export function collectFigures(name: string, title: string): { add(key: string, line: string, values?: Record<string, FigureValue>): void } {
  const figures: Record<string, Figure> = {};
  after(() => {
    const keys = Object.keys(figures);
    if (keys.length === 0) return;
    process.stdout.write(`${title}:\n${keys.map((k) => `  ${figures[k]!.line}`).join('\n')}\n`);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    const file: FigureFile = { name, date: new Date().toISOString(), node: process.version, figures };
    writeFileSync(figuresPath(name), `${JSON.stringify(file, null, 2)}\n`);
  });
  return {
    add(key, line, values = {}) {
      figures[key] = { line, values };
    },
  };
}
