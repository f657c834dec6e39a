/**
 * The Prometheus half, end to end with real processes: a real Prometheus
 * scrapes a real `modelwatch serve` and evaluates the rules that
 * `modelwatch rules` generated from the same modelwatch.yaml. Under traffic
 * from the OpenTelemetry SDK that drifts, fails and is often wrong, the
 * generated alerts fire in Prometheus and reach a real Alertmanager, which
 * delivers them to a webhook run by the test. And the set of alerts firing in
 * Prometheus equals the set firing in the aggregator's own evaluator,
 * compared on alertname, severity, ml_model_name, ml_feature_name and
 * ml_slo_name: one catalogue drives both.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelwatch } from '@modelwatch/node';
import { MODELWATCH_BIN, getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { alertmanagerConfig, startAlertmanager, startWebhookSink, type RunningAlertmanager, type WebhookSink } from '../helpers/alertmanager.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';
import { seeded } from '../helpers/random.js';

const COMPARED = ['alertname', 'severity', 'ml_model_name', 'ml_feature_name', 'ml_slo_name'] as const;

/** An alert's identity as the comparison sees it. */
function key(labels: Record<string, string>): string {
  return COMPARED.map((l) => `${l}=${labels[l] ?? ''}`).join(',');
}

describe('generated rules in a real Prometheus', () => {
  let hook: WebhookSink;
  let am: RunningAlertmanager;
  let aggregator: RunningAggregator;
  let prometheus: RunningPrometheus;

  before(async () => {
    const dir = tempDir();
    const r = seeded(11);
    writeFileSync(join(dir, 'reference.csv'), `x\n${Array.from({ length: 2000 }, () => r.normal(100, 20)).join('\n')}\n`);
    const config = `
evaluation: { interval: 1s }
defaults:
  alerts:
    DataDriftDetected: { for: 0s }
    HighErrorRate: { for: 0s }
    LowModelAccuracy: { for: 0s }
models:
  - name: sentiment
    task: classification
    baseline: ${join(dir, 'sentiment.json')}
    features: { x: numeric }
    slos: [ { name: errors, kind: error_rate, objective: 0.99 } ]
`;
    writeFileSync(join(dir, 'modelwatch.yaml'), config);
    const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', 'sentiment', '--input', join(dir, 'reference.csv'), '--out', join(dir, 'sentiment.json'), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    const rules = spawnSync(process.execPath, [MODELWATCH_BIN, 'rules', '--config', join(dir, 'modelwatch.yaml'), '--out', join(dir, 'rules.yml')], { encoding: 'utf8' });
    assert.equal(rules.status, 0, rules.stderr);

    hook = await startWebhookSink();
    am = await startAlertmanager(alertmanagerConfig(hook.url));
    aggregator = await startAggregator(config, { dataDir: tempDir() });
    prometheus = await startPrometheus({ rulesFile: join(dir, 'rules.yml'), targets: [new URL(aggregator.addresses.http).host], alertmanager: new URL(am.url).host });

    // Traffic: x shifted by +3 sd, 20% errors, and half of the labelled predictions wrong.
    const sdk = startModelwatch({ serviceName: 'e2e-prometheus', model: { name: 'sentiment' }, otlpEndpoint: aggregator.addresses.otlpHttp, hostMetrics: false, runtimeMetrics: false, setGlobal: false, exportIntervalMillis: 60_000 });
    const monitor = sdk.monitor({ task: 'classification', features: { x: 'numeric' }, featureSampling: { rate: 1 }, groundTruthSampleRate: 1 });
    // 1,000 predictions: enough for the drift windows to judge under the default false-alert budget (one look a second here).
    for (let i = 0; i < 1000; i++) {
      if (i % 5 === 0) {
        monitor.record({ durationSeconds: 0.01, error: new Error('boom'), features: { x: r.normal(160, 20) } });
        continue;
      }
      const { predictionId } = monitor.record({ durationSeconds: 0.01, label: 'positive', confidence: 0.9, features: { x: r.normal(160, 20) } });
      if (i < 200) monitor.feedback(predictionId, i % 2 === 0 ? 'positive' : 'negative');
    }
    await sdk.forceFlush();
    await sdk.shutdown();
  });

  after(async () => {
    await prometheus?.stop();
    await aggregator?.stop();
    await am?.stop();
    await hook?.close();
  });

  it('fire the same alerts in Prometheus as in the aggregator\'s own evaluator (drift, an error burst, an accuracy drop)', async () => {
    const expected = [
      'alertname=DataDriftDetected,severity=critical,ml_model_name=sentiment,ml_feature_name=x,ml_slo_name=',
      'alertname=HighErrorRate,severity=critical,ml_model_name=sentiment,ml_feature_name=,ml_slo_name=',
      'alertname=LowModelAccuracy,severity=critical,ml_model_name=sentiment,ml_feature_name=,ml_slo_name=',
      'alertname=SLOErrorBudgetBurn,severity=critical,ml_model_name=sentiment,ml_feature_name=,ml_slo_name=errors',
    ];
    let last = { embedded: [] as string[], prometheus: [] as string[] };
    const same = await waitFor('both engines to fire the same, expected alerts', async () => {
      const embedded = (await getJson<{ active: Array<{ status: string; labels: Record<string, string> }> }>(`${aggregator.addresses.http}/api/v1/alerts`)).active
        .filter((a) => a.status === 'firing').map((a) => key(a.labels)).sort();
      const inProm = (await prometheus.alerts()).filter((a) => a.state === 'firing').map((a) => key(a.labels)).sort();
      last = { embedded, prometheus: inProm };
      return expected.every((e) => embedded.includes(e)) && JSON.stringify(embedded) === JSON.stringify(inProm) ? embedded : undefined;
    }, 60_000, 500).catch((err: Error) => {
      throw new Error(`${err.message}\nembedded:   ${last.embedded.join('\n            ')}\nprometheus: ${last.prometheus.join('\n            ')}`);
    });
    assert.ok(same.length >= expected.length);
  });

  it('deliver Prometheus\' drift alert through Alertmanager to the webhook, with its runbook and the KS statistic', async () => {
    const alert = await waitFor('Prometheus\' DataDriftDetected at the webhook', async () =>
      hook.received.flatMap((n) => n.alerts).find((a) => a.labels['alertname'] === 'DataDriftDetected' && a.labels['severity'] === 'critical' && a.generatorURL.startsWith(prometheus.url)), 60_000);
    assert.equal(alert.labels['ml_feature_name'], 'x');
    assert.match(alert.annotations['description'] ?? '', /KS statistic 0\.\d+ \(p-value [0-9.e+-]+\)/);
    assert.match(alert.annotations['runbook'] ?? '', /^1\. Compare the current and baseline distributions: GET \/api\/v1\/models\/sentiment\/drift\/x/);
  });
});
