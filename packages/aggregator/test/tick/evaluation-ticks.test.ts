import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputSignal, PredictionDistributions } from '../../src/engine/index.js';
import { ResourceTracker } from '../../src/resources/index.js';
import { EvaluationTicks, type EvaluationTickStages } from '../../src/tick/evaluation-ticks.js';

const T = 1_700_000_000_000;
const signal = (name: string): OutputSignal => ({ name, value: 1, attributes: { 'ml.model.name': 'a' } });

/** Stages that record what a tick does to them, in order. */
function stages(options: { models?: string[]; alertsFail?: Error } = {}) {
  const events: string[] = [];
  const said: string[] = [];
  const clock = { t: T };
  const models = options.models ?? ['a', 'b'];
  const s: EvaluationTickStages = {
    engine: {
      *evaluation(now: number) {
        events.push(`evaluate at ${now - T}`);
        for (const m of models) {
          events.push(`model ${m}`);
          setImmediate(() => events.push(`served after ${m}`));
          yield m;
        }
      },
      listModels: () => [{ name: 'a' }],
      predictionDistributions: () => ({ labels: { categories: ['ok', 'bad'], current: [3, 1] } }) as unknown as PredictionDistributions,
    },
    signals: () => (events.push('signals'), [signal('ml.drift.ks.statistic')]),
    alerts: {
      evaluate: (signals, now) => {
        events.push(`alerts ${[...signals].map((x) => x.name).join(',')} at ${now - T}`);
        if (options.alertsFail) throw options.alertsFail;
      },
      outputs: () => [signal('ml.alerts.active')],
    },
    history: { record: (signals, now) => events.push(`history ${signals.map((x) => `${x.name}${x.attributes['ml.prediction.label'] !== undefined ? `=${x.value}` : ''}`).join(',')} at ${now - T}`) },
    resources: new ResourceTracker(),
    checkpoints: { persistIfDue: async (force) => void events.push(`checkpoint force=${force}`) },
    now: () => clock.t,
    sliceMs: 0,
    log: (m) => said.push(m),
  };
  return { s, events, said, clock };
}

describe('EvaluationTicks', () => {
  describe('evaluate', () => {
    it('evaluates the models in slices, then the alerts and the history over the signals, then ends with a checkpoint if due', async () => {
      const { s, events, clock } = stages();
      clock.t = T + 5;
      await new EvaluationTicks(s).evaluate();
      assert.deepEqual(events, [
        'evaluate at 5',
        'model a',
        'served after a',
        'model b',
        'served after b',
        'signals',
        'alerts ml.drift.ks.statistic at 5',
        'history ml.drift.ks.statistic,ml.alerts.active,ml.prediction.label_share=0.75,ml.prediction.label_share=0.25 at 5',
        'checkpoint force=false',
      ]);
    });

    it("forces the checkpoint with checkpoint 'always'", async () => {
      const { s, events } = stages();
      await new EvaluationTicks(s).evaluate({ checkpoint: 'always' });
      assert.equal(events.at(-1), 'checkpoint force=true');
    });

    it('runs a new tick after the one running, which may have evaluated some models before the latest data', async () => {
      const { s, events } = stages();
      const ticks = new EvaluationTicks(s);
      const running = ticks.tick('due');
      assert.equal(ticks.tick('due'), running, 'a tick asked for meanwhile joins the running one');
      await ticks.evaluate();
      await running;
      assert.equal(events.filter((e) => e.startsWith('evaluate at')).length, 2);
      assert.ok(events.indexOf('checkpoint force=false') < events.lastIndexOf('evaluate at 0'), 'the second starts after the first ended');
    });
  });

  describe('tick', () => {
    it('tells a failed tick and goes on with the next', async () => {
      const { s, events, said } = stages({ alertsFail: new Error('rule broke') });
      const ticks = new EvaluationTicks(s);
      await ticks.tick('due');
      assert.equal(said.length, 1);
      assert.match(said[0] ?? '', /^evaluation failed: Error: rule broke\n\s+at /);
      assert.ok(!events.some((e) => e.startsWith('history')), 'the stages after the failure do not run');
      await ticks.evaluate();
      assert.equal(events.filter((e) => e.startsWith('evaluate at')).length, 2);
    });
  });

  describe('tick (regression)', () => {
    it('goes on after the first model of a tick fails in the tick’s first turn (the tick used to stay marked running: no tick ran again and evaluate spun)', async () => {
      const { s, said } = stages();
      let failures = 1;
      const evaluated: number[] = [];
      const ticks = new EvaluationTicks({
        ...s,
        engine: {
          ...s.engine,
          *evaluation(now: number) {
            if (failures-- > 0) throw new Error('model a broke');
            evaluated.push(now);
            yield 'a';
          },
        },
      });
      await ticks.tick('due');
      assert.match(said[0] ?? '', /^evaluation failed: Error: model a broke/);
      await ticks.evaluate();
      assert.equal(evaluated.length, 1);
    });
  });

  describe('start', () => {
    it('ticks on a timer until stopped', async () => {
      const { s, events } = stages({ models: [] });
      const ticks = new EvaluationTicks(s);
      ticks.start(5);
      await new Promise((resolve) => setTimeout(resolve, 60));
      ticks.stop();
      await ticks.evaluate();
      const ran = events.filter((e) => e.startsWith('evaluate at')).length;
      assert.ok(ran >= 2, `${ran} ticks`);
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(events.filter((e) => e.startsWith('evaluate at')).length, ran, 'none after stop');
    });
  });
});
