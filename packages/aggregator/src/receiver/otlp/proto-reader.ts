/**
 * A minimal protobuf wire-format cursor tuned for OTLP.
 *
 * Hand-written rather than protobufjs's `Reader` because every OTLP data
 * point carries 64-bit fields (fixed64 times and counts, uint64 bucket
 * counts): protobufjs returns those as `LongBits`/`Long` objects, one
 * allocation each, which dominated a decode of ~160-bucket histograms. Here
 * counts become plain numbers straight from the bytes and timestamps become
 * `bigint` through a small cache (one export's points share their times).
 *
 * @packageDocumentation
 */
import { OtlpDecodeError } from './errors.js';

const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8');
// For pure-ASCII bytes latin1 and UTF-8 decode alike; latin1 skips validation.
const latin1 = new TextDecoder('latin1');

/** Strings up to this many bytes are interned (keys, names, short values). */
const MAX_INTERNED = 48;
const INTERN_SIZE = 4096;
/** Process-wide intern table: strings are immutable, so sharing is safe. */
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SIZE).fill(undefined);

/** Wire types of the protobuf encoding. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/**
 * A 10-byte varint's last byte holds bit 63 only; more would be a value past
 * 2^64 (found by fuzzing, issue 16: bucket counts of 10^20 were taken).
 * Every varint reader refuses it alike, so the checking pass and the decoders agree.
 */
const OVERFLOW = 'varint overflows 64 bits';

/** Bound on nested groups skipped as unknown fields (guards the stack). */
const MAX_GROUP_DEPTH = 64;

/** A read position over a protobuf-encoded buffer. */
export class ProtoReader {
  readonly buf: Uint8Array;
  pos: number;
  /** A view of `buf` for reading little-endian words. */
  readonly view: DataView;
  // Two-entry cache for fixed64 -> bigint (start and end times of a batch).
  private aLo = -1;
  private aHi = -1;
  private aBig = 0n;
  private bLo = -1;
  private bHi = -1;
  private bBig = 0n;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.pos = 0;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Throws an {@link OtlpDecodeError} at the current offset. */
  fail(field: string, what: string): never {
    throw new OtlpDecodeError(`invalid protobuf: ${field}: ${what} (at byte ${this.pos})`, field, this.pos);
  }

  /** Reads a varint and returns its low 32 bits as an unsigned number (tags, lengths, enums, uint32). */
  uint32(field: string): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    if (b === undefined) this.truncated(field);
    let v = b & 0x7f;
    if (b < 0x80) {
      this.pos = pos;
      return v;
    }
    b = buf[pos++] ?? this.truncated(field);
    v |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      b = buf[pos++] ?? this.truncated(field);
      v |= (b & 0x7f) << 14;
      if (b >= 0x80) {
        b = buf[pos++] ?? this.truncated(field);
        v |= (b & 0x7f) << 21;
        if (b >= 0x80) {
          b = buf[pos++] ?? this.truncated(field);
          v |= (b & 0x0f) << 28;
          // Bytes 6..10 carry bits above 32 (negative int32s are sign-extended to 10 bytes).
          let n = 0;
          while (b >= 0x80) {
            if (++n > 5) {
              this.pos = pos;
              this.fail(field, 'varint longer than 10 bytes');
            }
            b = buf[pos++] ?? this.truncated(field);
          }
          if (n === 5 && b > 1) {
            this.pos = pos;
            this.fail(field, OVERFLOW);
          }
        }
      }
    }
    this.pos = pos;
    return v >>> 0;
  }

  /** Reads a varint as a signed 32-bit integer (`int32`, `enum`). */
  int32(field: string): number {
    return this.uint32(field) | 0;
  }

  /** Reads a zigzag-encoded `sint32`. */
  sint32(field: string): number {
    const n = this.uint32(field);
    return (n >>> 1) ^ -(n & 1);
  }

  /** Reads a varint `bool`. */
  bool(field: string): boolean {
    return this.uint64Number(field) !== 0;
  }

  /** Reads a varint `uint64` as a number (exact below 2^53). */
  uint64Number(field: string): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = buf[pos++] ?? this.truncated(field);
      if (i === 9 && b > 1 && b < 0x80) {
        this.pos = pos;
        this.fail(field, OVERFLOW);
      }
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
      mul *= 128;
    }
    this.pos = pos;
    return this.fail(field, 'varint longer than 10 bytes');
  }

  /** Reads a varint `int64` as a `bigint` (two's complement). */
  int64BigInt(field: string): bigint {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = buf[pos++] ?? this.truncated(field);
      if (i === 9 && b > 1 && b < 0x80) {
        this.pos = pos;
        this.fail(field, OVERFLOW);
      }
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asIntN(64, result);
      }
      shift += 7n;
    }
    this.pos = pos;
    return this.fail(field, 'varint longer than 10 bytes');
  }

  /** Reads a little-endian `fixed32`. */
  fixed32(field: string): number {
    const pos = this.pos;
    if (pos + 4 > this.buf.length) this.truncated(field);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** Reads a `fixed64` as a number (exact below 2^53). */
  fixed64Number(field: string): number {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) this.truncated(field);
    this.pos = pos + 8;
    const view = this.view;
    return view.getUint32(pos, true) + view.getUint32(pos + 4, true) * TWO_32;
  }

  /** Reads an `sfixed64` as a number (exact within ±2^53). */
  sfixed64Number(field: string): number {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) this.truncated(field);
    this.pos = pos + 8;
    const view = this.view;
    return view.getUint32(pos, true) + view.getInt32(pos + 4, true) * TWO_32;
  }

  /** Reads a `fixed64` timestamp as an exact `bigint`. */
  fixed64BigInt(field: string): bigint {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) this.truncated(field);
    this.pos = pos + 8;
    const lo = this.view.getUint32(pos, true);
    const hi = this.view.getUint32(pos + 4, true);
    if (lo === this.aLo && hi === this.aHi) return this.aBig;
    if (lo === this.bLo && hi === this.bHi) return this.bBig;
    const big = hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
    // Move the previous entry down: alternating start/end times stay cached.
    this.bLo = this.aLo;
    this.bHi = this.aHi;
    this.bBig = this.aBig;
    this.aLo = lo;
    this.aHi = hi;
    this.aBig = big;
    return big;
  }

  /** Reads a little-endian IEEE-754 `double`. */
  double(field: string): number {
    const pos = this.pos;
    if (pos + 8 > this.buf.length) this.truncated(field);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /**
   * Reads a length prefix and returns the end offset of the delimited bytes,
   * checked against the enclosing message's end.
   */
  lengthEnd(field: string, limit: number): number {
    const len = this.uint32(field);
    const end = this.pos + len;
    if (end > limit) this.fail(field, `length ${len} runs past the end of its enclosing message`);
    return end;
  }

  /** Reads a length-delimited UTF-8 `string`. */
  string(field: string, limit: number): string {
    const end = this.lengthEnd(field, limit);
    const start = this.pos;
    this.pos = end;
    const len = end - start;
    if (len === 0) return '';
    if (len <= MAX_INTERNED) {
      // Attribute keys and values, metric names: the same few strings in every
      // point. Look them up by a hash of their bytes instead of allocating anew.
      const buf = this.buf;
      // Hash of the length and the last four bytes (where "feature_1" and
      // "feature_2" differ); a collision only costs a miss.
      let h = Math.imul(len, 0x9e3779b1);
      for (let i = end - 1, stop = Math.max(start, end - 4); i >= stop; i--) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
      const slot = (h >>> 0) & (INTERN_SIZE - 1);
      const hit = interned[slot];
      if (hit !== undefined && hit.length === len) {
        let same = true;
        for (let i = 0; i < len; i++) {
          if (hit.charCodeAt(i) !== buf[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return hit;
      }
      let ascii = true;
      for (let i = start; i < end; i++) {
        if ((buf[i] as number) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (!ascii) return utf8.decode(buf.subarray(start, end));
      const s = latin1.decode(buf.subarray(start, end));
      interned[slot] = s;
      return s;
    }
    return utf8.decode(this.buf.subarray(start, end));
  }

  /** Reads length-delimited `bytes` (a copy, so the request buffer can be released). */
  bytes(field: string, limit: number): Uint8Array {
    const end = this.lengthEnd(field, limit);
    // A plain Uint8Array copy: a Buffer body's own slice() would share the request's memory.
    const out = new Uint8Array(this.buf.subarray(this.pos, end));
    this.pos = end;
    return out;
  }

  /** Skips a field of the given wire type (an unknown field, or a known one with an unexpected type). */
  skip(wireType: number, field: string, limit: number, depth = 0): void {
    switch (wireType) {
      case WireType.VARINT:
        this.uint64Number(field);
        return;
      case WireType.I64:
        this.advance(8, field, limit);
        return;
      case WireType.LEN:
        this.pos = this.lengthEnd(field, limit);
        return;
      case WireType.I32:
        this.advance(4, field, limit);
        return;
      case WireType.SGROUP: {
        if (depth >= MAX_GROUP_DEPTH) this.fail(field, 'groups nested too deeply');
        for (;;) {
          if (this.pos >= limit) this.fail(field, 'unterminated group');
          const tag = this.uint32(field);
          const wt = tag & 7;
          if (wt === WireType.EGROUP) return;
          this.skip(wt, field, limit, depth + 1);
        }
      }
      default:
        this.fail(field, `invalid wire type ${wireType}`);
    }
  }

  /** Checks that a message ended exactly at its declared end. */
  expectEnd(end: number, field: string): void {
    if (this.pos !== end) this.fail(field, `field data overran the message end ${end}`);
  }

  private advance(n: number, field: string, limit: number): void {
    if (this.pos + n > limit) this.truncated(field);
    this.pos += n;
  }

  private truncated(field: string): never {
    return this.fail(field, 'truncated input');
  }
}
