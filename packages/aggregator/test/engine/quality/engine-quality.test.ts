import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, engineConfig, type LogsIn } from '../../../src/engine/index.js';
import { HOUR, MIN, T0 } from './scenario.js';

type Rec = LogsIn['resourceLogs'][number]['scopeLogs'][number]['logRecords'][number];

function logs(model: string, records: Rec[]): LogsIn {
  return { resourceLogs: [{ resource: { attributes: { 'ml.model.name': model } }, scopeLogs: [{ scope: { attributes: {} }, logRecords: records }] }] };
}

const pred = (id: string, label: string, t: number, confidence = 0.8, segment = 'web'): Rec => ({
  eventName: 'ml.prediction',
  timeUnixNano: BigInt(t) * 1_000_000n,
  attributes: { 'ml.prediction.id': id, 'ml.prediction.label': label, 'ml.prediction.confidence': confidence, 'ml.segment': segment },
});
const truth = (id: string, label: string): Rec => ({ eventName: 'ml.ground_truth', attributes: { 'ml.prediction.id': id, 'ml.ground_truth.label': label } });

function engine(): Engine {
  return new Engine(
    engineConfig({
      models: [{ name: 'clf', task: 'classification', features: {}, slos: [{ name: 'acc', kind: 'accuracy', objective: 0.8, period: 24 * HOUR }] }],
    }),
  );
}

describe('Engine (quality)', () => {
  describe('ingestLogs', () => {
    it('joins predictions and labels, refusing events without an id', () => {
      const e = engine();
      const r1 = e.ingestLogs(logs('clf', [pred('a', 'x', T0), pred('b', 'x', T0), pred('c', 'y', T0), { eventName: 'ml.prediction', attributes: {} }, { eventName: 'app.log', attributes: {} }]), T0);
      assert.deepEqual([r1.acceptedLogRecords, r1.rejectedLogRecords], [4, 1]);
      assert.match(r1.errors[0]!, /no ml\.prediction\.id/);
      e.ingestLogs(logs('clf', [truth('a', 'x'), truth('b', 'y'), truth('c', 'y')]), T0 + MIN);
      e.evaluate(T0 + 2 * MIN);
      const q = e.quality('clf')!;
      assert.deepEqual([q.accuracy!.window.correct, q.accuracy!.window.count], [2, 3]);
      assert.deepEqual(q.confusionMatrix, { labels: ['x', 'y'], counts: [[1, 0], [1, 1]] });
      assert.equal(q.coverage.labeled, 3);
      assert.equal(e.quality('nope'), undefined);
      assert.equal(e.modelStatus('clf')!.accepted.logRecords, 7);
    });
  });

  describe('ingestLogs for a discovered model', () => {
    it('takes the task from the first prediction event: a value without a label is regression, kept across restore', () => {
      const e = new Engine(engineConfig({ models: [], discovery: { enabled: true, maxModels: 10 } }));
      const value = (id: string, v: number): Rec => ({ eventName: 'ml.prediction', attributes: { 'ml.prediction.id': id, 'ml.prediction.value': v } });
      const truthValue = (id: string, v: number): Rec => ({ eventName: 'ml.ground_truth', attributes: { 'ml.prediction.id': id, 'ml.ground_truth.value': v } });
      const r = e.ingestLogs(logs('reg', [value('a', 3), value('b', 10)]), T0);
      assert.deepEqual([r.acceptedLogRecords, r.rejectedLogRecords], [2, 0]);
      const restored = Engine.restore(engineConfig({ models: [], discovery: { enabled: true, maxModels: 10 } }), JSON.parse(JSON.stringify(e.snapshot())));
      restored.ingestLogs(logs('reg', [truthValue('a', 1), truthValue('b', 14)]), T0 + MIN);
      restored.evaluate(T0 + 2 * MIN);
      const q = restored.quality('reg')!;
      assert.equal(q.task, 'regression');
      assert.equal(q.errors!.window.mae, 3);
      assert.equal(restored.listModels().find((m) => m.name === 'reg')?.task, 'regression');
      e.ingestLogs(logs('clf2', [pred('x', 'cat', T0)]), T0);
      assert.equal(e.quality('clf2')!.task, 'classification');
    });
  });

  describe('evaluate', () => {
    it('computes accuracy SLO compliance and burn rates from joined labels', () => {
      const e = engine();
      const recs: Rec[] = [];
      const labels: Rec[] = [];
      for (let i = 0; i < 100; i++) {
        recs.push(pred(`p${i}`, 'x', T0));
        labels.push(truth(`p${i}`, i < 70 ? 'x' : 'y'));
      }
      e.ingestLogs(logs('clf', recs), T0);
      e.ingestLogs(logs('clf', labels), T0 + MIN);
      e.evaluate(T0 + 2 * MIN);
      const slo = e.modelStatus('clf')!.slos[0]!;
      assert.deepEqual([slo.good, slo.total, slo.state], [70, 100, 'breached']);
      assert.ok(Math.abs((slo.errorBudgetRemaining as number) - (1 - 0.3 / 0.2)) < 1e-12);
      assert.ok(Math.abs((slo.burnRates[0]!.value as number) - 0.3 / 0.2) < 1e-12);
    });

    it('exports accuracy, confusion matrix and join gauges', () => {
      const e = engine();
      e.ingestLogs(logs('clf', [pred('a', 'x', T0), pred('b', 'y', T0, 0.9, 'app')]), T0);
      e.ingestLogs(logs('clf', [truth('a', 'x'), truth('b', 'x')]), T0 + MIN);
      e.evaluate(T0 + 2 * MIN);
      const out = e.outputs();
      const acc = out.filter((o) => o.name === 'ml.accuracy');
      assert.deepEqual(acc.map((o) => [o.attributes['ml.segment'] ?? '', o.value]).sort(), [['', 0.5], ['app', 0], ['web', 1]]);
      assert.equal(out.filter((o) => o.name === 'ml.confusion_matrix').length, 2);
      assert.ok(out.some((o) => o.name === 'ml.ground_truth.pending' && o.value === 0 && o.attributes['ml.model.name'] === 'clf'));
    });
  });

  describe('snapshot', () => {
    it('carries on joining labels for predictions received before a restart', () => {
      const e = engine();
      e.ingestLogs(logs('clf', [pred('a', 'x', T0), pred('b', 'x', T0)]), T0);
      e.ingestLogs(logs('clf', [truth('a', 'x')]), T0 + MIN);
      e.evaluate(T0 + 2 * MIN);
      const before = e.quality('clf')!;
      const r = Engine.restore(e.config, JSON.parse(JSON.stringify(e.snapshot(), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))));
      r.evaluate(T0 + 2 * MIN);
      assert.deepEqual(r.quality('clf'), before);
      r.ingestLogs(logs('clf', [truth('b', 'y')]), T0 + 3 * MIN);
      r.evaluate(T0 + 4 * MIN);
      assert.deepEqual([r.quality('clf')!.accuracy!.window.correct, r.quality('clf')!.accuracy!.window.count], [1, 2]);
    });
  });
});
