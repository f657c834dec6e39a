import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer, type ApiBackend, type StartedServer } from '../../src/http/server.js';
import { StoreBusyError } from '../../src/store/database.js';

function backend(): ApiBackend & { baselines: Map<string, unknown> } {
  const baselines = new Map<string, unknown>();
  return {
    baselines,
    listModels: () => [{ name: 'm<script>', version: '1' }],
    hasModel: (n) => n === 'm<script>' || n === 'plain',
    modelStatus: (n) => ({ name: n }),
    driftReport: (n) => ({ model: n, features: [] }),
    qualityReport: (n) => ({ model: n, accuracy: null }),
    featureDistributions: (n, f) => (f === 'x' ? { model: n, feature: f } : undefined),
    setBaseline: (n, b) => {
      if (typeof b !== 'object' || b === null || !('format' in b)) throw new Error('format: required');
      baselines.set(n, b);
    },
    resetBaseline: (n) => void baselines.delete(n),
    alerts: (model) => ({ active: model === undefined ? [{ labels: { alertname: 'A' } }] : [], resolved: [], model: model ?? null }),
    readiness: () => ({ alerting: [{ url: 'http://127.0.0.1:9093/api/v2/alerts', failed: 2 }] }),
    resources: (n) => ({ model: n, instances: [] }),
    predictionDistributions: (n) => ({ model: n }),
    history: (n, signal) => (signal === undefined ? { body: { model: n, signals: [] } } : { known: [] }),
  };
}

describe('http', () => {
  describe('startHttpServer', () => {
    let server: StartedServer;
    let ready = false;
    const b = backend();
    before(async () => {
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        backend: b,
        ready: () => ready,
        metrics: (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('# metrics\n');
        },
      });
    });
    after(() => server.close());

    it('answers health, readiness and metrics', async () => {
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      ready = true;
      const r = await fetch(`${server.url}/readyz`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ready', alerting: [{ url: 'http://127.0.0.1:9093/api/v2/alerts', failed: 2 }] }, 'delivery failures shown on /readyz');
      const m = await fetch(`${server.url}/metrics`);
      assert.equal(await m.text(), '# metrics\n');
    });

    it('lists models and serves one model, its drift and a feature (names URL-decoded)', async () => {
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models`)).json(), { models: [{ name: 'm<script>', version: '1' }] });
      const enc = encodeURIComponent('m<script>');
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models/${enc}`)).json(), { name: 'm<script>' });
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models/plain/drift`)).json(), { model: 'plain', features: [] });
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models/plain/drift/x`)).json(), { model: 'plain', feature: 'x' });
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models/plain/quality`)).json(), { model: 'plain', accuracy: null });
    });

    it('serves the resources of one model, GET only', async () => {
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models/plain/resources`)).json(), { model: 'plain', instances: [] });
      assert.equal((await fetch(`${server.url}/api/v1/models/plain/resources`, { method: 'POST' })).status, 405);
      assert.equal((await fetch(`${server.url}/api/v1/models/unknown/resources`)).status, 404);
      assert.equal((await fetch(`${server.url}/api/v1/models/plain/resources/x`)).status, 404);
    });

    it('serves the alerts of every model and of one model', async () => {
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/alerts`)).json(), { active: [{ labels: { alertname: 'A' } }], resolved: [], model: null });
      assert.deepEqual(await (await fetch(`${server.url}/api/v1/models/plain/alerts`)).json(), { active: [], resolved: [], model: 'plain' });
      assert.equal((await fetch(`${server.url}/api/v1/alerts`, { method: 'POST' })).status, 405);
      assert.equal((await fetch(`${server.url}/api/v1/models/unknown/alerts`)).status, 404);
    });

    it('answers 404 with a message naming the unknown model or feature', async () => {
      const r = await fetch(`${server.url}/api/v1/models/nope/drift`);
      assert.equal(r.status, 404);
      assert.deepEqual(await r.json(), { error: { code: 'MW_UNKNOWN_MODEL', message: 'unknown model "nope"' } });
      const f = await fetch(`${server.url}/api/v1/models/plain/drift/y`);
      assert.equal(f.status, 404);
      assert.match(((await f.json()) as { error: { message: string } }).error.message, /no feature "y"/);
      assert.equal((await fetch(`${server.url}/elsewhere`)).status, 404);
      // Regression: malformed percent-encoding answered 500.
      const bad = await fetch(`${server.url}/api/v1/models/%E0%A4%A`);
      assert.equal(bad.status, 400);
    });

    it('replaces and resets a baseline, refusing a bad one with 400 and the reason', async () => {
      const url = `${server.url}/api/v1/models/plain/baseline`;
      const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"format":"x"}' });
      assert.equal(put.status, 200);
      assert.deepEqual(b.baselines.get('plain'), { format: 'x' });
      const bad = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: { message: string } }).error.message, /invalid baseline: format: required/);
      const notJson = await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{' });
      assert.equal(notJson.status, 400);
      const wrongType = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: '{}' });
      assert.equal(wrongType.status, 415);
      assert.equal((await fetch(url, { method: 'DELETE' })).status, 200);
      assert.equal(b.baselines.has('plain'), false);
      assert.equal((await fetch(url, { method: 'POST' })).status, 405);
    });

    it('answers 503 MW_STORE_BUSY with Retry-After when the store is locked by another process (regression: 400 "invalid baseline", 500)', async () => {
      const url = `${server.url}/api/v1/models/plain/baseline`;
      const { setBaseline, resetBaseline } = b;
      // As better-sqlite3 throws it, and as a deferred checkpoint rejects.
      b.setBaseline = () => {
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      };
      b.resetBaseline = () => Promise.reject(new StoreBusyError('cannot write the checkpoint: database is locked'));
      try {
        for (const method of ['PUT', 'DELETE']) {
          const r = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: '{"format":"x"}' });
          assert.equal(r.status, 503, method);
          assert.equal(r.headers.get('retry-after'), '1');
          const { error } = (await r.json()) as { error: { code: string; message: string } };
          assert.equal(error.code, 'MW_STORE_BUSY');
          assert.match(error.message, /locked by another process.*retry: .*database is locked/);
        }
      } finally {
        Object.assign(b, { setBaseline, resetBaseline });
      }
    });
  });

  describe('startHttpServer with an auth token', () => {
    it('requires the bearer token everywhere but /healthz', async () => {
      const token = 'secret-token-0123456789';
      const server = await startHttpServer({
        host: '127.0.0.1', port: 0, backend: backend(), ready: () => true, authToken: token,
        metrics: (_q, res) => res.end(''),
      });
      try {
        assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
        assert.equal((await fetch(`${server.url}/api/v1/models`)).status, 401);
        assert.equal((await fetch(`${server.url}/api/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
        assert.equal((await fetch(`${server.url}/api/v1/models`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      } finally {
        await server.close();
      }
    });
  });
});
