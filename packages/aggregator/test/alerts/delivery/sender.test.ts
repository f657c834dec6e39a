import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sender } from '../../../src/alerts/delivery/sender.js';

/** A loopback server answering with `reply(n)` for the n-th request (from 0); records bodies. */
async function server(reply: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  let n = 0;
  const s = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      reply(n++, req, res);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`,
    bodies,
    close: () => new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    }),
  };
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('alerts/delivery/sender', () => {
  describe('Sender', () => {
    it('retries a failing receiver with backoff until it accepts, counting the failures', async () => {
      const rx = await server((n, _req, res) => res.writeHead(n < 2 ? 503 : 200).end(n < 2 ? 'busy' : 'ok'));
      const s = new Sender({ url: rx.url, maxQueue: 10, timeoutMs: 1000, initialBackoffMs: 20 });
      s.enqueue({ a: 1 });
      await until('delivered', () => s.status().sent === 1);
      assert.deepEqual(rx.bodies, [{ a: 1 }, { a: 1 }, { a: 1 }]);
      const st = s.status();
      assert.equal(st.failed, 2);
      assert.match(st.lastError ?? '', /HTTP 503 busy/);
      await s.close();
      await rx.close();
    });

    it('keeps order, one request at a time', async () => {
      const rx = await server((_n, _req, res) => setTimeout(() => res.writeHead(200).end(), 5));
      const s = new Sender({ url: rx.url, maxQueue: 100, timeoutMs: 1000 });
      for (let i = 0; i < 5; i++) s.enqueue({ i });
      await until('all sent', () => s.status().sent === 5);
      assert.deepEqual(rx.bodies, [0, 1, 2, 3, 4].map((i) => ({ i })));
      await s.close();
      await rx.close();
    });

    it('drops the oldest past maxQueue while the receiver is down, and counts them', async () => {
      const s = new Sender({ url: 'http://127.0.0.1:9/', maxQueue: 3, timeoutMs: 200, initialBackoffMs: 10_000 });
      for (let i = 0; i < 10; i++) s.enqueue({ i });
      const st = s.status();
      assert.ok(st.queued <= 3, `queued ${st.queued}`);
      assert.ok(st.dropped >= 6, `dropped ${st.dropped}`);
      await s.close(10);
      assert.equal(s.status().queued, 0);
    });

    it('gives up on a body after maxAttempts and goes on with the next', async () => {
      const rx = await server((_n, _req, res) => res.writeHead(500).end());
      const s = new Sender({ url: rx.url, maxQueue: 10, timeoutMs: 1000, initialBackoffMs: 5, maxAttempts: 2 });
      s.enqueue({ first: true });
      s.enqueue({ second: true });
      await until('both dropped', () => s.status().dropped === 2);
      assert.equal(s.status().failed, 4);
      await s.close();
      await rx.close();
    });

    it('times out a slow receiver and says so', async () => {
      const rx = await server((_n, _req, res) => setTimeout(() => res.writeHead(200).end(), 500));
      const s = new Sender({ url: rx.url, maxQueue: 10, timeoutMs: 50, initialBackoffMs: 10_000 });
      s.enqueue({ slow: true });
      await until('a failure', () => s.status().failed === 1);
      assert.match(s.status().lastError ?? '', /timed out after 50 ms/);
      await s.close(10);
      await rx.close();
    });
  });
});
