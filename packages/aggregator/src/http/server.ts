/**
 * The aggregator's HTTP port: JSON API, Prometheus `/metrics`, health checks.
 * Plain `node:http`: a handful of routes do not need a framework.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

/** What the API reads from and writes to (the engine, behind the service). */
export interface ApiBackend {
  listModels(): unknown[];
  modelStatus(name: string): unknown;
  driftReport(name: string): unknown;
  /** Ground-truth quality: accuracy, confusion matrix, calibration, estimated accuracy, coverage. */
  qualityReport(name: string): unknown;
  featureDistributions(name: string, feature: string): unknown;
  hasModel(name: string): boolean;
  /** Throws (synchronously) for an invalid baseline; the promise settles once the change is durable. */
  setBaseline(name: string, baseline: unknown): void | Promise<void>;
  /** Pending, firing and recently resolved alerts, of one model or of all. */
  alerts(model?: string): unknown;
  /** Extra facts for /readyz (e.g. alert delivery). */
  readiness(): Record<string, unknown>;
  resetBaseline(name: string): void | Promise<void>;
}

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  host: string;
  port: number;
  backend: ApiBackend;
  /** Serves `GET /metrics`. */
  metrics: (req: IncomingMessage, res: ServerResponse) => void;
  /** Whether the service is ready (for `/readyz`). */
  ready: () => boolean;
  /** Bearer token required on every route except /healthz when set. */
  authToken?: string;
  tls?: { cert: string; key: string };
  /** Largest accepted API request body. @default 16 MiB */
  maxBodyBytes?: number;
}

/** A started HTTP server. */
export interface StartedServer {
  /** `http://host:port` (or https). */
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) {
    throw new ApiError('MW_UNSUPPORTED_MEDIA_TYPE', `expected Content-Type application/json, got ${JSON.stringify(type)}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError('MW_BODY_TOO_LARGE', `request body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ApiError('MW_BAD_REQUEST', `request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/** Starts the HTTP API. Port 0 picks a free port. */
export async function startHttpServer(options: HttpServerOptions): Promise<StartedServer> {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const { backend } = options;

  const requireModel = (name: string): void => {
    if (!backend.hasModel(name)) throw new ApiError('MW_UNKNOWN_MODEL', `unknown model ${JSON.stringify(name)}`);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    if (!authorized(req, options.authToken)) {
      res.setHeader('www-authenticate', 'Bearer');
      throw new ApiError('MW_UNAUTHORIZED', 'missing or wrong bearer token');
    }
    if (path === '/readyz') {
      return options.ready() ? send(res, 200, { status: 'ready', ...backend.readiness() }) : send(res, 503, { status: 'starting' });
    }
    if (path === '/metrics') {
      if (method !== 'GET' && method !== 'HEAD') throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return options.metrics(req, res);
    }
    let parts: string[];
    try {
      parts = path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
    } catch (err) {
      throw new ApiError('MW_BAD_REQUEST', `malformed percent-encoding in ${JSON.stringify(path)}`, { cause: err });
    }
    if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'alerts' && parts.length === 3) {
      if (method !== 'GET' && method !== 'HEAD') throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, backend.alerts());
    }
    if (parts[0] !== 'api' || parts[1] !== 'v1' || parts[2] !== 'models') {
      throw new ApiError('MW_NOT_FOUND', `no route ${method} ${path}`);
    }
    const [, , , model, sub, feature, ...rest] = parts;
    const get = method === 'GET' || method === 'HEAD';
    if (model === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, { models: backend.listModels() });
    }
    if (rest.length > 0) throw new ApiError('MW_NOT_FOUND', `no route ${method} ${path}`);
    requireModel(model);
    if (sub === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, backend.modelStatus(model));
    }
    if (sub === 'drift') {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      if (feature === undefined) return send(res, 200, backend.driftReport(model) ?? { features: [] });
      const dist = backend.featureDistributions(model, feature);
      if (dist === undefined) {
        throw new ApiError('MW_UNKNOWN_FEATURE', `model ${JSON.stringify(model)} has no feature ${JSON.stringify(feature)}`);
      }
      return send(res, 200, dist);
    }
    if (sub === 'alerts' && feature === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, backend.alerts(model));
    }
    if (sub === 'quality' && feature === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, backend.qualityReport(model));
    }
    if (sub === 'baseline' && feature === undefined) {
      if (method === 'PUT') {
        const body = await readJson(req, maxBody);
        let durable: void | Promise<void>;
        try {
          durable = backend.setBaseline(model, body);
        } catch (err) {
          throw new ApiError('MW_BAD_REQUEST', `invalid baseline: ${(err as Error).message}`, { cause: err });
        }
        await durable;
        return send(res, 200, { status: 'replaced' });
      }
      if (method === 'DELETE') {
        await backend.resetBaseline(model);
        return send(res, 200, { status: 'reset', note: 'the baseline will be learned again from the next full window' });
      }
      throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use PUT or DELETE`);
    }
    throw new ApiError('MW_NOT_FOUND', `no route ${method} ${path}`);
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      const apiError =
        err instanceof ApiError ? err : new ApiError('MW_INTERNAL', `internal error: ${(err as Error).message}`, { cause: err });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, apiError.status, { error: { code: apiError.code, message: apiError.message } });
    });
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
