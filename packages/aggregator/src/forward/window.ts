/**
 * The forwarder's in-flight window over the log: records are taken in
 * sequence order, up to a bound at once, and may finish in any order; the
 * "forwarded up to" cursor moves only over a contiguous run of finished
 * records, so it never passes one the downstream has not taken. Pure.
 *
 * Sequence numbers may have gaps (an append whose write failed leaves none
 * on disk), so the window tracks the records it was given, not seq + 1.
 *
 * @module
 */

/** See the module documentation. */
export class SendWindow {
  /** Taken and not finished, or finished but behind one that is not: in seq order. */
  private readonly entries: Array<{ seq: number; bytes: number; done: boolean }> = [];
  private cursorSeq: number;
  private lastTaken: number;

  /**
   * @param cursor the seq up to which everything was forwarded
   * @param maxInFlight records taken and not finished at once, at most
   * @throws RangeError for a bad argument
   */
  constructor(cursor: number, readonly maxInFlight: number) {
    if (!Number.isInteger(cursor) || cursor < 0) throw new RangeError(`SendWindow: cursor must be an integer >= 0, got ${cursor}`);
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`SendWindow: maxInFlight must be an integer >= 1, got ${maxInFlight}`);
    this.cursorSeq = cursor;
    this.lastTaken = cursor;
  }

  /** Everything up to here was forwarded. */
  get cursor(): number {
    return this.cursorSeq;
  }

  /** Seq of the last record taken (the cursor when none is in the window). */
  get last(): number {
    return this.lastTaken;
  }

  /** Records taken and not yet finished. */
  get inFlight(): number {
    let n = 0;
    for (const e of this.entries) if (!e.done) n++;
    return n;
  }

  /** Whether another record may be taken. */
  get canTake(): boolean {
    return this.inFlight < this.maxInFlight;
  }

  /**
   * Takes the record `seq` of `bytes` payload bytes for sending.
   * @throws RangeError when it is not after the last one taken, or the window is full.
   */
  take(seq: number, bytes: number): void {
    if (!(seq > this.lastTaken)) throw new RangeError(`SendWindow.take: seq ${seq} is not after the last one taken (${this.lastTaken})`);
    if (!this.canTake) throw new RangeError(`SendWindow.take: ${this.maxInFlight} records are in flight already`);
    this.entries.push({ seq, bytes, done: false });
    this.lastTaken = seq;
  }

  /**
   * Marks `seq` finished (taken by the downstream, or given up for good) and
   * moves the cursor over the finished run at the head. Returns the payload
   * bytes the cursor moved over (0: it did not move).
   * @throws RangeError when `seq` is not in flight.
   */
  finish(seq: number): number {
    const e = this.entries.find((x) => x.seq === seq && !x.done);
    if (e === undefined) throw new RangeError(`SendWindow.finish: seq ${seq} is not in flight`);
    e.done = true;
    let bytes = 0;
    while (this.entries[0]?.done === true) {
      const head = this.entries.shift() as { seq: number; bytes: number };
      this.cursorSeq = head.seq;
      bytes += head.bytes;
    }
    return bytes;
  }
}
