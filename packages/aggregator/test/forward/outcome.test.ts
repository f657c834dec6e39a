import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import protobuf from 'protobufjs/minimal.js';
import { grpcOutcome, httpOutcome, parseRetryAfter, partialSuccessJson, partialSuccessProtobuf, retryInfoDelayMs } from '../../src/forward/outcome.js';
import { encodeExportResponse } from '../../src/receiver/otlp/encode-response.js';

/** google.rpc.Status { code, message, details: [Any{RetryInfo{retry_delay}}] }, as a server writes it. */
function retryStatus(seconds: number, nanos: number): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(1 << 3).int32(14);
  w.uint32((2 << 3) | 2).string('later');
  w.uint32((3 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).string('type.googleapis.com/google.rpc.RetryInfo');
  w.uint32((2 << 3) | 2).fork();
  w.uint32((1 << 3) | 2).fork();
  w.uint32(1 << 3).int64(seconds);
  w.uint32(2 << 3).int32(nanos);
  w.ldelim().ldelim().ldelim();
  return w.finish();
}

describe('outcome', () => {
  describe('parseRetryAfter', () => {
    it('reads delta-seconds and HTTP dates', () => {
      assert.equal(parseRetryAfter('3', 0), 3000);
      assert.equal(parseRetryAfter(['7'], 0), 7000);
      const now = Date.parse('2025-01-01T00:00:00Z');
      assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
      assert.equal(parseRetryAfter('soon', now), undefined);
      assert.equal(parseRetryAfter(undefined, now), undefined);
    });
  });

  describe('partialSuccessProtobuf', () => {
    it('reads the rejected count and message of an export response', () => {
      assert.deepEqual(partialSuccessProtobuf(encodeExportResponse({ rejected: 4, errorMessage: 'bad points' })), { rejected: 4, message: 'bad points' });
      assert.deepEqual(partialSuccessProtobuf(new Uint8Array()), { rejected: 0 });
      assert.deepEqual(partialSuccessProtobuf(new Uint8Array([0xff, 0xff])), { rejected: 0 });
    });
  });

  describe('partialSuccessJson', () => {
    it('reads rejectedDataPoints or rejectedLogRecords, as numbers or strings', () => {
      assert.deepEqual(partialSuccessJson('{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"x"}}'), { rejected: 2, message: 'x' });
      assert.deepEqual(partialSuccessJson('{}'), { rejected: 0 });
      assert.deepEqual(partialSuccessJson('not json'), { rejected: 0 });
    });
  });

  describe('httpOutcome', () => {
    it('takes 2xx as success, with its partial success', () => {
      assert.deepEqual(httpOutcome(200, undefined, Buffer.from('{"partialSuccess":{"rejectedDataPoints":3}}'), true, 0), { kind: 'ok', rejected: 3 });
    });

    it('gives up on 400 and 413 only', () => {
      assert.equal(httpOutcome(400, undefined, Buffer.from('{"message":"bad"}'), true, 0).kind, 'permanent');
      assert.equal(httpOutcome(413, undefined, new Uint8Array(), false, 0).kind, 'permanent');
      for (const status of [401, 403, 404, 429, 500, 502, 503, 504]) assert.equal(httpOutcome(status, undefined, new Uint8Array(), false, 0).kind, 'retry', String(status));
    });

    it('carries the Retry-After of a refusal', () => {
      assert.deepEqual(httpOutcome(503, '2', new Uint8Array(), false, 0), { kind: 'retry', reason: 'HTTP 503', retryAfterMs: 2000 });
    });
  });

  describe('retryInfoDelayMs', () => {
    it('reads the RetryInfo detail of a google.rpc.Status', () => {
      assert.equal(retryInfoDelayMs(retryStatus(2, 500_000_000)), 2500);
      assert.equal(retryInfoDelayMs(new Uint8Array()), undefined);
    });
  });

  describe('grpcOutcome', () => {
    it('retries UNAVAILABLE and RESOURCE_EXHAUSTED with their delay, gives up on INVALID_ARGUMENT', () => {
      assert.deepEqual(grpcOutcome(14, 'down', 1500, undefined), { kind: 'retry', reason: 'gRPC status 14: down', retryAfterMs: 1500 });
      assert.equal(grpcOutcome(8, '', undefined, undefined).kind, 'retry');
      assert.equal(grpcOutcome(16, '', undefined, undefined).kind, 'retry');
      assert.equal(grpcOutcome(3, 'bad', undefined, undefined).kind, 'permanent');
      assert.deepEqual(grpcOutcome(0, '', undefined, encodeExportResponse({ rejected: 1 })), { kind: 'ok', rejected: 1 });
    });
  });
});
