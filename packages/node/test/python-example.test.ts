// The Python guide's example (examples/python/monitor_example.py) run against a
// local OTLP/HTTP receiver: it must emit our names, the exponential view, the
// sign rule, delta temporality and the events, and choose the ground-truth
// sample with the same hash as the TypeScript monitor.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { predictionIdHash } from '@modelwatch/instrumentation';
import { decodeLogsRequest, decodeMetricsRequest, startReceiver } from './helpers/otlp-receiver.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/python/monitor_example.py', import.meta.url));
// The project's own Python environment, made and updated by `npm test` (scripts/setup.mjs)
// from requirements.txt; PYTHON overrides it.
const PYTHON = process.env['PYTHON'] ?? fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));

/** Why the example cannot run here, or undefined when it can. */
function missingPrerequisite(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} not found (${probe.error.message})`;
  if (probe.status !== 0) return `Python OpenTelemetry packages missing from ${PYTHON}: run node scripts/setup.mjs (the first step of npm test)\n${probe.stderr.trim()}`;
  return undefined;
}

const missing = missingPrerequisite();
// Skipping is for developer machines only: in CI a missing prerequisite is a failure.
const skip = missing !== undefined && !process.env['CI'] ? `skipped: ${missing}` : false;
if (skip) console.log(`# python example ${skip}`);

describe('examples/python/monitor_example.py', () => {
  it('exports modelwatch metrics and events over OTLP/HTTP with the shared sampling hash', { skip, timeout: 60_000 }, async () => {
    assert.equal(missing, undefined, missing);
    const rx = await startReceiver();
    try {
      const rate = 0.25;
      const child = spawn(PYTHON, [EXAMPLE], {
        env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_SERVICE_NAME: 'py-test', MODELWATCH_GT_RATE: String(rate) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);

      // The Python side's sampled ids are exactly those the TypeScript hash picks.
      const { sampled } = JSON.parse(stdout) as { sampled: string[] };
      const expected = Array.from({ length: 200 }, (_, i) => `py-${i}`).filter((id) => id !== 'py-13' && predictionIdHash(id) < rate);
      assert.deepEqual(sampled, expected);
      assert.ok(sampled.length > 20);

      const metricBodies = rx.requests.filter((r) => r.path === '/v1/metrics');
      assert.ok(metricBodies.length > 0, 'no /v1/metrics request');
      const all = metricBodies.flatMap((r) => decodeMetricsRequest(r.body));
      const metrics = all.flatMap((s) => s.metrics);
      const byName = new Map(metrics.map((m) => [m.name, m]));
      assert.equal(all[0]?.resource['service.name'], 'py-test');
      assert.equal(all[0]?.resource['ml.model.name'], 'churn');
      const feature = byName.get('ml.feature.value');
      assert.equal(feature?.kind, 10, 'exponential histogram for features');
      assert.equal(feature?.temporality, 1, 'delta');
      assert.ok(feature?.points.some((p) => p.attributes['ml.feature.sign'] === 'negative' && p.attributes['ml.feature.name'] === 'balance'));
      const duration = byName.get('ml.inference.duration');
      assert.equal(duration?.kind, 9);
      assert.ok(duration?.points.some((p) => p.attributes['error.type'] === 'ValueError'));
      assert.ok(byName.get('ml.feature.missing')?.points.some((p) => p.attributes['ml.feature.name'] === 'balance'));
      assert.ok(byName.get('ml.feature.observations')?.points.some((p) => p.attributes['ml.feature.category'] === 'FR'));
      assert.deepEqual(byName.get('ml.predictions')?.points.map((p) => p.attributes['ml.prediction.label']).sort(), ['churn', 'stay']);

      const events = rx.requests.filter((r) => r.path === '/v1/logs').flatMap((r) => decodeLogsRequest(r.body));
      const predictions = events.filter((e) => e.eventName === 'ml.prediction');
      const truths = events.filter((e) => e.eventName === 'ml.ground_truth');
      assert.deepEqual(predictions.map((e) => e.attributes['ml.prediction.id']), expected);
      assert.deepEqual(truths.map((e) => e.attributes['ml.prediction.id']), expected);
      assert.equal(typeof predictions[0]?.attributes['ml.prediction.confidence'], 'number');
    } finally {
      await rx.close();
    }
  });
});
