/**
 * Replay of the ingest log at start: the requests logged after the last
 * checkpoint go through the same ingest as live requests, at the time they
 * were received, so the state is what it was when the service stopped.
 *
 * @module
 */
import {
  decodeLogsJson,
  decodeLogsRequest,
  decodeMetricsJson,
  metricsPoints,
  scanMetricsRequest,
  type LogsRequest,
  type MetricsPoints,
} from '../receiver/index.js';
import type { LoggedRequest } from './ingest-log.js';

/** Where replayed requests go: the live ingest (receiver/engine-ingest.ts). */
export interface ReplayTarget {
  metrics(req: MetricsPoints, t: number): unknown;
  logs(req: LogsRequest, t: number): unknown;
}

/** What {@link replayIngestLog} went through. */
export interface ReplayCount {
  /** Requests replayed (those that could not be decoded are not counted). */
  replayed: number;
  /** Bytes of every logged request read, replayed or not. */
  bytes: number;
}

/**
 * Decodes each logged request in its own encoding and gives it to `target`
 * at its `receivedAt`. A request that cannot be decoded or ingested is told
 * to `log` and skipped: only bodies that decoded were logged, so it means
 * damage on disk, and the rest of the log still counts.
 */
export function replayIngestLog(rows: Iterable<LoggedRequest>, target: ReplayTarget, log: (message: string) => void): ReplayCount {
  let replayed = 0;
  let bytes = 0;
  for (const row of rows) {
    bytes += row.payload.byteLength;
    try {
      if (row.kind === 'metrics') {
        target.metrics(row.encoding === 'json' ? metricsPoints(decodeMetricsJson(row.payload)) : scanMetricsRequest(row.payload), row.receivedAt);
      } else {
        target.logs(row.encoding === 'json' ? decodeLogsJson(row.payload) : decodeLogsRequest(row.payload), row.receivedAt);
      }
      replayed++;
    } catch (err) {
      log(`cannot replay logged request ${row.seq}: ${(err as Error).message}`);
    }
  }
  return { replayed, bytes };
}
