/**
 * Ground truth end to end with real processes: predictions (ml.prediction
 * events) and delayed labels (ml.ground_truth events) sent by the OpenTelemetry
 * SDK through ModelMonitor — some labels before their prediction, some out of
 * order, some to a restarted aggregator, one relabel, some too late — give
 * exactly the accuracy, per-segment accuracy, confusion matrix and coverage
 * computed independently here from the same events.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startModelwatch } from '@modelwatch/node';
import { getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { seeded } from '../helpers/random.js';

const LABELS = ['cat', 'dog', 'bird'] as const;
const SEGMENTS = ['web', 'mobile'] as const;
const N = 300;
const CONFIG = `
evaluation: { interval: 1s }
models:
  - name: pets
    task: classification
    groundTruth: { pendingTtl: 6s, earlyLabelGrace: 2s }
`;

interface Prediction { id: string; label: string; segment: string; confidence: number }

interface QualityReport {
  accuracy: { lifetime: { value: number; correct: number; count: number }; bySegment: { segment: string; correct: number; count: number }[] };
  confusionMatrix: { labels: string[]; counts: number[][] };
  coverage: { predictions: number; labeled: number; pending: number; expired: number; relabeled: number; unmatched: number; waitingLabels: number };
}

async function sendWith(otlpHttp: string, fn: (monitor: ReturnType<ReturnType<typeof startModelwatch>['monitor']>) => void): Promise<void> {
  const sdk = startModelwatch({
    serviceName: 'e2e-quality',
    model: { name: 'pets' },
    otlpEndpoint: otlpHttp,
    hostMetrics: false,
    runtimeMetrics: false,
    setGlobal: false,
    exportIntervalMillis: 60_000,
  });
  fn(sdk.monitor({ task: 'classification', groundTruthSampleRate: 1 }));
  await sdk.forceFlush();
  await sdk.shutdown();
}

describe('ground truth through modelwatch serve', () => {
  const r = seeded(7);
  const predictions: Prediction[] = Array.from({ length: N }, (_, i) => ({
    id: `p${i}`,
    label: LABELS[Math.floor(r.uniform() * 3)]!,
    segment: SEGMENTS[i % 2]!,
    confidence: 0.5 + r.uniform() / 2,
  }));
  // The truth: right 80% of the time on web, 60% on mobile.
  const truth = new Map(
    predictions.map((p) => {
      const right = r.uniform() < (p.segment === 'web' ? 0.8 : 0.6);
      return [p.id, right ? p.label : LABELS[(LABELS.indexOf(p.label as (typeof LABELS)[number]) + 1) % 3]!];
    }),
  );
  const RELABELED = 'p20';
  const relabel = LABELS[(LABELS.indexOf(truth.get(RELABELED) as (typeof LABELS)[number]) + 1) % 3]!;
  const dataDir = tempDir();
  let aggregator: RunningAggregator;

  before(async () => {
    aggregator = await startAggregator(CONFIG, { dataDir });
    const ids = predictions.map((p) => p.id);
    // 1. Labels that overtake their predictions (a reviewer answering before the event pipeline).
    await sendWith(aggregator.addresses.otlpHttp, (m) => ids.slice(0, 20).forEach((id) => m.feedback(id, truth.get(id)!)));
    // 2. The predictions.
    await sendWith(aggregator.addresses.otlpHttp, (m) => {
      for (const p of predictions) m.record({ predictionId: p.id, label: p.label, confidence: p.confidence, segment: p.segment, durationSeconds: 0.01 });
    });
    // 3. Labels for p20..p149, shuffled.
    const middle = ids.slice(20, 150).sort(() => r.uniform() - 0.5);
    await sendWith(aggregator.addresses.otlpHttp, (m) => middle.forEach((id) => m.feedback(id, truth.get(id)!)));
    await waitFor('the first 150 labels to be joined', async () => {
      const q = await getJson<QualityReport>(`${aggregator.addresses.http}/api/v1/models/pets/quality`);
      return q.coverage.labeled === 150 ? q : undefined;
    });
    // 4. kill -9, restart on the same data directory; the rest of the labels go to the new process.
    await aggregator.stop('SIGKILL');
    aggregator = await startAggregator(CONFIG, { dataDir });
    await sendWith(aggregator.addresses.otlpHttp, (m) => {
      ids.slice(150, 250).forEach((id) => m.feedback(id, truth.get(id)!));
      m.feedback(RELABELED, relabel);
    });
    // 5. p250..p299 expire (pendingTtl 6 s); labels for ten of them come too late and stay unmatched.
    await waitFor('50 predictions to expire', async () => {
      const q = await getJson<QualityReport>(`${aggregator.addresses.http}/api/v1/models/pets/quality`);
      return q.coverage.expired === 50 ? q : undefined;
    }, 30_000, 500);
    await sendWith(aggregator.addresses.otlpHttp, (m) => ids.slice(250, 260).forEach((id) => m.feedback(id, truth.get(id)!)));
  });

  after(async () => {
    await aggregator?.stop();
  });

  it('reports exactly the accuracy, per-segment accuracy and confusion matrix of the joined events', async () => {
    truth.set(RELABELED, relabel);
    const joined = predictions.slice(0, 250);
    const correct = joined.filter((p) => truth.get(p.id) === p.label).length;
    const q = await waitFor('the late labels to be counted as unmatched', async () => {
      const rep = await getJson<QualityReport>(`${aggregator.addresses.http}/api/v1/models/pets/quality`);
      return rep.coverage.unmatched === 10 ? rep : undefined;
    }, 30_000, 500);
    assert.deepEqual(
      { correct: q.accuracy.lifetime.correct, count: q.accuracy.lifetime.count },
      { correct, count: 250 },
    );
    for (const segment of SEGMENTS) {
      const seg = joined.filter((p) => p.segment === segment);
      const got = q.accuracy.bySegment.find((s) => s.segment === segment);
      assert.deepEqual({ correct: got?.correct, count: got?.count }, { correct: seg.filter((p) => truth.get(p.id) === p.label).length, count: seg.length }, segment);
    }
    // Confusion matrix: rows are true labels, columns predicted (checked against the report's own label order).
    const { labels, counts } = q.confusionMatrix;
    for (const t of LABELS) {
      for (const p of LABELS) {
        const expected = joined.filter((x) => truth.get(x.id) === t && x.label === p).length;
        assert.equal(counts[labels.indexOf(t)]?.[labels.indexOf(p)] ?? 0, expected, `true ${t}, predicted ${p}`);
      }
    }
    assert.deepEqual(
      { predictions: q.coverage.predictions, labeled: q.coverage.labeled, pending: q.coverage.pending, expired: q.coverage.expired, relabeled: q.coverage.relabeled, unmatched: q.coverage.unmatched },
      { predictions: N, labeled: 250, pending: 0, expired: 50, relabeled: 1, unmatched: 10 },
    );
  });

  it('exports accuracy by segment on /metrics', async () => {
    const text = await (await fetch(`${aggregator.addresses.http}/metrics`)).text();
    assert.match(text, /ml_accuracy\{[^}]*ml_segment="web"[^}]*\} 0\.\d+/);
  });
});
