/**
 * End to end with real `modelwatch serve` processes: a baseline that types a
 * feature differently from the config is refused where it enters (the config
 * at start: exit 2; the API: 400), and a feature whose verdict cannot be
 * computed shows `severity: "error"` with its reason in the drift report, the
 * model's status and /metrics, instead of `insufficient_data`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, MODELWATCH_BIN, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';

/** A valid baseline file whose `text_length` is categorical and which lacks `language`. */
function baselineJson(model: string): Record<string, unknown> {
  return {
    format: 'modelwatch.baseline/v1',
    model,
    createdAt: '2026-12-01T00:00:00.000Z',
    source: { kind: 'file', rows: 3 },
    features: { text_length: { type: 'categorical', counts: { 'np.float64(100.02)': 2, __other__: 1 }, missing: 0 } },
  };
}

describe('a baseline whose feature types contradict the config', () => {
  it('is a configuration error at start: exit 2, naming the model, the feature and both types', () => {
    const dir = tempDir();
    const baseline = join(dir, 'sentiment.json');
    writeFileSync(baseline, JSON.stringify(baselineJson('sentiment')));
    const config = join(dir, 'modelwatch.yaml');
    writeFileSync(config, `models:\n  - { name: sentiment, task: classification, baseline: ${baseline}, features: { text_length: numeric } }\n`);
    const r = spawnSync(process.execPath, [MODELWATCH_BIN, 'serve', '--config', config, '--data-dir', join(dir, 'data'), '--otlp', '127.0.0.1:0', '--otlp-grpc', 'off', '--http', '127.0.0.1:0'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 2, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing was started');
    assert.match(r.stderr, /invalid configuration/);
    assert.match(r.stderr, /model "sentiment": feature "text_length" is categorical in the baseline \(.*sentiment\.json\) but numeric in the config/);
  });

  describe('through the running service', () => {
    let aggregator: RunningAggregator;
    before(async () => {
      aggregator = await startAggregator(`
evaluation: { interval: 1s }
models:
  - { name: sentiment, task: classification, features: { text_length: numeric, language: categorical } }
`, { dataDir: tempDir() });
    });
    after(async () => {
      await aggregator?.stop();
    });

    it('PUT /api/v1/models/{model}/baseline answers 400 with the same message', async () => {
      const r = await fetch(`${aggregator.addresses.http}/api/v1/models/sentiment/baseline`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(baselineJson('sentiment')),
      });
      const body = await r.text();
      assert.equal(r.status, 400, body);
      assert.match(body, /model \\?"sentiment\\?": feature \\?"text_length\\?" is categorical in the baseline \(PUT \/api\/v1\/models\/\{model\}\/baseline\) but numeric in the config/);
      const drift = await getJson<{ baseline: { state: string } }>(`${aggregator.addresses.http}/api/v1/models/sentiment/drift`);
      assert.equal(drift.baseline.state, 'learning', 'the refused baseline was not installed');
    });

    it('a feature the baseline lacks gets severity "error" with a reason, in the drift report, the status and /metrics', async () => {
      // Matches the config's types, but has no `language`: that verdict can never be computed.
      const good = { ...baselineJson('sentiment'), features: { text_length: { type: 'numeric', missing: 0, histogram: { scale: 0, zeroCount: 0, positive: { offset: 6, bucketCounts: [5] }, negative: { offset: 0, bucketCounts: [] }, count: 5 } } } };
      const put = await fetch(`${aggregator.addresses.http}/api/v1/models/sentiment/baseline`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(good) });
      assert.equal(put.status, 200, await put.text());

      type Drift = { severity: string; features: Array<{ name: string; severity: string; reason?: string }> };
      const drift = await waitFor('an evaluation with the new baseline', async () => {
        const d = await getJson<Drift>(`${aggregator.addresses.http}/api/v1/models/sentiment/drift`);
        return d.features.find((f) => f.name === 'language')?.severity === 'error' ? d : undefined;
      });
      const language = drift.features.find((f) => f.name === 'language');
      assert.match(language?.reason ?? '', /no baseline for this feature/);
      assert.equal(drift.features.find((f) => f.name === 'text_length')?.severity, 'insufficient_data', 'no traffic yet: too few samples, not an error');
      assert.equal(drift.severity, 'error', 'the model-level verdict does not hide the error');

      const status = await getJson<{ drift: { severity: string; errors: Array<{ feature: string; reason: string }> } }>(`${aggregator.addresses.http}/api/v1/models/sentiment`);
      assert.equal(status.drift.severity, 'error');
      assert.deepEqual(status.drift.errors.map((e) => e.feature), ['language']);

      const metrics = await (await fetch(`${aggregator.addresses.http}/metrics`)).text();
      const line = metrics.split('\n').find((l) => l.startsWith('ml_drift_severity{') && l.includes('ml_feature_name="language"'));
      assert.ok(line, `no ml_drift_severity series for language in:\n${metrics.slice(0, 2000)}`);
      assert.match(line, / -2$/);
    });
  });
});
