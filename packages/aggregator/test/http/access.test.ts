// Access to the HTTP API (issue 16, "Access"): state-changing routes need the
// token whichever way it is got wrong, the Bearer scheme is case-insensitive,
// and every answer — data, dashboard file, health, metrics or error — carries
// the security headers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer, SECURITY_HEADERS, type ApiBackend, type StartedServer } from '../../src/http/server.js';
import { loadDashboardAssets } from '../../src/dashboard/assets.js';

const TOKEN = 'api-token-0123456789abcdef';
const WRONG = 'not-the-token-0123456789';

/** A backend that records the state changes it was asked for. */
function backend(): ApiBackend & { changes: string[] } {
  const changes: string[] = [];
  return {
    changes,
    listModels: () => [{ name: 'm' }],
    hasModel: (n) => n === 'm' || n === 'broken',
    modelStatus: (n) => {
      if (n === 'broken') throw new Error('backend failure');
      return { name: n };
    },
    driftReport: (n) => ({ model: n, features: [] }),
    qualityReport: (n) => ({ model: n }),
    featureDistributions: (n, f) => (f === 'x' ? { model: n, feature: f } : undefined),
    setBaseline: (n) => void changes.push(`set ${n}`),
    resetBaseline: (n) => void changes.push(`reset ${n}`),
    alerts: () => ({ active: [], resolved: [] }),
    readiness: () => ({}),
    resources: (n) => ({ model: n, instances: [] }),
    predictionDistributions: (n) => ({ model: n }),
    history: (n, signal) => (signal === undefined ? { body: { model: n, signals: [] } } : { known: [] }),
  };
}

/** Every way of not presenting the token that a client might try. */
const NOT_THE_TOKEN: readonly { name: string; headers: Record<string, string>; query?: string }[] = [
  { name: 'no token', headers: {} },
  { name: 'a wrong token', headers: { authorization: `Bearer ${WRONG}` } },
  { name: 'a wrong token of the same length', headers: { authorization: `Bearer ${TOKEN.replace(/.$/, 'X')}` } },
  { name: 'the token in X-Api-Key', headers: { 'x-api-key': TOKEN } },
  { name: 'the token as Basic credentials', headers: { authorization: `Basic ${Buffer.from(`modelwatch:${TOKEN}`).toString('base64')}` } },
  { name: 'the token as Basic credentials, unencoded', headers: { authorization: `Basic ${TOKEN}` } },
  { name: 'the token without a scheme', headers: { authorization: TOKEN } },
  { name: 'the token under another scheme', headers: { authorization: `Token ${TOKEN}` } },
  { name: 'an empty Bearer', headers: { authorization: 'Bearer ' } },
  { name: 'the token in a cookie', headers: { cookie: `token=${TOKEN}` } },
  { name: 'the token in the query (RFC 6750 2.3, not supported)', headers: {}, query: `?access_token=${TOKEN}` },
];

const ADMIN: readonly { method: string; body?: string }[] = [
  { method: 'PUT', body: JSON.stringify({ format: 'modelwatch.baseline/v1' }) },
  { method: 'DELETE' },
];

describe('http access', () => {
  describe('startHttpServer with a token', () => {
    let server: StartedServer;
    const b = backend();
    const metrics = { served: 0 };
    before(async () => {
      server = await startHttpServer({
        host: '127.0.0.1',
        port: 0,
        backend: b,
        ready: () => true,
        authToken: TOKEN,
        maxBodyBytes: 1024,
        dashboard: loadDashboardAssets(),
        metrics: (_req, res) => {
          metrics.served++;
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end('# metrics\n');
        },
      });
    });
    after(() => server.close());

    for (const op of ADMIN) {
      for (const attempt of NOT_THE_TOKEN) {
        it(`refuses ${op.method} baseline with ${attempt.name}: 401, a Bearer challenge, no change`, async () => {
          const before = b.changes.length;
          const res = await fetch(`${server.url}/api/v1/models/m/baseline${attempt.query ?? ''}`, {
            method: op.method,
            headers: { ...(op.body !== undefined ? { 'content-type': 'application/json' } : {}), ...attempt.headers },
            ...(op.body !== undefined ? { body: op.body } : {}),
          });
          assert.equal(res.status, 401);
          assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="modelwatch"');
          const text = await res.text();
          assert.deepEqual(JSON.parse(text), {
            error: { code: 'MW_UNAUTHORIZED', message: 'missing or wrong bearer token: send the header "authorization: Bearer <token>"' },
          });
          assert.ok(!text.includes(TOKEN) && !text.includes(WRONG), 'the body repeats no token');
          assert.equal(b.changes.length, before, 'the backend was not asked to change anything');
        });
      }
    }

    it('refuses before reading the body: an unauthenticated upload past the body limit is a 401, not a 413, and its connection is closed', async () => {
      const res = await fetch(`${server.url}/api/v1/models/m/baseline`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(64 * 1024) });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('connection'), 'close', 'the unread body is not drained');
      await res.arrayBuffer();
    });

    it('refuses before looking the model up: no token, no telling which models exist', async () => {
      for (const path of ['/api/v1/models/m', '/api/v1/models/nope', '/api/v1/models/nope/baseline', '/no-such-route']) {
        assert.equal((await fetch(`${server.url}${path}`)).status, 401, path);
      }
    });

    it('accepts the token with the Bearer scheme in any case (RFC 9110 11.1)', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const before = b.changes.length;
        const put = await fetch(`${server.url}/api/v1/models/m/baseline`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json', authorization: `${scheme} ${TOKEN}` },
          body: ADMIN[0]?.body ?? '',
        });
        assert.equal(put.status, 200, scheme);
        const del = await fetch(`${server.url}/api/v1/models/m/baseline`, { method: 'DELETE', headers: { authorization: `${scheme} ${TOKEN}` } });
        assert.equal(del.status, 200, scheme);
        assert.deepEqual(b.changes.slice(before), ['set m', 'reset m'], scheme);
      }
    });

    it('requires the token on every read route too, /metrics and /readyz included, but not on /healthz and the dashboard files', async () => {
      for (const path of ['/metrics', '/readyz', '/api/v1/models', '/api/v1/alerts', '/api/v1/models/m/drift', '/api/v1/models/m/quality', '/api/v1/models/m/history']) {
        assert.equal((await fetch(`${server.url}${path}`)).status, 401, path);
        assert.equal((await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, path);
      }
      assert.equal(metrics.served, 1, '/metrics ran only with the token');
      for (const path of ['/healthz', '/', '/ui/app.js']) assert.equal((await fetch(`${server.url}${path}`)).status, 200, path);
    });

    it('sends the security headers on every response: data, dashboard, health, metrics and every kind of error', async () => {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const json = { ...auth, 'content-type': 'application/json' };
      const routes: readonly { method?: string; path: string; headers?: Record<string, string>; body?: string; status: number }[] = [
        { path: '/', status: 200 },
        { path: '/ui/app.js', status: 200 },
        { path: '/ui/app.css', status: 200 },
        { path: '/ui/no-such-file.js', status: 404 },
        { method: 'POST', path: '/', status: 405 },
        { path: '/healthz', status: 200 },
        { path: '/readyz', headers: auth, status: 200 },
        { path: '/metrics', headers: auth, status: 200 },
        { method: 'HEAD', path: '/metrics', headers: auth, status: 200 },
        { method: 'POST', path: '/metrics', headers: auth, status: 405 },
        { path: '/api/v1/models', headers: auth, status: 200 },
        { path: '/api/v1/models/m', headers: auth, status: 200 },
        { path: '/api/v1/models/m/drift', headers: auth, status: 200 },
        { path: '/api/v1/models/m/drift/x', headers: auth, status: 200 },
        { path: '/api/v1/models/m/drift/missing', headers: auth, status: 404 },
        { path: '/api/v1/models/m/alerts', headers: auth, status: 200 },
        { path: '/api/v1/alerts', headers: auth, status: 200 },
        { path: '/api/v1/models/m/history', headers: auth, status: 200 },
        { path: '/api/v1/models/m/history?since=soon', headers: auth, status: 400 },
        { path: '/api/v1/models/m/history?signal=none', headers: auth, status: 404 },
        { path: '/api/v1/models/m/predictions', headers: auth, status: 200 },
        { path: '/api/v1/models/m/resources', headers: auth, status: 200 },
        { path: '/api/v1/models/m/quality', headers: auth, status: 200 },
        { path: '/api/v1/models/unknown', headers: auth, status: 404 },
        { path: '/api/v1/models/%E0%A4%A', headers: auth, status: 400 },
        { path: '/no-such-route', headers: auth, status: 404 },
        { method: 'POST', path: '/api/v1/models', headers: auth, status: 405 },
        { path: '/api/v1/models', status: 401 },
        { method: 'PUT', path: '/api/v1/models/m/baseline', headers: json, body: '{', status: 400 },
        { method: 'PUT', path: '/api/v1/models/m/baseline', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}', status: 415 },
        { method: 'PUT', path: '/api/v1/models/m/baseline', headers: json, body: `"${'x'.repeat(2048)}"`, status: 413 },
        { method: 'PUT', path: '/api/v1/models/m/baseline', headers: json, body: '{}', status: 200 },
        { method: 'DELETE', path: '/api/v1/models/m/baseline', headers: auth, status: 200 },
        { method: 'PATCH', path: '/api/v1/models/m/baseline', headers: auth, status: 405 },
        { path: '/api/v1/models/broken', headers: auth, status: 500 },
      ];
      for (const r of routes) {
        const what = `${r.method ?? 'GET'} ${r.path}`;
        const res = await fetch(`${server.url}${r.path}`, {
          method: r.method ?? 'GET',
          headers: r.headers ?? {},
          ...(r.body !== undefined ? { body: r.body } : {}),
        });
        await res.arrayBuffer();
        assert.equal(res.status, r.status, what);
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, `${what}: ${name}`);
      }
    });

    it('has a policy with each of the headers the issue asks for', () => {
      assert.match(SECURITY_HEADERS['content-security-policy'] ?? '', /default-src 'none'.*frame-ancestors 'none'/);
      assert.equal(SECURITY_HEADERS['x-content-type-options'], 'nosniff');
      assert.equal(SECURITY_HEADERS['referrer-policy'], 'no-referrer');
      assert.equal(SECURITY_HEADERS['x-frame-options'], 'DENY');
    });
  });

  describe('startHttpServer', () => {
    it('refuses a token too short to configure, without repeating it', async () => {
      await assert.rejects(
        startHttpServer({ host: '127.0.0.1', port: 0, backend: backend(), ready: () => true, metrics: () => undefined, authToken: 'short-secret' }),
        (err: Error) => err instanceof RangeError && !err.message.includes('short-secret'),
      );
    });
  });
});
