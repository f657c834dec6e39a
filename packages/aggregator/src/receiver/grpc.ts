/**
 * OTLP/gRPC receiver: `opentelemetry.proto.collector.metrics.v1.MetricsService/Export`
 * and `opentelemetry.proto.collector.logs.v1.LogsService/Export` on
 * `@grpc/grpc-js`, with the receiver's own decoders as request deserializers
 * (no .proto files loaded).
 *
 * Status codes follow the OTLP/gRPC specification: INVALID_ARGUMENT for
 * undecodable data (not retryable), RESOURCE_EXHAUSTED (throttled) or
 * UNAVAILABLE when overloaded, both with a `google.rpc.RetryInfo` in the
 * `grpc-status-details-bin` trailer and a `retry-after` trailer (seconds),
 * partial success in the response message. gzip-compressed requests are
 * decompressed by grpc-js, with the size limit applied after decompression.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs/minimal.js';
import { OtlpDecodeError } from './otlp/errors.js';
import { decodeLogsRequest, scanMetricsRequest } from './otlp/decode-protobuf.js';
import { encodeExportResponse, type PartialSuccess } from './otlp/encode-response.js';
import type { LogsRequest, MetricsPoints } from './otlp/types.js';
import { OverloadedError, type OtlpSink, type ReceiveContext, type SinkResult } from './sink.js';
import { bearerTokenCheck, unauthorizedMessage, type BearerTokenCheck } from '../auth/bearer-token.js';

/** Options of {@link createGrpcReceiver}. */
export interface GrpcReceiverOptions {
  /** Consumer of decoded requests. */
  sink: OtlpSink;
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free port. @default 4317 */
  port?: number;
  /** Largest accepted message after decompression, in bytes. @default 16 MiB */
  maxBodyBytes?: number;
  /** Calls processed at once; more are answered RESOURCE_EXHAUSTED. @default 64 */
  maxInFlightRequests?: number;
  /** Retry delay suggested with the receiver's own overload answers, in ms. @default 1000 */
  retryAfterMs?: number;
  /** When set, calls must carry `authorization: Bearer <token>` metadata (else UNAUTHENTICATED); 16+ visible ASCII characters. */
  authToken?: string;
  /** Serve TLS with this certificate and key (file paths, PEM). */
  tls?: { cert: string; key: string };
  /** Called for each call the receiver itself refuses for load (too many in flight), for the counts. */
  onRefused?: (signal: 'metrics' | 'logs', reason: 'in_flight') => void;
}

/** A listening OTLP/gRPC receiver. */
export interface GrpcReceiver {
  /** Endpoint URL as OTLP exporters take it, e.g. `http://127.0.0.1:4317`. */
  readonly url: string;
  readonly address: { host: string; port: number };
  /** Stops accepting calls; waits briefly for in-flight calls, then forces. */
  close(): Promise<void>;
}

/** A deserialized request, or why it could not be (a thrown deserializer error would become INTERNAL). */
type Decoded<T> = { ok: true; value: T; bytes: number; body: Uint8Array } | { ok: false; error: OtlpDecodeError };

function deserializer<T>(decode: (b: Uint8Array) => T): (b: Buffer) => Decoded<T> {
  return (b) => {
    try {
      return { ok: true, value: decode(b), bytes: b.length, body: b };
    } catch (err) {
      if (err instanceof OtlpDecodeError) return { ok: false, error: err };
      return { ok: false, error: new OtlpDecodeError(`invalid protobuf: ${(err as Error).message}`, '$', -1, { cause: err }) };
    }
  };
}

const responseSerialize = (p: PartialSuccess): Buffer => Buffer.from(encodeExportResponse(p));
// The server never deserializes responses or serializes requests; grpc-js
// requires the functions in a service definition all the same.
const unused = (): never => {
  throw new Error('not used by the server');
};

function method<T>(path: string, decode: (b: Uint8Array) => T): grpc.MethodDefinition<Decoded<T>, PartialSuccess> {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: unused,
    requestDeserialize: deserializer(decode),
    responseSerialize,
    responseDeserialize: unused,
  };
}

const METRICS_SERVICE = {
  Export: method('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', scanMetricsRequest),
} satisfies grpc.ServiceDefinition;
const LOGS_SERVICE = {
  Export: method('/opentelemetry.proto.collector.logs.v1.LogsService/Export', decodeLogsRequest),
} satisfies grpc.ServiceDefinition;

/** `google.rpc.Status` with one `google.rpc.RetryInfo` detail, for `grpc-status-details-bin`. */
function retryStatus(code: number, message: string, retryAfterMs: number): Buffer {
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = Math.round((retryAfterMs - seconds * 1000) * 1e6);
  const w = protobuf.Writer.create();
  w.uint32(1 << 3).int32(code); // Status.code
  w.uint32((2 << 3) | 2).string(message); // Status.message
  w.uint32((3 << 3) | 2).fork(); // Status.details: Any
  w.uint32((1 << 3) | 2).string('type.googleapis.com/google.rpc.RetryInfo'); // Any.type_url
  w.uint32((2 << 3) | 2).fork(); // Any.value: RetryInfo
  w.uint32((1 << 3) | 2).fork(); // RetryInfo.retry_delay: Duration
  if (seconds > 0) w.uint32(1 << 3).int64(seconds);
  if (nanos > 0) w.uint32(2 << 3).int32(nanos);
  w.ldelim().ldelim().ldelim();
  return Buffer.from(w.finish());
}

function overloadStatus(err: OverloadedError): Partial<grpc.StatusObject> {
  const code = err.kind === 'throttled' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE;
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', retryStatus(code, err.message, err.retryAfterMs));
  metadata.set('retry-after', String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  return { code, details: err.message, metadata };
}

/**
 * Refuses a call without the token as soon as its metadata arrives: the stream
 * stays paused, so an unauthenticated caller never gets its message
 * decompressed or decoded. HTTP/2 in Node carries a single `authorization` value.
 */
function tokenInterceptor(authorized: BearerTokenCheck): grpc.ServerInterceptor {
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, pass) => {
            const first = metadata.get('authorization')[0];
            if (authorized(typeof first === 'string' ? first : undefined)) pass(metadata);
            else call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: unauthorizedMessage('metadata'), metadata: new grpc.Metadata() });
          },
        });
      },
    });
}

const SIGNAL_OF_PATH: Readonly<Record<string, 'metrics' | 'logs'>> = {
  [METRICS_SERVICE.Export.path]: 'metrics',
  [LOGS_SERVICE.Export.path]: 'logs',
};

/**
 * Asks the sink to admit a call as soon as its metadata arrives (after the
 * token check): a refused call's message is never received or decompressed.
 */
function admissionInterceptor(admit: NonNullable<OtlpSink['admit']>): grpc.ServerInterceptor {
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        next({
          onReceiveMetadata: (metadata, pass) => {
            const signal = SIGNAL_OF_PATH[method.path];
            try {
              if (signal !== undefined) admit(signal, 'grpc');
            } catch (err) {
              const status = err instanceof OverloadedError
                ? overloadStatus(err)
                : { code: grpc.status.INTERNAL, details: `the call could not be admitted: ${String(err)}` };
              call.sendStatus({ code: status.code ?? grpc.status.INTERNAL, details: status.details ?? '', metadata: status.metadata ?? new grpc.Metadata() });
              return;
            }
            pass(metadata);
          },
        });
      },
    });
}

/**
 * Starts an OTLP/gRPC receiver.
 *
 * @throws when the options are invalid or the address cannot be bound.
 */
export async function createGrpcReceiver(options: GrpcReceiverOptions): Promise<GrpcReceiver> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 4317;
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const maxInFlight = options.maxInFlightRequests ?? 64;
  const retryAfterMs = options.retryAfterMs ?? 1000;
  for (const [key, v, min] of [
    ['port', port, 0],
    ['maxBodyBytes', maxBody, 1],
    ['maxInFlightRequests', maxInFlight, 1],
    ['retryAfterMs', retryAfterMs, 0],
  ] as const) {
    if (!Number.isInteger(v) || v < min) throw new RangeError(`createGrpcReceiver: ${key} must be an integer >= ${min}, got ${v}`);
  }
  const sink = options.sink;
  let inFlight = 0;

  function handler<T>(signal: 'metrics' | 'logs', consume: (req: T, ctx: ReceiveContext) => SinkResult | Promise<SinkResult>): grpc.handleUnaryCall<Decoded<T>, PartialSuccess> {
    return (call, callback) => {
      const req = call.request;
      if (!req.ok) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: req.error.message });
        return;
      }
      if (inFlight >= maxInFlight) {
        options.onRefused?.(signal, 'in_flight');
        callback(overloadStatus(new OverloadedError(`too many calls in flight (${maxInFlight}); retry later`, { kind: 'throttled', retryAfterMs })));
        return;
      }
      inFlight++;
      const ctx: ReceiveContext = { transport: 'grpc', encoding: 'protobuf', receivedAtMs: Date.now(), bodyBytes: req.bytes, body: req.body };
      Promise.resolve()
        .then(() => consume(req.value, ctx))
        .then(
          (result) => {
            inFlight--;
            callback(null, { rejected: result.rejected, errorMessage: result.errorMessage });
          },
          (err: unknown) => {
            inFlight--;
            if (err instanceof OverloadedError) callback(overloadStatus(err));
            else callback({ code: grpc.status.INTERNAL, details: `the request could not be processed: ${(err as Error)?.message ?? String(err)}` });
          },
        );
    };
  }

  // The token first: an unauthenticated caller learns nothing of the load.
  const interceptors = [
    ...(options.authToken !== undefined ? [tokenInterceptor(bearerTokenCheck(options.authToken))] : []),
    ...(sink.admit !== undefined ? [admissionInterceptor(sink.admit.bind(sink))] : []),
  ];
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxBody,
    // Responses are a few bytes; compressing them would only cost time.
    ...(interceptors.length > 0 ? { interceptors } : {}),
  });
  server.addService(METRICS_SERVICE, { Export: handler<MetricsPoints>('metrics', (r, c) => sink.consumeMetrics(r, c)) });
  server.addService(LOGS_SERVICE, { Export: handler<LogsRequest>('logs', (r, c) => sink.consumeLogs(r, c)) });

  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(options.tls.cert), private_key: readFileSync(options.tls.key) }])
    : grpc.ServerCredentials.createInsecure();
  const bindHost = host.includes(':') ? `[${host}]` : host;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    url: `${options.tls ? 'https' : 'http'}://${bindHost}:${bound}`,
    address: { host, port: bound },
    close: () =>
      new Promise<void>((resolve) => {
        // Bounded wait for in-flight calls, then force.
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5000);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
