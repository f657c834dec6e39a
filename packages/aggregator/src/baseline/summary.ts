/**
 * The summary `modelwatch baseline` prints after a build: one line per feature
 * column, then the warnings. Text only, no I/O: the CLI writes the lines.
 */
import type { BaselineWarning, FeatureSummary } from './accumulator.js';

/** A share as a percentage that never rounds a few values away to "0%" or up to "100%". */
function percent(share: number): string {
  if (share === 0) return '0%';
  if (share === 1) return '100%';
  if (share < 0.001) return '<0.1%';
  if (share > 0.999) return '>99.9%';
  return `${(share * 100).toFixed(1)}%`;
}

/** The type cell: how the type was chosen, and what the values read as when that differs from a declared type. */
function typeCell(c: FeatureSummary): string {
  if (c.declared === undefined) return `${c.type} (inferred)`;
  if (c.inferred !== undefined && c.inferred !== c.declared) return `${c.type} (declared; inferred: ${c.inferred})`;
  return `${c.type} (declared)`;
}

/**
 * Formats a build's summary as lines of text: a table with one row per feature
 * column (column, type with `(declared)` or `(inferred)`, values, distinct,
 * missing, non-numeric share), then one `warning: <message>` line per warning.
 * A distinct count shown as `1001+` is a lower bound.
 */
export function formatSummary(report: { columns: readonly FeatureSummary[]; warnings: readonly BaselineWarning[] }): string[] {
  const header = ['column', 'type', 'values', 'distinct', 'missing', 'non-numeric'];
  const rows = report.columns.map((c) => [
    c.column,
    typeCell(c),
    String(c.values),
    `${c.distinct}${c.distinctCapped ? '+' : ''}`,
    String(c.missing),
    percent(c.nonNumericShare),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  // Names and types read left to right; numbers line up on the right.
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (rows.length === 0) lines.push('(no feature columns)');
  for (const w of report.warnings) lines.push(`warning: ${w.message}`);
  return lines;
}
