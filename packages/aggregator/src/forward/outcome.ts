/**
 * What one attempt to send a request downstream came to, decided from the
 * downstream's answer as the OTLP specification describes it: success,
 * partial success (the items it names are refused for good and are not
 * retried), a failure worth retrying (after the delay it asks for, if any),
 * or a request it will never take. Pure: answers in, decisions out.
 *
 * Which failures are retried departs from an exporter's usual rule on
 * purpose. The Collector drops a request on any status the specification
 * does not list as retryable (401, 403, 404, gRPC UNAUTHENTICATED, ...).
 * Here every request was already acknowledged upstream, so dropping it for a
 * wrong token or path would lose acknowledged data to a configuration
 * mistake; those are retried with backoff instead, the queue fills, and the
 * aggregator refuses new data (503) until the operator fixes it. Only what
 * no retry can fix is given up: a request the downstream calls invalid (HTTP
 * 400, gRPC INVALID_ARGUMENT) or too large (HTTP 413), counted and logged.
 *
 * @module
 */
import { ProtoReader, WireType } from '../receiver/otlp/proto-reader.js';

/** The outcome of one attempt. */
export type SendOutcome =
  | { kind: 'ok'; rejected: number; message?: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string };

/** gRPC status codes used here (the numbers are the protocol's). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
} as const;

/**
 * `Retry-After` as ms: delta-seconds, or an HTTP date (relative to `now`).
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Fields of one protobuf message, read leniently: undefined when it is not well formed. */
function fields(buf: Uint8Array): Array<{ field: number; varint?: number; bytes?: Uint8Array }> | undefined {
  const out: Array<{ field: number; varint?: number; bytes?: Uint8Array }> = [];
  const r = new ProtoReader(buf);
  try {
    while (r.pos < buf.length) {
      const tag = r.uint32('tag');
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === WireType.VARINT) out.push({ field, varint: r.uint64Number('varint') });
      else if (wire === WireType.LEN) {
        const n = r.uint32('length');
        if (r.pos + n > buf.length) return undefined;
        out.push({ field, bytes: buf.subarray(r.pos, r.pos + n) });
        r.pos += n;
      } else if (wire === WireType.I64) r.pos += 8;
      else if (wire === WireType.I32) r.pos += 4;
      else return undefined;
    }
  } catch {
    return undefined;
  }
  return out;
}

const utf8 = new TextDecoder();

/**
 * The partial success of an `Export{Metrics,Logs}ServiceResponse` (protobuf:
 * field 1, whose field 1 is the count of rejected items and field 2 the
 * message). An unreadable body counts as full success: the downstream said 200.
 */
export function partialSuccessProtobuf(body: Uint8Array): { rejected: number; message?: string } {
  const partial = fields(body)?.find((f) => f.field === 1)?.bytes;
  if (partial === undefined) return { rejected: 0 };
  const inner = fields(partial) ?? [];
  const rejected = inner.find((f) => f.field === 1)?.varint ?? 0;
  const message = inner.find((f) => f.field === 2)?.bytes;
  return message !== undefined && message.length > 0 ? { rejected, message: utf8.decode(message) } : { rejected };
}

/** The same from an OTLP/JSON response. */
export function partialSuccessJson(text: string): { rejected: number; message?: string } {
  try {
    const p = (JSON.parse(text) as { partialSuccess?: Record<string, unknown> } | null)?.partialSuccess;
    if (p === undefined || p === null || typeof p !== 'object') return { rejected: 0 };
    const n = Number(p.rejectedDataPoints ?? p.rejectedLogRecords ?? 0);
    const rejected = Number.isFinite(n) && n > 0 ? n : 0;
    return typeof p.errorMessage === 'string' && p.errorMessage !== '' ? { rejected, message: p.errorMessage } : { rejected };
  } catch {
    return { rejected: 0 };
  }
}

/** Decides an OTLP/HTTP answer (status, `Retry-After`, body). */
export function httpOutcome(status: number, retryAfter: string | string[] | undefined, body: Uint8Array, json: boolean, now: number): SendOutcome {
  if (status >= 200 && status < 300) {
    const p = json ? partialSuccessJson(utf8.decode(body)) : partialSuccessProtobuf(body);
    return { kind: 'ok', ...p };
  }
  // An OTLP/HTTP error body is a google.rpc.Status (its field 2 is the message), in the request's encoding.
  const raw = json ? body : (fields(body)?.find((f) => f.field === 2)?.bytes ?? new Uint8Array());
  const text = utf8.decode(raw.subarray(0, 300)).replace(/\s+/g, ' ').trim();
  const reason = `HTTP ${status}${text !== '' ? `: ${text}` : ''}`;
  if (status === 400 || status === 413) return { kind: 'permanent', reason };
  const retryAfterMs = parseRetryAfter(retryAfter, now);
  return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
}

/**
 * The retry delay of a `google.rpc.Status` (`grpc-status-details-bin`)
 * carrying a `google.rpc.RetryInfo` detail, in ms; undefined without one.
 */
export function retryInfoDelayMs(statusDetails: Uint8Array): number | undefined {
  for (const detail of fields(statusDetails) ?? []) {
    if (detail.field !== 3 || detail.bytes === undefined) continue;
    const any = fields(detail.bytes) ?? [];
    const typeUrl = any.find((f) => f.field === 1)?.bytes;
    if (typeUrl === undefined || !utf8.decode(typeUrl).endsWith('/google.rpc.RetryInfo')) continue;
    const info = fields(any.find((f) => f.field === 2)?.bytes ?? new Uint8Array()) ?? [];
    const duration = fields(info.find((f) => f.field === 1)?.bytes ?? new Uint8Array()) ?? [];
    const seconds = duration.find((f) => f.field === 1)?.varint ?? 0;
    const nanos = duration.find((f) => f.field === 2)?.varint ?? 0;
    return seconds * 1000 + nanos / 1e6;
  }
  return undefined;
}

/** Decides a gRPC answer: its status code and message, the `RetryInfo` delay, and the response message (on OK). */
export function grpcOutcome(code: number, details: string, retryInfoMs: number | undefined, response: Uint8Array | undefined): SendOutcome {
  if (code === GrpcCode.OK) return { kind: 'ok', ...(response !== undefined ? partialSuccessProtobuf(response) : { rejected: 0 }) };
  const reason = `gRPC status ${code}${details !== '' ? `: ${details}` : ''}`;
  if (code === GrpcCode.INVALID_ARGUMENT) return { kind: 'permanent', reason };
  return retryInfoMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs: retryInfoMs };
}
