/**
 * When the forwarder tries again after the downstream failed: exponential
 * backoff between `initialMs` and `maxMs`, never sooner than the downstream
 * asked (HTTP `Retry-After`, gRPC `RetryInfo`), as the OTLP specification
 * asks of an exporter. Pure: the clock is passed in.
 *
 * One schedule for the whole forwarder, not one per request: a failure says
 * the downstream is unwell, so every request waits (the Collector's exporter
 * retries each request on its own, but it also keeps at most
 * `num_consumers` of them in flight; here the in-flight window is that bound
 * and the shared pause keeps a down endpoint from seeing `concurrency`
 * independent retry storms).
 *
 * @module
 */

/** Options of {@link RetrySchedule}. */
export interface RetryOptions {
  /** First delay after a failure, in ms. @default 1000 */
  initialMs?: number;
  /** Longest delay of the backoff itself, in ms (a longer delay asked by the downstream is still honoured). @default 30000 */
  maxMs?: number;
  /** Factor between two successive delays. @default 2 */
  multiplier?: number;
  /**
   * Longest delay asked by the downstream that is honoured as is; a longer
   * one is cut to this. A misconfigured endpoint asking for a day would
   * otherwise stall forwarding (and so, once the queue is full, every sender upstream) that long.
   * @default 600000 (10 min)
   */
  maxAskedMs?: number;
}

/** Smallest retry delay the aggregator asks of its own senders while forwarding waits. */
export const MIN_UPSTREAM_RETRY_MS = 1000;

/** See the module documentation. */
export class RetrySchedule {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly multiplier: number;
  private readonly maxAskedMs: number;
  private nextDelay: number;
  private until = 0;
  private failures = 0;

  /** @throws RangeError naming a bad option. */
  constructor(options: RetryOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = options.maxMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.maxAskedMs = options.maxAskedMs ?? 600_000;
    for (const [k, v] of [['initialMs', this.initialMs], ['maxMs', this.maxMs], ['maxAskedMs', this.maxAskedMs]] as const) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`RetrySchedule: ${k} must be a number >= 0, got ${v}`);
    }
    if (this.maxMs < this.initialMs) throw new RangeError(`RetrySchedule: maxMs (${this.maxMs}) must be at least initialMs (${this.initialMs})`);
    if (!(this.multiplier >= 1)) throw new RangeError(`RetrySchedule: multiplier must be >= 1, got ${this.multiplier}`);
    this.nextDelay = this.initialMs;
  }

  /**
   * Records a failed attempt at `now`; `askedMs` is the delay the downstream
   * asked for, if any. Returns when the next attempt may start (epoch ms).
   */
  failed(now: number, askedMs?: number): number {
    const asked = askedMs !== undefined && Number.isFinite(askedMs) && askedMs > 0 ? Math.min(askedMs, this.maxAskedMs) : 0;
    const delay = Math.max(this.nextDelay, asked);
    this.nextDelay = Math.min(this.maxMs, this.nextDelay * this.multiplier);
    this.failures++;
    // Two failures reported close together (requests in flight at once) do not shorten the pause.
    this.until = Math.max(this.until, now + delay);
    return this.until;
  }

  /** Records a successful attempt: the backoff starts again from `initialMs`. */
  succeeded(): void {
    this.nextDelay = this.initialMs;
    this.failures = 0;
  }

  /** When the next attempt may start (epoch ms); at or before `now`: at once. */
  get nextAttemptAt(): number {
    return this.until;
  }

  /** Failures since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * The retry delay to ask of the aggregator's own senders when it refuses
   * them because forwarding is behind: until forwarding's next attempt (no
   * sooner can room be made), at least {@link MIN_UPSTREAM_RETRY_MS}, at most `maxMs`.
   */
  upstreamRetryMs(now: number): number {
    return Math.min(Math.max(this.maxMs, MIN_UPSTREAM_RETRY_MS), Math.max(MIN_UPSTREAM_RETRY_MS, Math.ceil(this.until - now)));
  }
}
