/**
 * Encoders for what the receiver sends back: `Export*ServiceResponse` with an
 * optional partial success, and `google.rpc.Status` for errors, in protobuf
 * (protobufjs `Writer`) and in the OTLP/JSON mapping.
 *
 * @packageDocumentation
 */
import protobuf from 'protobufjs/minimal.js';

/** Which export service a response belongs to. */
export type Signal = 'metrics' | 'logs';

/** What was refused of a request. */
export interface PartialSuccess {
  rejected: number;
  errorMessage?: string | undefined;
}

/** gRPC / google.rpc.Code values used by the receiver. */
export const RpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** True when the sink refused something or left a message: the response then carries `partial_success`. */
function hasPartial(p: PartialSuccess): boolean {
  return p.rejected > 0 || (p.errorMessage !== undefined && p.errorMessage !== '');
}

/**
 * Encodes `ExportMetricsServiceResponse` / `ExportLogsServiceResponse` (both:
 * `partial_success` = 1 holding `rejected_*` = 1 (int64) and `error_message` = 2).
 * Fully accepted requests get an empty message, as the spec asks.
 */
export function encodeExportResponse(p: PartialSuccess): Uint8Array {
  if (!hasPartial(p)) return new Uint8Array(0);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork();
  if (p.rejected > 0) w.uint32(1 << 3).int64(p.rejected);
  if (p.errorMessage) w.uint32((2 << 3) | 2).string(p.errorMessage);
  w.ldelim();
  return w.finish();
}

/** The OTLP/JSON form of an export response (`{}` when everything was accepted). */
export function exportResponseJson(signal: Signal, p: PartialSuccess): string {
  if (!hasPartial(p)) return '{}';
  const partial: Record<string, string> = {};
  // int64 in proto3 JSON is a decimal string.
  if (p.rejected > 0) partial[signal === 'metrics' ? 'rejectedDataPoints' : 'rejectedLogRecords'] = String(p.rejected);
  if (p.errorMessage) partial['errorMessage'] = p.errorMessage;
  return JSON.stringify({ partialSuccess: partial });
}

/** Encodes a `google.rpc.Status` (`code` = 1, `message` = 2; no details). */
export function encodeStatus(code: number, message: string): Uint8Array {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32(1 << 3).int32(code);
  if (message) w.uint32((2 << 3) | 2).string(message);
  return w.finish();
}

/** The JSON form of a `google.rpc.Status`. */
export function statusJson(code: number, message: string): string {
  return JSON.stringify({ code, message, details: [] });
}
