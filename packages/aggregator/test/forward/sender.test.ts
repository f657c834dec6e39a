import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

describe('createSender', () => {
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
