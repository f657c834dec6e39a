// Hostile but valid telemetry through the running service (issue 16): one
// OTLP/JSON request mixing a healthy model's points with hostile ones is
// answered 200 with partial success that counts and explains what was refused;
// a stream whose temporality changes mid-stream is converted or refused, never
// counted twice or negative; and the healthy model's acknowledged points are
// all there after a restart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';

const str = (key: string, value: string): unknown => ({ key, value: { stringValue: value } });

/** An OTLP/JSON ml.predictions sum point. */
function sumPoint(label: string, value: number | string, t: number, start = 0): unknown {
  const v = typeof value === 'number' && Number.isInteger(value) ? { asInt: String(value) } : { asDouble: value };
  return { ...v, startTimeUnixNano: String(start * 1e6), timeUnixNano: String(t * 1e6), attributes: [str('ml.prediction.label', label)] };
}

function resource(model: string, temporality: number, points: unknown[]): unknown {
  return {
    resource: { attributes: [str('ml.model.name', model)] },
    scopeMetrics: [{ scope: {}, metrics: [{ name: 'ml.predictions', sum: { aggregationTemporality: temporality, isMonotonic: true, dataPoints: points } }] }],
  };
}

async function post(service: RunningService, body: unknown): Promise<{ status: number; json: { partialSuccess?: { rejectedDataPoints?: string | number; errorMessage?: string } } }> {
  const r = await fetch(`${service.addresses.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as never) : {} };
}

async function status(service: RunningService, model: string): Promise<{ accepted: { dataPoints: number }; red: { requests: number } } | undefined> {
  const r = await fetch(`${service.addresses.http}/api/v1/models/${encodeURIComponent(model)}`);
  return r.ok ? ((await r.json()) as never) : undefined;
}

describe('startService under hostile telemetry', () => {
  it('answers a mixed request with partial success that counts and explains the refused points, and keeps the healthy ones across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mw-hostile-'));
    const config = validateConfig(
      { dataDir, server: { otlpHttp: '127.0.0.1:0', otlpGrpc: false, http: '127.0.0.1:0' }, limits: { maxModels: 5, maxAttributeLength: 64 } },
      dataDir,
      'test',
    );
    const t = Date.now();
    let service = await startService(config);
    try {
      const res = await post(service, {
        resourceMetrics: [
          resource('good', 1, [sumPoint('a', 5, t), sumPoint('b', 3, t)]),
          resource('x'.repeat(10_000), 1, [sumPoint('a', 1, t)]),
          resource('evil', 1, [sumPoint('a', 'NaN', t), sumPoint('b', 'Infinity', t), sumPoint('c', -4, t), sumPoint('y'.repeat(10_000), 1, t)]),
          ...Array.from({ length: 10 }, (_, i) => resource(`crowd-${i}`, 1, [sumPoint('a', 1, t)])),
        ],
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const rejected = Number(res.json.partialSuccess?.rejectedDataPoints ?? 0);
      // The huge model name, NaN, Infinity and -4, and the crowd past maxModels (5 models: good, evil and 3 of the crowd).
      assert.ok(rejected >= 1 + 3 + 7, `${rejected} rejected: ${res.json.partialSuccess?.errorMessage}`);
      const message = res.json.partialSuccess?.errorMessage ?? '';
      assert.match(message, /model name longer than 64 characters/);
      assert.match(message, /not a non-negative count/);
      assert.match(message, /discovery limit of 5 models reached/);
      assert.equal((await status(service, 'good'))?.accepted.dataPoints, 2);

      // A cumulative stream, then delta, then cumulative again (lower, as after a restart), for the same stream:
      // each point is converted to a delta or refused with a reason; the labels counted never go down, and never
      // exceed what the points could add (10 + 5 + 3 + 12 + 8).
      const labels = async (): Promise<number> => {
        await service.evaluate();
        const d = (await (await fetch(`${service.addresses.http}/api/v1/models/good/drift`)).json()) as { prediction: { labels?: { currentCount: number } } };
        return d.prediction.labels?.currentCount ?? 0;
      };
      const start = t - 60_000;
      let last = await labels();
      assert.equal(last, 8);
      for (const [temporality, value, at] of [[2, 10, t + 1], [2, 15, t + 2], [1, 3, t + 3], [2, 12, t + 4], [2, 20, t + 5]] as const) {
        const r = await post(service, { resourceMetrics: [resource('good', temporality, [sumPoint('switch', value, at, temporality === 2 ? start : at - 1)])] });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        if (Number(r.json.partialSuccess?.rejectedDataPoints ?? 0) > 0) assert.ok((r.json.partialSuccess?.errorMessage ?? '').length > 10, 'a refused point is explained');
        const now = await labels();
        assert.ok(now >= last, `labels went down: ${last} -> ${now}`);
        last = now;
      }
      assert.ok(last > 8 && last <= 8 + 38, `labels counted ${last}`);
      const before = await status(service, 'good');
      assert.ok((before?.accepted.dataPoints ?? 0) >= 2, JSON.stringify(before));
      await service.close();
      service = await startService(config);
      assert.equal((await status(service, 'good'))?.accepted.dataPoints, before?.accepted.dataPoints, 'what was acknowledged survives the restart');
    } finally {
      await service.close();
    }
  });
});
