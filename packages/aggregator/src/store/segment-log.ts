/**
 * The files of the ingest log: append-only segments in one directory, each
 * named by the 16-digit sequence number it was started for
 * (`0000000000000001.seg`), holding records in the layout of log-record.ts.
 * ingest-log.ts decides what is written and when (group commit, checkpoints);
 * this module writes, syncs, recovers, reads and deletes the files.
 *
 * Invariants that recovery and deletion rely on:
 * - records are written in increasing sequence order, and a segment's name is
 *   at most its first record's seq, and greater than every seq in the
 *   segments before it;
 * - only the last segment is ever written to, at the end of its good data;
 * - a segment other than the last is complete: it was closed after its last
 *   successful write (and synced: see {@link SegmentLog.roll}).
 *
 * @packageDocumentation
 */
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './database.js';
import type { IngestKind, PayloadEncoding } from './log-record.js';
import {
  RECORD_HEADER_BYTES,
  SEGMENT_HEADER_BYTES,
  checkSegmentFileHeader,
  readRecordHeader,
  recordChecksumMatches,
  segmentFileHeader,
  writeRecordHeader,
  type RecordHeader,
  type RecordInput,
} from './log-record.js';

/**
 * The file operations the segment log uses: `node:fs` by default. Tests pass
 * a wrapper to count syncs or to make a write fail.
 */
export interface SegmentFileSystem {
  openSync(path: string, flags: string): number;
  closeSync(fd: number): void;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  writevSync(fd: number, buffers: readonly Uint8Array[], position: number): number;
  fdatasyncSync(fd: number): void;
  /** Asynchronous (thread pool): used when a segment is closed under `NORMAL`, so the event loop does not wait. */
  fdatasync(fd: number, callback: (err: Error | null) => void): void;
  /** Used on directories, so a new file's name survives power loss (`FULL`). */
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { size: number };
  readdirSync(path: string): string[];
  /** Returns the first directory created, or undefined when it existed. */
  mkdirSync(path: string, options: { recursive: true }): string | undefined;
  unlinkSync(path: string): void;
  /** Asynchronous (thread pool): deleting covered segments after a checkpoint, so the event loop does not wait. */
  unlink(path: string, callback: (err: Error | null) => void): void;
}

/** The real file system. */
export const nodeFileSystem: SegmentFileSystem = {
  openSync: (path, flags) => nodeFs.openSync(path, flags),
  closeSync: (fd) => nodeFs.closeSync(fd),
  readSync: (fd, buffer, offset, length, position) => nodeFs.readSync(fd, buffer, offset, length, position),
  writevSync: (fd, buffers, position) => nodeFs.writevSync(fd, buffers, position),
  fdatasyncSync: (fd) => nodeFs.fdatasyncSync(fd),
  fdatasync: (fd, callback) => nodeFs.fdatasync(fd, callback),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  ftruncateSync: (fd, length) => nodeFs.ftruncateSync(fd, length),
  fstatSync: (fd) => nodeFs.fstatSync(fd),
  readdirSync: (path) => nodeFs.readdirSync(path),
  mkdirSync: (path, options) => nodeFs.mkdirSync(path, options),
  unlinkSync: (path) => nodeFs.unlinkSync(path),
  unlink: (path, callback) => nodeFs.unlink(path, callback),
};

/** When the segment log syncs, after the store's `synchronous` level (see docs/durability.md). */
export type SyncLevel = 'OFF' | 'NORMAL' | 'FULL';

/** Options of {@link SegmentLog}. */
export interface SegmentLogOptions {
  synchronous: SyncLevel;
  /** A segment that has reached this size is closed and the next write starts a new one. */
  maxSegmentBytes: number;
  fs: SegmentFileSystem;
}

/** One record read back. */
export interface SegmentRecord {
  seq: number;
  kind: IngestKind;
  encoding: PayloadEncoding;
  receivedAt: number;
  payload: Uint8Array;
  /** Where the record after this one starts: a {@link SegmentLog.read} given it resumes there instead of rescanning the segment. */
  next: ReadPosition;
}

/** A record boundary in the log: the segment (by the seq in its name) and a byte offset in it. */
export interface ReadPosition {
  readonly firstSeq: number;
  readonly offset: number;
}

interface Segment {
  /** The seq in the file name. */
  readonly firstSeq: number;
  readonly path: string;
  /** Seq of the last record (0: none yet). */
  lastSeq: number;
  /** End of the good data (header included; 0: nothing written yet). */
  bytes: number;
  /** The records' seqs as runs: [from, to, from, to, ...], ascending. Gaps come from failed writes and checkpoints. */
  runs: number[];
}

const SEGMENT_NAME = /^(\d{16})\.seg$/;
/** Replay reads a segment this much at a time (a larger record: the record). */
const READ_CHUNK = 1024 * 1024;
/** Walking only the headers reads this much at a time: large enough for many small records, small next to a large one. */
const HEADER_CHUNK = 64 * 1024;
const FILE_HEADER = segmentFileHeader();

/** File name of the segment started for `seq`. */
export function segmentFileName(seq: number): string {
  return `${String(seq).padStart(16, '0')}.seg`;
}

type ScanItem = { header: RecordHeader; offset: number; payload: Uint8Array | undefined } | { damage: string; offset: number };

/**
 * Reads the records of one open segment from `start` to `end`. With
 * `verify`, each record is read whole and its checksum checked, and the
 * payload is returned (a view of a buffer that is never reused); without,
 * only the headers are read. Stops after the first damaged record, since the
 * framing after it cannot be trusted.
 */
function* scan(fs: SegmentFileSystem, fd: number, start: number, end: number, verify: boolean): Generator<ScanItem> {
  let buf = Buffer.alloc(0);
  let bufStart = 0;
  const load = (at: number, need: number): void => {
    const size = Math.min(Math.max(need, verify ? READ_CHUNK : HEADER_CHUNK), end - at);
    buf = Buffer.allocUnsafe(size);
    bufStart = at;
    let got = 0;
    while (got < size) {
      const n = fs.readSync(fd, buf, got, size - got, at + got);
      if (n === 0) throw new Error(`the file ended at ${at + got} while reading up to ${at + size}`);
      got += n;
    }
  };
  let pos = start;
  while (pos < end) {
    if (end - pos < RECORD_HEADER_BYTES) {
      yield { damage: `the file ends ${end - pos} bytes into a record header`, offset: pos };
      return;
    }
    if (pos + RECORD_HEADER_BYTES > bufStart + buf.length) load(pos, RECORD_HEADER_BYTES);
    const h = readRecordHeader(buf, pos - bufStart);
    if (typeof h === 'string') {
      yield { damage: h, offset: pos };
      return;
    }
    const recordEnd = pos + RECORD_HEADER_BYTES + h.length;
    if (recordEnd > end) {
      yield { damage: `the record claims ${h.length} payload bytes, the file ends after ${end - pos - RECORD_HEADER_BYTES}`, offset: pos };
      return;
    }
    let payload: Uint8Array | undefined;
    if (verify) {
      if (recordEnd > bufStart + buf.length) load(pos, RECORD_HEADER_BYTES + h.length);
      const at = pos - bufStart;
      if (!recordChecksumMatches(buf, at, h)) {
        yield { damage: 'checksum mismatch', offset: pos };
        return;
      }
      payload = buf.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + h.length);
    }
    yield { header: h, offset: pos, payload };
    pos = recordEnd;
  }
}

function addRun(runs: number[], seq: number): void {
  const n = runs.length;
  if (n > 0 && runs[n - 1] === seq - 1) runs[n - 1] = seq;
  else runs.push(seq, seq);
}

function countAfter(runs: readonly number[], seq: number): number {
  let n = 0;
  for (let i = 0; i < runs.length; i += 2) {
    const from = Math.max(runs[i] as number, seq + 1);
    const to = runs[i + 1] as number;
    if (to >= from) n += to - from + 1;
  }
  return n;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The segment files of one ingest log. Opening it recovers the directory:
 * the last segment is read whole and checked, and a torn or damaged record at
 * its end is cut off (the end of the log after a crash: what follows it was
 * never acknowledged, or under `NORMAL` was acknowledged in the last moments
 * before power loss); the other segments' headers are walked.
 *
 * Damage anywhere else (including damage in the last segment that good
 * records follow) is a {@link StoreError} naming the file and offset, and
 * stops: at open for a broken frame, in {@link read} for a checksum that does
 * not match. Not skipped: after a damaged record the framing cannot be
 * trusted, and a replay with a hole in it would rebuild a state that never
 * existed without anyone knowing. The message says how to keep what precedes
 * the damage, if the operator chooses to.
 */
export class SegmentLog {
  readonly dir: string;
  private readonly fs: SegmentFileSystem;
  private readonly synchronous: SyncLevel;
  private readonly maxSegmentBytes: number;
  private readonly segments: Segment[] = [];
  /** Covered files whose background unlink failed, to try again at the next removal. */
  private readonly strays: string[] = [];
  /** The last segment, open for appending; undefined: the next write starts a new segment. */
  private current: { segment: Segment; fd: number } | undefined;
  /** Once set, every write fails with it: a failed fsync may have dropped written data (the kernel marks the pages clean), so nothing after it may be acknowledged. */
  private failure: StoreError | undefined;
  /** The descriptor a {@link syncAsync} is syncing, if one is running. */
  private syncingFd: number | undefined;
  private closed = false;

  /**
   * Opens (creating if needed) the segment directory and recovers it.
   * Segments whose records all have a seq <= `coveredSeq` (left by a crash
   * between a checkpoint's commit and their deletion) are deleted.
   * @throws StoreError for damage other than at the end of the last segment, a segment of a newer format, or a directory that cannot be used.
   */
  constructor(dir: string, coveredSeq: number, options: SegmentLogOptions) {
    this.dir = dir;
    this.fs = options.fs;
    this.synchronous = options.synchronous;
    this.maxSegmentBytes = options.maxSegmentBytes;
    let names: string[];
    try {
      const created = this.fs.mkdirSync(dir, { recursive: true });
      // A new directory's own name must survive power loss too before files in it count.
      if (created !== undefined && this.synchronous === 'FULL') this.syncDir(join(dir, '..'));
      names = this.fs.readdirSync(dir);
    } catch (err) {
      throw new StoreError(`cannot use the ingest log directory ${dir}: ${message(err)}`, { cause: err });
    }
    for (const name of names.sort()) {
      const m = SEGMENT_NAME.exec(name);
      // Other files are not ours to judge (an operator's notes, an editor's backup): left alone.
      if (m !== null) this.segments.push({ firstSeq: Number(m[1]), path: join(dir, name), lastSeq: 0, bytes: 0, runs: [] });
    }
    this.recoverLast();
    for (let i = 0; i < this.segments.length - 1; i++) {
      const seg = this.segments[i] as Segment;
      const next = this.segments[i + 1] as Segment;
      // Wholly covered by the checkpoint: its records are all before the next segment's name.
      if (next.firstSeq - 1 <= coveredSeq) continue;
      this.walk(seg, next.firstSeq);
    }
    this.removeCovered(coveredSeq);
  }

  /** Seq of the last record on disk (0: none). */
  get lastSeq(): number {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const last = (this.segments[i] as Segment).lastSeq;
      if (last > 0) return last;
    }
    return 0;
  }

  /** Records on disk with a seq after `seq`. */
  countAfter(seq: number): number {
    let n = 0;
    for (const s of this.segments) if (s.lastSeq > seq) n += countAfter(s.runs, seq);
    return n;
  }

  /**
   * Appends records (in increasing seq order, after every record written
   * before) with one `writev`, then, under `FULL`, `fdatasync`s the segment
   * (and the directory when the segment is new). On failure the segment is cut
   * back to its last good byte, so the next write follows good data.
   * With `syncNow` false, a `FULL` log leaves the `fdatasync` to a
   * {@link syncAsync} the caller starts next (the new segment's directory
   * entry is still synced at once); nothing of the batch may be acknowledged
   * before that sync has succeeded.
   * @throws StoreError naming the file and offset; nothing of this batch is then acknowledged.
   */
  write(records: readonly RecordInput[], syncNow = true): void {
    if (this.closed) throw new StoreError(`the ingest log in ${this.dir} is closed`);
    if (this.failure !== undefined) throw new StoreError(`the ingest log stopped writing after an earlier failure: ${this.failure.message}`, { cause: this.failure });
    const first = records[0];
    if (first === undefined) return;
    if (this.current !== undefined && this.current.segment.bytes >= this.maxSegmentBytes) this.roll();
    const cur = this.current ?? this.startSegment(first.seq);
    const seg = cur.segment;
    const buffers: Uint8Array[] = [];
    if (seg.bytes === 0) buffers.push(FILE_HEADER);
    // One allocation for all the headers of the batch.
    const headers = Buffer.allocUnsafe(RECORD_HEADER_BYTES * records.length);
    let total = seg.bytes === 0 ? FILE_HEADER.length : 0;
    for (let i = 0; i < records.length; i++) {
      const r = records[i] as RecordInput;
      writeRecordHeader(headers, i * RECORD_HEADER_BYTES, r);
      buffers.push(headers.subarray(i * RECORD_HEADER_BYTES, (i + 1) * RECORD_HEADER_BYTES), r.payload);
      total += RECORD_HEADER_BYTES + r.payload.byteLength;
    }
    let synced = false;
    try {
      // Positional: the offset is ours, so a failed write's partial bytes are simply overwritten or cut.
      const n = this.fs.writevSync(cur.fd, buffers, seg.bytes);
      if (n !== total) throw new Error(`short write: ${n} of ${total} bytes`);
      if (this.synchronous === 'FULL') {
        synced = true;
        if (syncNow) this.fs.fdatasyncSync(cur.fd);
        if (seg.bytes === 0) this.syncDir(this.dir);
      }
    } catch (err) {
      const e = new StoreError(`cannot write ${records.length} record(s) to ${seg.path} at offset ${seg.bytes}: ${message(err)}`, { cause: err });
      if (synced) this.failure = e;
      try {
        this.fs.ftruncateSync(cur.fd, seg.bytes);
      } catch (cutErr) {
        this.failure ??= new StoreError(`cannot cut ${seg.path} back to ${seg.bytes} bytes after a failed write: ${message(cutErr)}`, { cause: cutErr });
      }
      throw e;
    }
    seg.bytes += total;
    for (const r of records) addRun(seg.runs, r.seq);
    seg.lastSeq = (records[records.length - 1] as RecordInput).seq;
  }

  /** Whether an {@link syncAsync} is running. */
  get syncing(): boolean {
    return this.syncingFd !== undefined;
  }

  /**
   * Under `FULL`, `fdatasync`s the current segment on the thread pool, so
   * the event loop goes on meanwhile, and calls `done` once it has ended
   * (`null`: what was written to the segment before the call is on the disk).
   * One at a time: the caller writes nothing more to the log until `done`,
   * so every sync covers whole batches and a failure is reported to the sync
   * that covers the lost pages. A failure fails every later write, as for
   * {@link write}. Under `NORMAL` and `OFF`, `done(null)` at once.
   * @throws RangeError when a sync is running already.
   */
  syncAsync(done: (err: StoreError | null) => void): void {
    if (this.syncingFd !== undefined) throw new RangeError('SegmentLog.syncAsync: a sync is running already');
    const cur = this.current;
    if (this.synchronous !== 'FULL' || cur === undefined) {
      done(null);
      return;
    }
    this.syncingFd = cur.fd;
    this.fs.fdatasync(cur.fd, (err) => {
      this.syncingFd = undefined;
      // A close or a roll meanwhile left this descriptor open for the sync: closed now.
      if (this.current?.fd !== cur.fd) this.closeQuietly(cur.fd);
      if (err === null) {
        done(null);
        return;
      }
      const e = new StoreError(`cannot sync ${cur.segment.path}: ${message(err)}`, { cause: err });
      this.failure ??= e;
      done(e);
    });
  }

  /** Closes `fd` of the current or a former segment, unless a sync of it is running (which then closes it). */
  private release(fd: number): void {
    if (fd !== this.syncingFd) this.closeQuietly(fd);
  }

  /**
   * Closes the current segment; the next write starts a new one. Under
   * `NORMAL` the closed segment is `fdatasync`ed, on the thread pool, before
   * its file descriptor is closed: after power loss, a segment that is not
   * the last must be whole (recovery cuts only the last one's end, and
   * refuses damage elsewhere), so its end should reach the disk soon, not
   * whenever the kernel writes it back (up to 30 s later). The event loop
   * does not wait for it: that narrows the window in which power loss can
   * leave an earlier segment torn to the sync's duration instead of closing
   * it, since the next segment is written meanwhile. Waiting would stall
   * either the loop or the acknowledgements for the length of a sync of
   * everything still unwritten (~100 ms for 64 MiB on this machine).
   * Under `FULL` every write was synced already, or a {@link syncAsync}
   * running now syncs it (and closes the file); `OFF` promises nothing about
   * power loss. A failure of that sync fails every later write.
   */
  roll(): void {
    const cur = this.current;
    if (cur === undefined) return;
    this.current = undefined;
    if (this.synchronous !== 'NORMAL' || cur.segment.bytes === 0) {
      this.release(cur.fd);
      return;
    }
    this.fs.fdatasync(cur.fd, (err) => {
      if (err !== null) this.failure ??= new StoreError(`cannot sync ${cur.segment.path} after closing it: ${err.message}`, { cause: err });
      this.closeQuietly(cur.fd);
    });
  }

  /**
   * Deletes the segments whose records all have a seq <= `seq` (call it once
   * the checkpoint at `seq` has committed). A file that cannot be deleted
   * stays and is tried again next time: replay skips what it holds.
   *
   * With `background`, the files are unlinked on the thread pool and this
   * returns at once: deleting the ~1 GB a busy aggregator logs between two
   * checkpoints held the event loop for ~280 ms (the kernel frees the file's
   * pages, dirty ones included). A crash before they are gone leaves covered
   * files, which replay skips and the next checkpoint deletes.
   */
  removeCovered(seq: number, background = false): void {
    // Files a background unlink failed to delete: tried again now.
    for (const path of this.strays.splice(0)) if (!this.unlinkCovered(path, background)) this.strays.push(path);
    for (let i = 0; i < this.segments.length; ) {
      const seg = this.segments[i] as Segment;
      // A segment skipped at open because it was covered has lastSeq 0.
      if (seg.lastSeq > seq) {
        i++;
        continue;
      }
      if (seg === this.current?.segment) {
        this.release(this.current.fd);
        this.current = undefined;
      }
      if (!this.unlinkCovered(seg.path, background)) {
        i++;
        continue;
      }
      this.segments.splice(i, 1);
    }
  }

  /** Unlinks a covered file now, or starts to; false when it failed now and stays. */
  private unlinkCovered(path: string, background: boolean): boolean {
    if (background) {
      this.fs.unlink(path, (err) => {
        if (err !== null && (err as { code?: unknown }).code !== 'ENOENT') this.strays.push(path);
      });
      return true;
    }
    try {
      this.fs.unlinkSync(path);
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') return false;
    }
    return true;
  }

  /**
   * The records with a seq after `afterSeq`, in order, each checked against
   * its checksum; read a chunk at a time. With `from` (the `next` of a record
   * read before), reading starts at that boundary instead of at the start of
   * its segment: a reader that follows the log as it grows (the forwarder)
   * then reads each record once, not its whole segment again on every call.
   * A `from` whose segment is gone is ignored (the segments after it are read).
   * @throws StoreError naming the file and offset of a damaged record (replay stops there).
   */
  *read(afterSeq: number, from?: ReadPosition): Generator<SegmentRecord> {
    const segments = [...this.segments];
    let prev = 0;
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i] as Segment;
      const next = segments[i + 1];
      const bound = next === undefined ? Infinity : next.firstSeq;
      if (seg.lastSeq <= afterSeq) continue;
      if (from !== undefined && seg.firstSeq < from.firstSeq) continue;
      const start = from !== undefined && seg.firstSeq === from.firstSeq ? Math.min(Math.max(from.offset, SEGMENT_HEADER_BYTES), seg.bytes) : SEGMENT_HEADER_BYTES;
      const fd = this.openFile(seg.path, 'r', 'read');
      try {
        for (const item of scan(this.fs, fd, start, seg.bytes, true)) {
          if ('damage' in item) throw this.damaged(seg, item.offset, item.damage);
          const h = item.header;
          const order = this.orderProblem(h.seq, prev, seg.firstSeq, bound);
          if (order !== undefined) throw this.damaged(seg, item.offset, order);
          prev = h.seq;
          if (h.seq <= afterSeq) continue;
          const after = { firstSeq: seg.firstSeq, offset: item.offset + RECORD_HEADER_BYTES + h.length };
          yield { seq: h.seq, kind: h.kind, encoding: h.encoding, receivedAt: h.receivedAt, payload: item.payload as Uint8Array, next: after };
        }
      } catch (err) {
        if (err instanceof StoreError) throw err;
        throw new StoreError(`cannot read ${seg.path}: ${message(err)}`, { cause: err });
      } finally {
        this.closeQuietly(fd);
      }
    }
  }

  /** Closes the open segment (no sync: what was written is with the OS); later writes fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.current !== undefined) this.release(this.current.fd);
    this.current = undefined;
  }

  /** Opens a file, or throws a StoreError saying what could not be done to which file. */
  private openFile(path: string, flags: string, what: string): number {
    try {
      return this.fs.openSync(path, flags);
    } catch (err) {
      throw new StoreError(`cannot ${what} ${path}: ${message(err)}`, { cause: err });
    }
  }

  private startSegment(seq: number): { segment: Segment; fd: number } {
    const segment: Segment = { firstSeq: seq, path: join(this.dir, segmentFileName(seq)), lastSeq: 0, bytes: 0, runs: [] };
    // 'wx': a segment of that name would hold records this one must not overwrite.
    const fd = this.openFile(segment.path, 'wx', 'create the ingest log segment');
    this.segments.push(segment);
    this.current = { segment, fd };
    return this.current;
  }

  /**
   * Recovers the last segment: reads it whole, cuts it at the first torn or
   * damaged record, and drops it if nothing good is left (then the one before
   * is the last, recovered the same way).
   */
  private recoverLast(): void {
    for (;;) {
      const seg = this.segments[this.segments.length - 1];
      if (seg === undefined) return;
      const fd = this.openFile(seg.path, 'r+', 'open');
      let keep = false;
      try {
        keep = this.recoverOpen(seg, fd);
      } finally {
        if (!keep) this.closeQuietly(fd);
      }
      if (keep) {
        this.current = { segment: seg, fd };
        return;
      }
      try {
        this.fs.unlinkSync(seg.path);
      } catch (err) {
        throw new StoreError(`cannot delete ${seg.path}, which holds no complete record: ${message(err)}`, { cause: err });
      }
      this.segments.pop();
    }
  }

  /** Recovers `seg` (open as `fd`); false when it holds no good record and should go. */
  private recoverOpen(seg: Segment, fd: number): boolean {
    const size = this.fs.fstatSync(fd).size;
    const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
    const got = size >= SEGMENT_HEADER_BYTES ? this.fs.readSync(fd, head, 0, SEGMENT_HEADER_BYTES, 0) : 0;
    const fileHeader = got === SEGMENT_HEADER_BYTES ? checkSegmentFileHeader(head) : 'foreign';
    if (typeof fileHeader === 'object') throw this.newerFormat(seg, fileHeader.version);
    // A file created but cut before (or in) its header: the crash came before any record reached it.
    if (fileHeader === 'foreign') return false;
    let end = SEGMENT_HEADER_BYTES;
    let prev = 0;
    for (const item of scan(this.fs, fd, SEGMENT_HEADER_BYTES, size, true)) {
      if ('damage' in item) {
        // Damage followed by a good record is not a torn end: bytes in the middle went bad.
        if (this.goodRecordAfter(fd, item.offset, size)) throw this.damaged(seg, item.offset, `${item.damage}, and good records follow it`);
        break;
      }
      const order = this.orderProblem(item.header.seq, prev, seg.firstSeq, Infinity);
      if (order !== undefined) throw this.damaged(seg, item.offset, order);
      prev = item.header.seq;
      addRun(seg.runs, prev);
      end = item.offset + RECORD_HEADER_BYTES + item.header.length;
    }
    if (prev === 0) return false;
    if (end < size) {
      try {
        this.fs.ftruncateSync(fd, end);
      } catch (err) {
        throw new StoreError(`cannot cut the torn end of ${seg.path} at offset ${end}: ${message(err)}`, { cause: err });
      }
    }
    seg.bytes = end;
    seg.lastSeq = prev;
    return true;
  }

  /**
   * Whether a record whose checksum matches starts where the damaged record
   * at `offset` says it ends (its length field read as it is, even when
   * another header field is what is damaged).
   */
  private goodRecordAfter(fd: number, offset: number, size: number): boolean {
    const h = Buffer.alloc(RECORD_HEADER_BYTES);
    if (offset + RECORD_HEADER_BYTES > size || this.fs.readSync(fd, h, 0, RECORD_HEADER_BYTES, offset) !== RECORD_HEADER_BYTES) return false;
    const next = offset + RECORD_HEADER_BYTES + h.readUInt32LE(4);
    if (next >= size) return false;
    for (const item of scan(this.fs, fd, next, size, true)) return !('damage' in item);
    return false;
  }

  /** Reads the headers of a segment that is not the last; it must be complete. */
  private walk(seg: Segment, nextFirstSeq: number): void {
    const fd = this.openFile(seg.path, 'r', 'open');
    try {
      const size = this.fs.fstatSync(fd).size;
      const head = Buffer.alloc(SEGMENT_HEADER_BYTES);
      const got = size >= SEGMENT_HEADER_BYTES ? this.fs.readSync(fd, head, 0, SEGMENT_HEADER_BYTES, 0) : 0;
      const fileHeader = got === SEGMENT_HEADER_BYTES ? checkSegmentFileHeader(head) : 'foreign';
      if (typeof fileHeader === 'object') throw this.newerFormat(seg, fileHeader.version);
      if (fileHeader === 'foreign') throw this.damaged(seg, 0, 'it does not start with a segment header');
      let prev = 0;
      for (const item of scan(this.fs, fd, SEGMENT_HEADER_BYTES, size, false)) {
        if ('damage' in item) throw this.damaged(seg, item.offset, item.damage);
        const order = this.orderProblem(item.header.seq, prev, seg.firstSeq, nextFirstSeq);
        if (order !== undefined) throw this.damaged(seg, item.offset, order);
        prev = item.header.seq;
        addRun(seg.runs, prev);
      }
      seg.bytes = size;
      seg.lastSeq = prev;
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot read ${seg.path}: ${message(err)}`, { cause: err });
    } finally {
      this.closeQuietly(fd);
    }
  }

  private orderProblem(seq: number, prev: number, firstSeq: number, nextFirstSeq: number): string | undefined {
    if (seq <= prev) return `sequence number ${seq} does not follow ${prev}`;
    if (seq < firstSeq || seq >= nextFirstSeq) return `sequence number ${seq} is outside the segment's range [${firstSeq}, ${nextFirstSeq})`;
    return undefined;
  }

  private damaged(seg: Segment, offset: number, what: string): StoreError {
    return new StoreError(
      `the ingest log segment ${seg.path} is damaged at offset ${offset} (${what}). ` +
        'The requests from there on cannot be replayed. Restore the data directory from a backup, or keep what precedes the damage: ' +
        `cut the file there (truncate -s ${offset} ${seg.path}) and restart; the requests in that file after the offset are then lost.`,
    );
  }

  private newerFormat(seg: Segment, version: number): StoreError {
    return new StoreError(`${seg.path} has segment format version ${version}, written by a newer modelwatch; upgrade modelwatch or use another --data-dir. The file was not modified.`);
  }

  private syncDir(dir: string): void {
    const fd = this.fs.openSync(dir, 'r');
    try {
      this.fs.fsyncSync(fd);
    } finally {
      this.closeQuietly(fd);
    }
  }

  private closeQuietly(fd: number): void {
    try {
      this.fs.closeSync(fd);
    } catch {
      // Closing cannot lose data that was written; nothing to do about it.
    }
  }
}
