/**
 * The statements that commit a checkpoint, shared by the ingest log's own
 * connection and the checkpoint writer's worker thread.
 *
 * @module
 */

/** Upserts the single checkpoint row: (seq, snapshot, updated_at). */
export const PUT_CHECKPOINT_SQL =
  'INSERT INTO checkpoint (id, seq, snapshot, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, snapshot = excluded.snapshot, updated_at = excluded.updated_at';

/** Deletes the schema-2 ingest_log table rows a checkpoint covers. */
export const DELETE_COVERED_ROWS_SQL = 'DELETE FROM ingest_log WHERE seq <= ?';
