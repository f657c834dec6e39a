/**
 * The aggregator as a process: model listing and status with accepted counts,
 * OTLP push of its own metrics only when OTEL_EXPORTER_OTLP_* asks for it,
 * clean shutdown on SIGTERM with state kept across restart, and clear errors
 * for a bad configuration.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AddressInfo } from 'node:net';
import { startModelwatch } from '@modelwatch/node';
import { MODELWATCH_BIN, getJson, startAggregator, tempDir, tempFile, waitFor } from '../helpers/aggregator.js';

const CONFIG = `
evaluation: { interval: 1s }
storage: { checkpointInterval: 1s }
models:
  - { name: fraud, version: v7, task: classification, features: { amount: numeric } }
`;

interface ModelStatus {
  name: string;
  version: string | null;
  accepted: { dataPoints: number; logRecords: number };
  red: { requests: number; errors: number };
  liveness: { up: boolean; lastSeen: string | null };
  evaluatedAt: string | null;
}

async function send(otlpHttp: string, n: number): Promise<void> {
  const sdk = startModelwatch({
    serviceName: 'e2e-service',
    model: { name: 'fraud', version: 'v7' },
    otlpEndpoint: otlpHttp,
    hostMetrics: false,
    runtimeMetrics: false,
    setGlobal: false,
    exportIntervalMillis: 60_000,
  });
  const monitor = sdk.monitor({ task: 'classification', features: { amount: 'numeric' }, featureSampling: { rate: 1 } });
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) monitor.record({ durationSeconds: 0.2, error: new TypeError('bad input') });
    else monitor.record({ durationSeconds: 0.02, label: i % 3 === 0 ? 'fraud' : 'ok', confidence: 0.8, features: { amount: i } });
  }
  await sdk.forceFlush();
  await sdk.shutdown();
}

describe('modelwatch serve', () => {
  it('lists the model, reports RED and accepted counts, and keeps them across a SIGTERM restart', async () => {
    const dataDir = tempDir();
    const first = await startAggregator(CONFIG, { dataDir });
    let before: ModelStatus;
    try {
      const listed = await getJson<{ models: { name: string }[] }>(`${first.addresses.http}/api/v1/models`);
      assert.deepEqual(listed.models.map((m) => m.name), ['fraud']);
      await send(first.addresses.otlpHttp, 200);
      before = await waitFor('RED to cover the 200 requests', async () => {
        const s = await getJson<ModelStatus>(`${first.addresses.http}/api/v1/models/fraud`);
        return s.red.requests === 200 && s.evaluatedAt !== null ? s : undefined;
      });
      assert.equal(before.red.errors, 20);
      assert.equal(before.version, 'v7');
      assert.equal(before.liveness.up, true, JSON.stringify(before));
      assert.ok(before.accepted.dataPoints > 0, JSON.stringify(before.accepted));
      const metrics = await (await fetch(`${first.addresses.http}/metrics`)).text();
      assert.match(metrics, /ml_inference_error_ratio\{[^}]*ml_model_name="fraud"[^}]*\} 0\.1\b/);
      assert.match(metrics, /ml_aggregator_accepted_total\{[^}]*ml_signal="metrics"[^}]*\} \d+/);
    } finally {
      assert.equal(await first.stop('SIGTERM'), 0, first.stderr());
    }
    assert.match(first.stderr(), /SIGTERM received, flushing and stopping/);
    const second = await startAggregator(CONFIG, { dataDir });
    try {
      const after = await getJson<ModelStatus>(`${second.addresses.http}/api/v1/models/fraud`);
      assert.deepEqual(after.accepted, before.accepted);
      assert.equal(after.red.requests, 200);
    } finally {
      await second.stop();
    }
  });

  it('pushes its own metrics by OTLP only when OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is set', async () => {
    const received: string[] = [];
    const sinkServer = createServer((req: IncomingMessage, res) => {
      received.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    await new Promise<void>((r) => sinkServer.listen(0, '127.0.0.1', r));
    const port = (sinkServer.address() as AddressInfo).port;
    try {
      // Without the variable nothing is pushed, not even to the exporter's default
      // endpoint (localhost:4318, which would be our own receiver): listen there too.
      const defaultSink = createServer((req, res) => {
        received.push(`default endpoint: ${req.method} ${req.url}`);
        req.resume();
        req.on('end', () => res.writeHead(200).end());
      });
      await new Promise<void>((r, j) => defaultSink.once('error', j).listen(4318, '127.0.0.1', r));
      try {
        const quiet = await startAggregator(CONFIG, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: '', OTEL_METRIC_EXPORT_INTERVAL: '500' } });
        await new Promise((r) => setTimeout(r, 2500));
        await quiet.stop();
      } finally {
        defaultSink.close();
      }
      assert.deepEqual(received, [], 'no push without the environment variable');
      const pushing = await startAggregator(CONFIG, {
        env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${port}/v1/metrics`, OTEL_METRIC_EXPORT_INTERVAL: '500' },
      });
      try {
        await waitFor('an OTLP push', async () => (received.length > 0 ? true : undefined), 15_000);
        assert.match(received[0]!, /^POST \/v1\/metrics application\/x-protobuf/);
      } finally {
        await pushing.stop();
      }
    } finally {
      sinkServer.close();
    }
  });

  it('refuses to share its data directory with a running aggregator', async () => {
    const dataDir = tempDir();
    const first = await startAggregator(CONFIG, { dataDir });
    try {
      await assert.rejects(startAggregator(CONFIG, { dataDir }), /data directory .* is in use by another modelwatch \(pid \d+\)/);
    } finally {
      await first.stop();
    }
    // A lock left by a killed process is taken over.
    const killed = await startAggregator(CONFIG, { dataDir });
    await killed.stop('SIGKILL');
    const next = await startAggregator(CONFIG, { dataDir });
    await next.stop();
  });

  it('goes on when another process holds the database locked past the busy timeout (regression: it stopped with exit 1), and keeps what it acknowledged', async () => {
    const dataDir = tempDir();
    const agg = await startAggregator(CONFIG, { dataDir });
    await send(agg.addresses.otlpHttp, 20);
    const before = await waitFor('the first requests', async () => {
      const s = await getJson<ModelStatus>(`${agg.addresses.http}/api/v1/models/fraud`);
      return s.red.requests === 20 ? s.accepted.dataPoints : undefined;
    });
    // Another connection holds the write lock past the checkpoint writer's 5 s busy
    // timeout: the next checkpoint (evaluation tick) cannot commit. Requests are logged
    // in the segment files, which need no lock: this one is acknowledged.
    const blocker = new Database(join(dataDir, 'modelwatch.db'));
    blocker.exec('BEGIN IMMEDIATE');
    type Ready = { store: { checkpoints: { failing: boolean; deferred: number } } };
    try {
      const body = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'ml.model.name', value: { stringValue: 'fraud' } }] }, scopeMetrics: [{ scope: {}, metrics: [{ name: 'ml.predictions', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '5', timeUnixNano: String(Date.now() * 1e6) }] } }] }] }] });
      const r = await fetch(`${agg.addresses.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(r.status, 200);
      // The checkpoint is deferred, not fatal: the service reports it and goes on.
      await waitFor('the deferred checkpoint on /readyz', async () => ((await getJson<Ready>(`${agg.addresses.http}/readyz`)).store.checkpoints.failing ? true : undefined), 20_000);
      assert.equal(agg.process.exitCode, null, agg.stderr());
      assert.match(agg.stderr(), /checkpoint deferred, the database is locked by another connection/);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    await waitFor('a checkpoint after the lock', async () => ((await getJson<Ready>(`${agg.addresses.http}/readyz`)).store.checkpoints.failing ? undefined : true), 20_000);
    assert.equal(await agg.stop(), 0, agg.stderr());
    const again = await startAggregator(CONFIG, { dataDir });
    try {
      const s = await getJson<ModelStatus>(`${again.addresses.http}/api/v1/models/fraud`);
      assert.equal(s.accepted.dataPoints, before + 1, 'the acknowledged request is kept');
    } finally {
      await again.stop();
    }
  });

  it('reports bad model settings as a configuration problem before touching the data directory', () => {
    const dataDir = join(tempDir(), 'not-created');
    const path = tempFile('modelwatch.yaml', 'models: [{ name: m, window: 1h, slot: 7m }]\n');
    const r = spawnSync(process.execPath, [MODELWATCH_BIN, 'serve', '--config', path, '--data-dir', dataDir, '--otlp', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0', '--http', '127.0.0.1:0'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /model "m": window .* must be a positive multiple of the slot/);
    assert.doesNotMatch(r.stderr, /cannot restore/);
    assert.equal(existsSync(dataDir), false);
  });

  it('refuses a bad configuration with every problem named, and exits 2', () => {
    const path = tempFile('modelwatch.yaml', 'evaluation: { interval: 0.5s }\nmodels: [{ name: m, task: ranking }]\nextra: 1\n');
    const r = spawnSync(process.execPath, [MODELWATCH_BIN, 'serve', '--config', path, '--data-dir', tempDir()], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /models\.0\.task/);
    assert.match(r.stderr, /unknown key "extra"/);
  });

  it('prints help for every command', () => {
    for (const args of [['--help'], ['serve', '--help'], ['baseline', '--help']]) {
      const r = spawnSync(process.execPath, [MODELWATCH_BIN, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /Usage: modelwatch/);
    }
  });
});
