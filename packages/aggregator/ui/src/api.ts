/**
 * The dashboard's reads of the aggregator's JSON API. The shapes are the
 * server's own types (type-only imports: nothing of the server is bundled).
 * When the aggregator has a token, the page asks for it once and keeps it in
 * this tab's session storage; every call sends it as a bearer token.
 *
 * @module
 */
import type { DriftReport, FeatureDistributions, ModelStatus, ModelSummary, PredictionDistributions } from '../../src/engine/types.js';
import type { QualityReport } from '../../src/engine/quality/types.js';
import type { Alert } from '../../src/alerts/state.js';

export type { DriftReport, FeatureDistributions, ModelStatus, ModelSummary, PredictionDistributions, QualityReport, Alert };

/** `GET /api/v1/alerts`. */
export interface AlertsView {
  active: Alert[];
  resolved: Alert[];
}

/** `GET /api/v1/models/{m}/history`: the signals that have a history. */
export interface HistoryIndex {
  model: string;
  intervalSeconds: number;
  retentionSeconds: number;
  signals: Array<{ name: string; series: number }>;
}

/** `GET /api/v1/models/{m}/history?signal=`. */
export interface HistorySeries {
  attributes: Record<string, string | number | boolean>;
  /** [unix seconds, value], oldest first. */
  points: Array<[number, number]>;
}
export interface SignalHistory {
  model: string;
  signal: string;
  intervalSeconds: number;
  retentionSeconds: number;
  series: HistorySeries[];
}

/** `GET /api/v1/models/{m}/resources`. */
export interface ResourcesView {
  model: string;
  instances: Array<{
    service: string;
    instance: string;
    host?: string;
    lastSeenSeconds: number | null;
    metrics: Record<string, number | null>;
  }>;
}

/** The API answered with an error (its code and message, as the server wrote them). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'modelwatch.token';

/** Remembers the token for this tab (empty: forget it). */
export function setToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Answers of the render under way: a path asked twice in one render (the model
 * list, a history index) is fetched once. {@link newRender} clears it.
 */
const renderCache = new Map<string, Promise<unknown>>();

/** Starts a render: later reads fetch afresh. */
export function newRender(): void {
  renderCache.clear();
}

/** GETs one API path and parses its JSON (once per render). */
export function get<T>(path: string): Promise<T> {
  let p = renderCache.get(path) as Promise<T> | undefined;
  if (p === undefined) {
    p = fetchJson<T>(path);
    renderCache.set(path, p);
  }
  return p;
}

async function fetchJson<T>(path: string): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = res.statusText;
    try {
      const body = (await res.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code ?? code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiFailure(res.status, code, message);
  }
  return (await res.json()) as T;
}

/** GET, or `undefined` on a 404 (a signal with no history yet, a model without that section). */
export async function getOptional<T>(path: string): Promise<T | undefined> {
  try {
    return await get<T>(path);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 404) return undefined;
    throw err;
  }
}

const enc = encodeURIComponent;

/** API paths, with every name from telemetry percent-encoded. */
export const paths = {
  models: () => '/api/v1/models',
  alerts: () => '/api/v1/alerts',
  status: (m: string) => `/api/v1/models/${enc(m)}`,
  drift: (m: string) => `/api/v1/models/${enc(m)}/drift`,
  feature: (m: string, f: string) => `/api/v1/models/${enc(m)}/drift/${enc(f)}`,
  quality: (m: string) => `/api/v1/models/${enc(m)}/quality`,
  predictions: (m: string) => `/api/v1/models/${enc(m)}/predictions`,
  modelAlerts: (m: string) => `/api/v1/models/${enc(m)}/alerts`,
  resources: (m: string) => `/api/v1/models/${enc(m)}/resources`,
  historyIndex: (m: string) => `/api/v1/models/${enc(m)}/history`,
  history: (m: string, signal: string, since?: string) =>
    `/api/v1/models/${enc(m)}/history?signal=${enc(signal)}${since !== undefined ? `&since=${enc(since)}` : ''}`,
};
