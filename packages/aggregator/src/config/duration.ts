/**
 * Durations and sizes as written in `modelwatch.yaml` ("30s", "1h", "16MiB").
 * Hand-written because the grammar is tiny and the error messages must name the key.
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a Prometheus-style duration ("500ms", "30s", "5m", "1h30m", "7d") into milliseconds.
 * A bare number is taken as seconds.
 * @throws Error naming the text when it is not a duration.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw new Error(`expected a non-negative duration, got ${text}`);
    return text * 1000;
  }
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? Number.NaN);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== s.length || !Number.isFinite(total)) {
    throw new Error(`expected a duration like "30s", "5m", "1h" or "7d", got ${JSON.stringify(text)}`);
  }
  return total;
}

/** Formats milliseconds as the shortest exact duration text ("90s" -> "1m30s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

/** Parses a byte size ("16MiB", "500kB", 1048576). @throws Error naming the text. */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isInteger(text) || text < 0) throw new Error(`expected a non-negative whole number of bytes, got ${text}`);
    return text;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? '?').toLowerCase()];
  if (!m || unit === undefined) {
    throw new Error(`expected a size like "16MiB", "512kB" or a number of bytes, got ${JSON.stringify(text)}`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** Host and port of a listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses "HOST:PORT", ":PORT", "PORT" or "[::1]:PORT"; port 0 picks a free port. */
export function parseListenAddress(text: string, defaultHost = '127.0.0.1'): ListenAddress {
  const s = text.trim();
  // A host must be followed by a colon, so a bare "9470" is a port, not host "947" port 0.
  const m = /^(?:\[([^\]]+)\]:|([^:[\]]*):)?(\d+)$/.exec(s);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`expected HOST:PORT (port 0..65535), got ${JSON.stringify(text)}`);
  }
  const host = m[1] ?? (m[2] !== undefined && m[2] !== '' ? m[2] : defaultHost);
  return { host, port };
}
