// Access to the OTLP receivers (issue 16, "Access"): with a token configured,
// nothing is ingested without it, whichever way it is got wrong; the refusal is
// 401 with a Bearer challenge (HTTP) or UNAUTHENTICATED (gRPC) and a message
// that says how to send it; the Bearer scheme is case-insensitive; and the SDK's
// exporters, given the token, get through.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import { createHttpReceiver, type HttpReceiver } from '../../src/receiver/http.js';
import { createGrpcReceiver, type GrpcReceiver } from '../../src/receiver/grpc.js';
import { RpcCode } from '../../src/receiver/otlp/encode-response.js';
import { RecordingSink } from './recording-sink.js';
import { sdkMeter } from './sdk-data.js';

const TOKEN = 'otlp-token-0123456789abcdef';
const WRONG = 'not-the-token-0123456789';
const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

async function sample(): Promise<SdkResourceMetrics> {
  const sdk = sdkMeter({ temporality: 'delta' });
  sdk.meter.createCounter('ml.predictions').add(3, { 'ml.prediction.label': 'a' });
  const rm = await sdk.collect();
  await sdk.shutdown();
  return rm;
}

/** Every way of not presenting the token, as `authorization`-style pairs (HTTP headers or gRPC metadata). */
const NOT_THE_TOKEN: readonly { name: string; pairs: Record<string, string> }[] = [
  { name: 'no token', pairs: {} },
  { name: 'a wrong token', pairs: { authorization: `Bearer ${WRONG}` } },
  { name: 'a wrong token of the same length', pairs: { authorization: `Bearer ${TOKEN.replace(/.$/, 'X')}` } },
  { name: 'the token in x-api-key', pairs: { 'x-api-key': TOKEN } },
  { name: 'the token as Basic credentials', pairs: { authorization: `Basic ${Buffer.from(`otlp:${TOKEN}`).toString('base64')}` } },
  { name: 'the token without a scheme', pairs: { authorization: TOKEN } },
  { name: 'the token under another scheme', pairs: { authorization: `Token ${TOKEN}` } },
  { name: 'an empty Bearer', pairs: { authorization: 'Bearer' } },
];

function exportWith(exporter: { export(rm: SdkResourceMetrics, cb: (r: ExportResult) => void): void }, rm: SdkResourceMetrics): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(rm, resolve));
}

interface CallResult {
  err: grpc.ServiceError | null;
}

function call(address: string, path: string, body: Uint8Array, metadata: grpc.Metadata): Promise<CallResult> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, body, metadata, (err) => {
      client.close();
      resolve({ err });
    });
  });
}

function metadataOf(pairs: Record<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(pairs)) md.set(k, v);
  return md;
}

describe('receiver access', () => {
  let rm: SdkResourceMetrics;
  let protobuf: Uint8Array;
  before(async () => {
    rm = await sample();
    protobuf = ProtobufMetricsSerializer.serializeRequest(rm) ?? new Uint8Array(0);
  });

  describe('createHttpReceiver with a token', () => {
    const sink = new RecordingSink();
    let rx: HttpReceiver;
    before(async () => {
      rx = await createHttpReceiver({ sink, port: 0, authToken: TOKEN });
    });
    after(() => rx.close());

    for (const attempt of NOT_THE_TOKEN) {
      for (const encoding of ['protobuf', 'json'] as const) {
        it(`refuses ${encoding} with ${attempt.name}: 401, a Bearer challenge, a google.rpc.Status, nothing ingested`, async () => {
          const before = sink.metrics.length + sink.logs.length;
          for (const path of ['/v1/metrics', '/v1/logs']) {
            const res = await fetch(`${rx.url}${path}`, {
              method: 'POST',
              headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf', ...attempt.pairs },
              body: encoding === 'json' ? '{}' : path === '/v1/metrics' ? protobuf : new Uint8Array(0),
            });
            assert.equal(res.status, 401, path);
            assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="modelwatch"');
            const body = Buffer.from(await res.arrayBuffer()).toString('latin1');
            if (encoding === 'json') {
              assert.deepEqual(JSON.parse(body), { code: RpcCode.UNAUTHENTICATED, message: 'missing or wrong bearer token: send the header "authorization: Bearer <token>"', details: [] });
            } else {
              assert.match(body, /missing or wrong bearer token/);
            }
            assert.ok(!body.includes(TOKEN) && !body.includes(WRONG), 'the body repeats no token');
          }
          assert.equal(sink.metrics.length + sink.logs.length, before, 'nothing reached the sink');
        });
      }
    }

    it('refuses before decoding: undecodable data without the token is 401, not 400', async () => {
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0xff, 0xff, 0xff]) });
      assert.equal(res.status, 401);
    });

    it('lets the SDK exporter through with the token, the scheme in any case, and fails it without', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const before = sink.metrics.length;
        const exporter = new ProtoMetricExporter({ url: `${rx.url}/v1/metrics`, headers: { authorization: `${scheme} ${TOKEN}` } });
        const result = await exportWith(exporter, rm);
        await exporter.shutdown();
        assert.equal(result.code, ExportResultCode.SUCCESS, `${scheme}: ${String(result.error)}`);
        assert.equal(sink.metrics.length, before + 1, scheme);
      }
      const before = sink.metrics.length;
      const wrong = new ProtoMetricExporter({ url: `${rx.url}/v1/metrics`, headers: { authorization: `Bearer ${WRONG}` } });
      const failed = await exportWith(wrong, rm);
      await wrong.shutdown();
      assert.equal(failed.code, ExportResultCode.FAILED);
      assert.equal(sink.metrics.length, before);
    });
  });

  describe('createGrpcReceiver with a token', () => {
    const sink = new RecordingSink();
    let rx: GrpcReceiver;
    let address: string;
    before(async () => {
      rx = await createGrpcReceiver({ sink, port: 0, authToken: TOKEN });
      address = `127.0.0.1:${rx.address.port}`;
    });
    after(() => rx.close());

    for (const attempt of NOT_THE_TOKEN) {
      it(`refuses with ${attempt.name}: UNAUTHENTICATED with a clear message, nothing ingested`, async () => {
        const before = sink.metrics.length + sink.logs.length;
        for (const [path, body] of [[METRICS, protobuf], [LOGS, new Uint8Array(0)]] as const) {
          const { err } = await call(address, path, body, metadataOf(attempt.pairs));
          assert.equal(err?.code, grpc.status.UNAUTHENTICATED, `${path}: ${err?.message}`);
          assert.equal(err?.details, 'missing or wrong bearer token: send the metadata "authorization: Bearer <token>"');
          assert.ok(!err?.message.includes(TOKEN) && !err?.message.includes(WRONG));
        }
        assert.equal(sink.metrics.length + sink.logs.length, before, 'nothing reached the sink');
      });
    }

    it('refuses before decoding: undecodable or oversized data without the token is UNAUTHENTICATED', async () => {
      assert.equal((await call(address, METRICS, new Uint8Array([0xff, 0xff, 0xff]), new grpc.Metadata())).err?.code, grpc.status.UNAUTHENTICATED);
      // Past the size limit: the message is never read, so the answer is not RESOURCE_EXHAUSTED.
      const small = await createGrpcReceiver({ sink, port: 0, authToken: TOKEN, maxBodyBytes: 1024 });
      try {
        const big = new Uint8Array(64 * 1024).fill(0xff);
        const smallAddress = `127.0.0.1:${small.address.port}`;
        assert.equal((await call(smallAddress, METRICS, big, metadataOf({ authorization: `Bearer ${WRONG}` }))).err?.code, grpc.status.UNAUTHENTICATED);
        assert.equal((await call(smallAddress, METRICS, big, metadataOf({ authorization: `Bearer ${TOKEN}` }))).err?.code, grpc.status.RESOURCE_EXHAUSTED);
      } finally {
        await small.close();
      }
    });

    it('lets the SDK exporter through with the token, the scheme in any case, and fails it without', async () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        const before = sink.metrics.length;
        const exporter = new GrpcMetricExporter({ url: rx.url, metadata: metadataOf({ authorization: `${scheme} ${TOKEN}` }) });
        const result = await exportWith(exporter, rm);
        await exporter.shutdown();
        assert.equal(result.code, ExportResultCode.SUCCESS, `${scheme}: ${String(result.error)}`);
        assert.equal(sink.metrics.length, before + 1, scheme);
      }
      const before = sink.metrics.length;
      const wrong = new GrpcMetricExporter({ url: rx.url, metadata: metadataOf({ authorization: `Bearer ${WRONG}` }) });
      const failed = await exportWith(wrong, rm);
      await wrong.shutdown();
      assert.equal(failed.code, ExportResultCode.FAILED);
      assert.equal(sink.metrics.length, before);
    });
  });

  describe('the receivers', () => {
    it('refuse a token too short to configure, without repeating it', async () => {
      const sink = new RecordingSink();
      const ok = (err: Error) => err instanceof RangeError && !err.message.includes('short-secret');
      await assert.rejects(createHttpReceiver({ sink, port: 0, authToken: 'short-secret' }), ok);
      await assert.rejects(createGrpcReceiver({ sink, port: 0, authToken: 'short-secret' }), ok);
    });
  });
});
