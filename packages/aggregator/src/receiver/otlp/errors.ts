/**
 * Errors raised while decoding OTLP payloads.
 *
 * @packageDocumentation
 */

/**
 * An OTLP payload could not be decoded. The message names the message type,
 * the field and (for protobuf) the byte offset, so a sender can find what it
 * got wrong; the receiver answers 400 / INVALID_ARGUMENT with it (not retryable).
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
  /** Stable error code for the aggregator's catalogue. */
  readonly code = 'OTLP_DECODE';
  /** Path of the offending field, e.g. `ExponentialHistogramDataPoint.positive`. */
  readonly field: string;
  /** Byte offset in the protobuf body, or -1 for JSON. */
  readonly offset: number;

  constructor(message: string, field: string, offset = -1, options?: { cause?: unknown }) {
    super(message, options);
    this.field = field;
    this.offset = offset;
  }
}
