/**
 * The aggregator's HTTP port: JSON API, Prometheus `/metrics`, health checks.
 * Plain `node:http`: a handful of routes do not need a framework.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseDuration } from '../config/duration.js';
import { ApiError } from './errors.js';
import { BEARER_CHALLENGE, optionalBearerTokenCheck, unauthorizedMessage } from '../auth/bearer-token.js';
import type { DashboardAssets } from '../dashboard/assets.js';
import { isBusyError } from '../store/database.js';

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
  /** Runtime and host metrics of the service instances that send the model's telemetry (docs/resources.md). */
  resources(name: string): unknown;
  /** Reference and current distributions of the predicted labels and confidences. */
  predictionDistributions(name: string): unknown;
  /** Extra facts for /readyz (e.g. alert delivery). */
  readiness(): Record<string, unknown>;
  resetBaseline(name: string): void | Promise<void>;
  /**
   * The model's signal history: its summary when `signal` is undefined, else that
   * signal's series over the last `sinceMs` ms (all kept points when undefined);
   * `{ known }`, the signals with history, when `signal` has none.
   */
  history(name: string, signal: string | undefined, sinceMs: number | undefined): { body: unknown } | { known: string[] };
}

/** Signals named in an MW_UNKNOWN_SIGNAL message. */
const KNOWN_SIGNALS_SHOWN = 5;

/** `GET /api/v1/models/{m}/history[?signal=NAME][&since=DURATION]`. */
function history(backend: ApiBackend, model: string, query: URLSearchParams): unknown {
  const signal = query.get('signal') ?? undefined;
  const sinceText = query.get('since');
  let sinceMs: number | undefined;
  if (sinceText !== null) {
    try {
      sinceMs = parseDuration(sinceText);
    } catch (err) {
      throw new ApiError('MW_BAD_REQUEST', `invalid since ${JSON.stringify(sinceText)}: expected a duration like "90s", "10m" or "1h"`, { cause: err });
    }
  }
  const answer = backend.history(model, signal, sinceMs);
  if ('body' in answer) return answer.body;
  const { known } = answer;
  const shown = known.slice(0, KNOWN_SIGNALS_SHOWN).map((k) => JSON.stringify(k)).join(', ');
  const more = known.length > KNOWN_SIGNALS_SHOWN ? ` and ${known.length - KNOWN_SIGNALS_SHOWN} more` : '';
  throw new ApiError(
    'MW_UNKNOWN_SIGNAL',
    `model ${JSON.stringify(model)} has no history of signal ${JSON.stringify(signal)}; ${known.length === 0 ? 'it has no history yet' : `signals with history: ${shown}${more}`}`,
  );
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
  /**
   * Bearer token required on every route except /healthz and the dashboard's
   * files when set (16+ visible ASCII characters; see `bearerTokenCheck`).
   */
  authToken?: string;
  tls?: { cert: string; key: string };
  /** Largest accepted API request body. @default 16 MiB */
  maxBodyBytes?: number;
  /** The built-in dashboard's files, served on `/` and `/ui/*`; absent: no dashboard. */
  dashboard?: DashboardAssets;
}

/**
 * Sent with every response, API and dashboard alike. The dashboard's page loads
 * only its own script and stylesheet: no inline script, no inline style sheet,
 * nothing from elsewhere, and no framing.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

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

/** Starts the HTTP API. Port 0 picks a free port. */
export async function startHttpServer(options: HttpServerOptions): Promise<StartedServer> {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const { backend } = options;
  const authorized = optionalBearerTokenCheck(options.authToken);

  const requireModel = (name: string): void => {
    if (!backend.hasModel(name)) throw new ApiError('MW_UNKNOWN_MODEL', `unknown model ${JSON.stringify(name)}`);
  };

  function serveDashboard(req: IncomingMessage, res: ServerResponse, path: string): void {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
    const assets = options.dashboard;
    if (assets === undefined) throw new ApiError('MW_NOT_FOUND', `no route ${method} ${path}`);
    if (!assets.ok) throw new ApiError('MW_DASHBOARD_NOT_BUILT', assets.reason);
    const file = assets.files.get(path);
    if (file === undefined) throw new ApiError('MW_NOT_FOUND', `no dashboard file ${JSON.stringify(path)}`);
    const headers = { 'content-type': file.contentType, etag: file.etag, 'cache-control': 'no-cache' };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': file.body.length });
    res.end(method === 'HEAD' ? undefined : file.body);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz') return send(res, 200, { status: 'ok' });
    // The dashboard's files hold no telemetry: they load without the token, and
    // the page then asks for it and sends it with every API call.
    if (path === '/' || path.startsWith('/ui/')) return serveDashboard(req, res, path);
    if (!authorized(req.headers.authorization)) {
      res.setHeader('www-authenticate', BEARER_CHALLENGE);
      throw new ApiError('MW_UNAUTHORIZED', unauthorizedMessage('header'));
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
    if (sub === 'history' && feature === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, history(backend, model, url.searchParams));
    }
    if (sub === 'predictions' && feature === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, backend.predictionDistributions(model));
    }
    if (sub === 'resources' && feature === undefined) {
      if (!get) throw new ApiError('MW_METHOD_NOT_ALLOWED', `${method} ${path} is not supported; use GET`);
      return send(res, 200, backend.resources(model));
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
          if (isBusyError(err)) throw err;
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
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    route(req, res).catch((err: unknown) => {
      const apiError =
        err instanceof ApiError
          ? err
          : isBusyError(err)
            ? new ApiError('MW_STORE_BUSY', `the store is locked by another process, the change is not durable yet; retry: ${(err as Error).message}`, { cause: err })
            : new ApiError('MW_INTERNAL', `internal error: ${(err as Error).message}`, { cause: err });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // A body left unread (refused before reading, e.g. without the token, or past
      // the limit): close the connection rather than let Node drain it.
      if (!req.complete) res.setHeader('connection', 'close');
      if (apiError.code === 'MW_STORE_BUSY') res.setHeader('retry-after', '1');
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
