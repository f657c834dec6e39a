/**
 * Numbers and times as the dashboard writes them.
 *
 * @module
 */

/** `0.1234` → `12.3 %`; null → `—`. */
export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)} %`;
}

/** A number with `digits` significant decimals; null → `—`. */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return Number(v.toFixed(digits)).toString();
}

/** A p-value: scientific below 0.001. */
export function pValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v < 0.001 ? v.toExponential(1) : v.toFixed(3);
}

/** Seconds as `45 ms`, `2.1 s`. */
export function seconds(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v < 1 ? `${(v * 1000).toFixed(v < 0.01 ? 1 : 0)} ms` : `${v.toFixed(2)} s`;
}

/** Bytes as `12.3 MB`. */
export function bytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let x = v;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${x.toFixed(x < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

/** How long ago an epoch-ms time was: `5 s ago`, `3 min ago`, `2 h ago`. */
export function ago(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** Severity words as shown. */
export function severityText(s: string): string {
  return s.replace('_', ' ');
}
