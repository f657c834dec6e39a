/**
 * Fail-stop after a store failure (a commit of the ingest log or a
 * checkpoint that failed for another reason than a locked database, see
 * health.ts): the engine may then hold data the log lacks, so the service
 * refuses all data (503) and keeps no further checkpoint until it is
 * restarted, which rebuilds the state from the last checkpoint and the log.
 *
 * @module
 */
import { OverloadedError } from '../receiver/sink.js';

/** Options of {@link FailStop}. */
export interface FailStopOptions {
  /** Where the failure is told, once. @default nothing */
  log?: (message: string) => void;
  /** Called once, with the first failure (the CLI exits non-zero). */
  onFatal?: (err: Error) => void;
}

/** Delay the refused senders are told to wait before retrying, in ms. */
const RETRY_AFTER_MS = 5000;

/** See the module documentation. */
export class FailStop {
  private first: Error | null = null;

  constructor(private readonly opts: FailStopOptions = {}) {}

  /** The first store failure, or null while the store works. */
  get failure(): Error | null {
    return this.first;
  }

  /**
   * Records a store failure: the first one is logged and passed to `onFatal`,
   * later ones only returned. Returns `err` as an Error (a non-Error is wrapped).
   */
  fail(err: unknown): Error {
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.first === null) {
      this.first = e;
      this.opts.log?.(`store failure, refusing data until restarted: ${e.message}`);
      this.opts.onFatal?.(e);
    }
    return e;
  }

  /** @throws OverloadedError (unavailable, retry after 5 s) once the store has failed. */
  refuseIfFailed(): void {
    if (this.first !== null) {
      throw new OverloadedError(`the aggregator's store failed (${this.first.message}); it must be restarted`, { kind: 'unavailable', retryAfterMs: RETRY_AFTER_MS });
    }
  }
}
