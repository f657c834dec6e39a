// Access through the running service (issue 16, "Access"): TLS on every
// listener — OTLP/HTTP and OTLP/gRPC fed by the SDK's exporters trusting a
// throwaway self-signed certificate, the API over https — plain text refused on
// each TLS port, and separate OTLP and API tokens, each opening only its own listeners.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import { validateConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';
import { SECURITY_HEADERS } from '../src/http/server.js';
import { opensslMissing, selfSignedCert, type SelfSigned } from './helpers/self-signed.js';
import { sdkMeter } from './receiver/sdk-data.js';

const OTLP_TOKEN = 'otlp-token-0123456789abcdef';
const API_TOKEN = 'api-token-0123456789abcdef';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with node's own clients (fetch takes no CA); rejects when no HTTP answer comes. */
function get(url: string, options: { ca?: Buffer; headers?: Record<string, string>; method?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, ...(options.ca ? { ca: options.ca } : {}), timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

async function sample(model: string): Promise<SdkResourceMetrics> {
  const sdk = sdkMeter({ temporality: 'delta', resource: { 'service.name': 'svc', 'ml.model.name': model } });
  sdk.meter.createCounter('ml.predictions').add(5, { 'ml.prediction.label': 'a' });
  const rm = await sdk.collect();
  await sdk.shutdown();
  return rm;
}

function exportWith(exporter: { export(rm: SdkResourceMetrics, cb: (r: ExportResult) => void): void; shutdown(): Promise<void> }, rm: SdkResourceMetrics): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => exporter.export(rm, resolve)).finally(() => exporter.shutdown());
}

function bearer(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

const skip = opensslMissing();

describe('startService access', { skip }, () => {
  let dir: string;
  let tls: SelfSigned;
  let service: RunningService;
  const logged: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mw-access-'));
    tls = selfSignedCert(dir);
    const config = validateConfig(
      {
        dataDir: join(dir, 'data'),
        server: {
          otlpHttp: '127.0.0.1:0', otlpGrpc: '127.0.0.1:0', http: '127.0.0.1:0',
          otlpAuthToken: OTLP_TOKEN, apiAuthToken: API_TOKEN, tls: { cert: tls.cert, key: tls.key },
        },
      },
      dir,
      'test',
    );
    service = await startService(config, { log: (m) => logged.push(m) });
  });
  after(async () => {
    await service?.close();
    // The key is a throwaway, but it does not outlive the test.
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports https addresses for every listener', () => {
    assert.match(service.addresses.otlpHttp, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(service.addresses.otlpGrpc ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(service.addresses.http, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('takes OTLP/HTTP over TLS from the SDK exporter trusting the certificate, with the OTLP token only', async () => {
    const url = `${service.addresses.otlpHttp}/v1/metrics`;
    const ok = await exportWith(new ProtoMetricExporter({ url, headers: { authorization: `Bearer ${OTLP_TOKEN}` }, httpAgentOptions: { ca: tls.ca } }), await sample('over-https'));
    assert.equal(ok.code, ExportResultCode.SUCCESS, String(ok.error));
    const apiToken = await exportWith(new ProtoMetricExporter({ url, headers: { authorization: `Bearer ${API_TOKEN}` }, httpAgentOptions: { ca: tls.ca } }), await sample('wrong-token'));
    assert.equal(apiToken.code, ExportResultCode.FAILED, 'the API token does not open the OTLP receiver');
    const untrusted = await exportWith(new ProtoMetricExporter({ url, headers: { authorization: `Bearer ${OTLP_TOKEN}` } }), await sample('untrusted'));
    assert.equal(untrusted.code, ExportResultCode.FAILED, 'a client that does not trust the certificate gets nowhere');
  });

  it('takes OTLP/gRPC over TLS from the SDK exporter trusting the certificate, with the OTLP token only', async () => {
    const url = service.addresses.otlpGrpc ?? '';
    const ok = await exportWith(new GrpcMetricExporter({ url, credentials: grpc.credentials.createSsl(tls.ca), metadata: bearer(OTLP_TOKEN) }), await sample('over-grpcs'));
    assert.equal(ok.code, ExportResultCode.SUCCESS, String(ok.error));
    const apiToken = await exportWith(new GrpcMetricExporter({ url, credentials: grpc.credentials.createSsl(tls.ca), metadata: bearer(API_TOKEN) }), await sample('wrong-token'));
    assert.equal(apiToken.code, ExportResultCode.FAILED, 'the API token does not open the gRPC receiver');
    assert.match(String(apiToken.error), /UNAUTHENTICATED|missing or wrong bearer token/);
  });

  it('serves the API over https with the API token only, and the OTLP data sent over TLS is there', async () => {
    const models = await get(`${service.addresses.http}/api/v1/models`, { ca: tls.ca, headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(models.status, 200, models.body);
    const names = (JSON.parse(models.body) as { models: { name: string }[] }).models.map((m) => m.name).sort();
    assert.deepEqual(names, ['over-grpcs', 'over-https']);
    const otlpToken = await get(`${service.addresses.http}/api/v1/models`, { ca: tls.ca, headers: { authorization: `Bearer ${OTLP_TOKEN}` } });
    assert.equal(otlpToken.status, 401, 'the OTLP token does not open the API');
    for (const path of ['/healthz', '/metrics']) {
      const r = await get(`${service.addresses.http}${path}`, { ca: tls.ca, headers: { authorization: `Bearer ${API_TOKEN}` } });
      assert.equal(r.status, 200, path);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(r.headers[name], value, `${path} ${name}`);
    }
    await assert.rejects(get(`${service.addresses.http}/healthz`), /self[- ]signed/i, 'a client that does not trust the certificate gets nowhere');
  });

  it('answers nothing to plain text on a TLS port', async () => {
    for (const url of [service.addresses.http, service.addresses.otlpHttp]) {
      const plain = url.replace(/^https:/, 'http:');
      await assert.rejects(get(`${plain}/healthz`), (err: Error) => /socket hang up|ECONNRESET|EPIPE|timed out|Parse Error/i.test(`${err.message} ${(err as NodeJS.ErrnoException).code}`), plain);
    }
    const insecure = await exportWith(
      new GrpcMetricExporter({ url: (service.addresses.otlpGrpc ?? '').replace(/^https:/, 'http:'), credentials: grpc.credentials.createInsecure(), metadata: bearer(OTLP_TOKEN), timeoutMillis: 3000 }),
      await sample('plain-grpc'),
    );
    assert.equal(insecure.code, ExportResultCode.FAILED, 'plain-text gRPC to the TLS port');
  });

  it('logged neither token', () => {
    const all = logged.join('\n');
    assert.ok(!all.includes(OTLP_TOKEN) && !all.includes(API_TOKEN), all);
  });
});
