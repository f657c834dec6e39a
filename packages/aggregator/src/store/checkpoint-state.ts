/**
 * What a checkpoint holds, and how it is taken from and given back to the
 * stages whose state survives a restart: the engine, the cumulative-to-delta
 * converter and the signal history. The byte layout is checkpoint-format.ts;
 * when a checkpoint is due, checkpoint-schedule.ts.
 *
 * @module
 */
import type { AggregatorConfig } from '../config/schema.js';
import { Engine, type EngineSnapshot, type SnapshotSection } from '../engine/index.js';
import { createHistoryStage, type HistoryStage } from '../history/stage.js';
import type { SignalHistorySnapshot } from '../history/history.js';
import { DeltaConverter } from '../receiver/delta.js';
import { runInSlices, nextTurn } from '../tick/slices.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-format.js';
import type { Checkpoint } from './ingest-log.js';

/** What a checkpoint holds: everything needed to resume exactly. */
export interface CheckpointState {
  engine: unknown;
  delta?: string;
  /** The signal history; absent from checkpoints of older versions (the history then starts empty). */
  history?: SignalHistorySnapshot;
}

/** The stages whose state a checkpoint holds. */
export interface CheckpointStages {
  engine: Engine;
  delta: DeltaConverter;
  history: HistoryStage;
}

/** What {@link snapshotCheckpointState} reads of the stages. */
export interface CheckpointSources {
  engine: Pick<Engine, 'beginSnapshot'>;
  delta: Pick<DeltaConverter, 'snapshot'>;
  history: Pick<HistoryStage, 'snapshot'>;
}

/**
 * The stages as `checkpoint` left them (its value is JSON text from versions
 * before the binary format, else the bytes of checkpoint-format.ts). Without a checkpoint,
 * or with one whose value is null, `engine` is kept and the converter and the
 * history start empty.
 * @param engine the engine of the configuration, new: kept when the checkpoint holds none; its config restores one.
 * @param source where the checkpoint was read (the database's path), for the error message.
 * @throws Error "cannot restore the state in {source}: ..." with the reason as `cause`.
 */
export function restoreCheckpointState(
  checkpoint: Pick<Checkpoint, 'snapshotJson'> | undefined,
  engine: Engine,
  config: AggregatorConfig,
  source: string,
): CheckpointStages {
  try {
    const decoded = checkpoint ? (typeof checkpoint.snapshotJson === 'string' ? { value: JSON.parse(checkpoint.snapshotJson) as unknown, sections: [] } : decodeCheckpoint(checkpoint.snapshotJson)) : undefined;
    const state = decoded?.value as CheckpointState | undefined;
    const restored = state ? Engine.restore(engine.config, state.engine as EngineSnapshot, decoded?.sections) : engine;
    const delta = state?.delta !== undefined ? DeltaConverter.restore(state.delta) : new DeltaConverter();
    const history = createHistoryStage(config, state?.history, decoded?.sections ?? []);
    return { engine: restored, delta, history };
  } catch (err) {
    throw new Error(`cannot restore the state in ${source}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The checkpoint of the stages as they are when it is called, encoded. The
 * snapshot starts synchronously, in the caller's turn, so it holds exactly
 * the requests ingested before that turn: the converter's state is small and
 * copied at once; the engine copies a model per step, in slices of `sliceMs`
 * (see tick/slices.ts), and copies a model first when a request or the API
 * is about to change it, so requests are served between the slices. The
 * encoding runs in a turn of its own.
 */
export async function snapshotCheckpointState(stages: CheckpointSources, sliceMs: number): Promise<Uint8Array> {
  const sections: SnapshotSection[] = [];
  const steps = stages.engine.beginSnapshot(sections);
  const deltaState = stages.delta.snapshot();
  const historyState = stages.history.snapshot(sections);
  let snapshot: EngineSnapshot | undefined;
  try {
    await runInSlices(() => (snapshot = steps.step()) !== undefined, sliceMs);
  } finally {
    // After a failure too: the engine must not go on copying for a snapshot nobody takes.
    steps.cancel();
  }
  // Encoding in a turn of its own: requests are served between the two.
  await nextTurn();
  return encodeCheckpoint({ engine: snapshot, delta: deltaState, history: historyState } satisfies CheckpointState, sections);
}
