// The signal history through the running service: evaluations on an injected
// clock record points that GET /api/v1/models/{m}/history serves, the history
// survives close and restart on the same data directory (and a checkpoint from
// before the history existed restores an empty one), and the API's errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { validateConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';
import { decodeCheckpoint, encodeCheckpoint } from '../src/store/checkpoint-format.js';

const str = (key: string, value: string): unknown => ({ key, value: { stringValue: value } });

/** An OTLP/JSON request: `count` inferences of model `model` (delta ml.inference.duration) at `t`. */
function inferences(model: string, count: number, t: number): string {
  const half = String(Math.floor(count / 2));
  const point = { startTimeUnixNano: String((t - 1000) * 1e6), timeUnixNano: String(t * 1e6), count: String(count), sum: count * 0.05, bucketCounts: [half, String(count - Number(half)), '0'], explicitBounds: [0.05, 0.1] };
  return JSON.stringify({
    resourceMetrics: [
      { resource: { attributes: [str('ml.model.name', model)] }, scopeMetrics: [{ scope: {}, metrics: [{ name: 'ml.inference.duration', unit: 's', histogram: { aggregationTemporality: 1, dataPoints: [point] } }] }] },
    ],
  });
}

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

async function get(service: RunningService, path: string, method = 'GET'): Promise<Answer> {
  const r = await fetch(`${service.addresses.http}${path}`, { method });
  const text = await r.text();
  return { status: r.status, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) };
}

interface SeriesBody {
  model: string;
  signal: string;
  intervalSeconds: number;
  retentionSeconds: number;
  series: Array<{ attributes: Record<string, unknown>; points: Array<[number, number]> }>;
}

describe('startService', () => {
  describe('signal history', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mw-history-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));
    // The timer never fires within the test: every tick is an evaluate() call.
    const config = validateConfig({ dataDir, server: { otlpHttp: '127.0.0.1:0', otlpGrpc: false, http: '127.0.0.1:0' }, evaluation: { interval: '1h' } }, dataDir, 'test');
    const start = Date.now();
    let clock = start;
    let service: RunningService;
    const ticks: number[] = [];

    before(async () => {
      service = await startService(config, { now: () => clock });
      // Six ticks, 15 s apart: the 30 s history keeps every other one.
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${service.addresses.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: inferences('m', 10 * (i + 1), clock) });
        assert.equal(r.status, 200, await r.text());
        await service.evaluate();
        ticks.push(clock);
        clock += 15_000;
      }
      clock -= 15_000;
    });
    after(() => service.close());

    it('lists the signals with history and the bounds', async () => {
      const r = await get(service, '/api/v1/models/m/history');
      assert.equal(r.status, 200);
      const { signals, ...rest } = r.body as { signals: Array<{ name: string; series: number }> };
      assert.deepEqual(rest, { model: 'm', intervalSeconds: 30, retentionSeconds: 21600, maxSeriesPerModel: 400, refusedSeries: 0, boundBytes: 8 * 720 * 401 });
      assert.deepEqual(signals.find((s) => s.name === 'ml.inference.request_rate'), { name: 'ml.inference.request_rate', series: 1 });
      assert.deepEqual(signals.find((s) => s.name === 'ml.inference.latency'), { name: 'ml.inference.latency', series: 3 }, 'one series per quantile');
      assert.ok(!signals.some((s) => s.name.startsWith('ml.aggregator.')), 'only per-model signals');
    });

    it('serves the points of a signal, ascending, in unix seconds, one per history interval', async () => {
      const r = await get(service, '/api/v1/models/m/history?signal=ml.inference.request_rate');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const body = r.body as unknown as SeriesBody;
      assert.deepEqual({ ...body, series: body.series.map((s) => s.attributes) }, { model: 'm', signal: 'ml.inference.request_rate', intervalSeconds: 30, retentionSeconds: 21600, series: [{}] });
      const points = body.series[0]!.points;
      assert.deepEqual(points.map(([t]) => t), [ticks[0]!, ticks[2]!, ticks[4]!].map((t) => t / 1000));
      // 10, 10+20+30, 10+...+50 inferences in the 1 h window, all when the point was recorded.
      assert.deepEqual(points.map(([, v]) => v), [10 / 3600, 60 / 3600, 150 / 3600]);
    });

    it('serves only the points since a duration before now', async () => {
      // Now is the last tick, 15 s after the last point.
      const r = await get(service, '/api/v1/models/m/history?signal=ml.inference.request_rate&since=45s');
      assert.equal(r.status, 200);
      assert.deepEqual((r.body as unknown as SeriesBody).series[0]!.points.map(([t]) => t), [ticks[2]! / 1000, ticks[4]! / 1000]);
      const last = await get(service, '/api/v1/models/m/history?signal=ml.inference.request_rate&since=20s');
      assert.deepEqual((last.body as unknown as SeriesBody).series[0]!.points.map(([t]) => t), [ticks[4]! / 1000]);
      const hour = await get(service, '/api/v1/models/m/history?signal=ml.inference.request_rate&since=1h');
      assert.equal((hour.body as unknown as SeriesBody).series[0]!.points.length, 3);
    });

    it('answers an unknown model, an unknown signal, a bad since and a POST with their errors', async () => {
      const model = await get(service, '/api/v1/models/nope/history');
      assert.equal(model.status, 404);
      assert.equal(model.body.error?.code, 'MW_UNKNOWN_MODEL');
      const signal = await get(service, '/api/v1/models/m/history?signal=ml.nothing');
      assert.equal(signal.status, 404);
      assert.equal(signal.body.error?.code, 'MW_UNKNOWN_SIGNAL');
      assert.match(signal.body.error?.message ?? '', /no history of signal "ml\.nothing"; signals with history: "ml\.[a-z._]+"/);
      const since = await get(service, '/api/v1/models/m/history?signal=ml.inference.request_rate&since=yesterday');
      assert.equal(since.status, 400);
      assert.equal(since.body.error?.code, 'MW_BAD_REQUEST');
      assert.match(since.body.error?.message ?? '', /since "yesterday"/);
      const post = await get(service, '/api/v1/models/m/history', 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.body.error?.code, 'MW_METHOD_NOT_ALLOWED');
      assert.equal((await get(service, '/api/v1/models/m/history', 'HEAD')).status, 200);
    });

    it('keeps the history across close and restart on the same data directory', async () => {
      const path = '/api/v1/models/m/history?signal=ml.inference.request_rate';
      const before = await get(service, path);
      await service.close();
      service = await startService(config, { now: () => clock });
      const after = await get(service, path);
      assert.equal(after.status, 200);
      assert.deepEqual(after.body, before.body);
      assert.equal(((after.body as unknown as SeriesBody).series[0]?.points.length), 3);
    });

    it('starts an empty history from a checkpoint written before the history existed', async () => {
      await service.close();
      const db = new Database(join(dataDir, 'modelwatch.db'));
      try {
        const row = db.prepare('SELECT snapshot FROM checkpoint WHERE id = 1').get() as { snapshot: Uint8Array };
        const { value, sections } = decodeCheckpoint(row.snapshot);
        const state = value as { history?: unknown };
        assert.ok(state.history !== undefined, 'the checkpoint holds the history');
        delete state.history;
        db.prepare('UPDATE checkpoint SET snapshot = ? WHERE id = 1').run(encodeCheckpoint(state, sections));
      } finally {
        db.close();
      }
      service = await startService(config, { now: () => clock });
      const r = await get(service, '/api/v1/models/m/history');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.signals, []);
      assert.equal((await get(service, '/api/v1/models/m')).status, 200, 'the engine state is restored');
    });
  });
});
