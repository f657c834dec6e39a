/**
 * LEB128 varints over a byte array: the packing of closed exponential-histogram
 * slots (most bucket counts of one slot fit in one byte). Hand-written because
 * it must write into a caller-owned `Uint8Array` at a position, with counts up
 * to 2^53, and no varint library does both without allocating per value.
 *
 * @module
 */

/** A growable byte buffer with a write position. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** Rewinds to the start (keeps the buffer). */
  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** Writes a non-negative integer (up to 2^53). */
  uint(v: number): void {
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** Writes a signed integer, zigzag-encoded. */
  sint(v: number): void {
    this.uint(v >= 0 ? 2 * v : -2 * v - 1);
  }
}

/** Reads varints from a byte array; `pos` advances. */
export class ByteReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;

  /** Points the reader at `buf[pos]`. */
  at(buf: Uint8Array, pos: number): this {
    this.buf = buf;
    this.pos = pos;
    return this;
  }

  /** Reads a non-negative integer. */
  uint(): number {
    let b = this.buf[this.pos++] as number;
    if (b < 128) return b;
    let v = b & 127;
    let mul = 128;
    // At most 8 bytes for values below 2^53.
    for (let i = 0; i < 8; i++) {
      b = this.buf[this.pos++] as number;
      v += (b & 127) * mul;
      if (b < 128) return v;
      mul *= 128;
    }
    return v;
  }

  /** Reads a zigzag-encoded signed integer. */
  sint(): number {
    const z = this.uint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
}
