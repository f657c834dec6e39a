import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { createGrpcReceiver, type GrpcReceiver } from '../../src/receiver/grpc.js';
import { OverloadedError } from '../../src/receiver/sink.js';
import { expectedLogs, expectedMetrics, expView, sdkLogger, sdkMeter } from './sdk-data.js';
import { RecordingSink } from './recording-sink.js';

const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

async function sampleMetrics() {
  const sdk = sdkMeter({ temporality: 'cumulative', views: [expView('ml.feature.value')] });
  const h = sdk.meter.createHistogram('ml.feature.value');
  for (let i = 0; i < 300; i++) h.record(i * 1.5, { 'ml.model.name': 'm', 'ml.feature.name': 'x' });
  sdk.meter.createGauge('g').record(-3.25, { a: 'b' });
  const rm = await sdk.collect();
  await sdk.shutdown();
  return rm;
}

interface CallResult {
  err: grpc.ServiceError | null;
  body: Buffer | undefined;
}

/** A raw unary call with bytes in and out. */
function call(address: string, path: string, body: Uint8Array, opts: { gzip?: boolean; metadata?: grpc.Metadata } = {}): Promise<CallResult> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), opts.gzip ? { 'grpc.default_compression_algorithm': 2 } : {});
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      body,
      opts.metadata ?? new grpc.Metadata(),
      (err, res) => {
        client.close();
        resolve({ err, body: res });
      },
    );
  });
}

/** Decodes google.rpc.Status{details: [Any{type_url, value: RetryInfo{retry_delay: Duration}}]} -> delay in ms. */
function retryDelayMs(statusBin: Buffer): { typeUrl: string; ms: number } {
  const r = protobuf.Reader.create(statusBin);
  let typeUrl = '';
  let ms = 0;
  while (r.pos < r.len) {
    const t = r.uint32();
    if (t !== 26) {
      r.skipType(t & 7);
      continue;
    }
    const any = protobuf.Reader.create(r.bytes());
    while (any.pos < any.len) {
      const at = any.uint32();
      if (at === 10) typeUrl = any.string();
      else if (at === 18) {
        const info = protobuf.Reader.create(any.bytes());
        info.uint32();
        const d = protobuf.Reader.create(info.bytes());
        while (d.pos < d.len) {
          const dt = d.uint32();
          if (dt === 8) ms += Number(d.int64()) * 1000;
          else if (dt === 16) ms += d.int32() / 1e6;
          else d.skipType(dt & 7);
        }
      } else any.skipType(at & 7);
    }
  }
  return { typeUrl, ms };
}

describe('createGrpcReceiver', () => {
  const sink = new RecordingSink();
  let rx: GrpcReceiver;
  let address: string;
  before(async () => {
    rx = await createGrpcReceiver({ sink, port: 0, maxBodyBytes: 256 * 1024 });
    address = `127.0.0.1:${rx.address.port}`;
  });
  after(() => rx.close());
  beforeEach(() => {
    sink.metrics = [];
    sink.logs = [];
    sink.answer = () => ({ rejected: 0 });
  });

  describe('with the SDK gRPC exporter as client', () => {
    for (const compression of ['none', 'gzip'] as const) {
      it(`takes metrics (compression ${compression})`, async () => {
        const rm = await sampleMetrics();
        const exporter = new GrpcMetricExporter({ url: rx.url, compression: compression as never });
        const result = await new Promise<ExportResult>((resolve) => exporter.export(rm, resolve));
        assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
        assert.deepStrictEqual(sink.metrics[0]!.req, expectedMetrics(rm));
        assert.equal(sink.metrics[0]!.ctx.transport, 'grpc');
        await exporter.shutdown();
      });
    }
  });

  describe('Export', () => {
    it('takes logs, gzip-compressed', async () => {
      const sdk = sdkLogger();
      sdk.logger.emit({ eventName: 'ml.ground_truth', body: 'neg', attributes: { 'ml.prediction.id': 'p' } });
      const records = sdk.records();
      const { err, body } = await call(address, LOGS, ProtobufLogsSerializer.serializeRequest(records)!, { gzip: true });
      assert.equal(err, null);
      assert.equal(body?.length, 0);
      assert.deepStrictEqual(sink.logs[0]!.req, expectedLogs(records));
      await sdk.shutdown();
    });

    it('returns partial success in the response message', async () => {
      sink.answer = () => ({ rejected: 4, errorMessage: 'no model identity' });
      const { err, body } = await call(address, METRICS, ProtobufMetricsSerializer.serializeRequest(await sampleMetrics())!);
      assert.equal(err, null);
      // partial_success (1) { rejected_data_points (1) = 4, error_message (2) }
      const w = protobuf.Writer.create();
      w.uint32(10).fork().uint32(8).int64(4).uint32(18).string('no model identity').ldelim();
      assert.deepEqual(new Uint8Array(body!), new Uint8Array(w.finish()));
    });

    it('answers INVALID_ARGUMENT naming the field for undecodable data', async () => {
      const { err } = await call(address, METRICS, new Uint8Array([0x0a, 0x03, 0x12, 0x09, 0x00]));
      assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
      assert.match(err?.details ?? '', /ResourceMetrics\.scope_metrics/);
      assert.equal(sink.metrics.length, 0);
    });

    it('answers RESOURCE_EXHAUSTED past the message size limit (after decompression)', async () => {
      const { err } = await call(address, METRICS, new Uint8Array(512 * 1024), { gzip: true });
      assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.equal(sink.metrics.length, 0);
    });

    it('answers UNAVAILABLE with RetryInfo when the sink is overloaded', async () => {
      sink.answer = () => {
        throw new OverloadedError('busy', { retryAfterMs: 1500 });
      };
      const { err } = await call(address, METRICS, new Uint8Array(0));
      assert.equal(err?.code, grpc.status.UNAVAILABLE);
      assert.equal(err?.details, 'busy');
      const bin = err?.metadata.get('grpc-status-details-bin')[0];
      assert.ok(Buffer.isBuffer(bin));
      assert.deepEqual(retryDelayMs(bin), { typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', ms: 1500 });
      assert.equal(err?.metadata.get('retry-after')[0], '2');
    });

    it('answers RESOURCE_EXHAUSTED when the sink throttles', async () => {
      sink.answer = () => Promise.reject(new OverloadedError('slow down', { kind: 'throttled', retryAfterMs: 200 }));
      const { err } = await call(address, LOGS, new Uint8Array(0));
      assert.equal(err?.code, grpc.status.RESOURCE_EXHAUSTED);
    });

    it('answers INTERNAL when the sink fails otherwise', async () => {
      sink.answer = () => {
        throw new Error('disk full');
      };
      const { err } = await call(address, METRICS, new Uint8Array(0));
      assert.equal(err?.code, grpc.status.INTERNAL);
      assert.match(err?.details ?? '', /disk full/);
    });

    it('answers UNIMPLEMENTED for other services', async () => {
      const { err } = await call(address, '/opentelemetry.proto.collector.trace.v1.TraceService/Export', new Uint8Array(0));
      assert.equal(err?.code, grpc.status.UNIMPLEMENTED);
    });
  });

  describe('admission control', () => {
    it('answers RESOURCE_EXHAUSTED past maxInFlightRequests', async () => {
      const s = new RecordingSink();
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      s.answer = async () => {
        await gate;
        return { rejected: 0 };
      };
      const refused: string[] = [];
      const small = await createGrpcReceiver({ sink: s, port: 0, maxInFlightRequests: 1, onRefused: (signal, reason) => refused.push(`${signal}/${reason}`) });
      try {
        const addr = `127.0.0.1:${small.address.port}`;
        const first = call(addr, METRICS, new Uint8Array(0));
        while (s.metrics.length === 0) await new Promise((r) => setTimeout(r, 5));
        const second = await call(addr, METRICS, new Uint8Array(0));
        assert.equal(second.err?.code, grpc.status.RESOURCE_EXHAUSTED);
        assert.deepEqual(refused, ['metrics/in_flight'], 'the refusal is counted');
        release();
        assert.equal((await first).err, null);
      } finally {
        await small.close();
      }
    });

    it("answers UNAVAILABLE with RetryInfo before receiving the message when the sink does not admit the call", async () => {
      const s = new RecordingSink();
      const asked: string[] = [];
      let refuse = true;
      const guarded = Object.assign(s, {
        admit(signal: 'metrics' | 'logs', transport: 'http' | 'grpc') {
          asked.push(`${signal}/${transport}`);
          if (refuse) throw new OverloadedError('memory is short', { retryAfterMs: 5000 });
        },
      });
      // A message past the size limit: received, it would be RESOURCE_EXHAUSTED; refused unread, it is the sink's UNAVAILABLE.
      const small = await createGrpcReceiver({ sink: guarded, port: 0, maxBodyBytes: 100 });
      try {
        const addr = `127.0.0.1:${small.address.port}`;
        const { err } = await call(addr, LOGS, new Uint8Array(10_000));
        assert.equal(err?.code, grpc.status.UNAVAILABLE);
        assert.equal(err?.details, 'memory is short');
        const bin = err?.metadata.get('grpc-status-details-bin')[0];
        assert.ok(Buffer.isBuffer(bin));
        assert.deepEqual(retryDelayMs(bin), { typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', ms: 5000 });
        assert.equal(s.logs.length, 0);
        refuse = false;
        assert.equal((await call(addr, METRICS, new Uint8Array(0))).err, null);
        assert.deepEqual(asked, ['logs/grpc', 'metrics/grpc']);
      } finally {
        await small.close();
      }
    });

    it('asks for the token before admission: an unauthenticated caller learns nothing of the load', async () => {
      const s = Object.assign(new RecordingSink(), {
        admit() {
          throw new OverloadedError('memory is short');
        },
      });
      const secured = await createGrpcReceiver({ sink: s, port: 0, authToken: 'sixteen-chars-token' });
      try {
        const addr = `127.0.0.1:${secured.address.port}`;
        assert.equal((await call(addr, METRICS, new Uint8Array(0))).err?.code, grpc.status.UNAUTHENTICATED);
        const md = new grpc.Metadata();
        md.set('authorization', 'Bearer sixteen-chars-token');
        assert.equal((await call(addr, METRICS, new Uint8Array(0), { metadata: md })).err?.code, grpc.status.UNAVAILABLE);
      } finally {
        await secured.close();
      }
    });

    it('requires the bearer token when one is configured', async () => {
      const secured = await createGrpcReceiver({ sink: new RecordingSink(), port: 0, authToken: 'sixteen-chars-token' });
      try {
        const addr = `127.0.0.1:${secured.address.port}`;
        assert.equal((await call(addr, METRICS, new Uint8Array(0))).err?.code, grpc.status.UNAUTHENTICATED);
        const md = new grpc.Metadata();
        md.set('authorization', 'Bearer sixteen-chars-token');
        assert.equal((await call(addr, METRICS, new Uint8Array(0), { metadata: md })).err, null);
      } finally {
        await secured.close();
      }
    });
  });
});
