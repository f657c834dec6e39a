/**
 * What a Collector's exporter does to an OTLP receiver, seen from the wire:
 * a recording proxy for OTLP/HTTP and one for OTLP/gRPC that pass every request
 * to the real receiver unchanged and note, per attempt, when it arrived, which
 * request it was (a hash of its decompressed body, so a retry of the same
 * request has the same hash), and what the receiver answered (status, retry
 * delay, partial success). Also an OTLP/HTTP backend that accepts everything
 * and keeps what it received.
 */
import { createHash } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import { connect, constants as h2, createServer as createH2Server, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders as H2Headers, type OutgoingHttpHeaders as H2OutHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

/** How the receiver answered one attempt. */
export type Outcome = 'accepted' | 'partial' | 'throttled' | 'unavailable' | 'other';

/** One request as it reached the receiver. */
export interface Attempt {
  /** Arrival at the proxy, ms since the recorder started (monotonic clock). */
  at: number;
  /** `/v1/metrics`, `/v1/logs`, or the gRPC method path. */
  path: string;
  /** sha256 of the decompressed request message: equal for a retry of the same request. */
  request: string;
  /** HTTP status, or the gRPC status code. */
  status: number;
  outcome: Outcome;
  /** Retry delay the receiver asked for (Retry-After header / trailer), ms. */
  retryAfterMs?: number;
  /** Partial success: points or records the receiver refused of an accepted request. */
  rejected?: number;
}

/** A running recorder. */
export interface Recorder {
  /** Where to point the exporter: an http:// base URL (HTTP) or host:port (gRPC). */
  readonly endpoint: string;
  readonly attempts: readonly Attempt[];
  close(): Promise<void>;
}

/**
 * `rejected_data_points` / `rejected_log_records` of an Export*ServiceResponse
 * (protobuf: field 1 is the partial success, whose field 1 is the count).
 */
export function partialRejected(message: Uint8Array): number {
  const fields = (buf: Uint8Array): Array<{ field: number; varint?: bigint; bytes?: Uint8Array }> => {
    const out: Array<{ field: number; varint?: bigint; bytes?: Uint8Array }> = [];
    let i = 0;
    const varint = (): bigint => {
      let v = 0n;
      // At most 10 bytes in a protobuf varint.
      for (let shift = 0n; shift < 70n && i < buf.length; shift += 7n) {
        const b = buf[i++] ?? 0;
        v |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
      }
      return v;
    };
    while (i < buf.length) {
      const tag = Number(varint());
      const [field, wire] = [tag >>> 3, tag & 7];
      if (wire === 0) out.push({ field, varint: varint() });
      else if (wire === 2) {
        const n = Number(varint());
        out.push({ field, bytes: buf.subarray(i, i + n) });
        i += n;
      } else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else break;
    }
    return out;
  };
  const partial = fields(message).find((f) => f.field === 1)?.bytes;
  if (partial === undefined) return 0;
  return Number(fields(partial).find((f) => f.field === 1)?.varint ?? 0n);
}

/** The same count from an OTLP/JSON response. */
function partialRejectedJson(text: string): number {
  try {
    const p = (JSON.parse(text) as { partialSuccess?: Record<string, string | number> }).partialSuccess ?? {};
    return Number(p.rejectedDataPoints ?? p.rejectedLogRecords ?? 0);
  } catch {
    return 0;
  }
}

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  return body;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

// Hop-by-hop headers a proxy must not pass on (RFC 9110 section 7.6.1).
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host']);

function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k, v]) => v !== undefined && !HOP_BY_HOP.has(k)));
}

/** Retry-After in seconds (the only form our receiver sends), as ms. */
function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const s = Array.isArray(value) ? value[0] : value;
  return s !== undefined && /^\d+$/.test(s.trim()) ? Number(s) * 1000 : undefined;
}

/**
 * An OTLP/HTTP recording proxy in front of `upstream` (the receiver's base
 * URL). Requests are forwarded whole, once their body has arrived.
 */
export async function startHttpRecorder(upstream: string): Promise<Recorder> {
  const t0 = performance.now();
  const attempts: Attempt[] = [];
  const agent = new Agent({ keepAlive: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now() - t0;
      const body = Buffer.concat(chunks);
      const requestId = sha256(decompress(body, req.headers['content-encoding']));
      const json = (req.headers['content-type'] ?? '').startsWith('application/json');
      let answered = false;
      const up = request(new URL(req.url ?? '/', upstream), { method: req.method, headers: { ...forwardable(req.headers), 'content-length': String(body.length) }, agent }, (ur) => {
        const rchunks: Buffer[] = [];
        ur.on('data', (c: Buffer) => rchunks.push(c));
        ur.on('end', () => {
          answered = true;
          const rbody = Buffer.concat(rchunks);
          const status = ur.statusCode ?? 0;
          const rejected = status === 200 ? (json ? partialRejectedJson(rbody.toString('utf8')) : partialRejected(rbody)) : undefined;
          attempts.push({
            at,
            path: req.url ?? '',
            request: requestId,
            status,
            outcome: status === 200 ? (rejected ? 'partial' : 'accepted') : status === 429 ? 'throttled' : status === 503 ? 'unavailable' : 'other',
            ...(retryAfterMs(ur.headers['retry-after']) !== undefined ? { retryAfterMs: retryAfterMs(ur.headers['retry-after']) } : {}),
            ...(rejected !== undefined ? { rejected } : {}),
          });
          res.writeHead(status, { ...forwardable(ur.headers), 'content-length': String(rbody.length) });
          res.end(rbody);
        });
      });
      up.on('error', (err) => {
        // The receiver may close the connection after answering a refused request (it does not read the body).
        if (answered) return;
        attempts.push({ at, path: req.url ?? '', request: requestId, status: 502, outcome: 'other' });
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message);
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
        agent.destroy();
      }),
  };
}

const GRPC_STATUS: Readonly<Record<number, Outcome>> = { 8: 'throttled', 14: 'unavailable' };

/** Headers to pass on over HTTP/2: no pseudo-headers, no hop-by-hop ones but `te: trailers`, which gRPC requires. */
function h2Forwardable(headers: H2Headers): H2OutHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([k, v]) => v !== undefined && !k.startsWith(':') && (k === 'te' || !HOP_BY_HOP.has(k))));
}

/** The messages of a gRPC body (5-byte prefix: compressed flag, length), decompressed. */
function grpcMessages(body: Buffer, encoding: string | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + 5 <= body.length; ) {
    const compressed = body[i] === 1;
    const n = body.readUInt32BE(i + 1);
    const m = body.subarray(i + 5, i + 5 + n);
    out.push(compressed ? decompress(m, encoding) : m);
    i += 5 + n;
  }
  return out;
}

/**
 * An OTLP/gRPC recording proxy in front of `upstream` (the receiver's
 * `http://host:port`), speaking HTTP/2 without TLS on both sides. Each call is
 * forwarded once its request message has arrived; the answer (headers, message,
 * trailers, or a trailers-only status) is passed back unchanged.
 */
export async function startGrpcRecorder(upstream: string): Promise<Recorder> {
  const t0 = performance.now();
  const attempts: Attempt[] = [];
  let session: ClientHttp2Session | undefined;
  const upstreamSession = (): ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      session = connect(upstream);
      session.on('error', () => {});
    }
    return session;
  };
  const server: Http2Server = createH2Server();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => {});
    stream.on('end', () => {
      const at = performance.now() - t0;
      const body = Buffer.concat(chunks);
      const path = String(headers[':path'] ?? '');
      const requestId = sha256(Buffer.concat(grpcMessages(body, headers['grpc-encoding'] as string | undefined)));
      const up = upstreamSession().request({ ...h2Forwardable(headers), ':method': 'POST', ':path': path });
      let responseHeaders: H2Headers = {};
      let trailers: H2Headers = {};
      const rchunks: Buffer[] = [];
      up.on('response', (h) => (responseHeaders = h));
      up.on('trailers', (t) => (trailers = t));
      up.on('data', (c: Buffer) => rchunks.push(c));
      up.on('error', () => {
        attempts.push({ at, path, request: requestId, status: -1, outcome: 'other' });
        if (!stream.destroyed) stream.close(h2.NGHTTP2_INTERNAL_ERROR);
      });
      up.on('end', () => {
        const trailersOnly = responseHeaders['grpc-status'] !== undefined;
        const final = trailersOnly ? responseHeaders : trailers;
        const code = Number(final['grpc-status'] ?? -1);
        const rbody = Buffer.concat(rchunks);
        const message = grpcMessages(rbody, responseHeaders['grpc-encoding'] as string | undefined)[0];
        const rejected = code === 0 && message !== undefined ? partialRejected(message) : undefined;
        const delay = retryAfterMs(final['retry-after']);
        attempts.push({
          at,
          path,
          request: requestId,
          status: code,
          outcome: code === 0 ? (rejected ? 'partial' : 'accepted') : GRPC_STATUS[code] ?? 'other',
          ...(delay !== undefined ? { retryAfterMs: delay } : {}),
          ...(rejected !== undefined ? { rejected } : {}),
        });
        if (stream.destroyed) return;
        const status = { ':status': Number(responseHeaders[':status'] ?? 200) };
        if (trailersOnly) {
          stream.respond({ ...status, ...h2Forwardable(responseHeaders) }, { endStream: true });
          return;
        }
        stream.respond({ ...status, ...h2Forwardable(responseHeaders) }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers(h2Forwardable(trailers)));
        stream.end(rbody);
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    attempts,
    close: () =>
      new Promise<void>((r) => {
        session?.destroy();
        server.close(() => r());
        // Sessions the Collector keeps open would hold close() until they end.
        setTimeout(r, 2000).unref();
      }),
  };
}

/** One request an {@link OtlpBackend} received. */
export interface BackendRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

/** An OTLP/HTTP backend that accepts everything. */
export interface OtlpBackend {
  readonly url: string;
  readonly requests: readonly BackendRequest[];
  close(): Promise<void>;
}

/** Starts an OTLP/HTTP backend on loopback (on `port`, or a free one): every request is answered as a full success and kept (decompressed). */
export async function startOtlpBackend(port = 0): Promise<OtlpBackend> {
  const requests: BackendRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = (req.headers['content-type'] ?? '').split(';', 1)[0] ?? '';
      requests.push({ path: req.url ?? '', contentType, body: decompress(Buffer.concat(chunks), req.headers['content-encoding']) });
      // An empty Export*ServiceResponse: full success.
      if (contentType === 'application/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
