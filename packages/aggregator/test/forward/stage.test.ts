import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { openStore, type Store } from '../../src/store/database.js';
import { IngestLog } from '../../src/store/ingest-log.js';
import { FORWARD_CURSOR_FILE } from '../../src/forward/cursor.js';
import { openForwarding, type ForwardStage } from '../../src/forward/stage.js';
import { OverloadedError } from '../../src/receiver/sink.js';
import { encodeExportResponse } from '../../src/receiver/otlp/encode-response.js';

interface Received { path: string; contentType: string; body: Buffer; at: number }
type Answer = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** An OTLP/HTTP downstream on loopback whose answers the test decides. */
async function downstream(answer: Answer = (_q, res) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()): Promise<{ url: string; received: Received[]; server: Server; close(): Promise<void> }> {
  const received: Received[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks), at: performance.now() });
      answer(req, res, n++);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    server,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  // Bounded: polls every 10 ms up to the timeout.
  for (let waited = 0; !check(); waited += 10) {
    if (waited >= timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Running { store: Store; log: IngestLog; stage: ForwardStage; refusals: string[]; messages: string[]; close(): Promise<void> }

function start(dataDir: string, endpoint: string, forward: Record<string, unknown> = {}): Running {
  const config = configSchema.parse({ dataDir, forward: { endpoint, protocol: 'http/protobuf', timeout: '2s', concurrency: 2, retry: { initialInterval: '50ms', maxInterval: '200ms' }, ...forward } });
  const forwarding = openForwarding(config);
  assert.ok(forwarding !== undefined);
  const store = openStore(dataDir);
  const log = new IngestLog(store, { retainAfter: forwarding.retainAfter });
  const refusals: string[] = [];
  const messages: string[] = [];
  const stage = forwarding.start({ ingestLog: log, countRefusal: (s, r) => refusals.push(`${s}/${r}`), log: (m) => messages.push(m) });
  return {
    store, log, stage, refusals, messages,
    async close() {
      await stage.close();
      await log.close();
      store.close();
    },
  };
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mw-forward-'));
const body = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('forward stage', () => {
  describe('forwarding', () => {
    it('sends every logged request in order, as received, and saves its cursor', async () => {
      const ds = await downstream();
      const dir = tmp();
      const r = start(dir, ds.url);
      await r.log.append('metrics', body(10, 1), 1000);
      await r.log.append('logs', Buffer.from('{"resourceLogs":[]}'), 1000, 'json');
      await r.log.append('metrics', body(20, 3), 1000);
      await until('three requests downstream', () => ds.received.length === 3 && r.stage.readiness().forwardedSeq === 3);
      assert.deepEqual(ds.received.map((x) => [x.path, x.contentType, x.body.length]), [
        ['/v1/metrics', 'application/x-protobuf', 10],
        ['/v1/logs', 'application/json', 19],
        ['/v1/metrics', 'application/x-protobuf', 20],
      ]);
      assert.deepEqual(r.stage.readiness().sent, { metrics: 2, logs: 1 });
      assert.equal(r.stage.readiness().queueBytes, 0);
      await r.close();
      assert.deepEqual(JSON.parse(readFileSync(join(dir, FORWARD_CURSOR_FILE), 'utf8')), { forwardedSeq: 3 });
      await ds.close();
    });

    it('does not forward what was logged before processor mode was turned on', async () => {
      const dir = tmp();
      const store = openStore(dir);
      const before = new IngestLog(store);
      await before.append('metrics', body(5, 1), 1000);
      await before.close();
      store.close();
      const ds = await downstream();
      const r = start(dir, ds.url);
      await r.log.append('metrics', body(6, 2), 1000);
      await until('one request downstream', () => r.stage.readiness().forwardedSeq === 2);
      assert.deepEqual(ds.received.map((x) => x.body.length), [6]);
      await r.close();
      await ds.close();
    });
  });

  describe('retries', () => {
    it('waits as long as the downstream asks (Retry-After) and sends the request again', async () => {
      const ds = await downstream((_q, res, n) => {
        if (n === 0) res.writeHead(503, { 'retry-after': '1' }).end();
        else res.writeHead(200).end();
      });
      const r = start(tmp(), ds.url);
      await r.log.append('metrics', body(10, 1), 1000);
      await until('the retry accepted', () => r.stage.readiness().forwardedSeq === 1, 5000);
      assert.equal(ds.received.length, 2);
      const gap = (ds.received[1]?.at ?? 0) - (ds.received[0]?.at ?? 0);
      assert.ok(gap >= 990, `retried after ${gap} ms, asked 1000 ms`);
      assert.match(r.messages.join('\n'), /failed, retrying.*HTTP 503/);
      assert.match(r.messages.join('\n'), /works again/);
      await r.close();
      await ds.close();
    });

    it('counts the items of a partial success as refused for good and does not send them again', async () => {
      const ds = await downstream((_q, res) => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(encodeExportResponse({ rejected: 2, errorMessage: 'two bad' }))));
      const r = start(tmp(), ds.url);
      await r.log.append('metrics', body(10, 1), 1000);
      await until('forwarded', () => r.stage.readiness().forwardedSeq === 1);
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(ds.received.length, 1);
      assert.deepEqual(r.stage.readiness().rejected, { metrics: 2, logs: 0 });
      assert.match(r.messages.join('\n'), /refused 2 data points of request 1 for good \(partial success\), not retried: two bad/);
      await r.close();
      await ds.close();
    });
  });

  describe('admit', () => {
    it('refuses new requests with UNAVAILABLE and a retry delay once the queue reaches forward.maxQueueBytes, and takes them again once it drains', async () => {
      let up = false;
      const ds = await downstream((_q, res) => (up ? res.writeHead(200).end() : res.writeHead(503).end()));
      const r = start(tmp(), ds.url, { maxQueueBytes: 1024 });
      r.stage.admit('metrics');
      for (let i = 0; i < 3; i++) await r.log.append('metrics', body(400, i), 1000);
      assert.throws(() => r.stage.admit('logs'), (err: unknown) => err instanceof OverloadedError && err.kind === 'unavailable' && err.retryAfterMs >= 1000 && /forward\.maxQueueBytes/.test(err.message));
      assert.deepEqual(r.refusals, ['logs/forward_queue']);
      assert.equal(r.stage.readiness().refusing, true);
      await until('failing', () => r.stage.readiness().failing);
      assert.equal(r.stage.outputs().find((o) => o.name === 'ml.aggregator.degraded')?.value, 1);
      up = true;
      await until('drained', () => r.stage.readiness().queueBytes === 0, 5000);
      r.stage.admit('logs');
      assert.equal(r.stage.readiness().failing, false);
      await r.close();
      await ds.close();
    });
  });

  describe('restart', () => {
    it('forwards the backlog a previous run left, from its cursor, through a checkpoint that covered it', async () => {
      const dir = tmp();
      const down = await downstream((_q, res) => res.writeHead(503).end());
      const first = start(dir, down.url);
      await first.log.append('metrics', body(10, 1), 1000);
      await first.log.append('metrics', body(11, 2), 1000);
      await until('a failed attempt', () => first.stage.readiness().failing);
      await first.stage.close();
      await first.log.writeCheckpoint(first.log.lastSeq, 2000, () => '{}');
      await first.log.close();
      first.store.close();
      await down.close();
      assert.ok(existsSync(join(dir, FORWARD_CURSOR_FILE)));

      const ds = await downstream();
      const second = start(dir, ds.url);
      assert.equal(second.stage.readiness().queueBytes, 21);
      await until('the backlog forwarded', () => second.stage.readiness().forwardedSeq === 2);
      assert.deepEqual(ds.received.map((x) => x.body.length), [10, 11]);
      await second.close();
      await ds.close();
    });
  });
});
