/**
 * The store's faults that the aggregator works around instead of stopping,
 * told on `/readyz` and as `ml.aggregator.degraded`:
 *
 * - `storage`: the data directory's file system has less free space than
 *   `storage.minFreeSpace` (see disk-space.ts). New OTLP requests are refused
 *   with a retry delay (`ml.aggregator.refused{ml.refusal.reason=disk_space}`)
 *   until space is freed; nothing acknowledged is at risk.
 * - `checkpoint`: a checkpoint could not commit because another connection
 *   held the database's lock for longer than the writer waits (a backup, an
 *   `sqlite3` shell in a transaction). Every acknowledged request is still in
 *   the ingest log, so the service goes on and a later checkpoint covers them;
 *   meanwhile the log, and the replay after a restart, grow.
 *
 * Any other store failure is not worked around: the service stops taking
 * data and exits (fail-stop), and the restart rebuilds its state from the log.
 *
 * @module
 */
import {
  ATTR_ML_AGGREGATOR_COMPONENT,
  ATTR_ML_REFUSAL_REASON,
  ATTR_ML_SIGNAL,
  METRIC_ML_AGGREGATOR_DEGRADED,
  METRIC_ML_AGGREGATOR_REFUSED,
} from '@modelwatch/semconv';
import type { OutputSignal } from '../engine/types.js';
import { isBusyError } from './database.js';
import type { DiskSpaceGuard, DiskSpaceStatus } from './disk-space.js';

/** Options of {@link StoreHealth}. */
export interface StoreHealthOptions {
  /** The free-space guard of the data directory; absent: no guard. */
  disk?: DiskSpaceGuard;
  /** Where a fault's start and end are told. @default nothing */
  log?: (message: string) => void;
}

/** What `/readyz` shows of the store. */
export interface StoreReadiness {
  disk: DiskSpaceStatus | null;
  /** OTLP requests refused for want of disk space since the start. */
  refusedRequests: number;
  checkpoints: {
    committed: number;
    /** Checkpoints deferred because the database was locked, since the start. */
    deferred: number;
    /** Whether the latest checkpoint was deferred (a later one has not committed yet). */
    failing: boolean;
    lastError: string | null;
    lastCommitted: string | null;
  };
}

/** See the module documentation. */
export class StoreHealth {
  private readonly log: (message: string) => void;
  private refusing = false;
  private readonly refused = { metrics: 0, logs: 0 };
  private readonly checkpoints = { committed: 0, deferred: 0, streak: 0, lastError: null as string | null, lastCommitted: null as string | null };

  constructor(private readonly opts: StoreHealthOptions = {}) {
    this.log = opts.log ?? (() => {});
  }

  /**
   * Why a new OTLP request of `signal` must be refused now, or undefined;
   * a refusal is counted. The caller answers it with a retry delay.
   */
  refusal(signal: 'metrics' | 'logs'): string | undefined {
    const why = this.opts.disk?.refusal();
    if ((why !== undefined) !== this.refusing) {
      this.refusing = why !== undefined;
      this.log(why ?? 'free space is back above storage.minFreeSpace: taking data again');
    }
    if (why !== undefined) this.refused[signal]++;
    return why;
  }

  /**
   * Records a checkpoint that failed. Returns true when the service may go
   * on (the database was only locked: the log still holds everything), false
   * when it is a store failure that must stop it.
   */
  checkpointFailed(err: unknown): boolean {
    if (!isBusyError(err)) return false;
    this.checkpoints.deferred++;
    this.checkpoints.lastError = `${new Date().toISOString()} ${(err as Error).message}`;
    if (this.checkpoints.streak++ === 0) {
      this.log(`checkpoint deferred, the database is locked by another connection (the ingest log keeps every request): ${(err as Error).message}`);
    }
    return true;
  }

  /** Records a committed checkpoint. */
  checkpointCommitted(): void {
    this.checkpoints.committed++;
    this.checkpoints.lastCommitted = new Date().toISOString();
    if (this.checkpoints.streak > 0) this.log(`checkpoint committed after ${this.checkpoints.streak} deferred`);
    this.checkpoints.streak = 0;
  }

  /** For `/readyz`. */
  readiness(): StoreReadiness {
    const { committed, deferred, streak, lastError, lastCommitted } = this.checkpoints;
    return {
      disk: this.opts.disk?.status() ?? null,
      refusedRequests: this.refused.metrics + this.refused.logs,
      checkpoints: { committed, deferred, failing: streak > 0, lastError, lastCommitted },
    };
  }

  /** `ml.aggregator.degraded` of the storage and the checkpoints, and the requests refused for disk space. */
  outputs(): OutputSignal[] {
    const refusing = this.opts.disk?.refusal() !== undefined;
    return [
      { name: METRIC_ML_AGGREGATOR_DEGRADED, value: refusing ? 1 : 0, attributes: { [ATTR_ML_AGGREGATOR_COMPONENT]: 'storage' } },
      { name: METRIC_ML_AGGREGATOR_DEGRADED, value: this.checkpoints.streak > 0 ? 1 : 0, attributes: { [ATTR_ML_AGGREGATOR_COMPONENT]: 'checkpoint' } },
      { name: METRIC_ML_AGGREGATOR_REFUSED, value: this.refused.metrics, attributes: { [ATTR_ML_SIGNAL]: 'metrics', [ATTR_ML_REFUSAL_REASON]: 'disk_space' } },
      { name: METRIC_ML_AGGREGATOR_REFUSED, value: this.refused.logs, attributes: { [ATTR_ML_SIGNAL]: 'logs', [ATTR_ML_REFUSAL_REASON]: 'disk_space' } },
    ];
  }
}
