/**
 * The contract between the OTLP receivers (HTTP, gRPC) and whatever consumes
 * decoded telemetry. The receiver decodes and answers; the sink decides what
 * it accepts.
 *
 * @packageDocumentation
 */
import type { LogsRequest, MetricsPoints } from './otlp/types.js';

/** Where a request came from, for the sink's bookkeeping. */
export interface ReceiveContext {
  transport: 'http' | 'grpc';
  encoding: 'protobuf' | 'json';
  /** Wall-clock time the request was received (ms since epoch). */
  receivedAtMs: number;
  /** Size of the decoded (decompressed) request body in bytes. */
  bodyBytes: number;
  /**
   * The decompressed request body exactly as decoded (protobuf or JSON per
   * `encoding`), so a durable sink can log it without re-serialising.
   */
  body: Uint8Array;
}

/**
 * What a sink refused of one request. `rejected === 0` means everything was
 * accepted; otherwise the receiver reports an OTLP partial success with the
 * count and the message (e.g. "12 data points carry no model identity").
 */
export interface SinkResult {
  /** Data points (metrics) or log records (logs) refused. */
  rejected: number;
  /** Human-readable reason; should be set when `rejected > 0`, may warn otherwise. */
  errorMessage?: string;
}

/**
 * Consumer of decoded OTLP requests. Answering 200/OK promises the data was
 * taken, so a sink that persists should resolve only once it has.
 *
 * Throw {@link OverloadedError} to have the receiver answer 429/503 (HTTP) or
 * RESOURCE_EXHAUSTED/UNAVAILABLE (gRPC) with a retry delay; any other thrown
 * error becomes a 500 / INTERNAL.
 */
export interface OtlpSink {
  /**
   * Asked when a request arrives, before its body is read (HTTP) or its message
   * received (gRPC): throw {@link OverloadedError} to refuse it unread, so a
   * refused request costs no memory. OTLP/HTTP asks again once the body is read,
   * before decoding it. Must be cheap and synchronous. Optional: without it
   * every request is taken.
   */
  admit?(signal: 'metrics' | 'logs', transport: 'http' | 'grpc'): void;
  /**
   * Takes the points of a metrics request, checked to be well formed. They
   * are visited straight from the request bytes (protobuf), so visit them
   * before the returned promise's first await and copy what must be kept.
   */
  consumeMetrics(req: MetricsPoints, ctx: ReceiveContext): SinkResult | Promise<SinkResult>;
  consumeLogs(req: LogsRequest, ctx: ReceiveContext): SinkResult | Promise<SinkResult>;
}

/**
 * Thrown by a sink (or raised by the receiver's own admission control) when it
 * cannot take more data now. The sender should retry after `retryAfterMs`.
 */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';
  /** Suggested delay before retrying, in milliseconds. */
  readonly retryAfterMs: number;
  /**
   * `'throttled'`: the sender should slow down (HTTP 429, gRPC RESOURCE_EXHAUSTED);
   * `'unavailable'`: the service cannot take data now (HTTP 503, gRPC UNAVAILABLE).
   */
  readonly kind: 'throttled' | 'unavailable';

  constructor(message: string, options: { retryAfterMs?: number; kind?: 'throttled' | 'unavailable'; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = Math.max(0, options.retryAfterMs ?? 1000);
    this.kind = options.kind ?? 'unavailable';
  }
}
