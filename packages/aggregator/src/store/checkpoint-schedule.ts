/**
 * When checkpoints are taken, and one at a time. A checkpoint is due once
 * `storage.checkpointInterval` has passed or `storage.checkpointLogBytes`
 * were appended to the ingest log since the last one started (so the replay
 * after a restart stays short); the API's baseline changes and the close
 * take one at once. Checkpoints run in the order asked for, each taking its
 * snapshot when it starts, so an older one can never overwrite a newer one.
 * What a checkpoint holds is checkpoint-state.ts.
 *
 * @module
 */
import { StoreBusyError } from './database.js';
import type { FailStop } from './fail-stop.js';
import type { StoreHealth } from './health.js';

/** What the schedule uses of the ingest log. */
export interface CheckpointLog {
  /** The last sequence number appended. */
  readonly lastSeq: number;
  /** Bytes appended since the log was opened. */
  readonly appendedBytes: number;
  /** Commits the checkpoint `snapshot` builds as covering the log up to `uptoSeq` (see IngestLog.writeCheckpoint). */
  writeCheckpoint(uptoSeq: number, now: number, snapshot: () => Promise<Uint8Array>): Promise<void>;
}

/** Options of {@link CheckpointSchedule}. */
export interface CheckpointScheduleOptions {
  log: CheckpointLog;
  /** Builds a checkpoint of the state as it is when called (checkpoint-state.ts's snapshotCheckpointState). */
  snapshot: () => Promise<Uint8Array>;
  /** Told of each commit and failure; decides whether a failure is only a deferral (a locked database). */
  health: Pick<StoreHealth, 'checkpointCommitted' | 'checkpointFailed'>;
  /** Once failed, no checkpoint is taken; other failures fail it. */
  failStop: Pick<FailStop, 'failure' | 'fail'>;
  /** Clock, in epoch ms. */
  now: () => number;
  /** `storage.checkpointInterval`, in ms. */
  intervalMs: number;
  /** `storage.checkpointLogBytes`. */
  logBytes: number;
  /**
   * Bytes of the log replayed at the start: they count towards the first checkpoint too.
   * @default 0
   */
  replayedBytes?: number;
}

/** See the module documentation. */
export class CheckpointSchedule {
  /** When the last checkpoint started, and the log's appended bytes then. */
  private last: { at: number; appendedBytes: number };
  private queue: Promise<void> = Promise.resolve();

  /** Counts time and log bytes from now. */
  constructor(private readonly opts: CheckpointScheduleOptions) {
    this.last = { at: opts.now(), appendedBytes: -(opts.replayedBytes ?? 0) };
  }

  /** Whether a checkpoint is due (`storage.checkpointInterval`, `storage.checkpointLogBytes`). */
  due(): boolean {
    const { now, intervalMs, log, logBytes } = this.opts;
    return now() - this.last.at >= intervalMs || log.appendedBytes - this.last.appendedBytes >= logBytes;
  }

  /**
   * Checkpoints the state as it is when the checkpoints asked for before
   * this one are done; resolves once committed. Rejects with the error when
   * the commit fails (a store failure unless the database was only locked);
   * once the store has failed, resolves at once without a checkpoint.
   */
  persist(): Promise<void> {
    const p = this.queue.then(() => this.once());
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * The end of an evaluation tick: a checkpoint when one is due or `force`.
   * A locked database ({@link StoreBusyError}) only defers it: the log still
   * holds every request. Rejects on any other failure.
   */
  async persistIfDue(force: boolean): Promise<void> {
    if (force || this.due()) {
      await this.persist().catch((err: unknown) => {
        if (!(err instanceof StoreBusyError)) throw err;
      });
    }
  }

  private async once(): Promise<void> {
    const { log, health, failStop, now } = this.opts;
    if (failStop.failure !== null) return;
    const uptoSeq = log.lastSeq;
    this.last = { at: now(), appendedBytes: log.appendedBytes };
    try {
      // Still the turn uptoSeq was read in, when the snapshot starts: it holds exactly the requests up to uptoSeq.
      await log.writeCheckpoint(uptoSeq, now(), this.opts.snapshot);
      health.checkpointCommitted();
    } catch (err) {
      // A locked database only defers the checkpoint: the log still holds every request.
      throw health.checkpointFailed(err) ? err : failStop.fail(err);
    }
  }
}
