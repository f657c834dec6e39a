import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpServer, SECURITY_HEADERS, type ApiBackend, type StartedServer } from '../../src/http/server.js';
import { DEFAULT_UI_DIR, loadDashboardAssets } from '../../src/dashboard/assets.js';
import { scratchDir } from '../helpers/scratch.js';

/** The dashboard routes never reach the backend: any call is a failure of the test. */
const untouched = new Proxy({} as ApiBackend, {
  get: (_t, name) => () => {
    throw new Error(`the dashboard route called backend.${String(name)}`);
  },
});

describe('dashboard', () => {
  describe('loadDashboardAssets', () => {
    const empty = scratchDir('mw-ui-');
    it('reads the built page, script and style sheet, with the page on / too', () => {
      const a = loadDashboardAssets(DEFAULT_UI_DIR);
      assert.ok(a.ok, a.ok ? '' : a.reason);
      for (const p of ['/', '/ui/index.html', '/ui/app.js', '/ui/app.css', '/ui/favicon.svg']) assert.ok(a.files.has(p), p);
      assert.equal(a.files.get('/'), a.files.get('/ui/index.html'));
      assert.match(a.files.get('/ui/app.js')?.contentType ?? '', /^text\/javascript/);
    });

    it('says how to build it when the directory holds no page', () => {
      const a = loadDashboardAssets(empty.path(''));
      assert.equal(a.ok, false);
      assert.match(a.ok ? '' : a.reason, /not built.*npm run build/);
    });

    it('the page loads only its own files: no inline script or style', () => {
      const a = loadDashboardAssets();
      assert.ok(a.ok);
      const html = a.files.get('/')?.body.toString('utf8') ?? '';
      assert.match(html, /<script type="module" src="\/ui\/app\.js"><\/script>/);
      assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]+<\/script>|<style|\sstyle=|\son[a-z]+=/i);
      assert.doesNotMatch(html, /https?:\/\//, 'nothing from elsewhere');
    });
  });

  describe('served by the HTTP API', () => {
    const empty = scratchDir('mw-ui-');
    let server: StartedServer;
    let unbuilt: StartedServer;
    before(async () => {
      const base = { host: '127.0.0.1', port: 0, backend: untouched, ready: () => true, metrics: () => undefined };
      server = await startHttpServer({ ...base, authToken: 's3cret-s3cret-s3cret', dashboard: loadDashboardAssets() });
      unbuilt = await startHttpServer({ ...base, dashboard: loadDashboardAssets(empty.path('')) });
    });
    after(async () => {
      await server?.close();
      await unbuilt?.close();
    });

    it('serves the page and its files without the token (they hold no telemetry), with the security headers', async () => {
      for (const path of ['/', '/ui/app.js', '/ui/app.css']) {
        const res = await fetch(`${server.url}${path}`);
        assert.equal(res.status, 200, path);
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, `${path} ${name}`);
        assert.ok((await res.arrayBuffer()).byteLength > 100);
      }
    });

    it('forbids inline script and framing in its policy', () => {
      const csp = SECURITY_HEADERS['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.match(csp, /frame-ancestors 'none'/);
    });

    it('still requires the token for the API, and sends the security headers on its errors too', async () => {
      const res = await fetch(`${server.url}/api/v1/models`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('content-security-policy'), SECURITY_HEADERS['content-security-policy']);
    });

    it('answers 304 to a matching If-None-Match, and 404 for a file it does not have', async () => {
      const first = await fetch(`${server.url}/ui/app.js`);
      const etag = first.headers.get('etag');
      assert.ok(etag);
      const again = await fetch(`${server.url}/ui/app.js`, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      const missing = await fetch(`${server.url}/ui/%2e%2e%2f%2e%2e%2fpackage.json`);
      assert.equal(missing.status, 404);
      const other = await fetch(`${server.url}/ui/nothing.js`);
      assert.equal(other.status, 404);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, 'MW_NOT_FOUND');
    });

    it('refuses other methods', async () => {
      const res = await fetch(`${server.url}/`, { method: 'POST' });
      assert.equal(res.status, 405);
    });

    it('answers 503 naming the build step when the package was not built', async () => {
      const res = await fetch(`${unbuilt.url}/`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'MW_DASHBOARD_NOT_BUILT');
      assert.match(body.error.message, /npm run build/);
    });
  });
});
