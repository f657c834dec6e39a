import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Notifier, type NotifierOptions } from '../../../src/alerts/delivery/notifier.js';
import type { PostableAlert, WebhookPayload } from '../../../src/alerts/delivery/payloads.js';
import type { Alert } from '../../../src/alerts/state.js';

const S = 1000;
const T0 = Date.UTC(2026, 11, 7);

async function receiver(): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const s = createServer((req, res) => {
    let b = '';
    req.setEncoding('utf8').on('data', (d: string) => (b += d));
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, bodies, close: () => new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); }) };
}

const alert = (status: Alert['status'], over: Partial<Alert> = {}): Alert => ({
  fingerprint: 'DataDriftDetected:critical{alertname="DataDriftDetected",ml_feature_name="x",ml_model_name="m",severity="critical"}',
  ruleId: 'DataDriftDetected:critical',
  labels: { alertname: 'DataDriftDetected', severity: 'critical', ml_model_name: 'm', ml_feature_name: 'x' },
  annotations: { summary: 'drift', description: 'KS 0.3', runbook: '1. look' },
  status,
  value: 3,
  activeAt: T0,
  lastHeldAt: T0,
  ...(status !== 'pending' ? { firedAt: T0 } : {}),
  ...over,
});

function options(over: Partial<NotifierOptions>): NotifierOptions {
  return {
    alertmanagers: [], webhooks: [], resendDelayMs: 60 * S, evaluationIntervalMs: 10 * S, maxQueue: 100, timeoutMs: 1000,
    generatorURL: () => 'http://127.0.0.1:9470/api/v1/models/m/alerts', externalURL: () => 'http://127.0.0.1:9470', ...over,
  };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));

describe('alerts/delivery/notifier', () => {
  describe('Notifier to Alertmanager', () => {
    it('sends a firing alert at once and again every resendDelay, with endsAt ahead; a pending one never', async () => {
      const am = await receiver();
      const n = new Notifier(options({ alertmanagers: [am.url] }));
      n.notify([alert('firing'), alert('pending', { fingerprint: 'p' })], [], T0);
      n.notify([alert('firing')], [], T0 + 10 * S);
      n.notify([alert('firing')], [], T0 + 60 * S);
      await settle();
      assert.equal(am.bodies.length, 2);
      const [first] = am.bodies[0] as PostableAlert[];
      assert.deepEqual(first?.labels, alert('firing').labels);
      assert.equal(first?.startsAt, new Date(T0).toISOString());
      assert.equal(first?.endsAt, new Date(T0 + 4 * 60 * S).toISOString(), 'four resend delays ahead');
      assert.equal(first?.generatorURL, 'http://127.0.0.1:9470/api/v1/models/m/alerts');
      await n.close();
      await am.close();
    });

    it('sends a resolve at once with endsAt at the resolve time', async () => {
      const am = await receiver();
      const n = new Notifier(options({ alertmanagers: [am.url] }));
      n.notify([alert('firing')], [], T0);
      n.notify([], [alert('resolved', { resolvedAt: T0 + 5 * S })], T0 + 5 * S);
      await settle();
      const last = (am.bodies.at(-1) as PostableAlert[])[0];
      assert.equal(last?.endsAt, new Date(T0 + 5 * S).toISOString());
      await n.close();
      await am.close();
    });
  });

  describe('Notifier to a webhook', () => {
    it('notifies once per firing, repeats after repeatInterval, resolves once, and keeps what it notified across a restart', async () => {
      const hook = await receiver();
      const opts = options({ webhooks: [{ url: `${hook.url}/hook`, repeatIntervalMs: 3600 * S, headers: {} }] });
      const a = new Notifier(opts);
      a.notify([alert('firing')], [], T0);
      a.notify([alert('firing')], [], T0 + 10 * S);
      await settle();
      assert.equal(hook.bodies.length, 1, 'no duplicate while firing');
      const body = hook.bodies[0] as WebhookPayload;
      assert.equal(body.version, '4');
      assert.equal(body.status, 'firing');
      assert.deepEqual(body.groupLabels, { ml_model_name: 'm', severity: 'critical' });
      assert.equal(body.alerts[0]?.endsAt, '0001-01-01T00:00:00Z');
      assert.match(body.alerts[0]?.fingerprint ?? '', /^[0-9a-f]{16}$/);
      // A restart with the stored state: still no duplicate.
      const saved = JSON.parse(JSON.stringify(a.state())) as ReturnType<Notifier['state']>;
      await a.close();
      const b = new Notifier(opts, saved);
      b.notify([alert('firing')], [], T0 + 20 * S);
      b.notify([alert('firing')], [], T0 + 3600 * S);
      b.notify([], [alert('resolved', { resolvedAt: T0 + 3700 * S })], T0 + 3700 * S);
      b.notify([], [alert('resolved', { resolvedAt: T0 + 3700 * S })], T0 + 3710 * S);
      await settle();
      const statuses = (hook.bodies as WebhookPayload[]).map((x) => x.status);
      assert.deepEqual(statuses, ['firing', 'firing', 'resolved'], 'the repeat after an hour, one resolve');
      assert.equal((hook.bodies[2] as WebhookPayload).alerts[0]?.endsAt, new Date(T0 + 3700 * S).toISOString());
      await b.close();
      await hook.close();
    });
  });
});
