import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs/minimal.js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { ResourceMetrics as SdkResourceMetrics } from '@opentelemetry/sdk-metrics';
import { createHttpReceiver, type HttpReceiver } from '../../src/receiver/http.js';
import { OverloadedError } from '../../src/receiver/sink.js';
import { expectedLogs, expectedMetrics, expView, sdkLogger, sdkMeter } from './sdk-data.js';
import { RecordingSink } from './recording-sink.js';

async function sampleMetrics(temporality: 'delta' | 'cumulative' = 'delta'): Promise<SdkResourceMetrics> {
  const sdk = sdkMeter({ temporality, views: [expView('ml.feature.value')] });
  const h = sdk.meter.createHistogram('ml.feature.value');
  const c = sdk.meter.createCounter('ml.inference.requests');
  for (let i = 0; i < 500; i++) h.record(50 + (i % 97), { 'ml.model.name': 'm', 'ml.feature.name': 'age' });
  c.add(500, { 'ml.model.name': 'm' });
  const rm = await sdk.collect();
  await sdk.shutdown();
  return rm;
}

function exportWith(exporter: { export(rm: never, cb: (r: ExportResult) => void): void }, data: unknown): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(data as never, resolve));
}

/** Decodes an Export*ServiceResponse: partial_success{rejected (1), error_message (2)}. */
function decodeExportResponse(buf: Uint8Array): { rejected: number; errorMessage: string } | null {
  const r = protobuf.Reader.create(buf);
  let out: { rejected: number; errorMessage: string } | null = null;
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    out = { rejected: 0, errorMessage: '' };
    while (r.pos < end) {
      const t = r.uint32();
      if (t === 8) out.rejected = Number(r.int64());
      else if (t === 18) out.errorMessage = r.string();
      else r.skipType(t & 7);
    }
  }
  return out;
}

/** Decodes a google.rpc.Status: code (1), message (2). */
function decodeStatus(buf: Uint8Array): { code: number; message: string } {
  const r = protobuf.Reader.create(buf);
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t === 8) out.code = r.int32();
    else if (t === 18) out.message = r.string();
    else r.skipType(t & 7);
  }
  return out;
}

describe('createHttpReceiver', () => {
  const sink = new RecordingSink();
  let rx: HttpReceiver;
  before(async () => {
    rx = await createHttpReceiver({ sink, port: 0, maxBodyBytes: 1024 * 1024 });
  });
  after(() => rx.close());
  beforeEach(() => {
    sink.metrics = [];
    sink.logs = [];
    sink.answer = () => ({ rejected: 0 });
  });

  describe('with the SDK exporters as clients', () => {
    for (const compression of ['none', 'gzip'] as const) {
      it(`takes OTLP protobuf metrics (compression ${compression})`, async () => {
        const rm = await sampleMetrics();
        const exporter = new ProtoMetricExporter({ url: `${rx.url}/v1/metrics`, compression: compression as never });
        const result = await exportWith(exporter, rm);
        assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
        assert.equal(sink.metrics.length, 1);
        assert.deepStrictEqual(sink.metrics[0]!.req, expectedMetrics(rm));
        assert.equal(sink.metrics[0]!.ctx.encoding, 'protobuf');
        await exporter.shutdown();
      });

      it(`takes OTLP JSON metrics (compression ${compression})`, async () => {
        const rm = await sampleMetrics('cumulative');
        const exporter = new JsonMetricExporter({ url: `${rx.url}/v1/metrics`, compression: compression as never });
        const result = await exportWith(exporter, rm);
        assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
        assert.deepStrictEqual(sink.metrics[0]!.req, expectedMetrics(rm));
        assert.equal(sink.metrics[0]!.ctx.encoding, 'json');
        await exporter.shutdown();
      });

      it(`takes OTLP protobuf logs (compression ${compression})`, async () => {
        const sdk = sdkLogger();
        sdk.logger.emit({ eventName: 'ml.prediction', body: { label: 'a' }, attributes: { 'ml.prediction.id': 'p1' }, severityNumber: SeverityNumber.INFO });
        const records = sdk.records();
        const exporter = new ProtoLogExporter({ url: `${rx.url}/v1/logs`, compression: compression as never });
        const result = await exportWith(exporter, records);
        assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
        assert.deepStrictEqual(sink.logs[0]!.req, expectedLogs(records));
        await exporter.shutdown();
        await sdk.shutdown();
      });
    }
  });

  describe('partial success', () => {
    it('reports rejected data points and the message in protobuf', async () => {
      sink.answer = () => ({ rejected: 3, errorMessage: '3 data points carry no model identity' });
      const body = ProtobufMetricsSerializer.serializeRequest(await sampleMetrics())!;
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
      assert.deepEqual(decodeExportResponse(new Uint8Array(await res.arrayBuffer())), { rejected: 3, errorMessage: '3 data points carry no model identity' });
    });

    it('reports rejectedDataPoints as an int64 string in JSON', async () => {
      sink.answer = () => ({ rejected: 2, errorMessage: 'no model' });
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceMetrics":[]}' });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { partialSuccess: { rejectedDataPoints: '2', errorMessage: 'no model' } });
    });

    it('reports rejectedLogRecords for logs', async () => {
      sink.answer = () => ({ rejected: 1, errorMessage: 'unknown prediction id' });
      const res = await fetch(`${rx.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{}' });
      assert.deepEqual(await res.json(), { partialSuccess: { rejectedLogRecords: '1', errorMessage: 'unknown prediction id' } });
    });

    it('answers an empty message / {} when everything was accepted', async () => {
      const pb = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(0) });
      assert.equal(pb.status, 200);
      assert.equal((await pb.arrayBuffer()).byteLength, 0);
      const js = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.deepEqual(await js.json(), {});
    });
  });

  describe('errors', () => {
    it('answers 400 with a protobuf google.rpc.Status naming the field for undecodable protobuf', async () => {
      // resource_metrics (field 1, LEN) claiming 50 bytes with only 2 present.
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 50, 1, 2]) });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('content-type'), 'application/x-protobuf');
      const status = decodeStatus(new Uint8Array(await res.arrayBuffer()));
      assert.equal(status.code, 3);
      assert.match(status.message, /ExportMetricsServiceRequest\.resource_metrics/);
      assert.equal(sink.metrics.length, 0);
    });

    it('answers 400 with a JSON Status naming the path for bad JSON', async () => {
      const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', sum: { dataPoints: [{ asInt: 'lots' }] } }] }] }] });
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 400);
      const status = (await res.json()) as { code: number; message: string; details: unknown[] };
      assert.equal(status.code, 3);
      assert.deepEqual(status.details, []);
      assert.match(status.message, /resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[0\]\.sum\.dataPoints\[0\]\.asInt/);
    });

    it('answers 400 for a corrupt gzip body', async () => {
      const res = await fetch(`${rx.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5]),
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { message: string }).message, /gzip/);
    });

    it('answers 413 past the body limit', async () => {
      const res = await fetch(`${rx.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: new Uint8Array(1024 * 1024 + 1),
      });
      assert.equal(res.status, 413);
      assert.equal(sink.metrics.length, 0);
    });

    it('answers 413 for a gzip bomb, measured after decompression', async () => {
      // 16 MiB of zeros compresses to ~16 KiB: small on the wire, far past the 1 MiB limit.
      const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
      assert.ok(bomb.length < 1024 * 1024);
      const res = await fetch(`${rx.url}/v1/metrics`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: bomb,
      });
      assert.equal(res.status, 413);
      assert.match(((await res.json()) as { message: string }).message, /after decompression/);
      assert.equal(sink.metrics.length, 0);
    });

    it('answers 415 for another content type, and for an unknown content encoding', async () => {
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      assert.equal(res.status, 415);
      assert.match(((await res.json()) as { message: string }).message, /text\/plain/);
      const enc = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: '{}' });
      assert.equal(enc.status, 415);
    });

    it('answers 404 for other paths and 405 for other methods', async () => {
      assert.equal((await fetch(`${rx.url}/v1/traces`, { method: 'POST', body: '' })).status, 404);
      const get = await fetch(`${rx.url}/v1/metrics`);
      assert.equal(get.status, 405);
      assert.equal(get.headers.get('allow'), 'POST');
    });

    it('answers 503 with Retry-After when the sink is overloaded', async () => {
      sink.answer = () => {
        throw new OverloadedError('store is busy', { retryAfterMs: 2500 });
      };
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '3');
      assert.deepEqual(await res.json(), { code: 14, message: 'store is busy', details: [] });
    });

    it('answers 429 with Retry-After when the sink throttles', async () => {
      sink.answer = () => Promise.reject(new OverloadedError('slow down', { kind: 'throttled', retryAfterMs: 1000 }));
      const res = await fetch(`${rx.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(0) });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.deepEqual(decodeStatus(new Uint8Array(await res.arrayBuffer())), { code: 8, message: 'slow down' });
    });

    it('answers 500 when the sink fails otherwise', async () => {
      sink.answer = () => {
        throw new Error('disk full');
      };
      const res = await fetch(`${rx.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 500);
      assert.match(((await res.json()) as { message: string }).message, /disk full/);
    });
  });

  describe('admission control', () => {
    it('answers 429 with Retry-After past maxInFlightRequests, and serves again once they finish', async () => {
      const s = new RecordingSink();
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      s.answer = async () => {
        await gate;
        return { rejected: 0 };
      };
      const refused: string[] = [];
      const small = await createHttpReceiver({ sink: s, port: 0, maxInFlightRequests: 1, retryAfterSeconds: 7, onRefused: (signal, reason) => refused.push(`${signal}/${reason}`) });
      try {
        const post = () => fetch(`${small.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        const first = post();
        while (s.metrics.length === 0) await new Promise((r) => setTimeout(r, 5));
        const second = await post();
        assert.equal(second.status, 429);
        assert.equal(second.headers.get('retry-after'), '7');
        assert.deepEqual(refused, ['metrics/in_flight'], 'the refusal is counted');
        release();
        assert.equal((await first).status, 200);
        assert.equal((await post()).status, 200);
      } finally {
        await small.close();
      }
    });

    it('answers 503 with Retry-After past maxInFlightBytes, counting bodies held by the sink', async () => {
      const s = new RecordingSink();
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      s.answer = async () => {
        await gate;
        return { rejected: 0 };
      };
      const refused: string[] = [];
      const small = await createHttpReceiver({ sink: s, port: 0, maxBodyBytes: 1000, maxInFlightBytes: 1500, retryAfterSeconds: 2, onRefused: (signal, reason) => refused.push(`${signal}/${reason}`) });
      try {
        const post = () =>
          fetch(`${small.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(900)}"}` });
        const first = post();
        while (s.metrics.length === 0) await new Promise((r) => setTimeout(r, 5));
        const second = await post();
        assert.equal(second.status, 503);
        assert.equal(second.headers.get('retry-after'), '2');
        assert.deepEqual(refused, ['metrics/in_flight'], 'the refusal is counted');
        release();
        assert.equal((await first).status, 200);
        assert.equal((await post()).status, 200);
      } finally {
        await small.close();
      }
    });

    it("refuses with the sink's OverloadedError before reading the body when the sink does not admit the request", async () => {
      const s = new RecordingSink();
      const asked: string[] = [];
      let refuse = true;
      const guarded = Object.assign(s, {
        admit(signal: 'metrics' | 'logs', transport: 'http' | 'grpc') {
          asked.push(`${signal}/${transport}`);
          if (refuse) throw new OverloadedError('memory is short', { retryAfterMs: 5000 });
        },
      });
      const small = await createHttpReceiver({ sink: guarded, port: 0, maxBodyBytes: 100 });
      try {
        // A body past the size limit: read, it would be a 413; refused unread, it is the sink's 503.
        const big = await fetch(`${small.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(10_000)}"}` });
        assert.equal(big.status, 503);
        assert.equal(big.headers.get('retry-after'), '5');
        assert.deepEqual(await big.json(), { code: 14, message: 'memory is short', details: [] });
        assert.equal(s.logs.length, 0);
        refuse = false;
        const ok = await fetch(`${small.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(ok.status, 200);
        assert.deepEqual(asked, ['logs/http', 'metrics/http', 'metrics/http'], 'asked on arrival, and again before decoding');
      } finally {
        await small.close();
      }
    });

    it('lets the sender of a large body read the refusal: the body is discarded, not reset (regression: fetch failed)', async () => {
      const s = Object.assign(new RecordingSink(), {
        admit() {
          throw new OverloadedError('memory is short', { retryAfterMs: 5000 });
        },
      });
      const small = await createHttpReceiver({ sink: s, port: 0, maxBodyBytes: 8 * 1024 * 1024 });
      try {
        const body = new Uint8Array(4 * 1024 * 1024);
        for (let i = 0; i < 5; i++) {
          const res = await fetch(`${small.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
          assert.equal(res.status, 503);
          assert.equal(res.headers.get('retry-after'), '5');
          await res.arrayBuffer();
        }
        assert.equal(s.metrics.length, 0);
      } finally {
        await small.close();
      }
    });

    it('requires the bearer token when one is configured', async () => {
      const s = new RecordingSink();
      const secured = await createHttpReceiver({ sink: s, port: 0, authToken: 'a-token-of-sixteen+' });
      try {
        const url = `${secured.url}/v1/metrics`;
        const headers = { 'content-type': 'application/json' };
        assert.equal((await fetch(url, { method: 'POST', headers, body: '{}' })).status, 401);
        assert.equal((await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong' }, body: '{}' })).status, 401);
        assert.equal((await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer a-token-of-sixteen+' }, body: '{}' })).status, 200);
      } finally {
        await secured.close();
      }
    });

    it('rejects invalid options by name', async () => {
      await assert.rejects(createHttpReceiver({ sink, port: 0, maxBodyBytes: 0 }), /maxBodyBytes/);
      await assert.rejects(createHttpReceiver({ sink, port: 0, maxBodyBytes: 100, maxInFlightBytes: 50 }), /maxInFlightBytes/);
    });
  });
});
