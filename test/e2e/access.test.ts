/**
 * Access to a real `modelwatch serve` (issue 16, "Access"): with separate OTLP
 * and API tokens set in the environment, every failing request — wrong token,
 * missing token, token in the wrong header, one listener's token on the other —
 * is refused on all three listeners, and no token, configured or presented,
 * shows up in the process's stdout or stderr or in an error body. The security
 * headers are on the real /metrics and /healthz. A token refused by the
 * configuration, and a non-loopback listener without a token, stop the process
 * before anything is bound, with the listener named and the token not repeated.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { MODELWATCH_BIN, startAggregator, tempDir } from '../helpers/aggregator.js';

const SHARED = 'e2e-shared-token-0123456789';
const OTLP = 'e2e-otlp-token-0123456789';
const API = 'e2e-api-token-0123456789';
const WRONG = ['e2e-wrong-token-aaaaaaaaaa', 'e2e-wrong-token-bbbbbbbbbb', 'short-wrong'];
const SECRETS = [SHARED, OTLP, API, ...WRONG];

const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options'];

/** Every wrong way to present a token to an HTTP listener whose right token is `right`. */
function wrongHeaders(right: string, otherListenerToken: string): Record<string, string>[] {
  return [
    {},
    ...WRONG.map((w) => ({ authorization: `Bearer ${w}` })),
    { authorization: `Bearer ${otherListenerToken}` },
    { 'x-api-key': right },
    { authorization: `Basic ${Buffer.from(`modelwatch:${right}`).toString('base64')}` },
    { authorization: right },
  ];
}

function grpcCall(address: string, metadata: grpc.Metadata): Promise<grpc.ServiceError | null> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      new Uint8Array(0),
      metadata,
      (err) => {
        client.close();
        resolve(err);
      },
    );
  });
}

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains a token (${s.slice(0, 8)}...):\n${text}`);
}

describe('modelwatch serve access', () => {
  it('refuses every wrong way in on every listener, and never prints or echoes a token', async () => {
    const agg = await startAggregator('models: []\n', {
      env: { MODELWATCH_AUTH_TOKEN: SHARED, MODELWATCH_OTLP_AUTH_TOKEN: OTLP, MODELWATCH_API_AUTH_TOKEN: API },
    });
    let stdout = JSON.stringify(agg.addresses);
    agg.process.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const bodies: string[] = [];
    try {
      const { otlpHttp, otlpGrpc, http } = agg.addresses;

      // OTLP/HTTP: 401 with a challenge for each wrong way, both signals.
      for (const headers of wrongHeaders(OTLP, API)) {
        for (const signal of ['metrics', 'logs']) {
          const r = await fetch(`${otlpHttp}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
          bodies.push(await r.text());
          assert.equal(r.status, 401, `OTLP/HTTP ${signal} ${JSON.stringify(headers)}`);
          assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="modelwatch"');
        }
      }
      const accepted = await fetch(`${otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `bearer ${OTLP}` }, body: '{}' });
      assert.equal(accepted.status, 200, 'the OTLP token, scheme in lower case');

      // OTLP/gRPC: UNAUTHENTICATED for each wrong way.
      assert.ok(otlpGrpc);
      const grpcAddress = otlpGrpc.replace(/^http:\/\//, '');
      for (const pairs of wrongHeaders(OTLP, API)) {
        const md = new grpc.Metadata();
        for (const [k, v] of Object.entries(pairs)) md.set(k, v);
        const err = await grpcCall(grpcAddress, md);
        assert.equal(err?.code, grpc.status.UNAUTHENTICATED, `OTLP/gRPC ${JSON.stringify(pairs)}: ${err?.message}`);
        bodies.push(err?.message ?? '');
      }
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${OTLP}`);
      assert.equal(await grpcCall(grpcAddress, md), null, 'the OTLP token over gRPC');

      // API: reads and admin operations, 401 with a challenge for each wrong way.
      for (const headers of wrongHeaders(API, OTLP)) {
        for (const [method, path] of [['GET', '/api/v1/models'], ['GET', '/metrics'], ['PUT', '/api/v1/models/m/baseline'], ['DELETE', '/api/v1/models/m/baseline']] as const) {
          const r = await fetch(`${http}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'PUT' ? { body: '{}' } : {}) });
          bodies.push(await r.text());
          assert.equal(r.status, 401, `API ${method} ${path} ${JSON.stringify(headers)}`);
          assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="modelwatch"');
          for (const h of SECURITY_HEADERS) assert.ok(r.headers.get(h), `${method} ${path} 401: ${h}`);
        }
      }
      const listed = await fetch(`${http}/api/v1/models`, { headers: { authorization: `Bearer ${API}` } });
      assert.equal(listed.status, 200, 'the API token');

      // The security headers on the real /metrics and /healthz.
      for (const [path, headers] of [['/metrics', { authorization: `Bearer ${API}` }], ['/healthz', {}]] as const) {
        const r = await fetch(`${http}${path}`, { headers });
        await r.arrayBuffer();
        assert.equal(r.status, 200, path);
        for (const h of SECURITY_HEADERS) assert.ok(r.headers.get(h), `${path}: ${h}`);
      }
    } finally {
      assert.equal(await agg.stop('SIGTERM'), 0, agg.stderr());
    }
    bodies.forEach((b, i) => assertNoSecret(b, `error body ${i}`));
    assert.ok(bodies.every((b) => /missing or wrong bearer token/.test(b)), 'every refusal says why');
    assertNoSecret(stdout, 'stdout');
    assertNoSecret(agg.stderr(), 'stderr');
  });

  it('stops on a token the configuration refuses, naming the key but not repeating the token', () => {
    for (const [name, value] of [['MODELWATCH_AUTH_TOKEN', 'short-wrong'], ['MODELWATCH_OTLP_AUTH_TOKEN', 'e2e wrong token with spaces'], ['MODELWATCH_API_AUTH_TOKEN', 'short-wrong']] as const) {
      const r = spawnSync(process.execPath, [MODELWATCH_BIN, 'serve', '--data-dir', tempDir()], {
        env: { ...process.env, [name]: value },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 2, r.stderr);
      const key = { MODELWATCH_AUTH_TOKEN: 'authToken', MODELWATCH_OTLP_AUTH_TOKEN: 'otlpAuthToken', MODELWATCH_API_AUTH_TOKEN: 'apiAuthToken' }[name];
      assert.match(r.stderr, new RegExp(`server\\.${key}: must be`));
      assert.ok(!r.stderr.includes(value) && !r.stdout.includes(value), r.stderr);
    }
  });

  it('stops before binding when a listener is exposed without its token, naming each listener', () => {
    // Validated when the configuration loads: nothing is bound, so the test binds no public address.
    const r = spawnSync(
      process.execPath,
      [MODELWATCH_BIN, 'serve', '--data-dir', tempDir(), '--otlp', '0.0.0.0:0', '--otlp-grpc', '[::]:0', '--http', '0.0.0.0:0'],
      { env: { ...process.env, MODELWATCH_OTLP_AUTH_TOKEN: OTLP }, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /server\.http: binding the HTTP API to the non-loopback address 0\.0\.0\.0:0 requires server\.authToken or server\.apiAuthToken/);
    assert.doesNotMatch(r.stderr, /server\.otlpHttp|server\.otlpGrpc/, 'the receivers have their token');
    assert.equal(r.stdout, '', 'never got ready');
    assertNoSecret(r.stderr, 'stderr');
  });
});
