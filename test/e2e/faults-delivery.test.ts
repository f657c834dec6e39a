/**
 * Faults around a real `modelwatch serve` that do not touch its disk, each
 * with OTLP traffic flowing throughout and ending with a restart that
 * compares what was acknowledged with what the model holds:
 *
 * - Alert receivers (an Alertmanager API and a webhook, served by the test)
 *   healthy, then down (nothing listens), then slow (each answer takes 5 s),
 *   then healthy again: ingestion and evaluation go on unhindered, delivery is
 *   retried from a bounded queue, failures are counted on /readyz and in
 *   `ml.alerts.notifications{outcome=failed}`, and delivery resumes.
 * - The OTLP push target of the aggregator's own metrics down (a dead port),
 *   then up: ingestion unaffected, memory flat, the fault on /readyz and in
 *   `ml.aggregator.degraded`, and the push resumes by itself.
 * - SIGSTOP, 3 s, SIGCONT of the aggregator under four clients that time out
 *   after 1 s and retry: after SIGCONT everything acknowledged is there, and
 *   duplicates are at most the attempts that timed out (they may have been
 *   taken before the client gave up on them).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { ALERT_NAMES } from '@modelwatch/semconv';
import { getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { freePort } from '../helpers/alertmanager.js';
import { collectFigures } from '../helpers/figures.js';
import { startOtlpBackend } from '../helpers/otlp-recorder.js';
import { postMetrics, predictionRequest, quantile, rssBytes, sleep, type Attempt } from '../helpers/traffic.js';

const MODEL = 'fraud';
const MiB = 1024 * 1024;

/** Data points the model holds after a restart on `dataDir` (before any new data). */
async function acceptedAfterRestart(configYaml: string, dataDir: string): Promise<number> {
  const again = await startAggregator(configYaml, { dataDir });
  try {
    return (await getJson<{ accepted: { dataPoints: number } }>(`${again.addresses.http}/api/v1/models/${MODEL}`)).accepted.dataPoints;
  } finally {
    await again.stop();
  }
}

/** The value of the Prometheus sample `name{labels...}` in `text`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** One client sending a request every `pauseMs`, each tagged with the phase it was sent in. */
function steadyClient(target: RunningAggregator, phase: () => string, pauseMs = 20): { stop: () => Promise<Array<Attempt & { phase: string }>> } {
  const attempts: Array<Attempt & { phase: string }> = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; i < 20_000 && running; i++) {
      const p = phase();
      attempts.push({ ...(await postMetrics(target.addresses.otlpHttp, predictionRequest(MODEL))), phase: p });
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return attempts;
    },
  };
}

const figures = collectFigures('faults-delivery', 'delivery faults');

interface Receiver {
  kind: 'alertmanager' | 'webhook';
  url: string;
  queued: number;
  sent: number;
  failed: number;
  dropped: number;
  lastError: string | null;
  lastSuccess: string | null;
}

/** An Alertmanager API and a webhook on one port, which the test turns down, slow and healthy. */
function receivers(port: number) {
  let mode: 'healthy' | 'slow' = 'healthy';
  let server: Server | undefined;
  const received: Array<{ path: string; mode: string; at: number }> = [];
  const start = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        const arrived = mode;
        req.resume();
        req.on('end', () => {
          received.push({ path: req.url ?? '', mode: arrived, at: performance.now() });
          const answer = (): void => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          if (arrived === 'slow') setTimeout(answer, 5000).unref();
          else answer();
        });
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  return {
    received,
    start,
    setMode: (m: 'healthy' | 'slow') => void (mode = m),
    /** Stops listening, cutting open connections: down. */
    down: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = undefined;
        if (s === undefined) return resolve();
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  };
}

describe('modelwatch serve under delivery faults', () => {
  it('alert receivers down, then slow (5 s answers): ingestion and evaluation unhindered, retries from a bounded queue, failures counted, delivered after recovery', async () => {
    const port = await freePort();
    const hook = receivers(port);
    await hook.start();
    const others = ALERT_NAMES.filter((n) => n !== 'ModelDown').map((n) => `${n}: { enabled: false }`).join(', ');
    const yaml = `
evaluation: { interval: 1s }
alerting:
  alertmanagers: [ "http://127.0.0.1:${port}" ]
  webhooks: [ { url: "http://127.0.0.1:${port}/hook", repeatInterval: 1s } ]
  resendDelay: 1s
  maxQueue: 3
  timeout: 10s
defaults: { alerts: { ${others} } }
models:
  - { name: silent, task: classification }  # sends nothing: ModelDown fires at the first evaluation
  - { name: ${MODEL}, task: classification }
`;
    const dataDir = tempDir();
    const agg = await startAggregator(yaml, { dataDir });
    let phase = 'healthy';
    const client = steadyClient(agg, () => phase);
    const maxQueued = { alertmanager: 0, webhook: 0 };
    const evaluatedAt: Array<{ phase: string; at: string | null }> = [];
    let sampling = true;
    const sampler = (async () => {
      for (let i = 0; i < 1000 && sampling; i++) {
        const r = await getJson<{ alerting: Receiver[] }>(`${agg.addresses.http}/readyz`);
        for (const x of r.alerting) maxQueued[x.kind] = Math.max(maxQueued[x.kind], x.queued);
        evaluatedAt.push({ phase, at: (await getJson<{ evaluatedAt: string | null }>(`${agg.addresses.http}/api/v1/models/${MODEL}`)).evaluatedAt });
        await sleep(200);
      }
    })();
    let recoveredAt = 0;
    let attempts: Array<Attempt & { phase: string }>;
    let ready: { alerting: Receiver[] };
    let metrics: string;
    try {
      await waitFor('a notification to each receiver', async () => (hook.received.some((r) => r.path === '/hook') && hook.received.some((r) => r.path === '/api/v2/alerts') ? true : undefined), 10_000, 100);
      await sleep(1000);
      phase = 'down';
      await hook.down();
      await sleep(3000);
      phase = 'slow';
      hook.setMode('slow');
      await hook.start();
      await sleep(5000);
      phase = 'recovered';
      hook.setMode('healthy');
      recoveredAt = performance.now();
      // Retries back off (0.5 s doubling): the next attempt of each receiver comes within a few seconds.
      await waitFor('a delivery to each receiver after the recovery', async () =>
        ['/hook', '/api/v2/alerts'].every((p) => hook.received.some((r) => r.path === p && r.mode === 'healthy' && r.at > recoveredAt)) ? true : undefined, 20_000, 100);
      await sleep(1500);
      ready = await getJson<{ alerting: Receiver[] }>(`${agg.addresses.http}/readyz`);
      metrics = await (await fetch(`${agg.addresses.http}/metrics`)).text();
    } finally {
      sampling = false;
      await sampler;
      attempts = await client.stop();
      await agg.stop();
      await hook.down();
    }
    const byPhase = (p: string) => attempts.filter((a) => a.phase === p);
    const latency = (p: string) => byPhase(p).map((a) => a.ms);
    assert.ok(attempts.every((a) => a.status === 200), 'every OTLP request acknowledged');
    for (const p of ['down', 'slow']) {
      assert.ok(quantile(latency(p), 0.99) < 250, `${p}: p99 ${quantile(latency(p), 0.99)} ms`);
      assert.ok(Math.max(...latency(p)) < 1000, `${p}: max ${Math.max(...latency(p))} ms`);
    }
    // Evaluation went on every second while the receivers were slow.
    const slowEvaluations = new Set(evaluatedAt.filter((e) => e.phase === 'slow').map((e) => e.at));
    assert.ok(slowEvaluations.size >= 3, `evaluations while the receivers were slow: ${slowEvaluations.size}`);
    for (const kind of ['alertmanager', 'webhook'] as const) {
      const r = ready.alerting.find((x) => x.kind === kind)!;
      assert.ok(r.failed >= 1, `${kind}: failures counted on /readyz: ${JSON.stringify(r)}`);
      assert.ok(r.dropped >= 1, `${kind}: the bounded queue dropped (and counted) what did not fit: ${JSON.stringify(r)}`);
      assert.ok(maxQueued[kind] <= 3, `${kind}: queue bounded by maxQueue 3, saw ${maxQueued[kind]}`);
      assert.ok(r.lastSuccess !== null && r.sent >= 2, `${kind}: delivered after recovery: ${JSON.stringify(r)}`);
      assert.ok((sample(metrics, 'ml_alerts_notifications_total', { ml_alert_receiver: r.url, ml_notification_outcome: 'failed' }) ?? 0) >= 1, `${kind}: ml.alerts.notifications{outcome=failed}`);
      assert.equal(sample(metrics, 'ml_alerts_notifications_total', { ml_alert_receiver: r.url, ml_notification_outcome: 'failed' }), r.failed);
    }
    const acknowledged = attempts.length;
    const held = await acceptedAfterRestart(yaml, dataDir);
    assert.equal(held, acknowledged);
    const fmt = (p: string) => `${p} p50 ${quantile(latency(p), 0.5).toFixed(1)} / p99 ${quantile(latency(p), 0.99).toFixed(1)} / max ${Math.max(...latency(p)).toFixed(0)} ms (${byPhase(p).length})`;
    const counts = ready!.alerting.map((r) => `${r.kind} sent ${r.sent} failed ${r.failed} dropped ${r.dropped} max queued ${maxQueued[r.kind]}`).join('; ');
    figures.add('alertReceiversDownThenSlow', `alert receivers healthy -> down 3 s -> slow 5 s -> healthy: OTLP latency ${['healthy', 'down', 'slow', 'recovered'].map(fmt).join(', ')}; ${counts}; ${slowEvaluations.size} evaluations while slow; ${acknowledged} acknowledged, ${held} held after restart (lost ${acknowledged - held})`, {
      acknowledged,
      held,
      lost: acknowledged - held,
      otlpP99MsWhileSlow: +quantile(latency('slow'), 0.99).toFixed(1),
      evaluationsWhileSlow: slowEvaluations.size,
    });
  });

  it('the OTLP push target down, then up: ingestion unaffected, memory flat, the fault reported, the push resumes by itself', async () => {
    const port = await freePort();
    const yaml = `evaluation: { interval: 1s }\nmodels:\n  - { name: ${MODEL}, task: classification }\n`;
    const dataDir = tempDir();
    const agg = await startAggregator(yaml, { dataDir, env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${port}/v1/metrics`, OTEL_METRIC_EXPORT_INTERVAL: '200' } });
    let phase = 'down';
    const client = steadyClient(agg, () => phase);
    const rss: number[] = [];
    const backend = { current: undefined as Awaited<ReturnType<typeof startOtlpBackend>> | undefined };
    let attempts: Array<Attempt & { phase: string }>;
    let failing: { failed: number; lastError: string | null } | null | undefined;
    let degradedDown: number | undefined;
    let degradedUp: number | undefined;
    try {
      type Push = { otlpPush: { failing: boolean; failed: number; succeeded: number; lastError: string | null } | null };
      failing = (await waitFor('/readyz to report the failing push', async () => {
        const r = await getJson<Push>(`${agg.addresses.http}/readyz`);
        return r.otlpPush?.failing === true && r.otlpPush.failed >= 3 ? r : undefined;
      }, 20_000, 100)).otlpPush;
      degradedDown = sample(await (await fetch(`${agg.addresses.http}/metrics`)).text(), 'ml_aggregator_degraded', { ml_aggregator_component: 'telemetry_push' });
      // Four more seconds down, exporting every 200 ms: memory must not grow with the failed pushes.
      for (let i = 0; i < 20; i++) {
        rss.push(rssBytes(agg.process.pid as number));
        await sleep(200);
      }
      phase = 'up';
      backend.current = await startOtlpBackend(port);
      await waitFor('a push to reach the target', async () => (backend.current!.requests.some((r) => r.path === '/v1/metrics') ? true : undefined), 20_000, 100);
      await waitFor('/readyz to show the push working', async () => ((await getJson<Push>(`${agg.addresses.http}/readyz`)).otlpPush?.failing === false ? true : undefined), 5_000, 100);
      degradedUp = sample(await (await fetch(`${agg.addresses.http}/metrics`)).text(), 'ml_aggregator_degraded', { ml_aggregator_component: 'telemetry_push' });
      await sleep(500);
    } finally {
      attempts = await client.stop();
      await agg.stop();
      await backend.current?.close();
    }
    assert.match(failing?.lastError ?? '', /ECONNREFUSED/);
    assert.equal(degradedDown, 1);
    assert.equal(degradedUp, 0);
    assert.match(agg.stderr(), /OTLP push to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics failed[\s\S]*OTLP push to .* works again/);
    const pushed = backend.current!.requests.filter((r) => r.path === '/v1/metrics');
    assert.ok(pushed.some((r) => r.body.includes('ml.aggregator.accepted')), 'the aggregator’s own metrics arrive');
    assert.ok(attempts.every((a) => a.status === 200), 'ingestion unaffected');
    const down = attempts.filter((a) => a.phase === 'down').map((a) => a.ms);
    assert.ok(quantile(down, 0.99) < 250, `p99 while the push target is down: ${quantile(down, 0.99)} ms`);
    const growth = Math.max(...rss.slice(10)) - Math.max(...rss.slice(0, 10));
    assert.ok(growth < 16 * MiB, `resident memory grew by ${(growth / MiB).toFixed(1)} MiB over 2 s of failing pushes`);
    const held = await acceptedAfterRestart(yaml, dataDir);
    assert.equal(held, attempts.length);
    figures.add(
      'otlpPushTargetDown',
      `OTLP push target down: ${failing?.failed ?? 0}+ failed pushes reported on /readyz (${failing?.lastError?.replace(/^\S+ /, '') ?? ''}), ml_aggregator_degraded{telemetry_push} 1 -> 0; ` +
        `RSS ${(Math.min(...rss) / MiB).toFixed(0)}..${(Math.max(...rss) / MiB).toFixed(0)} MiB over 4 s down; OTLP p99 ${quantile(down, 0.99).toFixed(1)} ms; ${pushed.length} pushes after the target appeared; ${attempts.length} acknowledged, ${held} held (lost ${attempts.length - held})`,
      { acknowledged: attempts.length, held, lost: attempts.length - held, otlpP99MsWhileDown: +quantile(down, 0.99).toFixed(1), rssGrowthBytes: growth },
    );
  });

  it('SIGSTOP for 3 s, then SIGCONT, under four retrying clients: everything acknowledged is there, duplicates at most the attempts that timed out', async () => {
    const yaml = `evaluation: { interval: 1s }\nstorage: { checkpointInterval: 1s }\nmodels:\n  - { name: ${MODEL}, task: classification }\n`;
    const dataDir = tempDir();
    const agg = await startAggregator(yaml, { dataDir });
    let acknowledged = 0;
    let timedOut = 0;
    let otherFailures = 0;
    let running = true;
    const latencies: number[] = [];
    // Each client sends one request at a time and retries it (after 100 ms) until it is acknowledged, as an OTLP exporter does.
    const client = async (): Promise<void> => {
      for (let i = 0; i < 5000 && running; i++) {
        const body = predictionRequest(MODEL);
        const started = performance.now();
        for (let attempt = 0; attempt < 100; attempt++) {
          const r = await postMetrics(agg.addresses.otlpHttp, body, 1000);
          if (r.status === 200) {
            acknowledged++;
            latencies.push(performance.now() - started);
            break;
          }
          if (r.timedOut) timedOut++;
          else otherFailures++;
          await sleep(100);
        }
        await sleep(10);
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    let readyAfter: number | undefined;
    try {
      await sleep(1500);
      agg.process.kill('SIGSTOP');
      // Answers already on their way when the signal landed still arrive: count from a moment later.
      await sleep(300);
      const before = acknowledged;
      await sleep(2700);
      assert.equal(acknowledged, before, 'nothing is acknowledged while stopped');
      agg.process.kill('SIGCONT');
      const contAt = performance.now();
      await getJson(`${agg.addresses.http}/readyz`);
      readyAfter = performance.now() - contAt;
      await sleep(2000);
    } finally {
      running = false;
      agg.process.kill('SIGCONT');
      await Promise.all(clients);
    }
    assert.equal(agg.process.exitCode, null);
    await agg.stop();
    const held = await acceptedAfterRestart(yaml, dataDir);
    const duplicates = held - acknowledged;
    assert.ok(held >= acknowledged, `lost: acknowledged ${acknowledged}, held ${held}`);
    assert.ok(duplicates <= timedOut, `duplicates ${duplicates} beyond the ${timedOut} attempts that timed out`);
    assert.ok(timedOut >= 4, `the stop made the clients time out (${timedOut})`);
    figures.add(
      'sigstopSigcont',
      `SIGSTOP 3 s / SIGCONT (4 clients, 1 s timeout, retry): ${acknowledged} acknowledged, ${timedOut} attempts timed out, ${otherFailures} other failures, /readyz answered ${readyAfter?.toFixed(0)} ms after SIGCONT; ` +
        `${held} held after restart: lost ${Math.max(0, acknowledged - held)}, ${duplicates} duplicate(s) (bound: ${timedOut}); longest acknowledged request (with its retries) ${Math.max(...latencies).toFixed(0)} ms`,
      { acknowledged, held, lost: Math.max(0, acknowledged - held), duplicates, timedOut },
    );
  });
});
