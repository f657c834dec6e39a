/**
 * OTLP/HTTP receiver: `POST /v1/metrics` and `POST /v1/logs`, protobuf and
 * JSON, gzip/deflate or identity, answering in the request's content type.
 *
 * Status codes follow the OTLP/HTTP specification: 200 (with partial success
 * when the sink refused some data), 400 with a `google.rpc.Status` body for
 * undecodable input (not retryable), 413 past the body limit (measured after
 * decompression, so a compression bomb stops at the limit), 415 for other
 * content types or encodings, 429/503 with `Retry-After` when overloaded,
 * 404/405 for other paths and methods, 401 without the bearer token when one
 * is configured.
 *
 * @packageDocumentation
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { createGunzip, createInflate } from 'node:zlib';
import { pipeline, type Readable } from 'node:stream';
import { OtlpDecodeError } from './otlp/errors.js';
import { decodeLogsRequest, scanMetricsRequest } from './otlp/decode-protobuf.js';
import { decodeLogsJson, decodeMetricsJson } from './otlp/decode-json.js';
import {
  encodeExportResponse,
  encodeStatus,
  exportResponseJson,
  RpcCode,
  statusJson,
  type Signal,
} from './otlp/encode-response.js';
import { OverloadedError, type OtlpSink, type ReceiveContext, type SinkResult } from './sink.js';
import { metricsPoints } from './otlp/types.js';
import { BEARER_CHALLENGE, optionalBearerTokenCheck, unauthorizedMessage } from '../auth/bearer-token.js';

/** Options of {@link createHttpReceiver}. */
export interface HttpReceiverOptions {
  /** Consumer of decoded requests. */
  sink: OtlpSink;
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free port. @default 4318 */
  port?: number;
  /** Largest accepted request body after decompression, in bytes. @default 16 MiB */
  maxBodyBytes?: number;
  /** Requests processed at once; more are answered 429. @default 64 */
  maxInFlightRequests?: number;
  /** Decompressed bytes buffered across in-flight requests; past it, 503. @default 8 x maxBodyBytes */
  maxInFlightBytes?: number;
  /** `Retry-After` (seconds) sent with the receiver's own 429/503 answers. @default 1 */
  retryAfterSeconds?: number;
  /** When set, requests must carry `Authorization: Bearer <token>` (else 401); 16+ visible ASCII characters. */
  authToken?: string;
  /** Serve HTTPS with this certificate and key (file paths, PEM). */
  tls?: { cert: string; key: string };
  /** Milliseconds a request may take to arrive completely. @default 30000 */
  requestTimeoutMs?: number;
  /** Called for each request the receiver itself refuses for load (too many requests or bytes in flight), for the counts. */
  onRefused?: (signal: Signal, reason: 'in_flight') => void;
}

/** A listening OTLP/HTTP receiver. */
export interface HttpReceiver {
  /** Base URL, e.g. `http://127.0.0.1:4318`. */
  readonly url: string;
  readonly address: { host: string; port: number };
  /** Stops accepting connections and waits for in-flight requests. */
  close(): Promise<void>;
}

const PATHS: Readonly<Record<string, Signal>> = { '/v1/metrics': 'metrics', '/v1/logs': 'logs' };
const DEFAULT_MAX_BODY = 16 * 1024 * 1024;

/** An HTTP answer that is not a 200 export response. */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Set when the receiver itself refused the request for load. */
    readonly refusal?: 'in_flight',
  ) {
    super(message);
  }
}

function overloaded(err: OverloadedError): HttpFailure {
  const status = err.kind === 'throttled' ? 429 : 503;
  const code = err.kind === 'throttled' ? RpcCode.RESOURCE_EXHAUSTED : RpcCode.UNAVAILABLE;
  return new HttpFailure(status, code, err.message, { 'retry-after': String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) });
}

/**
 * Starts an OTLP/HTTP receiver.
 *
 * @throws when the options are invalid or the address cannot be bound.
 */
export async function createHttpReceiver(options: HttpReceiverOptions): Promise<HttpReceiver> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4318;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const maxInFlight = options.maxInFlightRequests ?? 64;
  const maxInFlightBytes = options.maxInFlightBytes ?? 8 * maxBody;
  const retryAfter = options.retryAfterSeconds ?? 1;
  if (maxInFlightBytes < maxBody) {
    throw new RangeError(`createHttpReceiver: maxInFlightBytes (${maxInFlightBytes}) must be >= maxBodyBytes (${maxBody})`);
  }
  for (const [key, v, min] of [
    ['port', port, 0],
    ['maxBodyBytes', maxBody, 1],
    ['maxInFlightRequests', maxInFlight, 1],
    ['maxInFlightBytes', maxInFlightBytes, 1],
    ['retryAfterSeconds', retryAfter, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`createHttpReceiver: ${key} must be an integer >= ${min}, got ${v}`);
  }
  const sink = options.sink;
  const authorized = optionalBearerTokenCheck(options.authToken);
  let inFlight = 0;
  let inFlightBytes = 0;

  /**
   * Reads the body, decompressing with the limit applied to the decompressed
   * size. The bytes stay counted in `inFlightBytes` (via `held`) until the
   * caller releases them, i.e. for as long as the request is being handled.
   */
  async function readBody(req: IncomingMessage, encoding: string, held: { bytes: number }): Promise<Buffer> {
    let source: Readable = req;
    if (encoding !== 'identity') {
      // pipeline() destroys the decompressor when the request aborts, so the loop below ends.
      const inflate = encoding === 'gzip' ? createGunzip() : createInflate();
      source = pipeline(req, inflate, () => {});
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        total += chunk.length;
        held.bytes += chunk.length;
        inFlightBytes += chunk.length;
        if (total > maxBody) {
          throw new HttpFailure(413, RpcCode.INVALID_ARGUMENT, `request body exceeds the limit of ${maxBody} bytes${encoding === 'identity' ? '' : ' after decompression'}`);
        }
        if (inFlightBytes > maxInFlightBytes) {
          throw new HttpFailure(503, RpcCode.UNAVAILABLE, 'too much data in flight; retry later', { 'retry-after': String(retryAfter) }, 'in_flight');
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (source !== req) source.destroy();
      if (err instanceof HttpFailure) throw err;
      throw new HttpFailure(400, RpcCode.INVALID_ARGUMENT, `cannot read the ${encoding} request body: ${(err as Error).message}`);
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  }

  async function handle(req: IncomingMessage, signal: Signal, json: boolean, encoding: string): Promise<SinkResult> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (encoding === 'identity' && declared > maxBody) {
      throw new HttpFailure(413, RpcCode.INVALID_ARGUMENT, `request body of ${declared} bytes exceeds the limit of ${maxBody} bytes`);
    }
    const held = { bytes: 0 };
    try {
      return await decodeAndConsume(await readBody(req, encoding, held), signal, json);
    } finally {
      inFlightBytes -= held.bytes;
    }
  }

  async function decodeAndConsume(body: Buffer, signal: Signal, json: boolean): Promise<SinkResult> {
    const ctx: ReceiveContext = {
      transport: 'http',
      encoding: json ? 'json' : 'protobuf',
      receivedAtMs: Date.now(),
      bodyBytes: body.length,
      body,
    };
    try {
      // Asked again now that the body is here: decoding (JSON above all) is what allocates most.
      sink.admit?.(signal, 'http');
      if (signal === 'metrics') {
        const decoded = json ? metricsPoints(decodeMetricsJson(body)) : scanMetricsRequest(body);
        return await sink.consumeMetrics(decoded, ctx);
      }
      const decoded = json ? decodeLogsJson(body) : decodeLogsRequest(body);
      return await sink.consumeLogs(decoded, ctx);
    } catch (err) {
      if (err instanceof OtlpDecodeError) throw new HttpFailure(400, RpcCode.INVALID_ARGUMENT, err.message);
      if (err instanceof OverloadedError) throw overloaded(err);
      throw new HttpFailure(500, RpcCode.INTERNAL, `the request could not be processed: ${(err as Error).message ?? String(err)}`);
    }
  }

  let closing = false;
  function reply(res: ServerResponse, status: number, json: boolean, body: string | Uint8Array, headers: Record<string, string> = {}): void {
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, {
      'content-type': json ? 'application/json' : 'application/x-protobuf',
      'content-length': String(payload.length),
      // While closing, keep-alive clients must not keep the server open by sending again.
      ...(closing ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(payload);
  }

  /**
   * Answers a failure. An unread or partly read body: the connection is closed
   * rather than drained, except for a refusal `beforeReading` the body when its
   * declared size is within the limit. Then Node discards the body as it arrives
   * (no memory held) and the connection stays open: closing a socket with unread
   * data resets it, and a reset can destroy the answer before the sender reads
   * it, so a sender of a large body would see a broken connection, not the
   * 429/503 and its Retry-After.
   */
  function fail(req: IncomingMessage, res: ServerResponse, json: boolean, f: HttpFailure, beforeReading = false): void {
    const headers = { ...f.headers };
    const declared = Number(req.headers['content-length'] ?? NaN);
    const close = !req.complete && !(beforeReading && declared <= maxBody);
    if (close) headers['connection'] = 'close';
    reply(res, f.status, json, json ? statusJson(f.rpcCode, f.message) : encodeStatus(f.rpcCode, f.message), headers);
    if (close) res.once('finish', () => req.destroy());
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const signal = PATHS[path];
    const mediaType = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
    const json = mediaType === 'application/json';
    if (signal === undefined) return fail(req, res, true, new HttpFailure(404, 5, `no OTLP endpoint at ${path}; use /v1/metrics or /v1/logs`));
    if (req.method !== 'POST') {
      return fail(req, res, true, new HttpFailure(405, 12, `${req.method ?? '?'} is not allowed on ${path}; use POST`, { allow: 'POST' }));
    }
    if (!authorized(req.headers.authorization)) {
      return fail(req, res, json, new HttpFailure(401, RpcCode.UNAUTHENTICATED, unauthorizedMessage('header'), { 'www-authenticate': BEARER_CHALLENGE }));
    }
    if (!json && mediaType !== 'application/x-protobuf') {
      return fail(req, res, true, new HttpFailure(415, RpcCode.INVALID_ARGUMENT,
        `unsupported content type ${JSON.stringify(mediaType)}; use application/x-protobuf or application/json`));
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
      return fail(req, res, json, new HttpFailure(415, RpcCode.INVALID_ARGUMENT,
        `unsupported content encoding ${JSON.stringify(encoding)}; use gzip, deflate or identity`));
    }
    if (inFlight >= maxInFlight) {
      options.onRefused?.(signal, 'in_flight');
      return fail(req, res, json, new HttpFailure(429, RpcCode.RESOURCE_EXHAUSTED,
        `too many requests in flight (${maxInFlight}); retry later`, { 'retry-after': String(retryAfter) }), true);
    }
    try {
      sink.admit?.(signal, 'http');
    } catch (err) {
      return fail(req, res, json, err instanceof OverloadedError ? overloaded(err) : new HttpFailure(500, RpcCode.INTERNAL, `the request could not be admitted: ${String(err)}`), true);
    }
    inFlight++;
    handle(req, signal, json, encoding).then(
      (result) => {
        inFlight--;
        const partial = { rejected: result.rejected, errorMessage: result.errorMessage };
        reply(res, 200, json, json ? exportResponseJson(signal, partial) : encodeExportResponse(partial));
      },
      (err: unknown) => {
        inFlight--;
        const f = err instanceof HttpFailure ? err : new HttpFailure(500, RpcCode.INTERNAL, String(err));
        if (f.refusal !== undefined) options.onRefused?.(signal, f.refusal);
        fail(req, res, json, f);
      },
    );
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handler)
    : createHttpServer(handler);
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('createHttpReceiver: the server has no TCP address');
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${addr.port}`,
    address: { host: addr.address, port: addr.port },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        // Requests in flight get up to 5 s to finish; then every connection is cut.
        const deadline = setTimeout(() => server.closeAllConnections(), 5000);
        deadline.unref();
        server.close((err) => {
          clearTimeout(deadline);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
