/**
 * Sends one OTLP request to processor mode's downstream and reports what
 * came of it (outcome.ts decides): OTLP/HTTP with node:http(s), OTLP/gRPC
 * with @grpc/grpc-js, the request body as stored in the ingest log.
 *
 * Bodies go as they were received: protobuf as protobuf; a JSON body as JSON
 * over OTLP/HTTP (`application/json`, which OTLP/HTTP accepts), and re-encoded
 * as protobuf for gRPC, which carries nothing else (otlp-json.ts). By default
 * bodies go uncompressed: the downstream of a processor is usually near (a
 * gateway in the same network), and compressing costs the aggregator's CPU for
 * every request (it was decompressed on the way in). `compression: 'gzip'` is
 * for a downstream across a slower or metered link: OTLP/HTTP bodies are
 * gzipped off the event loop (zlib's thread pool) at level 1 and sent with
 * `Content-Encoding: gzip`; gRPC messages are gzipped by grpc-js
 * (`grpc-encoding: gzip`), which has no level option and uses zlib's default
 * (6). On the ingest benchmark's payload (714 kB, 2,400 points) level 1 costs
 * 3.7 CPU-µs per point for a ratio of 2.95, level 6 16.1 µs for 3.23
 * (bench/forward-gzip.bench.ts): the aggregator's whole durable ingest is
 * about 3 µs per point.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { rootCertificates } from 'node:tls';
import { promisify } from 'node:util';
import { constants as zlibConstants, gzip as gzipCallback } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { grpcOutcome, httpOutcome, retryInfoDelayMs, type SendOutcome } from './outcome.js';
import { OtlpJsonTranscodeError, otlpJsonToProtobuf } from './otlp-json.js';

/** What a request carries. */
export type ForwardKind = 'metrics' | 'logs';

/** Compression of the requests sent downstream. */
export type ForwardCompression = 'none' | 'gzip';

const gzip = promisify(gzipCallback);

/** Sends requests to one endpoint. */
export interface Sender {
  /** The endpoint, for messages. */
  readonly endpoint: string;
  /** Sends one request; never rejects (a failure is an outcome). */
  send(kind: ForwardKind, body: Uint8Array, encoding: 'protobuf' | 'json'): Promise<SendOutcome>;
  /** Drops connections; sends still running end with a retryable outcome. */
  close(): void;
}

/** Options of {@link createSender}. */
export interface SenderOptions {
  /** `http://` or `https://` URL; for OTLP/HTTP the base (`/v1/metrics` and `/v1/logs` are appended). */
  endpoint: string;
  protocol: 'grpc' | 'http/protobuf';
  /** HTTP headers or gRPC metadata sent with every request. @default {} */
  headers?: Record<string, string>;
  /** Deadline of one attempt, in ms. */
  timeoutMs: number;
  /** Path of a PEM CA bundle for an https:// endpoint, besides the system's. */
  caFile?: string;
  /** How request bodies are compressed on the wire. @default 'none' */
  compression?: ForwardCompression;
  /** Clock for `Retry-After` dates. @default Date.now */
  now?: () => number;
}

/** Answers read past this are cut: an OTLP response is a few bytes, an error page a few kB. */
const MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'modelwatch-aggregator (processor mode)';

/**
 * A sender for the configured protocol.
 * @throws Error when the CA file cannot be read (naming it).
 */
export function createSender(options: SenderOptions): Sender {
  let ca: Buffer | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile);
    } catch (err) {
      throw new Error(`forward.tls.ca: cannot read ${options.caFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  return options.protocol === 'grpc' ? grpcSender(options, ca) : httpSender(options, ca);
}

function httpSender(options: SenderOptions, ca: Buffer | undefined): Sender {
  const base = new URL(options.endpoint);
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true, ...(ca !== undefined ? { ca: withRoots(ca) } : {}) }) : new http.Agent({ keepAlive: true });
  const now = options.now ?? Date.now;
  const prefix = base.pathname.replace(/\/+$/, '');
  const gzipped = options.compression === 'gzip';
  return {
    endpoint: options.endpoint,
    async send(kind, raw, encoding) {
      const json = encoding === 'json';
      const url = new URL(`${prefix}/v1/${kind}`, base);
      let body = raw;
      if (gzipped) {
        try {
          body = await gzip(raw, { level: zlibConstants.Z_BEST_SPEED });
        } catch (err) {
          return { kind: 'retry', reason: `${url.href}: gzip failed: ${(err as Error).message}` };
        }
      }
      return new Promise<SendOutcome>((resolve) => {
        let settled = false;
        const settle = (o: SendOutcome): void => {
          if (settled) return;
          settled = true;
          resolve(o);
        };
        const req = (secure ? https : http).request(url, {
          method: 'POST',
          agent,
          timeout: options.timeoutMs,
          headers: {
            ...options.headers,
            'content-type': json ? 'application/json' : 'application/x-protobuf',
            ...(gzipped ? { 'content-encoding': 'gzip' } : {}),
            'content-length': String(body.byteLength),
            'user-agent': USER_AGENT,
          },
        });
        const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
        deadline.unref();
        req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
        req.on('error', (err) => {
          clearTimeout(deadline);
          settle({ kind: 'retry', reason: `${url.href}: ${err.message}${(err as { code?: string }).code !== undefined ? ` (${(err as { code?: string }).code})` : ''}` });
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size < MAX_RESPONSE_BYTES) chunks.push(c);
            size += c.length;
          });
          res.on('error', (err) => settle({ kind: 'retry', reason: `${url.href}: the answer broke off: ${err.message}` }));
          res.on('end', () => {
            clearTimeout(deadline);
            const answer = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES);
            const respJson = (res.headers['content-type'] ?? '').startsWith('application/json');
            settle(httpOutcome(res.statusCode ?? 0, res.headers['retry-after'], answer, respJson, now()));
          });
        });
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The CAs to trust: Node's bundled roots (its default) plus the configured file, which adds to them rather than replacing them. */
const withRoots = (ca: Buffer): string[] => [...rootCertificates, ca.toString('utf8')];

const identity = (b: Buffer): Buffer => b;

function grpcSender(options: SenderOptions, ca: Buffer | undefined): Sender {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const port = url.port !== '' ? url.port : secure ? '443' : '80';
  const target = `${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${port}`;
  const credentials = secure ? grpc.credentials.createSsl(ca !== undefined ? Buffer.from(withRoots(ca).join('\n')) : null) : grpc.credentials.createInsecure();
  const client = new grpc.Client(target, credentials, {
    // The downstream's answers are small; the requests are as large as the aggregator accepts.
    'grpc.max_send_message_length': -1,
    'grpc.primary_user_agent': USER_AGENT,
    // A refused connection is retried by the forwarder's backoff, not by a second one in the channel.
    'grpc.enable_retries': 0,
    // grpc-js's compression algorithm keys: 0 identity, 1 deflate, 2 gzip.
    ...(options.compression === 'gzip' ? { 'grpc.default_compression_algorithm': 2 } : {}),
  });
  const metadata = (): grpc.Metadata => {
    const m = new grpc.Metadata();
    for (const [k, v] of Object.entries(options.headers ?? {})) m.set(k.toLowerCase(), v);
    return m;
  };
  const paths: Record<ForwardKind, string> = {
    metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  };
  return {
    endpoint: options.endpoint,
    send(kind, body, encoding) {
      let message: Uint8Array;
      try {
        message = encoding === 'json' ? otlpJsonToProtobuf(kind, body) : body;
      } catch (err) {
        if (err instanceof OtlpJsonTranscodeError) return Promise.resolve({ kind: 'permanent', reason: err.message });
        throw err;
      }
      const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
      return new Promise<SendOutcome>((resolve) => {
        client.makeUnaryRequest(paths[kind], identity, identity, buf, metadata(), { deadline: Date.now() + options.timeoutMs }, (err, response) => {
          if (err === null || err === undefined) {
            resolve(grpcOutcome(0, '', undefined, response));
            return;
          }
          const details = err.metadata?.get('grpc-status-details-bin')[0];
          const delay = details instanceof Buffer ? retryInfoDelayMs(details) : undefined;
          resolve(grpcOutcome(err.code, `${target}: ${err.details}`, delay, undefined));
        });
      });
    },
    close: () => client.close(),
  };
}
