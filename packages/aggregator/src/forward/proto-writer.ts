/**
 * A minimal protobuf writer: varints from `bigint` (exact for every 64-bit
 * value, which protobufjs's minimal build handles only through `Long`),
 * fixed-width numbers, length-delimited bytes. Pure.
 *
 * @module
 */
/** A growable byte buffer with the protobuf primitives the forwarder encodes with. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  /** Bytes written so far. */
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  /** A varint of a 64-bit value (negative: two's complement, ten bytes). */
  varint(v: bigint): void {
    // Negative int64 values take ten bytes (two's complement), as protobuf encodes them.
    let x = BigInt.asUintN(64, v);
    this.room(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }
  /** A varint of a non-negative number (tags, lengths). */
  small(v: number): void {
    this.varint(BigInt(v));
  }
  fixed64(v: bigint): void {
    this.room(8);
    this.view.setBigUint64(this.len, BigInt.asUintN(64, v), true);
    this.len += 8;
  }
  fixed32(v: number): void {
    this.room(4);
    this.view.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  double(v: number): void {
    this.room(8);
    this.view.setFloat64(this.len, v, true);
    this.len += 8;
  }
  /** A length-delimited value. */
  bytes(b: Uint8Array): void {
    this.small(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** The bytes written (a view; write no more after taking it). */
  result(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
