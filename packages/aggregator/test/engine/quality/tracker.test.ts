import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_ML_GROUND_TRUTH, EVENT_ML_PREDICTION, OTHER_CATEGORY } from '@modelwatch/semconv';
import { QualityTracker, type QualityOptions, type QualityReport } from '../../../src/engine/quality/index.js';
import { HOUR, MIN, T0, finalLabel, knownAt, scenario, type Arrival, type Pred } from './scenario.js';
import { rng } from '../helpers.js';

const OPTS: QualityOptions = {
  task: 'classification',
  pendingTtl: 2 * HOUR,
  earlyLabelGrace: 10 * MIN,
  relabelTtl: 3 * HOUR,
  window: 6 * HOUR,
  slot: HOUR,
  rollingSize: 500,
};

function feed(q: QualityTracker, arrivals: readonly Arrival[], task: 'classification' | 'regression' = 'classification'): void {
  for (const a of arrivals) {
    if (a.kind === 'prediction') {
      const p = a.pred;
      const e = task === 'classification' ? { label: p.label } : { value: p.value };
      const why = q.recordPrediction({ id: p.id, time: p.t, confidence: p.confidence, ...e, ...(p.segment ? { segment: p.segment } : {}) }, a.at);
      assert.equal(why, null);
    } else {
      const why = q.recordGroundTruth(task === 'classification' ? { id: a.id, label: a.label } : { id: a.id, value: a.value }, a.at);
      assert.equal(why, null);
    }
  }
}

interface Expected {
  window: { correct: number; count: number };
  lifetime: { correct: number; count: number };
  segments: Map<string, { correct: number; count: number }>;
  confusion: Map<string, number>;
}

/** Accuracy numbers computed directly from the scenario's events. */
function expected(preds: readonly Pred[], now: number, opts: { window: number; slot: number }): Expected {
  const firstSlot = Math.floor(now / opts.slot) - opts.window / opts.slot + 1;
  const e: Expected = { window: { correct: 0, count: 0 }, lifetime: { correct: 0, count: 0 }, segments: new Map(), confusion: new Map() };
  for (const p of preds) {
    const f = finalLabel(p);
    if (!f) continue;
    const ok = f.label === p.label ? 1 : 0;
    e.lifetime.count++;
    e.lifetime.correct += ok;
    if (Math.floor(p.t / opts.slot) < firstSlot) continue;
    e.window.count++;
    e.window.correct += ok;
    if (p.segment) {
      const s = e.segments.get(p.segment) ?? { correct: 0, count: 0 };
      s.count++;
      s.correct += ok;
      e.segments.set(p.segment, s);
    }
    const key = `${f.label}|${p.label}`;
    e.confusion.set(key, (e.confusion.get(key) ?? 0) + 1);
  }
  return e;
}

function scenarioRun(seed: number): { q: QualityTracker; preds: Pred[]; arrivals: Arrival[]; now: number } {
  const { preds, arrivals } = scenario({ seed, n: 4000, span: 5 * HOUR, pendingTtl: OPTS.pendingTtl as number, grace: OPTS.earlyLabelGrace as number });
  const q = new QualityTracker(OPTS);
  feed(q, arrivals);
  const now = (arrivals[arrivals.length - 1] as Arrival).at + 1;
  return { q, preds, arrivals, now };
}

describe('QualityTracker', () => {
  describe('report (classification)', () => {
    const { q, preds, now } = scenarioRun(1);
    const report = q.report(now);
    const exp = expected(preds, now, { window: OPTS.window as number, slot: OPTS.slot as number });

    it('gives exactly the window and lifetime accuracy computed from the events (out of order, relabels, expired, unmatched)', () => {
      const acc = report.accuracy!;
      assert.ok(exp.window.count > 1000 && exp.window.count < exp.lifetime.count, 'the window holds part of the joined predictions');
      assert.deepEqual({ correct: acc.window.correct, count: acc.window.count }, exp.window);
      assert.equal(acc.window.value, exp.window.correct / exp.window.count);
      assert.deepEqual({ correct: acc.lifetime.correct, count: acc.lifetime.count }, exp.lifetime);
    });

    it('gives exactly the per-segment accuracy', () => {
      const got = new Map(report.accuracy!.bySegment.map((s) => [s.segment, { correct: s.correct, count: s.count }]));
      assert.deepEqual(got, exp.segments);
      const mobile = report.accuracy!.bySegment.find((s) => s.segment === 'mobile')!;
      const web = report.accuracy!.bySegment.find((s) => s.segment === 'web')!;
      assert.ok((mobile.value as number) < (web.value as number) - 0.1, 'the worse segment shows');
    });

    it('gives exactly the confusion matrix (rows true, columns predicted)', () => {
      const m = report.confusionMatrix!;
      assert.deepEqual(m.labels, ['cat', 'dog', 'fox']);
      const got = new Map<string, number>();
      m.counts.forEach((row, i) => row.forEach((n, j) => n > 0 && got.set(`${m.labels[i]}|${m.labels[j]}`, n)));
      assert.deepEqual(got, exp.confusion);
    });

    it('derives precision, recall and F1 per class from that matrix', () => {
      for (const c of report.classes!) {
        let tp = 0;
        let predicted = 0;
        let support = 0;
        for (const [key, n] of exp.confusion) {
          const [t, p] = key.split('|');
          if (t === c.label && p === c.label) tp += n;
          if (p === c.label) predicted += n;
          if (t === c.label) support += n;
        }
        assert.equal(c.support, support);
        assert.equal(c.predicted, predicted);
        assert.ok(Math.abs((c.precision as number) - tp / predicted) < 1e-12);
        assert.ok(Math.abs((c.recall as number) - tp / support) < 1e-12);
        const pr = tp / predicted;
        const rc = tp / support;
        assert.ok(Math.abs((c.f1 as number) - (2 * pr * rc) / (pr + rc)) < 1e-12);
      }
    });

    it('accounts for every prediction and label in the coverage', () => {
      const count = (f: (p: Pred) => boolean): number => preds.filter(f).length;
      const ttl = OPTS.pendingTtl as number;
      const grace = OPTS.earlyLabelGrace as number;
      const c = report.coverage;
      assert.equal(c.predictions, count((p) => p.case !== 'orphan'));
      assert.equal(c.labeled, count((p) => ['normal', 'early', 'relabel'].includes(p.case)));
      assert.equal(c.relabeled, count((p) => p.case === 'relabel'));
      assert.equal(c.expired, count((p) => p.case === 'late' || (p.case === 'never' && p.t + ttl <= now)));
      assert.equal(c.pending, count((p) => p.case === 'never' && p.t + ttl > now));
      // Labels of expired predictions and of predictions never sampled wait out the grace period, then are unmatched.
      const orphanLabel = (p: Pred): boolean => p.case === 'late' || p.case === 'orphan';
      assert.equal(c.unmatched, count((p) => orphanLabel(p) && p.labels[0]!.at + grace <= now));
      assert.equal(c.waitingLabels, count((p) => orphanLabel(p) && p.labels[0]!.at + grace > now));
      assert.ok(c.unmatched > 100 && c.expired > 100 && c.relabeled > 100 , 'every case occurs');
      assert.equal(c.labels, preds.reduce((n, p) => n + p.labels.length, 0));
      assert.equal(c.evicted, 0);
      assert.equal(c.duplicatePredictions, 0);
      // The invariants documented on Coverage.
      assert.equal(c.predictions, c.pending + c.labeled + c.expired + c.evicted);
      assert.equal(c.labels, c.labeled + c.relabeled + c.unmatched + c.waitingLabels);
    });

    it('gives the rolling accuracy of the last N labels to arrive (a relabel is the newest)', () => {
      const joined = preds.filter((p) => finalLabel(p) !== null).sort((a, b) => knownAt(a) - knownAt(b));
      const last = joined.slice(-500);
      const correct = last.filter((p) => finalLabel(p)!.label === p.label).length;
      assert.deepEqual({ correct: report.accuracy!.rolling.correct, count: report.accuracy!.rolling.count }, { correct, count: 500 });
    });

    it('gives accuracy-SLO counts keyed by the time the outcome became known', () => {
      for (const w of [HOUR, 3 * HOUR]) {
        const lo = Math.floor(now / MIN) - w / MIN;
        const inWin = preds.filter((p) => finalLabel(p) !== null && Math.floor(knownAt(p) / MIN) > lo);
        const good = inWin.filter((p) => finalLabel(p)!.label === p.label).length;
        assert.deepEqual(q.sloCounts(now, w), { good, total: inWin.length });
      }
    });

    it('lists per-slot accuracy keyed by prediction time', () => {
      const tl = report.accuracy!.timeline;
      assert.equal(tl.reduce((n, s) => n + s.count, 0), exp.window.count);
      for (const s of tl) {
        const start = Date.parse(s.start);
        const inSlot = preds.filter((p) => finalLabel(p) !== null && p.t >= start && p.t < start + HOUR);
        assert.equal(s.count, inSlot.length);
      }
    });
  });

  describe('report (regression)', () => {
    it('gives exactly MAE, RMSE and bias (window, lifetime, by segment) with relabels', () => {
      const { preds, arrivals } = scenario({ seed: 5, n: 2000, span: 3 * HOUR, pendingTtl: 2 * HOUR, grace: 10 * MIN });
      const q = new QualityTracker({ ...OPTS, task: 'regression' });
      feed(q, arrivals, 'regression');
      const now = (arrivals[arrivals.length - 1] as Arrival).at + 1;
      const r = q.report(now);
      const errs = (ps: Pred[]): { count: number; mae: number; rmse: number; bias: number } => {
        const e = ps.map((p) => p.value - finalLabel(p)!.value);
        return {
          count: e.length,
          mae: e.reduce((a, x) => a + Math.abs(x), 0) / e.length,
          rmse: Math.sqrt(e.reduce((a, x) => a + x * x, 0) / e.length),
          bias: e.reduce((a, x) => a + x, 0) / e.length,
        };
      };
      const close = (got: { count: number; mae: number | null; rmse: number | null; bias: number | null }, want: ReturnType<typeof errs>): void => {
        assert.equal(got.count, want.count);
        for (const k of ['mae', 'rmse', 'bias'] as const) assert.ok(Math.abs((got[k] as number) - want[k]) < 1e-9, `${k}: ${got[k]} vs ${want[k]}`);
      };
      const joined = preds.filter((p) => finalLabel(p) !== null);
      close(r.errors!.lifetime, errs(joined));
      const firstSlot = Math.floor(now / HOUR) - 5;
      close(r.errors!.window, errs(joined.filter((p) => Math.floor(p.t / HOUR) >= firstSlot)));
      for (const s of r.errors!.bySegment) close(s, errs(joined.filter((p) => p.segment === s.segment && Math.floor(p.t / HOUR) >= firstSlot)));
      assert.ok((r.errors!.lifetime.bias as number) < 0, 'truths were drawn above the predictions: negative bias');
      assert.equal(r.accuracy, undefined);
      assert.equal(r.confusionMatrix, undefined);
    });
  });

  describe('recordPrediction / recordGroundTruth', () => {
    it('refuses events without an id, label or value, naming what is missing', () => {
      const q = new QualityTracker({ task: 'classification' });
      assert.match(q.recordPrediction({ id: '', time: T0, label: 'a' }, T0) as string, /no prediction id/);
      assert.match(q.recordPrediction({ id: 'x', time: T0 }, T0) as string, /classification model has no label/);
      assert.match(q.recordGroundTruth({ id: 'x' }, T0) as string, /ml\.ground_truth event of a classification model has no label/);
      assert.match(q.recordPrediction({ id: 'x'.repeat(300), time: T0, label: 'a' }, T0) as string, /longer than 256/);
      const r = new QualityTracker({ task: 'regression' });
      assert.match(r.recordPrediction({ id: 'x', time: T0, value: Number.NaN }, T0) as string, /no finite value/);
      assert.equal(q.coverage().predictions, 0);
      assert.equal(q.coverage().labels, 0);
    });

    it('counts a repeated prediction id as a duplicate and keeps the first', () => {
      const q = new QualityTracker({ task: 'classification' });
      q.recordPrediction({ id: 'a', time: T0, label: 'x' }, T0);
      q.recordPrediction({ id: 'a', time: T0, label: 'y' }, T0 + 1);
      q.recordGroundTruth({ id: 'a', label: 'x' }, T0 + 2);
      q.recordPrediction({ id: 'a', time: T0, label: 'y' }, T0 + 3);
      const r = q.report(T0 + 4);
      assert.equal(r.coverage.duplicatePredictions, 2);
      assert.equal(r.coverage.predictions, 1);
      assert.equal(r.accuracy!.lifetime.value, 1);
    });

    it('ignores an out-of-range confidence but keeps the prediction, and says so', () => {
      const q = new QualityTracker({ task: 'classification' });
      q.recordPrediction({ id: 'a', time: T0, label: 'x', confidence: 1.5 }, T0);
      const r = q.report(T0);
      assert.equal(r.coverage.pending, 1);
      assert.equal(r.estimatedAccuracy!.pending.predictions, 0);
      assert.ok(r.notes.some((n) => /outside \[0, 1\]/.test(n)));
    });
  });

  describe('ingest', () => {
    it('reads events by event name or by the event.name attribute, with the record time as prediction time', () => {
      const q = new QualityTracker({ task: 'classification', window: HOUR, slot: MIN });
      const t = T0 + 30 * MIN;
      assert.equal(q.ingest({ eventName: EVENT_ML_PREDICTION, timeUnixNano: BigInt(t - 20 * MIN) * 1_000_000n, attributes: { 'ml.prediction.id': 'a', 'ml.prediction.label': 'x', 'ml.prediction.confidence': 0.9, 'ml.segment': 'web' } }, t), 'accepted');
      assert.equal(q.ingest({ attributes: { 'event.name': EVENT_ML_GROUND_TRUTH, 'ml.prediction.id': 'a', 'ml.ground_truth.label': 'y' } }, t + MIN), 'accepted');
      assert.equal(q.ingest({ eventName: 'app.other', attributes: {} }, t), 'ignored');
      assert.deepEqual(q.ingest({ eventName: EVENT_ML_GROUND_TRUTH, attributes: { 'ml.ground_truth.label': 'y' } }, t), { rejected: 'ml.ground_truth event has no ml.prediction.id' });
      const r = q.report(t + MIN);
      assert.equal(r.accuracy!.window.count, 1);
      assert.equal(r.accuracy!.window.value, 0);
      assert.equal(r.accuracy!.timeline[0]!.start, new Date(t - 20 * MIN).toISOString());
      assert.deepEqual(r.accuracy!.bySegment.map((s) => s.segment), ['web']);
    });

    it('never puts a prediction in the future of the receiver clock', () => {
      const q = new QualityTracker({ task: 'classification', window: HOUR, slot: MIN });
      q.ingest({ eventName: EVENT_ML_PREDICTION, timeUnixNano: BigInt(T0 + 5 * HOUR) * 1_000_000n, attributes: { 'ml.prediction.id': 'a', 'ml.prediction.label': 'x' } }, T0);
      q.recordGroundTruth({ id: 'a', label: 'x' }, T0 + 1);
      assert.equal(q.report(T0 + 2).accuracy!.timeline[0]!.start, new Date(T0).toISOString());
    });
  });

  describe('bounds', () => {
    it('evicts the oldest pending prediction past maxPending and counts it', () => {
      const q = new QualityTracker({ task: 'classification', maxPending: 10, earlyLabelGrace: MIN });
      for (let i = 0; i < 15; i++) q.recordPrediction({ id: `p${i}`, time: T0 + i, label: 'x' }, T0 + i);
      q.recordGroundTruth({ id: 'p0', label: 'x' }, T0 + 20);
      q.recordGroundTruth({ id: 'p14', label: 'x' }, T0 + 21);
      const r = q.report(T0 + 2 * MIN);
      assert.deepEqual(
        { evicted: r.coverage.evicted, pending: r.coverage.pending, labeled: r.coverage.labeled, unmatched: r.coverage.unmatched },
        { evicted: 5, pending: 9, labeled: 1, unmatched: 1 },
      );
      assert.ok(r.notes.some((n) => /evicted/.test(n)));
    });

    it('expires pending predictions after the TTL and labels waiting past the grace period', () => {
      const q = new QualityTracker({ task: 'classification', pendingTtl: HOUR, earlyLabelGrace: 5 * MIN });
      q.recordPrediction({ id: 'a', time: T0, label: 'x' }, T0);
      q.recordGroundTruth({ id: 'b', label: 'x' }, T0);
      assert.deepEqual([q.coverage().pending, q.coverage().waitingLabels], [1, 1]);
      q.advance(T0 + 5 * MIN - 1);
      assert.deepEqual([q.coverage().waitingLabels, q.coverage().unmatched], [1, 0]);
      q.advance(T0 + 5 * MIN);
      assert.deepEqual([q.coverage().waitingLabels, q.coverage().unmatched], [0, 1]);
      q.advance(T0 + HOUR);
      assert.deepEqual([q.coverage().pending, q.coverage().expired], [0, 1]);
      // A label after expiry finds nothing: unmatched once the grace period passes.
      q.recordGroundTruth({ id: 'a', label: 'x' }, T0 + HOUR + 1);
      q.advance(T0 + 2 * HOUR);
      assert.equal(q.coverage().unmatched, 2);
      assert.equal(q.coverage().labeled, 0);
    });

    it('counts the oldest waiting label as unmatched past maxEarlyLabels', () => {
      const q = new QualityTracker({ task: 'classification', maxEarlyLabels: 3 });
      for (let i = 0; i < 5; i++) q.recordGroundTruth({ id: `l${i}`, label: 'x' }, T0 + i);
      assert.deepEqual([q.coverage().waitingLabels, q.coverage().unmatched], [3, 2]);
      q.recordPrediction({ id: 'l0', time: T0, label: 'x' }, T0 + 10);
      q.recordPrediction({ id: 'l4', time: T0, label: 'y' }, T0 + 10);
      const c = q.coverage();
      assert.deepEqual([c.labeled, c.pending, c.waitingLabels], [1, 1, 2]);
    });

    it('forgets joined outcomes past maxJoined or relabelTtl: a later relabel is unmatched and the numbers stay', () => {
      const q = new QualityTracker({ task: 'classification', maxJoined: 2, relabelTtl: HOUR, earlyLabelGrace: MIN });
      for (const id of ['a', 'b', 'c']) {
        q.recordPrediction({ id, time: T0, label: 'x' }, T0);
        q.recordGroundTruth({ id, label: 'x' }, T0 + 1);
      }
      q.recordGroundTruth({ id: 'a', label: 'y' }, T0 + 2); // forgotten by the count bound
      q.recordGroundTruth({ id: 'c', label: 'y' }, T0 + 3); // still known: a relabel
      q.advance(T0 + HOUR + 10);
      q.recordGroundTruth({ id: 'b', label: 'y' }, T0 + HOUR + 10); // forgotten by the TTL
      const r = q.report(T0 + 2 * HOUR);
      assert.deepEqual([r.coverage.relabeled, r.coverage.unmatched], [1, 2]);
      assert.deepEqual([r.accuracy!.lifetime.correct, r.accuracy!.lifetime.count], [2, 3]);
    });

    it('counts segments and classes past their bounds as __other__, still judging correctness on the real labels', () => {
      const q = new QualityTracker({ task: 'classification', maxSegments: 2, maxClasses: 2 });
      const rows: [string, string, string][] = [
        ['s1', 'a', 'a'],
        ['s2', 'b', 'a'],
        ['s3', 'c', 'c'],
        ['s4', 'd', 'e'],
      ];
      rows.forEach(([seg, pred, truth], i) => {
        q.recordPrediction({ id: `p${i}`, time: T0, label: pred, segment: seg }, T0);
        q.recordGroundTruth({ id: `p${i}`, label: truth }, T0 + 1);
      });
      const r = q.report(T0 + 2);
      const segs = Object.fromEntries(r.accuracy!.bySegment.map((s) => [s.segment, [s.correct, s.count]]));
      assert.deepEqual(segs, { s1: [1, 1], s2: [0, 1], [OTHER_CATEGORY]: [1, 2] });
      assert.deepEqual(r.confusionMatrix!.labels, [OTHER_CATEGORY, 'a', 'b'].sort());
      assert.equal(r.accuracy!.lifetime.correct, 2);
      assert.ok(r.notes.some((n) => /segments past the first 2/.test(n)));
    });
  });

  describe('changeDetection', () => {
    it('flags a drop in the correctness stream', () => {
      const q = new QualityTracker({ task: 'classification' });
      const r = rng(77);
      let t = T0;
      let flaggedAt = -1;
      for (let i = 0; i < 6000; i++) {
        t += 1000;
        const p = i < 4000 ? 0.9 : 0.75;
        q.recordPrediction({ id: `p${i}`, time: t, label: 'a' }, t);
        q.recordGroundTruth({ id: `p${i}`, label: r() < p ? 'a' : 'b' }, t);
        if (flaggedAt < 0 && q.report(t).changeDetection!.state === 'drop') flaggedAt = i;
      }
      assert.ok(flaggedAt >= 4000 && flaggedAt < 4500, `flagged at label ${flaggedAt}`);
      const cd = q.report(t).changeDetection!;
      assert.equal(cd.lastChange!.direction, 'drop');
      assert.ok(Math.abs((cd.windowAccuracy as number) - 0.75) < 0.05);
    });
  });

  describe('snapshot', () => {
    it('round-trips through JSON and carries on joining exactly like the original', () => {
      const { preds, arrivals } = scenario({ seed: 3, n: 3000, span: 4 * HOUR, pendingTtl: 2 * HOUR, grace: 10 * MIN });
      const half = Math.floor(arrivals.length / 2);
      const a = new QualityTracker(OPTS);
      feed(a, arrivals.slice(0, half));
      const b = QualityTracker.restore(OPTS, JSON.parse(JSON.stringify(a.snapshot())));
      const at = (arrivals[half - 1] as Arrival).at;
      assert.deepEqual(b.report(at), a.report(at));
      feed(a, arrivals.slice(half));
      feed(b, arrivals.slice(half));
      const now = (arrivals[arrivals.length - 1] as Arrival).at + 1;
      const ra: QualityReport = a.report(now);
      assert.deepEqual(b.report(now), ra);
      assert.deepEqual(b.snapshot(), a.snapshot());
      assert.equal(ra.accuracy!.lifetime.count, preds.filter((p) => finalLabel(p) !== null).length);
    });

    it('refuses a foreign snapshot or one for another task', () => {
      assert.throws(() => QualityTracker.restore(OPTS, { format: 'x' } as never), /not a quality snapshot/);
      const s = new QualityTracker({ task: 'regression' }).snapshot();
      assert.throws(() => QualityTracker.restore(OPTS, s), /regression model but the model is configured for classification/);
    });
  });

  describe('constructor', () => {
    it('lists every bad option', () => {
      assert.throws(
        () => new QualityTracker({ task: 'classification', maxPending: 0, pendingTtl: -1, window: 90 * MIN, slot: HOUR }),
        (e: Error) => /maxPending must be a positive integer, got 0/.test(e.message) && /pendingTtl must be a positive duration/.test(e.message),
      );
      assert.throws(() => new QualityTracker({ task: 'classification', window: 90 * MIN, slot: HOUR }), /whole number of slots/);
      assert.throws(() => new QualityTracker({ task: 'ranking' as never }), /task must be classification or regression/);
    });
  });
});
