/**
 * Run-time problems (a bad value, an unknown feature) are reported through the
 * OpenTelemetry `diag` logger, never thrown. A misbehaving caller would repeat
 * the same problem on every prediction, so each distinct message is logged once,
 * and the number of distinct messages is bounded.
 * @module
 */
import { diag } from '@opentelemetry/api';

const MAX_KEYS = 256;

/** Logs each distinct problem once through `diag.warn`. */
export class ReportOnce {
  private readonly seen = new Set<string>();
  private silenced = false;

  constructor(private readonly prefix: string) {}

  /** Logs `message` unless the same `key` was logged before. */
  warn(key: string, message: string): void {
    if (this.seen.has(key) || this.silenced) return;
    if (this.seen.size >= MAX_KEYS) {
      this.silenced = true;
      diag.warn(`${this.prefix}: too many distinct problems; further ones are not logged`);
      return;
    }
    this.seen.add(key);
    diag.warn(`${this.prefix}: ${message}`);
  }

  /** Logs a failure inside modelwatch itself (a bug, or a broken SDK). */
  error(key: string, err: unknown): void {
    if (this.seen.has(key) || this.silenced) return;
    this.seen.add(key);
    diag.error(`${this.prefix}: internal error in ${key}; recording continues`, err);
  }
}
