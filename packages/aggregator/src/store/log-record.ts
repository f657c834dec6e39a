/**
 * The byte layout of the ingest log's segment files (see segment-log.ts):
 * an 8-byte file header, then records, each a 32-byte header and the
 * request body. Encoding and checking only; reading and writing files is
 * segment-log.ts's job.
 *
 * File header: `MWIL` (ASCII), then the format version as u32 LE (1).
 *
 * Record header, little-endian:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | CRC-32 (`zlib.crc32`) of bytes 4..32 of this header and then the payload |
 * | 4 | 4 | payload length in bytes |
 * | 8 | 8 | sequence number (u32 low, u32 high) |
 * | 16 | 8 | receive time, float64 epoch ms |
 * | 24 | 1 | kind: 1 metrics, 2 logs |
 * | 25 | 1 | encoding: 1 protobuf, 2 json |
 * | 26 | 6 | zero |
 *
 * The checksum covers the length, so a damaged length is caught like damaged
 * payload bytes; it comes first so that the bytes it covers are contiguous.
 * The receive time is a float64 because the SQLite log stored whatever finite
 * number it was given, and replay must return the same value.
 *
 * @packageDocumentation
 */
import { crc32 } from 'node:zlib';

/** Bytes of the header at the start of every segment file. */
export const SEGMENT_HEADER_BYTES = 8;
/** Bytes of each record's header. */
export const RECORD_HEADER_BYTES = 32;
/** The format version this build writes and reads. */
export const SEGMENT_FORMAT_VERSION = 1;

const MAGIC = 0x4c49_574d; // "MWIL" read as a u32 LE
const TWO_32 = 2 ** 32;

/** Which OTLP signal a logged request carries. */
export type IngestKind = 'metrics' | 'logs';

/** How a logged payload is encoded (the request's own content type). */
export type PayloadEncoding = 'protobuf' | 'json';

const KIND_CODES: Record<IngestKind, number> = { metrics: 1, logs: 2 };
const ENCODING_CODES: Record<PayloadEncoding, number> = { protobuf: 1, json: 2 };
const KINDS: ReadonlyArray<IngestKind | undefined> = [undefined, 'metrics', 'logs'];
const ENCODINGS: ReadonlyArray<PayloadEncoding | undefined> = [undefined, 'protobuf', 'json'];

/** What a record header says. */
export interface RecordHeader {
  seq: number;
  kind: IngestKind;
  encoding: PayloadEncoding;
  receivedAt: number;
  /** Payload bytes after the header. */
  length: number;
  /** The checksum stored in the header. */
  crc: number;
}

/** A record to encode. */
export interface RecordInput {
  seq: number;
  kind: IngestKind;
  encoding: PayloadEncoding;
  receivedAt: number;
  payload: Uint8Array;
}

/** The header every segment file starts with. */
export function segmentFileHeader(): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(SEGMENT_FORMAT_VERSION, 4);
  return b;
}

/**
 * Checks a segment file's header: `ok`, `foreign` (not our magic: garbage,
 * or a file that is not a segment) or the unknown format version it names.
 */
export function checkSegmentFileHeader(b: Uint8Array): 'ok' | 'foreign' | { version: number } {
  if (b.byteLength < SEGMENT_HEADER_BYTES) return 'foreign';
  const view = Buffer.from(b.buffer, b.byteOffset, SEGMENT_HEADER_BYTES);
  if (view.readUInt32LE(0) !== MAGIC) return 'foreign';
  const version = view.readUInt32LE(4);
  return version === SEGMENT_FORMAT_VERSION ? 'ok' : { version };
}

/**
 * Writes the header of `r` into `into` at `at` (RECORD_HEADER_BYTES bytes),
 * checksum included. The payload is written after it by the caller, unchanged.
 * @throws RangeError when the payload is 4 GiB or more (the length field is a u32).
 */
export function writeRecordHeader(into: Buffer, at: number, r: RecordInput): void {
  const length = r.payload.byteLength;
  if (length >= TWO_32) throw new RangeError(`a logged request body must be smaller than 4 GiB, got ${length} bytes`);
  into.writeUInt32LE(length, at + 4);
  into.writeUInt32LE(r.seq >>> 0, at + 8);
  into.writeUInt32LE(Math.floor(r.seq / TWO_32), at + 12);
  into.writeDoubleLE(r.receivedAt, at + 16);
  into[at + 24] = KIND_CODES[r.kind];
  into[at + 25] = ENCODING_CODES[r.encoding];
  into.fill(0, at + 26, at + RECORD_HEADER_BYTES);
  const crc = crc32(r.payload, crc32(into.subarray(at + 4, at + RECORD_HEADER_BYTES)));
  into.writeUInt32LE(crc, at);
}

/**
 * Reads the record header at `at` (RECORD_HEADER_BYTES bytes must be there).
 * Returns why it is not a header when a field is out of its range; the
 * checksum is not checked here (see {@link recordChecksumMatches}).
 */
export function readRecordHeader(b: Buffer, at: number): RecordHeader | string {
  const kind = KINDS[b[at + 24] as number];
  const encoding = ENCODINGS[b[at + 25] as number];
  if (kind === undefined) return `unknown kind code ${b[at + 24] as number}`;
  if (encoding === undefined) return `unknown encoding code ${b[at + 25] as number}`;
  for (let i = at + 26; i < at + RECORD_HEADER_BYTES; i++) if (b[i] !== 0) return 'reserved header bytes are not zero';
  const high = b.readUInt32LE(at + 12);
  if (high >= 2 ** 21) return 'sequence number beyond 2^53';
  const receivedAt = b.readDoubleLE(at + 16);
  if (!Number.isFinite(receivedAt)) return 'receive time is not a finite number';
  return {
    crc: b.readUInt32LE(at),
    length: b.readUInt32LE(at + 4),
    seq: high * TWO_32 + b.readUInt32LE(at + 8),
    receivedAt,
    kind,
    encoding,
  };
}

/** Whether the record at `at` (header and payload both in `b`) has the checksum its header states. */
export function recordChecksumMatches(b: Buffer, at: number, h: RecordHeader): boolean {
  return crc32(b.subarray(at + 4, at + RECORD_HEADER_BYTES + h.length)) === h.crc;
}
