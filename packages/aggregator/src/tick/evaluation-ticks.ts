/**
 * The evaluation tick, run by a timer every `evaluation.interval` and on
 * demand: the engine evaluates every model (in slices of the event loop, see
 * slices.ts, so requests are served meanwhile), the alert stage evaluates the
 * resulting signals, the history records them, and the tick ends with a
 * checkpoint when one is due. One tick runs at a time.
 *
 * @module
 */
import type { AlertStage } from '../alerts/stage.js';
import type { Engine, OutputSignal } from '../engine/index.js';
import { labelShares, type PredictionSource } from '../history/label-shares.js';
import type { HistoryStage } from '../history/stage.js';
import { resourceSignals, type ResourceTracker } from '../resources/index.js';
import { nextTurn, runInSlices } from './slices.js';

/** Whether a tick ends with a checkpoint only when one is due, or always. */
export type TickCheckpoint = 'due' | 'always';

/** The stages a tick runs, in this order. */
export interface EvaluationTickStages {
  engine: Pick<Engine, 'evaluation'> & PredictionSource;
  /** The signals evaluated, read after the engine's evaluation: the engine's outputs and the ingest counters. */
  signals: () => OutputSignal[];
  alerts: Pick<AlertStage, 'evaluate' | 'outputs'>;
  history: Pick<HistoryStage, 'record'>;
  /** Its signals are recorded in the history beside the evaluated ones. */
  resources: ResourceTracker;
  /** Ends the tick: a checkpoint when due or forced (store/checkpoint-schedule.ts). */
  checkpoints: { persistIfDue(force: boolean): Promise<void> };
  /** Clock, in epoch ms. */
  now: () => number;
  /** Longest stretch of the evaluation in one event-loop turn, in ms. */
  sliceMs: number;
  /** Where a failed tick is told; a failure does not stop the next ticks. */
  log: (message: string) => void;
}

/** See the module documentation. */
export class EvaluationTicks {
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly stages: EvaluationTickStages) {}

  /** Starts a tick, or returns the one running, if any (the timer's ticks do not queue up). */
  tick(checkpoint: TickCheckpoint): Promise<void> {
    return (this.running ??= this.run(checkpoint));
  }

  /**
   * Runs a tick that sees every request taken so far: a tick already running
   * may have evaluated some models before the latest data, so a new one runs after it.
   */
  async evaluate(options: { checkpoint?: TickCheckpoint } = {}): Promise<void> {
    while (this.running !== null) await this.running;
    await this.tick(options.checkpoint ?? 'due');
  }

  /** Ticks every `intervalMs`, on a timer that does not keep the process alive. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.tick('due'), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer; a tick running goes on, and {@link evaluate} still runs one. */
  stop(): void {
    clearInterval(this.timer);
  }

  private async run(checkpoint: TickCheckpoint): Promise<void> {
    const { engine, signals, alerts, history, resources, checkpoints, now, sliceMs, log } = this.stages;
    try {
      const steps = engine.evaluation(now());
      await runInSlices(() => steps.next().done === true, sliceMs);
      await nextTurn();
      const evaluated = signals();
      alerts.evaluate(evaluated, now());
      history.record([...evaluated, ...alerts.outputs(), ...resourceSignals(resources, now()), ...labelShares(engine)], now());
      await checkpoints.persistIfDue(checkpoint === 'always');
    } catch (err) {
      log(`evaluation failed: ${(err as Error).stack ?? String(err)}`);
    } finally {
      this.running = null;
    }
  }
}
