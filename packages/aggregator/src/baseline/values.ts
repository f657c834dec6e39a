/**
 * How one cell of an input file is read: missing, a number, or a category.
 * The same rules apply to CSV text, JSON values and Parquet values, so one
 * table written in the three formats gives one baseline.
 */

/**
 * Texts read as a missing value (compared after trimming). The set follows what
 * data tools write for "no value" (pandas' default `na_values`, R's `NA`), so a
 * CSV exported from them counts its gaps as missing instead of as a category.
 */
export const MISSING_TOKENS: ReadonlySet<string> = new Set([
  '', 'NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'NULL', 'null', 'None', '<NA>', '#N/A',
]);

// A decimal number as written by CSV and JSON writers. Number() alone would also
// accept "0x10", "Infinity" and "  " (as 0), none of which is a measured value.
const DECIMAL_BODY = String.raw`[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?`;
const DECIMAL = new RegExp(`^${DECIMAL_BODY}$`);

// A dotted name called on one decimal, bare or quoted: numpy 2's repr of its scalars
// (`np.float64(100.02)`), `Decimal('1.5')`, `float32(3)`, torch's `tensor(0.53)`.
const CALL_WRAPPED = new RegExp(String.raw`^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\(\s*(['"]?)(${DECIMAL_BODY})\1\s*\)$`);
// A decimal in matching quotes, as left by writing repr() of a string, or quoting twice.
const QUOTED = new RegExp(String.raw`^(['"])(${DECIMAL_BODY})\1$`);

/**
 * The number inside a text that is a decimal number in disguise: wrapped in a
 * call (`np.float64(100.02)`, `Decimal('1.5')`, `float32(3)`) or in matching
 * quotes (`'1.5'`, `"1.5"`); else undefined. Such texts come from writing
 * Python objects' repr() instead of their values (numpy 2 changed the repr of
 * its scalars from `100.02` to `np.float64(100.02)`); {@link readCell} reads
 * them as text, so the builder counts them to warn about them.
 */
export function disguisedNumber(text: string): number | undefined {
  const t = text.trim();
  // Every disguise ends with ")" or a quote: most texts are rejected without a regex.
  const last = t.charCodeAt(t.length - 1);
  if (last !== 0x29 && last !== 0x27 && last !== 0x22) return undefined;
  const m = CALL_WRAPPED.exec(t) ?? QUOTED.exec(t);
  if (!m) return undefined;
  const value = Number(m[2]);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Fast path for columns already known to be numeric: the value of a plain
 * number or untrimmed decimal text, else NaN (then call {@link readCell} for
 * the full rules). Saves the allocation of a {@link Cell} per value.
 */
export function plainNumber(raw: unknown): number {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : Number.NaN;
  if (typeof raw === 'string' && DECIMAL.test(raw)) return Number(raw);
  return Number.NaN;
}

/** What a cell holds once read. */
export type Cell =
  | { kind: 'missing' }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'unsupported'; text: string };

const MISSING: Cell = { kind: 'missing' };

/**
 * Classifies one raw value from any reader: `null`/`undefined`, empty and
 * {@link MISSING_TOKENS} texts and NaN are missing; finite numbers, bigints and
 * decimal texts are numbers (keeping their text, in case the column turns out
 * categorical); other texts and booleans are text; infinities, objects and
 * arrays are unsupported (counted as missing and reported by the caller).
 */
export function readCell(raw: unknown): Cell {
  switch (typeof raw) {
    case 'string': {
      const t = raw.trim();
      if (MISSING_TOKENS.has(t)) return MISSING;
      if (DECIMAL.test(t)) {
        const value = Number(t);
        // 1e400 matches the grammar but overflows to Infinity.
        return Number.isFinite(value) ? { kind: 'number', value, text: t } : { kind: 'unsupported', text: t };
      }
      return { kind: 'text', text: raw };
    }
    case 'number':
      if (Number.isNaN(raw)) return MISSING;
      return Number.isFinite(raw) ? { kind: 'number', value: raw, text: String(raw) } : { kind: 'unsupported', text: String(raw) };
    case 'bigint':
      return { kind: 'number', value: Number(raw), text: raw.toString() };
    case 'boolean':
      return { kind: 'text', text: raw ? 'true' : 'false' };
    case 'undefined':
      return MISSING;
    case 'object':
      if (raw === null) return MISSING;
      // Parquet DATE/TIMESTAMP columns decode to Date: their ISO text is a fair category.
      if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? MISSING : { kind: 'text', text: raw.toISOString() };
      return { kind: 'unsupported', text: describe(raw) };
    case 'symbol':
    case 'function':
      return { kind: 'unsupported', text: typeof raw };
  }
}

function describe(raw: object): string {
  try {
    const s = JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return s.length > 40 ? `${s.slice(0, 40)}...` : s;
  } catch {
    return Object.prototype.toString.call(raw);
  }
}
