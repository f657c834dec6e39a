/**
 * Crash test with real processes: OTLP/HTTP protobuf requests (metric points
 * and log records of one model, encoded by the OpenTelemetry SDK's own
 * serializers) flow continuously from four concurrent clients while
 * `modelwatch serve` is killed with SIGKILL at seeded random moments, then
 * restarted on the same data directory. After each restart the clients first
 * retry what failed, then the test compares what was acknowledged with 200
 * against the model's `accepted` counts:
 *
 *   acknowledged <= accepted <= acknowledged + in flight at a kill
 *
 * The excess is a request that was committed but whose answer the kill cut
 * off, sent again by the client: a duplicate, counted and reported.
 */
import { after, describe, it } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { getJson, startAggregator, tempDir, type RunningAggregator } from '../helpers/aggregator.js';
import { seeded } from '../helpers/random.js';

const MODEL = 'crash-model';
const KILLS = 6;
const CLIENTS = 4;
const SEED = 20260105;

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

interface Payload {
  path: '/v1/metrics' | '/v1/logs';
  body: Uint8Array;
  dataPoints: number;
  logRecords: number;
}

/** Metric requests (1-4 feature histograms + a prediction counter by label) and log requests (1-8 records), delta temporality. */
async function payloads(rand: () => number): Promise<Payload[]> {
  const resource = resourceFromAttributes({ 'service.name': 'crash-test', 'ml.model.name': MODEL });
  const reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const meters = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'ml.feature.value', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = meters.getMeter('crash-test');
  const feature = meter.createHistogram('ml.feature.value');
  const predictions = meter.createCounter('ml.predictions');
  const exporter = new InMemoryLogRecordExporter();
  const loggers = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = loggers.getLogger('crash-test');

  const out: Payload[] = [];
  for (let i = 0; i < 40; i++) {
    if (i % 3 === 2) {
      exporter.reset();
      const n = 1 + Math.floor(rand() * 8);
      for (let k = 0; k < n; k++) logger.emit({ body: `record ${i}.${k}`, attributes: { 'ml.model.name': MODEL, n: k } });
      const records = exporter.getFinishedLogRecords();
      out.push({ path: '/v1/logs', body: ProtobufLogsSerializer.serializeRequest(records)!, dataPoints: 0, logRecords: records.length });
      continue;
    }
    const features = 1 + Math.floor(rand() * 4);
    for (let f = 0; f < features; f++) for (let k = 0; k < 20; k++) feature.record(1 + rand() * 100, { 'ml.feature.name': `f${f}` });
    predictions.add(1 + Math.floor(rand() * 5), { 'ml.prediction.label': rand() < 0.5 ? 'yes' : 'no' });
    const { resourceMetrics } = await reader.collect();
    let points = 0;
    for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) points += m.dataPoints.length;
    out.push({ path: '/v1/metrics', body: ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!, dataPoints: points, logRecords: 0 });
  }
  await meters.shutdown();
  await loggers.shutdown();
  return out;
}

interface Counts {
  dataPoints: number;
  logRecords: number;
}
const add = (c: Counts, p: Payload): void => {
  c.dataPoints += p.dataPoints;
  c.logRecords += p.logRecords;
};

describe('modelwatch serve under kill -9', () => {
  let aggregator: RunningAggregator | undefined;
  after(async () => {
    await aggregator?.stop('SIGKILL');
  });

  it('accounts for every data point and log record acknowledged with 200 after each of several kills', async () => {
    const rand = seeded(SEED).uniform;
    const pool = await payloads(rand);
    // A checkpoint at every tick: kills land before, during and after checkpoints, not only between replays.
    const config = 'evaluation: { interval: 1s }\nstorage: { checkpointInterval: 1s }\n';
    const dataDir = tempDir();
    const acknowledged: Counts = { dataPoints: 0, logRecords: 0 };
    const inFlightAtKill: Counts = { dataPoints: 0, logRecords: 0 };
    let requestsInFlightAtKill = 0;
    let cutThisRound = 0;
    let totalDuplicates = 0;
    let replayedRestarts = 0;
    let retryQueue: Payload[] = [];
    const report: string[] = [];

    /** Sends one request; true when answered 200. A transport error with the process gone means it was in flight at the kill. */
    const send = async (target: RunningAggregator, p: Payload): Promise<'ok' | 'failed' | 'cut'> => {
      try {
        const r = await fetch(`${target.addresses.otlpHttp}${p.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body: p.body,
          signal: AbortSignal.timeout(10_000),
        });
        await r.arrayBuffer();
        return r.status === 200 ? 'ok' : 'failed';
      } catch {
        return 'cut';
      }
    };
    /** Like `send`, but writes the body in two halves `pauseMs` apart: a kill then often lands mid-request. */
    const sendSlowly = (target: RunningAggregator, p: Payload, pauseMs = 25): Promise<'ok' | 'failed' | 'cut'> =>
      new Promise((resolve) => {
        const req = request(`${target.addresses.otlpHttp}${p.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', 'content-length': String(p.body.length) },
          timeout: 10_000,
        });
        req.once('response', (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode === 200 ? 'ok' : 'failed'));
          res.once('error', () => resolve('cut'));
        });
        req.once('error', () => resolve('cut'));
        req.once('timeout', () => req.destroy());
        const half = Math.floor(p.body.length / 2);
        req.write(p.body.subarray(0, half));
        setTimeout(() => req.end(p.body.subarray(half)), pauseMs);
      });
    const accepted = async (target: RunningAggregator): Promise<Counts> => {
      const status = await getJson<{ accepted: Counts }>(`${target.addresses.http}/api/v1/models/${MODEL}`);
      return status.accepted;
    };

    for (let round = 0; round <= KILLS; round++) {
      aggregator = await startAggregator(config, { dataDir });
      const current = aggregator;
      // Client retries of what failed before the restart, until each is acknowledged.
      for (const p of retryQueue) {
        let ok = false;
        for (let attempt = 0; attempt < 20 && !ok; attempt++) {
          ok = (await send(current, p)) === 'ok';
          if (!ok) await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(ok, `a retried request was never acknowledged; stderr:\n${current.stderr()}`);
        add(acknowledged, p);
      }
      retryQueue = [];
      if (round > 0) {
        const got = await accepted(current);
        const dupPoints = got.dataPoints - acknowledged.dataPoints;
        const dupRecords = got.logRecords - acknowledged.logRecords;
        totalDuplicates += Math.max(0, dupPoints) + Math.max(0, dupRecords);
        const restored = /checkpoint (\d+), (\d+) requests replayed/.exec(current.stderr());
        if (restored !== null && Number(restored[2]) > 0) replayedRestarts++;
        report.push(
          `kill ${round}: ${cutThisRound} request(s) cut mid-flight (${inFlightAtKill.dataPoints} points / ${inFlightAtKill.logRecords} records); ` +
            `restart from checkpoint ${restored?.[1] ?? 'none'} + ${restored?.[2] ?? 0} replayed requests; ` +
            `acknowledged ${acknowledged.dataPoints} points / ${acknowledged.logRecords} records, accepted ${got.dataPoints} / ${got.logRecords}, ` +
            `duplicates from retries ${dupPoints} / ${dupRecords}`,
        );
        assert.ok(got.dataPoints >= acknowledged.dataPoints, `lost data points: ${report.at(-1)}`);
        assert.ok(got.logRecords >= acknowledged.logRecords, `lost log records: ${report.at(-1)}`);
        assert.ok(got.dataPoints <= acknowledged.dataPoints + inFlightAtKill.dataPoints, `more data points than could be duplicates: ${report.at(-1)}`);
        assert.ok(got.logRecords <= acknowledged.logRecords + inFlightAtKill.logRecords, `more log records than could be duplicates: ${report.at(-1)}`);
        // From here on, duplicates already counted stay in `accepted`: treat them as acknowledged.
        acknowledged.dataPoints = got.dataPoints;
        acknowledged.logRecords = got.logRecords;
        inFlightAtKill.dataPoints = 0;
        inFlightAtKill.logRecords = 0;
      }
      if (round === KILLS) break;

      // Continuous ingestion until the kill.
      cutThisRound = 0;
      let running = true;
      let next = Math.floor(rand() * pool.length);
      const client = async (slow: boolean): Promise<void> => {
        for (let i = 0; i < 100_000 && running; i++) {
          const p = pool[next++ % pool.length]!;
          const outcome = await (slow ? sendSlowly : send)(current, p);
          if (outcome === 'ok') add(acknowledged, p);
          else {
            if (outcome === 'cut') {
              requestsInFlightAtKill++;
              cutThisRound++;
              add(inFlightAtKill, p);
            }
            retryQueue.push(p);
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, i) => client(i === 0));
      await new Promise((r) => setTimeout(r, 300 + rand() * 2000));
      // One request is surely cut: half its body is sent, the rest would follow after the kill.
      const halfSent = pool[next++ % pool.length]!;
      clients.push(
        sendSlowly(current, halfSent, 5_000).then((outcome) => {
          assert.equal(outcome, 'cut');
          requestsInFlightAtKill++;
          cutThisRound++;
          add(inFlightAtKill, halfSent);
          retryQueue.push(halfSent);
        }),
      );
      await new Promise((r) => setTimeout(r, 50));
      const exited = current.stop('SIGKILL');
      running = false;
      await Promise.all(clients);
      await exited;
    }
    await aggregator?.stop('SIGTERM');
    aggregator = undefined;
    report.push(`total: ${requestsInFlightAtKill} requests cut by ${KILLS} kills, ${totalDuplicates} duplicated points + records, ${replayedRestarts} restarts replayed the log`);
    process.stdout.write(`crash test (seed ${SEED}):\n${report.map((l) => `  ${l}`).join('\n')}\n`);
    assert.ok(replayedRestarts > 0, 'no restart replayed the ingest log');
    assert.ok(acknowledged.dataPoints > 1000 && acknowledged.logRecords > 100, `too little was ingested to prove anything: ${JSON.stringify(acknowledged)}`);
  });
});
