/**
 * Keeps the data directory's file system from filling up under the ingest
 * log. A write that fails for want of space comes after the request's points
 * are in the engine, so it can only be answered by stopping (fail-stop: the
 * restart rebuilds the state from what the log holds). Refusing new requests
 * (503 with a retry delay) while free space is below `storage.minFreeSpace`
 * keeps the process up instead, and it takes data again by itself once space
 * is freed, as Elasticsearch's flood-stage disk watermark does.
 *
 * Free space is read with `statfs` at most once per `refreshMs`, in the
 * background; in between, the bytes this process has written since are
 * taken off the last figure, so its own writes are never missed. What other
 * processes write shows at the next reading.
 *
 * @module
 */
import { statfsSync } from 'node:fs';
import { statfs } from 'node:fs/promises';

/** The part of `statfs` the guard reads. */
export interface FreeSpace {
  /** Free blocks available to unprivileged users. */
  bavail: number;
  /** Block size in bytes. */
  bsize: number;
}

/** Options of {@link DiskSpaceGuard}. */
export interface DiskSpaceGuardOptions {
  /** A directory on the file system to watch (the data directory). */
  dir: string;
  /** Free bytes to keep; below it {@link DiskSpaceGuard.refusal} refuses. 0 turns the guard off. */
  minFreeBytes: number;
  /** Bytes written to that file system by this process so far (a running total, e.g. the ingest log's appended bytes). */
  written: () => number;
  /** Longest time a free-space figure is used before it is read again, in ms. @default 250 */
  refreshMs?: number;
  /** Clock, in ms. @default performance.now */
  now?: () => number;
  /** Reads free space (tests stand in for the file system). @default node:fs statfs */
  statfs?: { sync: (dir: string) => FreeSpace; async: (dir: string) => Promise<FreeSpace> };
}

/** What the guard knows, for /readyz. */
export interface DiskSpaceStatus {
  /** Estimated free bytes now; null until a reading succeeded. */
  freeBytes: number | null;
  minFreeBytes: number;
  /** Whether OTLP data is refused for want of space. */
  refusing: boolean;
  /** Why the last reading failed, if it did. */
  lastError: string | null;
}

const DEFAULT_REFRESH_MS = 250;

const nodeStatfs = { sync: (dir: string): FreeSpace => statfsSync(dir), async: (dir: string): Promise<FreeSpace> => statfs(dir) };

/** See the module documentation. */
export class DiskSpaceGuard {
  private readonly refreshMs: number;
  private readonly now: () => number;
  private readonly fs: NonNullable<DiskSpaceGuardOptions['statfs']>;
  /** Free bytes at the last reading, and the written total then. */
  private measured: { free: number; written: number; at: number } | null = null;
  private reading = false;
  private lastError: string | null = null;

  constructor(private readonly opts: DiskSpaceGuardOptions) {
    if (!Number.isFinite(opts.minFreeBytes) || opts.minFreeBytes < 0) throw new RangeError(`DiskSpaceGuard: minFreeBytes must be a number >= 0, got ${String(opts.minFreeBytes)}`);
    this.refreshMs = opts.refreshMs ?? DEFAULT_REFRESH_MS;
    this.now = opts.now ?? (() => performance.now());
    this.fs = opts.statfs ?? nodeStatfs;
    if (opts.minFreeBytes === 0) return;
    // The first reading is synchronous, so the guard holds from the first request.
    this.readNow();
  }

  /** Estimated free bytes now (the last reading less what this process wrote since); null when unknown. */
  get freeBytes(): number | null {
    if (this.measured === null) return null;
    return Math.max(0, this.measured.free - (this.opts.written() - this.measured.written));
  }

  /**
   * Why new data must be refused now, or undefined. Starts a new reading in
   * the background when the last one is older than `refreshMs`; a refusal is
   * decided on a reading no older than that, so it lifts with the first
   * request after space is freed. A file system that cannot be read refuses
   * nothing: the writes themselves then tell.
   */
  refusal(): string | undefined {
    if (this.opts.minFreeBytes === 0) return undefined;
    let free = this.freeBytes;
    if (free !== null && free < this.opts.minFreeBytes && this.stale()) {
      // About to refuse on an old figure: read it now, so that freed space is taken at once
      // (at most one synchronous statfs per refreshMs, and only while refusing).
      this.readNow();
      free = this.freeBytes;
    } else this.refresh();
    if (free === null || free >= this.opts.minFreeBytes) return undefined;
    return `the file system of ${this.opts.dir} has ${formatBytes(free)} free, less than storage.minFreeSpace (${formatBytes(this.opts.minFreeBytes)}); new data is refused until space is freed`;
  }

  /** What the guard knows now (starting a fresh reading when due, as {@link refusal} does). */
  status(): DiskSpaceStatus {
    const refusing = this.refusal() !== undefined;
    return { freeBytes: this.freeBytes, minFreeBytes: this.opts.minFreeBytes, refusing, lastError: this.lastError };
  }

  private stale(): boolean {
    return this.measured === null || this.now() - this.measured.at >= this.refreshMs;
  }

  private readNow(): void {
    const written = this.opts.written();
    try {
      this.record(this.fs.sync(this.opts.dir), written);
    } catch (err) {
      this.lastError = (err as Error).message;
    }
  }

  private refresh(): void {
    if (this.reading || !this.stale()) return;
    this.reading = true;
    const written = this.opts.written();
    this.fs.async(this.opts.dir).then(
      (s) => this.record(s, written),
      (err: unknown) => {
        this.lastError = (err as Error).message;
      },
    ).finally(() => {
      this.reading = false;
    });
  }

  private record(s: FreeSpace, written: number): void {
    this.measured = { free: s.bavail * s.bsize, written, at: this.now() };
    this.lastError = null;
  }
}

/** `1.5 MiB`, for messages. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
