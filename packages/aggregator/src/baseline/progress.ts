/**
 * A one-line progress bar for `modelwatch baseline` on a terminal: percent,
 * rows and throughput, redrawn in place. Off the terminal (a pipe, a CI log)
 * it prints nothing, so logs are not flooded with carriage returns.
 */
import type { BaselineProgress } from './build.js';

/** The part of a `tty.WriteStream` the bar uses. */
export interface ProgressStream {
  isTTY?: boolean;
  /** Terminal width in characters. */
  columns?: number;
  write(text: string): unknown;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Where to draw. @default process.stderr */
  stream?: ProgressStream;
  /** Clock in milliseconds, for the throughput. @default performance.now */
  now?: () => number;
  /** Minimum time between redraws. @default 100 */
  minIntervalMs?: number;
}

/** A progress bar; pass {@link ProgressBar.update} as `onProgress`. */
export interface ProgressBar {
  /** Whether anything is drawn (the stream is a terminal). */
  readonly enabled: boolean;
  /** Redraws (at most every `minIntervalMs`, and always at 100%). */
  update(p: BaselineProgress): void;
  /** Draws the last state and ends the line. */
  done(): void;
}

const MB = 1e6;

/**
 * The bar's text for one state, fitted to `width` characters:
 * `[######------]  45.1%  1,234,567 rows  38.2 MB/s`.
 */
export function formatProgress(p: BaselineProgress, elapsedMs: number, width = 80): string {
  const fraction = p.totalBytes > 0 ? Math.min(1, Math.max(0, p.bytesRead / p.totalBytes)) : 1;
  const rate = elapsedMs > 0 ? p.bytesRead / MB / (elapsedMs / 1000) : 0;
  const tail = ` ${(fraction * 100).toFixed(1).padStart(5)}%  ${p.rows.toLocaleString('en-US')} rows  ${rate.toFixed(1)} MB/s`;
  const barWidth = Math.max(0, Math.min(40, width - tail.length - 3));
  if (barWidth < 5) return tail.trimStart().slice(0, Math.max(0, width - 1));
  const filled = Math.round(fraction * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`;
}

/**
 * A progress bar on `stream` (stderr by default), drawn only when the stream
 * is a terminal; otherwise every call is a no-op.
 */
export function progressBar(opts: ProgressBarOptions = {}): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const now = opts.now ?? (() => performance.now());
  const minInterval = opts.minIntervalMs ?? 100;
  const enabled = stream.isTTY === true;
  const start = now();
  let lastDraw = -Infinity;
  let last: BaselineProgress | undefined;
  const draw = (p: BaselineProgress): void => {
    const t = now();
    lastDraw = t;
    // \r back to the start of the line, ESC[K erases what a longer previous line left.
    stream.write(`\r${formatProgress(p, t - start, stream.columns ?? 80)}\x1b[K`);
  };
  return {
    enabled,
    update(p) {
      last = p;
      if (!enabled) return;
      if (p.bytesRead >= p.totalBytes || now() - lastDraw >= minInterval) draw(p);
    },
    done() {
      if (!enabled) return;
      if (last) draw(last);
      stream.write('\n');
    },
  };
}
