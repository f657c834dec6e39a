import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIDENCE_BUCKETS } from '@modelwatch/semconv';
import {
  CalibrationCounts,
  ConfidenceCounts,
  QualityTracker,
  calibratedAccuracies,
  calibrationReport,
  confidenceBucket,
  estimateAccuracy,
} from '../../../src/engine/quality/index.js';
import { rng } from '../helpers.js';
import { HOUR, T0 } from './scenario.js';

/**
 * A simulated classifier: each prediction is right with probability p ~ U(0.4, 1)
 * and states confidence `stated(p)`. A share `labeledShare` of predictions gets
 * its label; the rest stay pending. Returns the tracker's report and the
 * simulation's expected accuracy (mean p) of all and of the unlabeled predictions.
 */
function simulate(seed: number, n: number, stated: (p: number) => number, labeledShare: number) {
  const r = rng(seed);
  const q = new QualityTracker({ task: 'classification' });
  let sumAll = 0;
  let sumPending = 0;
  let nPending = 0;
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 100;
    const p = 0.4 + 0.6 * r();
    const label = r() < 0.5 ? 'pos' : 'neg';
    q.recordPrediction({ id: `p${i}`, time: t, label, confidence: stated(p) }, t);
    sumAll += p;
    if (r() < labeledShare) {
      const correct = r() < p;
      q.recordGroundTruth({ id: `p${i}`, label: correct ? label : label === 'pos' ? 'neg' : 'pos' }, t + 50);
    } else {
      sumPending += p;
      nPending++;
    }
  }
  const report = q.report(T0 + n * 100 + HOUR);
  return { report, expectedAll: sumAll / n, expectedPending: sumPending / nPending, nPending };
}

describe('calibration', () => {
  describe('confidenceBucket', () => {
    it('puts a bound in the bucket it closes (explicit buckets are upper-inclusive)', () => {
      assert.equal(confidenceBucket(0), 0);
      assert.equal(confidenceBucket(0.05), 0);
      assert.equal(confidenceBucket(0.0500001), 1);
      assert.equal(confidenceBucket(0.999), CONFIDENCE_BUCKETS.length - 1);
      assert.equal(confidenceBucket(1), CONFIDENCE_BUCKETS.length);
      for (let k = 0; k < 1000; k++) {
        const c = k / 1000;
        const b = confidenceBucket(c);
        const expected = CONFIDENCE_BUCKETS.findIndex((u) => c <= u);
        assert.equal(b, expected === -1 ? CONFIDENCE_BUCKETS.length : expected, `c=${c}`);
      }
    });
  });

  describe('calibrationReport', () => {
    it('gives the reliability curve and ECE computed directly from the samples', () => {
      const r = rng(21);
      const cal = new CalibrationCounts();
      const samples: { c: number; ok: boolean }[] = [];
      for (let i = 0; i < 5000; i++) {
        const c = r();
        const ok = r() < c * 0.8;
        samples.push({ c, ok });
        cal.addSample(confidenceBucket(c), c, ok);
      }
      const rep = calibrationReport(cal, 10);
      let ece = 0;
      let mce = 0;
      const bounds = [0, ...CONFIDENCE_BUCKETS, 1];
      for (let k = 0; k < bounds.length - 1; k++) {
        const inBin = samples.filter((s) => (k === 0 ? s.c <= (bounds[1] as number) : s.c > (bounds[k] as number) && (k === bounds.length - 2 || s.c <= (bounds[k + 1] as number))));
        const bin = rep.bins[k]!;
        assert.equal(bin.count, inBin.length);
        if (inBin.length === 0) continue;
        const acc = inBin.filter((s) => s.ok).length / inBin.length;
        const conf = inBin.reduce((a, s) => a + s.c, 0) / inBin.length;
        assert.ok(Math.abs((bin.accuracy as number) - acc) < 1e-12);
        assert.ok(Math.abs((bin.meanConfidence as number) - conf) < 1e-12);
        ece += (inBin.length / samples.length) * Math.abs(acc - conf);
        mce = Math.max(mce, Math.abs(acc - conf));
      }
      assert.ok(Math.abs((rep.ece as number) - ece) < 1e-12);
      assert.ok(Math.abs((rep.maxCalibrationError as number) - mce) < 1e-12);
      assert.ok((rep.ece as number) > 0.05, 'the simulated model is over-confident');
      assert.equal(rep.samples, 5000);
    });

    it('has no ECE without samples', () => {
      const rep = calibrationReport(new CalibrationCounts(), 10);
      assert.equal(rep.ece, null);
      assert.equal(rep.samples, 0);
    });
  });

  describe('calibratedAccuracies', () => {
    it('shrinks a sparse bucket towards its confidence shifted by the model-wide gap', () => {
      const cal = new CalibrationCounts();
      // 1000 samples at confidence 0.9 with accuracy 0.7: the model is 0.2 over-confident.
      for (let i = 0; i < 1000; i++) cal.addSample(confidenceBucket(0.9), 0.9, i < 700);
      // One sample at 0.6, correct.
      cal.addSample(confidenceBucket(0.6), 0.6, true);
      const acc = calibratedAccuracies(cal, 10);
      const gap = (701 - (900 + 0.6)) / 1001;
      assert.ok(Math.abs((acc[confidenceBucket(0.6)] as number) - (1 + 10 * (0.6 + gap)) / 11) < 1e-12);
      assert.ok(Math.abs((acc[confidenceBucket(0.9)] as number) - (700 + 10 * (0.9 + gap)) / 1010) < 1e-12);
      // An empty bucket: its midpoint plus the gap.
      const b = confidenceBucket(0.33);
      assert.ok(Math.abs((acc[b] as number) - (0.325 + gap)) < 1e-12);
    });
  });

  describe('estimateAccuracy', () => {
    it('equals the mean confidence without calibration samples', () => {
      const pop = new ConfidenceCounts();
      for (const c of [0.2, 0.6, 0.95]) pop.add(confidenceBucket(c), c);
      const e = estimateAccuracy(pop, new CalibrationCounts(), 10);
      assert.ok(Math.abs((e.value as number) - (0.2 + 0.6 + 0.95) / 3) < 1e-12);
      assert.equal(e.uncalibrated, e.value);
      assert.equal(e.calibrationSamples, 0);
      assert.equal(estimateAccuracy(new ConfidenceCounts(), new CalibrationCounts(), 10).value, null);
    });

    it('tracks the expected accuracy of a calibrated model within 2 points (25,000 seeded predictions)', (t) => {
      for (const seed of [1, 2, 3]) {
        const { report, expectedAll, expectedPending, nPending } = simulate(seed, 25_000, (p) => p, 0.3);
        const est = report.estimatedAccuracy!;
        t.diagnostic(`seed ${seed}: expected ${expectedAll.toFixed(4)}, estimated ${est.window.value!.toFixed(4)} (window), pending expected ${expectedPending.toFixed(4)} estimated ${est.pending.value!.toFixed(4)}`);
        assert.equal(est.window.predictions, 25_000);
        assert.equal(est.pending.predictions, nPending);
        assert.ok(Math.abs(est.window.value! - expectedAll) < 0.02);
        assert.ok(Math.abs(est.pending.value! - expectedPending) < 0.02);
        assert.ok((report.calibration!.ece as number) < 0.03, `ECE ${report.calibration!.ece}`);
      }
    });

    for (const [name, stated] of [
      ['p^0.3', (p: number) => p ** 0.3],
      ['p + 0.15 capped at 1', (p: number) => Math.min(1, p + 0.15)],
    ] as const) {
      it(`corrects an over-confident model (stated confidence ${name}) from over 10 points off to under 2`, (t) => {
        const { report, expectedPending } = simulate(7, 25_000, stated, 0.3);
        const est = report.estimatedAccuracy!.pending;
        const before = Math.abs(est.uncalibrated! - expectedPending);
        const after = Math.abs(est.value! - expectedPending);
        t.diagnostic(`expected ${expectedPending.toFixed(4)}; mean confidence ${est.uncalibrated!.toFixed(4)} (error ${(100 * before).toFixed(2)} points); calibrated ${est.value!.toFixed(4)} (error ${(100 * after).toFixed(2)} points); ECE ${report.calibration!.ece!.toFixed(4)}`);
        assert.ok(before > 0.1, `uncalibrated error ${before}`);
        assert.ok(after < 0.02, `calibrated error ${after}`);
        assert.ok(report.calibration!.ece! > 0.1, 'the reliability curve shows the over-confidence');
      });
    }
  });
});

describe('ConfidenceCounts.fromHistogram', () => {
  it('takes an ml.prediction.confidence histogram over CONFIDENCE_BUCKETS at bucket midpoints', () => {
    const counts = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
    counts[0] = 4; // (0, 0.05]
    counts[CONFIDENCE_BUCKETS.length] = 2; // (0.999, 1]
    const c = ConfidenceCounts.fromHistogram(CONFIDENCE_BUCKETS, counts)!;
    assert.equal(c.total, 6);
    assert.ok(Math.abs((c.sums[0] as number) - 4 * 0.025) < 1e-12);
    assert.ok(Math.abs((c.sums[CONFIDENCE_BUCKETS.length] as number) - 2 * 0.9995) < 1e-12);
    assert.equal(ConfidenceCounts.fromHistogram([0.5], [1, 2]), null);
    assert.equal(ConfidenceCounts.fromHistogram(CONFIDENCE_BUCKETS, [1, 2]), null);
  });

  it('estimates the accuracy of all traffic with the calibration learned from the sample', () => {
    // Sample: an over-confident model, 0.95 stated, 0.7 right.
    const q = new QualityTracker({ task: 'classification' });
    for (let i = 0; i < 2000; i++) {
      q.recordPrediction({ id: `p${i}`, time: T0, label: 'a', confidence: 0.93 }, T0);
      q.recordGroundTruth({ id: `p${i}`, label: i % 10 < 7 ? 'a' : 'b' }, T0 + 1);
    }
    const counts = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
    counts[confidenceBucket(0.93)] = 50_000;
    const e = q.estimate(ConfidenceCounts.fromHistogram(CONFIDENCE_BUCKETS, counts)!);
    assert.equal(e.predictions, 50_000);
    assert.ok(Math.abs((e.value as number) - 0.7) < 0.01, `estimate ${e.value}`);
    assert.ok(Math.abs((e.uncalibrated as number) - 0.925) < 1e-9);
  });
});
