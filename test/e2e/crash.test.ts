/**
 * Crash test with real processes: OTLP requests (metric points and log
 * records of one model, encoded by the OpenTelemetry SDK's own serializers)
 * flow continuously from four concurrent clients while `modelwatch serve` is
 * killed with SIGKILL at seeded random moments, then restarted on the same
 * data directory: 5 kills for each of OTLP/HTTP and OTLP/gRPC, with delta and
 * with cumulative senders, 20 kills in all. After each restart the clients
 * first retry what failed, then the test compares what was acknowledged with
 * what the model holds:
 *
 * - delta: acknowledged <= accepted <= acknowledged + in flight at a kill. The
 *   excess is a request that was committed but whose answer the kill cut off,
 *   sent again by the client: a duplicate, counted and reported.
 * - cumulative: each request is a snapshot of the totals since the start, so
 *   a retried one is a repeat or an old point, never counted twice: each
 *   feature's observations are at least those of the newest acknowledged
 *   snapshot and at most those of the newest one sent; after a last snapshot
 *   is acknowledged, exactly its totals.
 *
 * Log records (ground-truth events) are never cumulative: they follow the delta rule.
 */
import { after, describe, it } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { getJson, startAggregator, tempDir, type RunningAggregator } from '../helpers/aggregator.js';
import { sdkPayloads, type Payload, type Temporality } from '../helpers/otlp-payloads.js';
import { collectFigures } from '../helpers/figures.js';
import { seeded } from '../helpers/random.js';

const MODEL = 'crash-model';
const KILLS_PER_CASE = 5;
const CLIENTS = 4;
const SEED = 20260105;
const FEATURES = ['f0', 'f1', 'f2', 'f3'];

type Transport = 'http' | 'grpc';
const CASES: ReadonlyArray<{ transport: Transport; temporality: Temporality }> = [
  { transport: 'http', temporality: 'delta' },
  { transport: 'grpc', temporality: 'delta' },
  { transport: 'http', temporality: 'cumulative' },
  { transport: 'grpc', temporality: 'cumulative' },
];

/** The crash model's requests: see test/helpers/otlp-payloads.ts. */
const payloads = (rand: () => number, temporality: Temporality): Promise<Payload[]> =>
  sdkPayloads({ rand, temporality, model: MODEL, features: FEATURES, serviceName: 'crash-test' });

interface Counts {
  dataPoints: number;
  logRecords: number;
}
const add = (c: Counts, p: Payload): void => {
  c.dataPoints += p.dataPoints;
  c.logRecords += p.logRecords;
};

type Outcome = 'ok' | 'failed' | 'cut';

/** Sends one request over OTLP/HTTP; 'cut' when the connection broke (the process was killed). */
async function sendHttp(target: RunningAggregator, p: Payload): Promise<Outcome> {
  try {
    const r = await fetch(`${target.addresses.otlpHttp}/v1/${p.kind}`, {
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
}

/** Like `sendHttp`, but writes the body in two halves `pauseMs` apart: a kill then often lands mid-request. */
function sendHttpSlowly(target: RunningAggregator, p: Payload, pauseMs = 25): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(`${target.addresses.otlpHttp}/v1/${p.kind}`, {
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
}

const GRPC_METHODS = {
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** A raw OTLP/gRPC client: the SDK's bytes as they are, so what was acknowledged is known exactly. */
function grpcSender(target: RunningAggregator): { send: (p: Payload) => Promise<Outcome>; close: () => void } {
  const address = (target.addresses.otlpGrpc ?? '').replace(/^[a-z]+:\/\//, '');
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const identity = (b: Buffer): Buffer => b;
  return {
    send: (p) =>
      new Promise((resolve) => {
        client.makeUnaryRequest(GRPC_METHODS[p.kind], identity, identity, Buffer.from(p.body), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (err) => {
          // UNAVAILABLE and the like: the connection went with the process; anything else was an answer.
          if (err === null) resolve('ok');
          else resolve(err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.CANCELLED || err.code === grpc.status.DEADLINE_EXCEEDED || err.code === grpc.status.INTERNAL ? 'cut' : 'failed');
        });
      }),
    close: () => client.close(),
  };
}

interface Status {
  accepted: Counts;
}
interface Drift {
  features: Array<{ name: string; currentCount: number }>;
}

describe('modelwatch serve under kill -9', () => {
  let aggregator: RunningAggregator | undefined;
  after(async () => {
    await aggregator?.stop('SIGKILL');
  });
  const figures = collectFigures('crash', `crash test (seed ${SEED}), ${CASES.length * KILLS_PER_CASE} kills`);

  for (const { transport, temporality } of CASES) {
    it(`accounts for every point and log record acknowledged over OTLP/${transport === 'http' ? 'HTTP' : 'gRPC'} from a ${temporality} sender, after each of ${KILLS_PER_CASE} kills`, async () => {
      const rand = seeded(SEED + CASES.findIndex((c) => c.transport === transport && c.temporality === temporality)).uniform;
      const pool = await payloads(rand, temporality);
      // A checkpoint at every tick: kills land before, during and after checkpoints, not only between replays.
      // One window holding the whole run (no shorter nested ones), so each feature's current count is its total.
      const config = `evaluation: { interval: 1s }\nstorage: { checkpointInterval: 1s }\ndefaults: { window: 1h, driftWindows: [] }\n`;
      const dataDir = tempDir();
      const acknowledged: Counts = { dataPoints: 0, logRecords: 0 };
      const inFlightAtKill: Counts = { dataPoints: 0, logRecords: 0 };
      let requestsInFlightAtKill = 0;
      let cutThisRound = 0;
      let totalDuplicates = 0;
      let replayedRestarts = 0;
      // What was acknowledged but is missing after a restart: the assertions below require 0.
      const lost: Counts = { dataPoints: 0, logRecords: 0 };
      let killsSurvived = 0;
      // Cumulative senders: observations below the newest acknowledged snapshot's totals.
      let lostObservations = 0;
      let retryQueue: Payload[] = [];
      // Cumulative: the newest snapshot acknowledged, and the newest one that may have been committed.
      let newestAcknowledged: Payload | undefined;
      let newestSent: Payload | undefined;
      const report: string[] = [];
      const newer = (a: Payload | undefined, b: Payload): Payload => (a === undefined || (b.index ?? -1) > (a.index ?? -1) ? b : a);

      const featureCounts = async (target: RunningAggregator): Promise<Record<string, number>> => {
        const d = await getJson<Drift>(`${target.addresses.http}/api/v1/models/${MODEL}/drift`);
        return Object.fromEntries(FEATURES.map((f) => [f, d.features.find((x) => x.name === f)?.currentCount ?? 0]));
      };
      const checkCumulative = async (target: RunningAggregator, exact: boolean): Promise<string> => {
        await getJson(`${target.addresses.http}/api/v1/models/${MODEL}`);
        // The drift report is as of the last evaluation: wait for one after the restart's replay.
        await new Promise((r) => setTimeout(r, 1300));
        let got = await featureCounts(target);
        if (FEATURES.some((f) => got[f] !== (newestAcknowledged?.totals?.[f] ?? 0))) {
          // Not settled yet? One more evaluation later, the counts must hold.
          await new Promise((r) => setTimeout(r, 2500));
          got = await featureCounts(target);
        }
        for (const f of FEATURES) lostObservations += Math.max(0, (newestAcknowledged?.totals?.[f] ?? 0) - got[f]!);
        for (const f of FEATURES) {
          const low = newestAcknowledged?.totals?.[f] ?? 0;
          const high = newestSent?.totals?.[f] ?? 0;
          if (exact) assert.equal(got[f], low, `feature ${f}: ${got[f]} observations, the last acknowledged snapshot holds ${low}`);
          else assert.ok(got[f]! >= low && got[f]! <= high, `feature ${f}: ${got[f]} observations, expected between ${low} (newest acknowledged) and ${high} (newest sent)`);
        }
        return FEATURES.map((f) => `${f}=${got[f]}`).join(' ');
      };

      for (let round = 0; round <= KILLS_PER_CASE; round++) {
        aggregator = await startAggregator(config, { dataDir });
        const current = aggregator;
        const grpcClient = transport === 'grpc' ? grpcSender(current) : undefined;
        const send = (p: Payload, slow = false): Promise<Outcome> => (grpcClient ? grpcClient.send(p) : slow ? sendHttpSlowly(current, p) : sendHttp(current, p));
        const acknowledge = (p: Payload): void => {
          add(acknowledged, p);
          if (p.index !== undefined) newestAcknowledged = newer(newestAcknowledged, p);
        };
        // Client retries of what failed before the restart, until each is acknowledged.
        for (const p of retryQueue) {
          let ok = false;
          for (let attempt = 0; attempt < 20 && !ok; attempt++) {
            ok = (await send(p)) === 'ok';
            if (!ok) await new Promise((r) => setTimeout(r, 100));
          }
          assert.ok(ok, `a retried request was never acknowledged; stderr:\n${current.stderr()}`);
          acknowledge(p);
        }
        retryQueue = [];
        if (round > 0) {
          const got = (await getJson<Status>(`${current.addresses.http}/api/v1/models/${MODEL}`)).accepted;
          const dupRecords = got.logRecords - acknowledged.logRecords;
          killsSurvived++;
          lost.logRecords += Math.max(0, acknowledged.logRecords - got.logRecords);
          const restored = /checkpoint (\d+), (\d+) requests replayed/.exec(current.stderr());
          if (restored !== null && Number(restored[2]) > 0) replayedRestarts++;
          let line = `kill ${round}: ${cutThisRound} request(s) cut mid-flight; restart from checkpoint ${restored?.[1] ?? 'none'} + ${restored?.[2] ?? 0} replayed requests; `;
          assert.ok(got.logRecords >= acknowledged.logRecords, `lost log records: acknowledged ${acknowledged.logRecords}, accepted ${got.logRecords}`);
          assert.ok(got.logRecords <= acknowledged.logRecords + inFlightAtKill.logRecords, `more log records than could be duplicates`);
          if (temporality === 'delta') {
            const dupPoints = got.dataPoints - acknowledged.dataPoints;
            lost.dataPoints += Math.max(0, -dupPoints);
            totalDuplicates += Math.max(0, dupPoints) + Math.max(0, dupRecords);
            line += `acknowledged ${acknowledged.dataPoints} points / ${acknowledged.logRecords} records, accepted ${got.dataPoints} / ${got.logRecords}, duplicates ${dupPoints} / ${dupRecords}`;
            assert.ok(got.dataPoints >= acknowledged.dataPoints, `lost data points: ${line}`);
            assert.ok(got.dataPoints <= acknowledged.dataPoints + inFlightAtKill.dataPoints, `more data points than could be duplicates: ${line}`);
            acknowledged.dataPoints = got.dataPoints;
          } else {
            totalDuplicates += Math.max(0, dupRecords);
            line += `observations ${await checkCumulative(current, false)} (newest acknowledged snapshot ${newestAcknowledged?.index ?? '-'}, newest sent ${newestSent?.index ?? '-'}), records acknowledged ${acknowledged.logRecords}, accepted ${got.logRecords}`;
          }
          report.push(line);
          // From here on, duplicates already counted stay in `accepted`: treat them as acknowledged.
          acknowledged.logRecords = got.logRecords;
          inFlightAtKill.dataPoints = 0;
          inFlightAtKill.logRecords = 0;
        }
        if (round === KILLS_PER_CASE) {
          if (temporality === 'cumulative') {
            // A last snapshot, acknowledged: the totals must now be exactly its own.
            const last = pool.filter((p) => p.index !== undefined).at(-1)!;
            assert.equal(await send(last), 'ok');
            acknowledge(last);
            newestSent = newer(newestSent, last);
            report.push(`after the last snapshot: observations ${await checkCumulative(current, true)}, exactly its totals`);
          }
          grpcClient?.close();
          break;
        }

        // Continuous ingestion until the kill. Cumulative snapshots go out in order, as an SDK sends them.
        cutThisRound = 0;
        let running = true;
        let next = temporality === 'delta' ? Math.floor(rand() * pool.length) : (newestSent?.index ?? 0) + 1;
        const client = async (slow: boolean): Promise<void> => {
          for (let i = 0; i < 100_000 && running; i++) {
            if (temporality === 'cumulative' && next >= pool.length) return;
            const p = pool[next++ % pool.length]!;
            if (p.index !== undefined) newestSent = newer(newestSent, p);
            const outcome = await send(p, slow);
            // An SDK exports its snapshots seconds apart: paced, the sequence lasts every round.
            if (temporality === 'cumulative') await new Promise((r) => setTimeout(r, 20));
            if (outcome === 'ok') acknowledge(p);
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
        await new Promise((r) => setTimeout(r, 300 + rand() * 1500));
        if (transport === 'http' && temporality === 'delta') {
          // One request is surely cut: half its body is sent, the rest would follow after the kill.
          const halfSent = pool[next++ % pool.length]!;
          clients.push(
            sendHttpSlowly(current, halfSent, 5_000).then((outcome) => {
              assert.equal(outcome, 'cut');
              requestsInFlightAtKill++;
              cutThisRound++;
              add(inFlightAtKill, halfSent);
              retryQueue.push(halfSent);
            }),
          );
          await new Promise((r) => setTimeout(r, 50));
        }
        const exited = current.stop('SIGKILL');
        running = false;
        await Promise.all(clients);
        await exited;
        grpcClient?.close();
      }
      await aggregator?.stop('SIGTERM');
      aggregator = undefined;
      figures.add(
        `${transport}-${temporality}`,
        [
          `${transport}/${temporality}: ${requestsInFlightAtKill} requests cut by ${killsSurvived} kills, ${totalDuplicates} duplicated points + records, ${replayedRestarts} restarts replayed the log; lost ${lost.dataPoints} points, ${lost.logRecords} records${temporality === 'cumulative' ? `, ${lostObservations} observations` : ''}`,
          ...report.map((l) => `    ${l}`),
        ].join('\n'),
        {
          transport,
          temporality,
          kills: killsSurvived,
          acknowledgedPoints: acknowledged.dataPoints,
          acknowledgedRecords: acknowledged.logRecords,
          lostPoints: lost.dataPoints,
          lostRecords: lost.logRecords,
          lostObservations,
          duplicates: totalDuplicates,
          requestsCut: requestsInFlightAtKill,
          replayedRestarts,
        },
      );
      assert.ok(replayedRestarts > 0, 'no restart replayed the ingest log');
      assert.ok(acknowledged.logRecords > 50, `too little was ingested to prove anything: ${JSON.stringify(acknowledged)}`);
      if (temporality === 'delta') assert.ok(acknowledged.dataPoints > 500, `too few points acknowledged: ${JSON.stringify(acknowledged)}`);
    });
  }
});
