/**
 * End to end with real processes: the OpenTelemetry SDK sends drifting traffic
 * to `modelwatch serve`, which sends its alerts to a real Alertmanager, which
 * routes them (grouped by model and severity) to a webhook run by the test.
 * The drift alert arrives with its runbook, survives `kill -9` of the
 * aggregator without a second "new" notification, and resolves once traffic
 * is normal again. An error burst makes the SLO fast-burn page fire and clear.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelwatch } from '@modelwatch/node';
import { ModelMonitor } from '@modelwatch/instrumentation';
import { ALERT_NAMES } from '@modelwatch/semconv';
import { MODELWATCH_BIN, getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { alertmanagerConfig, startAlertmanager, startWebhookSink, type Notification, type RunningAlertmanager, type WebhookSink } from '../helpers/alertmanager.js';
import { seeded } from '../helpers/random.js';

/** Sends `n` predictions of model `model` through the SDK: x ~ N(mean, 20); `errors` of them fail. */
async function send(otlp: string, model: string, n: number, opts: { mean?: number; errors?: number; seed?: number } = {}): Promise<void> {
  const sdk = startModelwatch({ serviceName: 'e2e-alerting', otlpEndpoint: otlp, hostMetrics: false, runtimeMetrics: false, setGlobal: false, exportIntervalMillis: 60_000 });
  const monitor = new ModelMonitor({
    model: { name: model },
    task: 'classification',
    features: { x: 'numeric' },
    meterProvider: sdk.meterProvider,
    loggerProvider: sdk.loggerProvider,
    featureSampling: { rate: 1 },
  });
  const r = seeded(opts.seed ?? 7);
  for (let i = 0; i < n; i++) {
    const failed = i < (opts.errors ?? 0);
    monitor.record({ durationSeconds: 0.01, ...(failed ? { error: new Error('boom') } : { label: 'a', confidence: 0.9 }), features: { x: r.normal(opts.mean ?? 100, 20) } });
  }
  await sdk.forceFlush();
  await sdk.shutdown();
}

/** Every alert in the notifications so far, with the notification's status and group. */
function alertsIn(received: Notification[], alertname: string): Array<{ status: string; group: Record<string, string>; labels: Record<string, string>; annotations: Record<string, string> }> {
  return received.flatMap((n) => n.alerts.filter((a) => a.labels['alertname'] === alertname).map((a) => ({ status: a.status, group: n.groupLabels, labels: a.labels, annotations: a.annotations })));
}

const OTHERS_OFF = (keep: string[]): string => ALERT_NAMES.filter((n) => !keep.includes(n)).map((n) => `${n}: { enabled: false }`).join(', ');

describe('alerts through a real Alertmanager', () => {
  let hook: WebhookSink;
  /** A webhook the aggregator notifies directly (no Alertmanager in between). */
  let direct: WebhookSink;
  let am: RunningAlertmanager;
  before(async () => {
    hook = await startWebhookSink();
    direct = await startWebhookSink();
    am = await startAlertmanager(alertmanagerConfig(hook.url));
  });
  after(async () => {
    await am?.stop();
    await hook?.close();
    await direct?.close();
  });

  describe('DataDriftDetected', () => {
    let aggregator: RunningAggregator;
    let config: string;
    const dataDir = tempDir();
    before(() => {
      const dir = tempDir();
      const r = seeded(1);
      writeFileSync(join(dir, 'reference.csv'), `x\n${Array.from({ length: 2000 }, () => r.normal(100, 20)).join('\n')}\n`);
      config = `
evaluation: { interval: 1s }
alerting: { alertmanagers: [ "${am.url}" ], webhooks: [ { url: "${direct.url}" } ], resendDelay: 2s }
defaults:
  window: 10s
  slot: 1s
  alerts: { ${OTHERS_OFF(['DataDriftDetected'])} }
models:
  - name: sentiment
    task: classification
    baseline: ${join(dir, 'sentiment.json')}
    features: { x: numeric }
    alerts: { DataDriftDetected: { keepFiringFor: 0s } }  # resolves at once, for the test
`;
      writeFileSync(join(dir, 'modelwatch.yaml'), config);
      const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', 'sentiment', '--input', join(dir, 'reference.csv'), '--out', join(dir, 'sentiment.json'), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    });
    after(async () => {
      await aggregator?.stop();
    });

    it('reaches the webhook through Alertmanager, grouped by model and severity, with its runbook', async () => {
      aggregator = await startAggregator(config, { dataDir });
      await send(aggregator.addresses.otlpHttp, 'sentiment', 500, { mean: 160 });
      const firing = await waitFor('a firing DataDriftDetected notification', async () => {
        const a = alertsIn(hook.received, 'DataDriftDetected').find((x) => x.status === 'firing' && x.labels['severity'] === 'critical');
        return a;
      }, 30_000);
      assert.deepEqual(firing.group, { ml_model_name: 'sentiment', severity: 'critical' });
      assert.equal(firing.labels['ml_feature_name'], 'x');
      assert.match(firing.annotations['summary'] ?? '', /Severe data drift on sentiment feature x/);
      assert.match(firing.annotations['description'] ?? '', /KS statistic 0\.\d+ \(p-value [0-9.e-]+\)/);
      assert.match(firing.annotations['runbook'] ?? '', /^1\. Compare the current and baseline distributions: GET \/api\/v1\/models\/sentiment\/drift\/x/m);
      // The aggregator's own view agrees.
      const view = await getJson<{ active: Array<{ status: string; labels: Record<string, string> }> }>(`${aggregator.addresses.http}/api/v1/models/sentiment/alerts`);
      assert.ok(view.active.some((a) => a.status === 'firing' && a.labels['alertname'] === 'DataDriftDetected'));
      const metrics = await (await fetch(`${aggregator.addresses.http}/metrics`)).text();
      assert.match(metrics, /ml_alerts_active\{[^}]*ml_alert_name="DataDriftDetected"[^}]*ml_alert_state="firing"[^}]*\} 1/);
      assert.match(metrics, /ml_alerts_notifications_total\{[^}]*ml_notification_outcome="sent"[^}]*\} [1-9]/);
      // The direct webhook got the same alert, in Alertmanager's webhook shape.
      const viaHook = await waitFor('the direct webhook notification', async () =>
        alertsIn(direct.received, 'DataDriftDetected').find((a) => a.status === 'firing' && a.labels['severity'] === 'critical'));
      assert.equal(viaHook.labels['ml_feature_name'], 'x');
      // /readyz shows every receiver's delivery counts.
      const ready = await getJson<{ alerting: Array<{ kind: string; sent: number; failed: number; queued: number }> }>(`${aggregator.addresses.http}/readyz`);
      assert.deepEqual(ready.alerting.map((r) => r.kind).sort(), ['alertmanager', 'webhook']);
      assert.ok(ready.alerting.every((r) => r.sent > 0 && r.failed === 0), JSON.stringify(ready.alerting));
    });

    it('after kill -9 and a restart, announces nothing new, and still delivers the resolve', async () => {
      const firingBefore = alertsIn(hook.received, 'DataDriftDetected').filter((a) => a.status === 'firing' && a.labels['severity'] === 'critical').length;
      assert.equal(await aggregator.stop('SIGKILL'), null);
      aggregator = await startAggregator(config, { dataDir });
      const view = await getJson<{ active: Array<{ status: string; labels: Record<string, string> }> }>(`${aggregator.addresses.http}/api/v1/models/sentiment/alerts`);
      assert.ok(view.active.some((a) => a.status === 'firing' && a.labels['severity'] === 'critical'), 'the firing alert was restored as firing');
      // Several resend delays and Alertmanager group intervals pass: the alert is re-sent, but is not new.
      await new Promise((r) => setTimeout(r, 5000));
      const firingAfter = alertsIn(hook.received, 'DataDriftDetected').filter((a) => a.status === 'firing' && a.labels['severity'] === 'critical').length;
      assert.equal(firingAfter, firingBefore, 'no second firing notification after the restart');
      const directFiring = (): number => alertsIn(direct.received, 'DataDriftDetected').filter((a) => a.status === 'firing' && a.labels['severity'] === 'critical').length;
      assert.equal(directFiring(), 1, 'the direct webhook was not notified again either');

      // Normal traffic once the shifted data has left the 10 s window.
      await waitFor('the shifted data to leave the window', async () => {
        const d = await getJson<{ features: Array<{ name: string; currentCount: number }> }>(`${aggregator.addresses.http}/api/v1/models/sentiment/drift`);
        return d.features.find((f) => f.name === 'x')?.currentCount === 0 ? true : undefined;
      }, 30_000);
      await send(aggregator.addresses.otlpHttp, 'sentiment', 500, { mean: 100, seed: 9 });
      const resolved = await waitFor('a resolved DataDriftDetected notification', async () =>
        alertsIn(hook.received, 'DataDriftDetected').find((a) => a.status === 'resolved' && a.labels['severity'] === 'critical'), 30_000);
      assert.equal(resolved.group['ml_model_name'], 'sentiment');
      await waitFor('the direct webhook\'s resolve', async () =>
        alertsIn(direct.received, 'DataDriftDetected').find((a) => a.status === 'resolved' && a.labels['severity'] === 'critical'));
      assert.equal(directFiring(), 1);
      const view2 = await getJson<{ active: unknown[]; resolved: Array<{ labels: Record<string, string> }> }>(`${aggregator.addresses.http}/api/v1/models/sentiment/alerts`);
      assert.deepEqual(view2.active, []);
      assert.ok(view2.resolved.some((a) => a.labels['alertname'] === 'DataDriftDetected'));
    });
  });

  describe('DataDriftDetected with the default windows and evaluation', () => {
    let aggregator: RunningAggregator;
    after(async () => {
      await aggregator?.stop();
    });

    it('fires within a minute of a +0.5 sd shift at 100 predictions/s', async () => {
      const dir = tempDir();
      const r = seeded(21);
      writeFileSync(join(dir, 'reference.csv'), `x\n${Array.from({ length: 10_000 }, () => r.normal(100, 20)).join('\n')}\n`);
      // Nothing but the model, its features and its baseline: default window, slots, drift windows, budget, evaluation (30 s).
      const config = `models:\n  - { name: live, task: classification, baseline: ${join(dir, 'live.json')}, features: { x: numeric } }\n`;
      writeFileSync(join(dir, 'modelwatch.yaml'), config);
      const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', 'live', '--input', join(dir, 'reference.csv'), '--out', join(dir, 'live.json'), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
      aggregator = await startAggregator(config, { dataDir: tempDir() });
      const sdk = startModelwatch({ serviceName: 'e2e-live', otlpEndpoint: aggregator.addresses.otlpHttp, hostMetrics: false, runtimeMetrics: false, setGlobal: false, exportIntervalMillis: 10_000 });
      const monitor = new ModelMonitor({ model: { name: 'live' }, task: 'classification', features: { x: 'numeric' }, meterProvider: sdk.meterProvider, loggerProvider: sdk.loggerProvider, featureSampling: { rate: 1 } });
      const started = Date.now();
      // 100 predictions a second, shifted by half a standard deviation; bounded to 90 s.
      const traffic = setInterval(() => {
        for (let i = 0; i < 100; i++) monitor.record({ durationSeconds: 0.01, label: 'a', confidence: 0.9, features: { x: r.normal(110, 20) } });
      }, 1000);
      try {
        const fired = await waitFor('DataDriftDetected in the aggregator', async () => {
          const view = await getJson<{ active: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> }>(`${aggregator.addresses.http}/api/v1/models/live/alerts`);
          return view.active.find((a) => a.status === 'firing' && a.labels['alertname'] === 'DataDriftDetected');
        }, 90_000, 1000);
        const seconds = (Date.now() - started) / 1000;
        console.log(`# DataDriftDetected fired ${seconds.toFixed(1)} s after the shift began (${fired.annotations['description']?.match(/over the last \S+/)?.[0] ?? ''})`);
        assert.ok(seconds <= 60, `fired after ${seconds} s`);
        // Which window decides depends on where the exports fall (all traffic here is shifted): the 10s window
        // holds the last export (1,000 samples, above the 368 it needs) or none yet, and the 1m and 10m windows
        // then decide alike once they hold enough.
        assert.match(fired.annotations['description'] ?? '', /over the last (10s|1m|10m) \(the window that decided/);
      } finally {
        clearInterval(traffic);
        await sdk.shutdown();
      }
    });
  });

  describe('SLOErrorBudgetBurn', () => {
    let aggregator: RunningAggregator;
    after(async () => {
      await aggregator?.stop();
    });

    it('pages on an error burst (both 1h and 5m burn faster than 14.4x) and clears when good traffic dilutes it', async () => {
      aggregator = await startAggregator(`
evaluation: { interval: 1s }
alerting: { alertmanagers: [ "${am.url}" ], resendDelay: 2s }
defaults:
  alerts: { ${OTHERS_OFF(['SLOErrorBudgetBurn'])} }
models:
  - name: ranker
    task: classification
    slos: [ { name: errors, kind: error_rate, objective: 0.99 } ]
`, { dataDir: tempDir() });
      // 50% errors against a 1% budget: a burn rate of 50 in every window.
      await send(aggregator.addresses.otlpHttp, 'ranker', 200, { errors: 100 });
      const page = await waitFor('the fast-burn page', async () =>
        alertsIn(hook.received, 'SLOErrorBudgetBurn').find((a) => a.status === 'firing' && a.labels['severity'] === 'critical'), 30_000);
      assert.deepEqual(page.group, { ml_model_name: 'ranker', severity: 'critical' });
      assert.equal(page.labels['ml_slo_name'], 'errors');
      // 100 errors in 10,200 requests: a burn rate of about 1, under both factors.
      await send(aggregator.addresses.otlpHttp, 'ranker', 10_000, { seed: 3 });
      await waitFor('the page to resolve', async () =>
        alertsIn(hook.received, 'SLOErrorBudgetBurn').find((a) => a.status === 'resolved' && a.labels['severity'] === 'critical'), 30_000);
    });
  });
});
