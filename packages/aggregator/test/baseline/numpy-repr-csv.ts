/**
 * Test data for the numpy 2 repr bug: a CSV whose float columns were written
 * as `np.float64(100.02)` (numpy 2's repr of its scalars) instead of `100.02`.
 */

/**
 * `rows` deterministic rows of `text_length` (about 400 distinct values),
 * `sentiment_score` (0 to 0.99) and a plain categorical `language`; floats in
 * numpy 2's repr unless `plain` is set.
 */
export function numpyReprCsv(rows: number, opts: { plain?: boolean } = {}): string {
  const langs = ['en', 'de', 'fr', 'es'];
  // Python's repr drops trailing zeros (100.5, not 100.50): String(Number(...)) does the same.
  const float = (v: number): string => (opts.plain === true ? String(v) : `np.float64(${String(v)})`);
  const lines = ['text_length,sentiment_score,language'];
  for (let i = 0; i < rows; i++) {
    const textLength = Number((20 + ((i * 7919) % 400) + ((i * 31) % 100) / 100).toFixed(2));
    const score = Number((((i * 37) % 100) / 100).toFixed(2));
    lines.push(`${float(textLength)},${float(score)},${langs[i % langs.length] ?? 'en'}`);
  }
  return `${lines.join('\n')}\n`;
}
