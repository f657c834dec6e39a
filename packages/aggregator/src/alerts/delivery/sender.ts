/**
 * Delivery to one receiver: a bounded queue of request bodies, one request in
 * flight at a time, retries with exponential backoff, and counts of what was
 * sent, failed and dropped. Never blocks the caller: `enqueue` returns at once,
 * and a receiver that is down or slow only grows (then trims) its own queue.
 *
 * @module
 */

/** Options of {@link Sender}. */
export interface SenderOptions {
  /** Where to POST. */
  url: string;
  /** Bodies waiting at most; past it the oldest is dropped (and counted). */
  maxQueue: number;
  /** Timeout of one attempt, in ms. */
  timeoutMs: number;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Attempts per body before it is dropped. @default 8 */
  maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt up to 30 s. @default 500 */
  initialBackoffMs?: number;
  log?: (message: string) => void;
}

/** What a sender has done so far. */
export interface SenderStatus {
  url: string;
  queued: number;
  sent: number;
  failed: number;
  dropped: number;
  lastError: string | null;
  lastSuccess: string | null;
}

const MAX_BACKOFF_MS = 30_000;

/** Delivers JSON bodies to one URL (see the module documentation). */
export class Sender {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly counts = { sent: 0, failed: 0, dropped: 0 };
  private lastError: string | null = null;
  private lastSuccess: string | null = null;

  constructor(private readonly opts: SenderOptions) {}

  /** False once closed: nothing queued then goes out. */
  get accepting(): boolean {
    return !this.closed;
  }

  /** Queues one JSON body; returns at once. */
  enqueue(body: unknown): void {
    if (this.closed) return;
    this.queue.push(JSON.stringify(body));
    while (this.queue.length > this.opts.maxQueue) {
      this.queue.shift();
      this.counts.dropped++;
    }
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  status(): SenderStatus {
    return { url: this.opts.url, queued: this.queue.length, ...this.counts, lastError: this.lastError, lastSuccess: this.lastSuccess };
  }

  /** Waits up to `graceMs` for the queue to empty, then stops (what is left is dropped and counted). */
  async close(graceMs = 2000): Promise<void> {
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.running, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.wake?.();
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    const maxAttempts = this.opts.maxAttempts ?? 8;
    let backoff = this.opts.initialBackoffMs ?? 500;
    let attempts = 0;
    while (!this.closed && this.queue.length > 0) {
      const body = this.queue[0] as string;
      const error = await this.post(body);
      if (error === null) {
        this.queue.shift();
        this.counts.sent++;
        this.lastSuccess = new Date().toISOString();
        attempts = 0;
        backoff = this.opts.initialBackoffMs ?? 500;
        continue;
      }
      this.counts.failed++;
      this.lastError = `${new Date().toISOString()} ${error}`;
      attempts++;
      if (attempts >= maxAttempts) {
        // The body may have been trimmed off the queue meanwhile: drop only if it is still the head.
        if (this.queue[0] === body) this.queue.shift();
        this.counts.dropped++;
        this.opts.log?.(`alert delivery to ${this.opts.url} gave up after ${attempts} attempts: ${error}`);
        attempts = 0;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, backoff);
        t.unref();
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  /** One attempt: null on a 2xx answer, else what went wrong. */
  private async post(body: string): Promise<string | null> {
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.opts.headers },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const text = await res.text().catch(() => '');
      return res.ok ? null : `HTTP ${res.status} ${text.slice(0, 200)}`;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      return e.name === 'TimeoutError' ? `timed out after ${this.opts.timeoutMs} ms` : `${e.message}${e.cause?.code ? ` (${e.cause.code})` : ''}`;
    }
  }
}
