import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { JsonLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { createSender } from '../../src/forward/sender.js';
import { createGrpcReceiver } from '../../src/receiver/grpc.js';
import { createHttpReceiver } from '../../src/receiver/http.js';
import { OverloadedError } from '../../src/receiver/sink.js';
import { RecordingSink } from '../receiver/recording-sink.js';
import { sdkLogger, sdkMeter } from '../receiver/sdk-data.js';

async function sdkBodies(): Promise<{ metrics: Uint8Array; logsJson: Uint8Array }> {
  const { meter, collect, shutdown } = sdkMeter();
  meter.createCounter('c').add(3, { k: 'v' });
  const rm = await collect();
  await shutdown();
  const { logger, records, shutdown: stopLogs } = sdkLogger();
  logger.emit({ body: 'b', attributes: { 'ml.model.name': 'm' } });
  const logsJson = JsonLogsSerializer.serializeRequest(records())!;
  await stopLogs();
  return { metrics: ProtobufMetricsSerializer.serializeRequest(rm)!, logsJson };
}

/** What a raw server saw of one request: its headers and its body as it came over the wire. */
interface Seen {
  headers: Record<string, string | string[] | undefined>;
  wire: Buffer;
}

/** A bare OTLP/HTTP endpoint that answers 200 with an empty response and keeps what it saw. */
async function rawHttpServer(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, wire: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * A bare gRPC endpoint on node:http2, so the test sees the message's own
 * framing (flag byte: 1 = compressed; 4-byte length) that a grpc-js server
 * would undo before any handler saw it. Answers OK with an empty message.
 */
async function rawGrpcServer(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      seen.push({ headers, wire: Buffer.concat(chunks) });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

/** Sends `body` to a raw server once with `compression: gzip`, then once without; what the server saw of each. */
async function sendGzippedThenPlain(server: { url: string; seen: Seen[] }, protocol: 'grpc' | 'http/protobuf', body: Uint8Array): Promise<Array<Seen | undefined>> {
  for (const compression of ['gzip', 'none'] as const) {
    const sender = createSender({ endpoint: server.url, protocol, timeoutMs: 5000, compression });
    assert.deepEqual(await sender.send('metrics', body, 'protobuf'), { kind: 'ok', rejected: 0 }, compression);
    sender.close();
  }
  assert.equal(server.seen.length, 2);
  return [server.seen[0], server.seen[1]];
}

describe('createSender', () => {
  describe('compression', () => {
    it('gzips OTLP/HTTP bodies with Content-Encoding: gzip, and sends them as they are without it', async () => {
      const server = await rawHttpServer();
      const { metrics } = await sdkBodies();
      const [zipped, asIs] = await sendGzippedThenPlain(server, 'http/protobuf', metrics);
      assert.equal(zipped?.headers['content-encoding'], 'gzip');
      assert.equal(zipped?.headers['content-length'], String(zipped?.wire.length));
      assert.deepEqual(gunzipSync(zipped?.wire ?? Buffer.alloc(0)), Buffer.from(metrics));
      // The gzip header's XFL byte: 4 means the fastest level (zlib writes it for level 1).
      assert.equal(zipped?.wire[8], 4, 'gzipped at the fastest level');
      assert.equal(asIs?.headers['content-encoding'], undefined);
      assert.deepEqual(asIs?.wire, Buffer.from(metrics));
      await server.close();
    });

    it('gzips gRPC messages (grpc-encoding: gzip, the compressed flag set), and sends them as they are without it', async () => {
      const server = await rawGrpcServer();
      const { metrics } = await sdkBodies();
      const [zipped, asIs] = await sendGzippedThenPlain(server, 'grpc', metrics);
      assert.equal(zipped?.headers['grpc-encoding'], 'gzip');
      assert.equal(zipped?.wire[0], 1, 'the message is flagged compressed');
      assert.equal(zipped?.wire.readUInt32BE(1), (zipped?.wire.length ?? 0) - 5);
      assert.deepEqual(gunzipSync(zipped?.wire.subarray(5) ?? Buffer.alloc(0)), Buffer.from(metrics));
      assert.equal(asIs?.headers['grpc-encoding'], undefined);
      assert.equal(asIs?.wire[0], 0, 'the message is not flagged compressed');
      assert.deepEqual(asIs?.wire.subarray(5), Buffer.from(metrics));
      await server.close();
    });

    it('is taken by the aggregator\'s own receivers, which see the original bytes', async () => {
      const { metrics } = await sdkBodies();
      for (const protocol of ['grpc', 'http/protobuf'] as const) {
        const sink = new RecordingSink();
        const receiver = protocol === 'grpc' ? await createGrpcReceiver({ sink, port: 0 }) : await createHttpReceiver({ sink, port: 0 });
        const sender = createSender({ endpoint: receiver.url, protocol, timeoutMs: 5000, compression: 'gzip' });
        assert.deepEqual(await sender.send('metrics', metrics, 'protobuf'), { kind: 'ok', rejected: 0 }, protocol);
        assert.deepEqual(Buffer.from(sink.metrics[0]?.ctx.body ?? []), Buffer.from(metrics), protocol);
        sender.close();
        await receiver.close();
      }
    });
  });

  describe('grpc', () => {
    it('sends protobuf as is and JSON re-encoded, with the headers as metadata, to the aggregator\'s own gRPC receiver', async () => {
      const sink = new RecordingSink();
      const receiver = await createGrpcReceiver({ sink, port: 0, authToken: 'a-token-of-16-chars-or-more' });
      const sender = createSender({ endpoint: receiver.url, protocol: 'grpc', headers: { Authorization: 'Bearer a-token-of-16-chars-or-more' }, timeoutMs: 5000 });
      const { metrics, logsJson } = await sdkBodies();
      assert.deepEqual(await sender.send('metrics', metrics, 'protobuf'), { kind: 'ok', rejected: 0 });
      assert.deepEqual(await sender.send('logs', logsJson, 'json'), { kind: 'ok', rejected: 0 });
      assert.deepEqual(Buffer.from(sink.metrics[0]?.ctx.body ?? []), Buffer.from(metrics));
      assert.equal(sink.logs[0]?.req.resourceLogs[0]?.scopeLogs[0]?.logRecords.length, 1);
      sink.answer = () => ({ rejected: 1, errorMessage: 'one refused' });
      assert.deepEqual(await sender.send('metrics', metrics, 'protobuf'), { kind: 'ok', rejected: 1, message: 'one refused' });
      sink.answer = () => {
        throw new OverloadedError('busy', { retryAfterMs: 2500 });
      };
      const refused = await sender.send('metrics', metrics, 'protobuf');
      assert.equal(refused.kind, 'retry');
      assert.equal(refused.kind === 'retry' ? refused.retryAfterMs : undefined, 2500);
      assert.equal((await sender.send('metrics', new Uint8Array([0xff, 0xff, 0xff]), 'protobuf')).kind, 'permanent');
      sender.close();
      await receiver.close();
    });

    it('reports a refused connection as retryable', async () => {
      const sender = createSender({ endpoint: 'http://127.0.0.1:1', protocol: 'grpc', timeoutMs: 2000 });
      const o = await sender.send('metrics', new Uint8Array(), 'protobuf');
      assert.equal(o.kind, 'retry');
      sender.close();
    });
  });

  describe('http/protobuf', () => {
    it('sends to /v1/<signal> in the body\'s own content type and reads Retry-After', async () => {
      const sink = new RecordingSink();
      const receiver = await createHttpReceiver({ sink, port: 0 });
      const sender = createSender({ endpoint: receiver.url, protocol: 'http/protobuf', timeoutMs: 5000 });
      const { metrics, logsJson } = await sdkBodies();
      assert.deepEqual(await sender.send('metrics', metrics, 'protobuf'), { kind: 'ok', rejected: 0 });
      assert.deepEqual(await sender.send('logs', logsJson, 'json'), { kind: 'ok', rejected: 0 });
      assert.equal(sink.logs[0]?.ctx.encoding, 'json');
      sink.answer = () => {
        throw new OverloadedError('busy', { retryAfterMs: 3000 });
      };
      const refused = await sender.send('metrics', metrics, 'protobuf');
      assert.deepEqual(refused.kind === 'retry' ? [refused.kind, refused.retryAfterMs] : refused, ['retry', 3000]);
      const bad = await sender.send('metrics', new Uint8Array([0xff, 0xff, 0xff]), 'protobuf');
      assert.equal(bad.kind, 'permanent');
      sender.close();
      await receiver.close();
    });

    it('names an unreadable CA file', () => {
      assert.throws(() => createSender({ endpoint: 'https://127.0.0.1:1', protocol: 'http/protobuf', timeoutMs: 1000, caFile: '/nonexistent/ca.pem' }), /forward\.tls\.ca: cannot read \/nonexistent\/ca\.pem/);
    });
  });
});
