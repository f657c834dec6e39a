// Ground-truth join benchmark, pure in memory: sampled predictions and their
// labels (arriving 1 s to 10 min later, so tens of thousands are pending at
// once; 5% of labels arrive first) through QualityTracker, plus the same
// through ingest() of decoded log records. Also: snapshot bytes per pending
// prediction (what the store persists), and ADWIN's detection delay and
// false alarms over 20 seeds (the numbers the quality tests assert on).
// Run alone: npx tsx packages/aggregator/bench/quality.bench.ts
import { EVENT_ML_GROUND_TRUTH, EVENT_ML_PREDICTION } from '@modelwatch/semconv';
import { Adwin, QualityTracker, type LogRecordIn } from '../src/engine/quality/index.js';
import { rng } from './simulate.js';

const T0 = Date.UTC(2026, 0, 1);


interface Ev {
  at: number;
  rec: LogRecordIn;
}

/** n predictions at 100/s, each labeled 1 s..10 min later (5% of labels 1..60 s before their prediction). */
function events(n: number, seed: number): Ev[] {
  const r = rng(seed);
  const out: Ev[] = [];
  const labels = ['cat', 'dog', 'fox'];
  const segments = ['web', 'app', 'api'];
  for (let i = 0; i < n; i++) {
    const t = T0 + i * 10;
    const id = `req-${i.toString(16)}-${Math.floor(r() * 1e9).toString(36)}`;
    const label = labels[i % 3] as string;
    out.push({
      at: t,
      rec: {
        eventName: EVENT_ML_PREDICTION,
        timeUnixNano: BigInt(t) * 1_000_000n,
        attributes: { 'ml.prediction.id': id, 'ml.prediction.label': label, 'ml.prediction.confidence': 0.5 + 0.5 * r(), 'ml.segment': segments[i % 3] },
      },
    });
    const delay = r() < 0.05 ? -Math.floor(1000 + r() * 59_000) : Math.floor(1000 + r() * 599_000);
    out.push({ at: t + delay, rec: { eventName: EVENT_ML_GROUND_TRUTH, attributes: { 'ml.prediction.id': id, 'ml.ground_truth.label': r() < 0.85 ? label : 'other' } } });
  }
  return out.sort((a, b) => a.at - b.at);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function adwinNumbers(): { seeds: number; delayMedian: number; delayMax: number; delays: number[]; falseAlarmsPer1e5: number[] } {
  const delays: number[] = [];
  const alarms: number[] = [];
  for (let s = 1; s <= 20; s++) {
    const r = rng(500 + s);
    const a = new Adwin();
    for (let i = 0; i < 5000; i++) a.add(r() < 0.9 ? 1 : 0);
    let d = -1;
    for (let i = 1; i <= 3000 && d < 0; i++) if (a.add(r() < 0.75 ? 1 : 0)?.direction === 'drop') d = i;
    delays.push(d);
    const b = new Adwin();
    let fa = 0;
    for (let i = 0; i < 100_000; i++) if (b.add(r() < 0.9 ? 1 : 0)) fa++;
    alarms.push(fa);
  }
  delays.sort((x, y) => x - y);
  return { seeds: 20, delayMedian: median(delays), delayMax: delays[delays.length - 1] as number, delays, falseAlarmsPer1e5: alarms };
}

/** Measures the join; see the file comment. */
export async function run(): Promise<{
  joinsPerSecond: number;
  ingestJoinsPerSecond: number;
  maxPending: number;
  snapshotBytesPerPendingPrediction: number;
  adwin: ReturnType<typeof adwinNumbers>;
}> {
  const n = 200_000;
  const evs = events(n, 1);
  const direct = evs.map((e) => ({ at: e.at, e: e.rec }));
  const rates: number[] = [];
  const ingestRates: number[] = [];
  let maxPending = 0;
  for (let rep = 0; rep < 3; rep++) {
    // Direct calls (events already read), then full ingest of log records.
    const q = new QualityTracker({ task: 'classification' });
    const pre = direct.map(({ at, e }) => {
      const a = e.attributes;
      return e.eventName === EVENT_ML_PREDICTION
        ? { at, p: { id: a['ml.prediction.id'] as string, time: at, label: a['ml.prediction.label'] as string, confidence: a['ml.prediction.confidence'] as number, segment: a['ml.segment'] as string } }
        : { at, g: { id: a['ml.prediction.id'] as string, label: a['ml.ground_truth.label'] as string } };
    });
    let t0 = performance.now();
    for (const x of pre) {
      if ('p' in x && x.p) q.recordPrediction(x.p, x.at);
      else if ('g' in x && x.g) q.recordGroundTruth(x.g, x.at);
      if ((x.at & 1023) === 0) maxPending = Math.max(maxPending, q.coverage().pending);
    }
    rates.push(q.coverage().labeled / ((performance.now() - t0) / 1000));
    const q2 = new QualityTracker({ task: 'classification' });
    t0 = performance.now();
    for (const e of evs) q2.ingest(e.rec, e.at);
    ingestRates.push(q2.coverage().labeled / ((performance.now() - t0) / 1000));
  }
  // Snapshot size per pending prediction: half the predictions, no labels.
  const q = new QualityTracker({ task: 'classification' });
  const empty = JSON.stringify(q.snapshot()).length;
  let pending = 0;
  for (const e of evs) {
    if (e.rec.eventName !== EVENT_ML_PREDICTION || pending >= 50_000) continue;
    q.ingest(e.rec, e.at);
    pending++;
  }
  const snapshotBytesPerPendingPrediction = Math.round((JSON.stringify(q.snapshot()).length - empty) / q.coverage().pending);
  await Promise.resolve();
  return {
    joinsPerSecond: Math.round(median(rates)),
    ingestJoinsPerSecond: Math.round(median(ingestRates)),
    maxPending,
    snapshotBytesPerPendingPrediction,
    adwin: adwinNumbers(),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then(
    (r) => console.log(JSON.stringify(r)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
