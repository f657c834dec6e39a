import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load.js';
import { toEngineConfig } from '../../src/config/engine-config.js';
import { Engine, type EngineSnapshot, type SnapshotInProgress, type SnapshotSection } from '../../src/engine/index.js';
import { createHistoryStage } from '../../src/history/stage.js';
import { DeltaConverter } from '../../src/receiver/delta.js';
import { decodeMetricsJson } from '../../src/receiver/otlp/decode-json.js';
import { metricsPoints } from '../../src/receiver/otlp/types.js';
import { EngineIngest } from '../../src/receiver/engine-ingest.js';
import { CheckpointFormatError, decodeCheckpoint } from '../../src/store/checkpoint-format.js';
import { restoreCheckpointState, snapshotCheckpointState, type CheckpointSources, type CheckpointStages } from '../../src/store/checkpoint-state.js';

const T = 1_700_000_000_000;
const config = validateConfig({ models: [{ name: 'm' }] }, '/tmp', 'test');
const fresh = (): Engine => new Engine(toEngineConfig(config));

/** A cumulative `ml.predictions` point of label `ok`, `count` so far. */
const cumulative = (count: number, at: number) =>
  metricsPoints(
    decodeMetricsJson(
      new TextEncoder().encode(
        JSON.stringify({
          resourceMetrics: [
            {
              resource: { attributes: [{ key: 'ml.model.name', value: { stringValue: 'm' } }] },
              scopeMetrics: [
                {
                  scope: {},
                  metrics: [
                    {
                      name: 'ml.predictions',
                      sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: String(count), startTimeUnixNano: String(T * 1e6), timeUnixNano: String((T + at) * 1e6), attributes: [{ key: 'ml.prediction.label', value: { stringValue: 'ok' } }] }] },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      ),
    ),
  );

/** Stages with data in each: predictions in the engine, a cumulative stream in the converter, two ticks in the history. */
function busyStages(): CheckpointStages {
  const engine = fresh();
  const delta = new DeltaConverter();
  const history = createHistoryStage(config, undefined, []);
  const ingest = new EngineIngest(engine, delta);
  for (let i = 1; i <= 3; i++) {
    ingest.metrics(cumulative(10 * i, i * 1000), T + i * 1000);
    engine.evaluate(T + i * 30_000);
    history.record(engine.outputs(), T + i * 30_000);
  }
  return { engine, delta, history };
}

describe('snapshotCheckpointState and restoreCheckpointState', () => {
  it('give back stages whose next checkpoint is the same, byte for byte', async () => {
    const stages = busyStages();
    const bytes = await snapshotCheckpointState(stages, 10);
    const restored = restoreCheckpointState({ snapshotJson: bytes }, fresh(), config, 'db');
    assert.deepEqual(await snapshotCheckpointState(restored, 10), bytes);
    assert.equal(restored.engine.predictionDistributions('m')?.labels?.current[0], stages.engine.predictionDistributions('m')?.labels?.current[0]);
    assert.deepEqual(restored.history.view('m', undefined, undefined, T + 90_000), stages.history.view('m', undefined, undefined, T + 90_000));
    // The converter goes on from the restored stream: the next cumulative point adds only its difference.
    const before = restored.engine.predictionDistributions('m')?.labels?.current[0] ?? 0;
    new EngineIngest(restored.engine, restored.delta).metrics(cumulative(35, 4000), T + 4000);
    assert.equal(restored.engine.predictionDistributions('m')?.labels?.current[0], before + 5);
  });

  it('holds the engine, the converter and the history under their keys', async () => {
    const stages = busyStages();
    const { value, sections } = decodeCheckpoint(await snapshotCheckpointState(stages, 10));
    const v = value as { engine: EngineSnapshot; delta: string; history: unknown };
    assert.deepEqual(Object.keys(v), ['engine', 'delta', 'history']);
    assert.deepEqual(v.engine.models.map((m) => m.name), ['m']);
    assert.equal(v.delta, stages.delta.snapshot());
    assert.ok(sections.length > 0, 'the windows are in binary sections');
  });
});

describe('restoreCheckpointState', () => {
  it('keeps the engine given, and starts the converter and the history empty, without a checkpoint', () => {
    const engine = fresh();
    const restored = restoreCheckpointState(undefined, engine, config, 'db');
    assert.equal(restored.engine, engine);
    assert.equal(restored.delta.snapshot(), new DeltaConverter().snapshot());
    assert.deepEqual(restored.history.history.signals('m'), []);
  });

  it('reads a JSON checkpoint of an older version, without history: the history starts empty', () => {
    const old = busyStages();
    assert.notDeepEqual(old.history.history.signals('m'), []);
    assert.ok((old.engine.predictionDistributions('m')?.labels?.current[0] ?? 0) > 0);
    // JSON alone: the engine's arrays inline, as checkpoints were before the binary format.
    const json = JSON.stringify({ engine: old.engine.snapshot(), delta: old.delta.snapshot() });
    const restored = restoreCheckpointState({ snapshotJson: json }, fresh(), config, 'db');
    assert.deepEqual(restored.engine.predictionDistributions('m'), old.engine.predictionDistributions('m'));
    assert.equal(restored.delta.snapshot(), old.delta.snapshot());
    assert.deepEqual(restored.history.history.signals('m'), []);
  });

  it('keeps the engine given for a checkpoint whose value is null', () => {
    const engine = fresh();
    assert.equal(restoreCheckpointState({ snapshotJson: 'null' }, engine, config, 'db').engine, engine);
  });

  it('names the database and keeps the reason as cause when the checkpoint cannot be read', () => {
    assert.throws(
      () => restoreCheckpointState({ snapshotJson: Uint8Array.of(1, 2, 3) }, fresh(), config, '/data/modelwatch.db'),
      (err: unknown) =>
        err instanceof Error &&
        err.message === 'cannot restore the state in /data/modelwatch.db: not a binary checkpoint (3 bytes, no MWCP header)' &&
        err.cause instanceof CheckpointFormatError,
    );
    assert.throws(() => restoreCheckpointState({ snapshotJson: JSON.stringify({ engine: { format: 'nope' } }) }, fresh(), config, 'db'), /^Error: cannot restore the state in db: not an engine snapshot/);
  });
});

describe('snapshotCheckpointState', () => {
  /** An engine whose snapshot takes `steps` steps, recording them and what else happens. */
  function stepping(steps: number, events: string[], fail?: Error): CheckpointSources {
    const snapshot: EngineSnapshot = { format: 'modelwatch.engine/v3' as EngineSnapshot['format'], models: [], rejected: 0 };
    return {
      engine: {
        beginSnapshot(sections: SnapshotSection[]): SnapshotInProgress {
          events.push('begin');
          sections.push(Uint8Array.of(7));
          let n = 0;
          return {
            step: () => {
              events.push(`step ${++n}`);
              setImmediate(() => events.push(`served after step ${n}`));
              if (fail && n === 2) throw fail;
              return n === steps ? snapshot : undefined;
            },
            cancel: () => events.push('cancel'),
          };
        },
      },
      delta: { snapshot: () => (events.push('delta'), 'D') },
      history: { snapshot: () => (events.push('history'), { format: 'h' } as never) },
    };
  }

  it('copies the converter and the history at once, then the engine in slices, and encodes in a turn of its own', async () => {
    const events: string[] = [];
    const done = snapshotCheckpointState(stepping(3, events), 0);
    assert.deepEqual(events, ['begin', 'delta', 'history', 'step 1'], 'all taken in the caller’s turn');
    const bytes = await done;
    assert.deepEqual(events, ['begin', 'delta', 'history', 'step 1', 'served after step 1', 'step 2', 'served after step 2', 'step 3', 'cancel', 'served after step 3']);
    const { value, sections } = decodeCheckpoint(bytes);
    assert.deepEqual(value, { engine: { format: 'modelwatch.engine/v3', models: [], rejected: 0 }, delta: 'D', history: { format: 'h' } });
    assert.deepEqual(sections, [Uint8Array.of(7)]);
  });

  it('takes every step in one turn when the slice is long enough', async () => {
    const events: string[] = [];
    await snapshotCheckpointState(stepping(3, events), 60_000);
    assert.deepEqual(events.slice(0, 7), ['begin', 'delta', 'history', 'step 1', 'step 2', 'step 3', 'cancel']);
  });

  it('cancels the engine’s snapshot when a step fails, and rejects with the failure', async () => {
    const events: string[] = [];
    const boom = new Error('boom');
    await assert.rejects(snapshotCheckpointState(stepping(3, events, boom), 0), (err) => err === boom);
    assert.deepEqual(events.filter((e) => !e.startsWith('served')), ['begin', 'delta', 'history', 'step 1', 'step 2', 'cancel']);
  });
});
