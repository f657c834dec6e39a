/**
 * The checkpoint's byte format: a JSON value followed by binary sections
 * (the exponential windows' slot bytes and bucket counts, which the engine
 * snapshot refers to by index and which are nearly all of a checkpoint).
 *
 * Why not JSON alone, as schema 3 stored it: it spelled slot bytes as base64
 * and counts as number arrays; at 2,000 streams with an hour of one-minute
 * slots that is a 20 MB string costing ~0.8 s of the event loop to build.
 * Copying the same arrays into sections costs a few tens of ms
 * (docs/performance.md, "Evaluation ticks").
 *
 * Layout (little-endian):
 *
 * | bytes | what |
 * | --- | --- |
 * | 4 | magic `MWCP` |
 * | 4 | format version, 1 |
 * | 4 | J: byte length of the JSON |
 * | 4 | N: number of sections |
 * | 8 x N | per section: kind (1 = Uint8Array, 2 = Float64Array), 3 zero bytes, byte length |
 * | J | the JSON, UTF-8 |
 * | ... | the sections in order, each starting at a multiple of 8 bytes |
 *
 * Pure: no `node:*`, only the `TextEncoder`/`TextDecoder` globals.
 *
 * @module
 */
import type { SnapshotSection } from '../engine/index.js';

const MAGIC = [0x4d, 0x57, 0x43, 0x50]; // "MWCP"
/** Version of the byte layout written by {@link encodeCheckpoint}. */
export const CHECKPOINT_FORMAT_VERSION = 1;
const HEADER_BYTES = 16;
const SECTION_ENTRY_BYTES = 8;
const KIND_U8 = 1;
const KIND_F64 = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const align8 = (n: number): number => (n + 7) & ~7;

/** Thrown when checkpoint bytes cannot be read; the message says what is wrong. */
export class CheckpointFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointFormatError';
  }
}

/** A decoded checkpoint. */
export interface DecodedCheckpoint {
  value: unknown;
  /** Views into the decoded bytes (Float64Arrays copied when those are not 8-byte aligned): copy before writing to them. */
  sections: SnapshotSection[];
}

/** Whether `data` starts like a binary checkpoint. */
export function isBinaryCheckpoint(data: Uint8Array): boolean {
  return data.length >= HEADER_BYTES && MAGIC.every((b, i) => data[i] === b);
}

/**
 * Encodes a JSON-serialisable value and its sections into one new buffer.
 * @throws TypeError when `value` has no JSON form (undefined, a function).
 */
export function encodeCheckpoint(value: unknown, sections: readonly SnapshotSection[]): Uint8Array {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new TypeError(`encodeCheckpoint: the value (${typeof value}) has no JSON form`);
  const text = encoder.encode(json);
  let size = align8(HEADER_BYTES + SECTION_ENTRY_BYTES * sections.length + text.length);
  for (const s of sections) size = align8(size + s.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(8, text.length, true);
  view.setUint32(12, sections.length, true);
  let entry = HEADER_BYTES;
  for (const s of sections) {
    view.setUint8(entry, s instanceof Uint8Array ? KIND_U8 : KIND_F64);
    view.setUint32(entry + 4, s.byteLength, true);
    entry += SECTION_ENTRY_BYTES;
  }
  out.set(text, entry);
  let at = align8(entry + text.length);
  for (const s of sections) {
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at = align8(at + s.byteLength);
  }
  return out;
}

/**
 * Decodes what {@link encodeCheckpoint} wrote.
 * @throws CheckpointFormatError naming what is wrong (no header, a newer format version, truncated, a section of unknown kind, bad JSON).
 */
export function decodeCheckpoint(data: Uint8Array): DecodedCheckpoint {
  if (!isBinaryCheckpoint(data)) throw new CheckpointFormatError(`not a binary checkpoint (${data.length} bytes, no MWCP header)`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint32(4, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointFormatError(`checkpoint format version ${version} is unknown to this modelwatch, which reads version ${CHECKPOINT_FORMAT_VERSION}: it was written by a newer one`);
  }
  const jsonBytes = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  const jsonAt = HEADER_BYTES + SECTION_ENTRY_BYTES * count;
  if (jsonAt + jsonBytes > data.length) throw new CheckpointFormatError(`checkpoint truncated: ${data.length} bytes, its header and JSON need ${jsonAt + jsonBytes}`);
  const sections: SnapshotSection[] = [];
  let at = align8(jsonAt + jsonBytes);
  for (let i = 0; i < count; i++) {
    const entry = HEADER_BYTES + SECTION_ENTRY_BYTES * i;
    const kind = view.getUint8(entry);
    const bytes = view.getUint32(entry + 4, true);
    if (at + bytes > data.length) throw new CheckpointFormatError(`checkpoint truncated: section ${i} ends at byte ${at + bytes} of ${data.length}`);
    if (kind === KIND_U8) sections.push(data.subarray(at, at + bytes));
    else if (kind === KIND_F64 && bytes % 8 === 0) {
      const start = data.byteOffset + at;
      sections.push(start % 8 === 0 ? new Float64Array(data.buffer, start, bytes / 8) : new Float64Array(data.slice(at, at + bytes).buffer));
    } else throw new CheckpointFormatError(`checkpoint section ${i} has kind ${kind} and ${bytes} bytes: neither Uint8Array (1) nor Float64Array (2, a multiple of 8 bytes)`);
    at = align8(at + bytes);
  }
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data.subarray(jsonAt, jsonAt + jsonBytes)));
  } catch (err) {
    throw new CheckpointFormatError(`checkpoint JSON cannot be read: ${(err as Error).message}`);
  }
  return { value, sections };
}
