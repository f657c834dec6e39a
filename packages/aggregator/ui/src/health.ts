/**
 * The health tier's colours: one cell per question a glance must answer
 * (alive? traffic as usual? failing? slow? right? drifting? alerting?), each
 * green, yellow, red or grey (no data), and the model's colour is its worst
 * cell. Pure: the numbers come in, the colours go out (unit-tested without a browser).
 *
 * @module
 */
import type { ModelStatus } from '../../src/engine/types.js';
import type { QualityReport } from '../../src/engine/quality/types.js';
import type { Alert } from '../../src/alerts/state.js';

/** A cell's colour: `grey` when there is nothing to judge yet. */
export type Colour = 'green' | 'yellow' | 'red' | 'grey';

const RANK: Record<Colour, number> = { grey: 0, green: 1, yellow: 2, red: 3 };

/** The worse of colours (grey only when all are grey). */
export function worst(colours: readonly Colour[]): Colour {
  return colours.reduce<Colour>((a, b) => (RANK[b] > RANK[a] ? b : a), 'grey');
}

/** One judged number of the health tier. */
export interface HealthCell {
  key: 'liveness' | 'traffic' | 'errors' | 'latency' | 'accuracy' | 'drift' | 'alerts';
  label: string;
  colour: Colour;
  /** The number as shown, e.g. `12.3/s`. */
  value: string;
  /** What it is compared with and why the colour, e.g. `normal 10.1/s (median of 6 h)`. */
  detail: string;
}

/** Request rate below this share of normal, or above its inverse, is yellow. */
export const TRAFFIC_BAND = 0.5;
/** Without an error-rate SLO: the seed's page threshold (5 %) is red, a fifth of it yellow. */
export const DEFAULT_ERROR_RED = 0.05;
export const DEFAULT_ERROR_YELLOW = 0.01;
/** Latency p95 above this share of its SLO threshold is yellow. */
export const LATENCY_YELLOW_SHARE = 0.8;

const pct = (v: number): string => `${(v * 100).toFixed(v < 0.1 ? 2 : 1)} %`;
const ms = (v: number): string => (v < 1 ? `${(v * 1000).toFixed(v < 0.01 ? 1 : 0)} ms` : `${v.toFixed(2)} s`);
const rate = (v: number): string => `${v < 10 ? v.toFixed(2) : v.toFixed(0)}/s`;

/** The median of the finite values, or null. */
export function median(values: readonly number[]): number | null {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Everything the health tier judges one model on. */
export interface HealthInput {
  status: ModelStatus;
  quality?: QualityReport | undefined;
  /** The model's pending and firing alerts. */
  alerts: readonly Alert[];
  /** Past request rates (the history), to tell what is normal. */
  pastRequestRates: readonly number[];
}

/** The health cells of one model and its overall colour. */
export function judgeHealth(input: HealthInput): { colour: Colour; cells: HealthCell[] } {
  const { status, quality, alerts } = input;
  const cells: HealthCell[] = [];
  const up = status.liveness.up;
  cells.push({
    key: 'liveness',
    label: 'Up',
    colour: status.liveness.lastSeen === null ? 'grey' : up ? 'green' : 'red',
    value: status.liveness.lastSeen === null ? 'no data' : up ? 'up' : 'down',
    detail: status.liveness.lastSeenAgeSeconds === null ? 'nothing received yet' : `last data ${Math.round(status.liveness.lastSeenAgeSeconds)} s ago`,
  });

  const r = status.red.requestRate;
  const normal = median(input.pastRequestRates);
  let traffic: Colour = 'grey';
  let trafficDetail = 'no history yet to tell what is normal';
  if (normal !== null && normal > 0) {
    const ratio = r / normal;
    traffic = ratio < TRAFFIC_BAND || ratio > 1 / TRAFFIC_BAND ? 'yellow' : 'green';
    trafficDetail = `normal ${rate(normal)} (median of the history); now ${(ratio * 100).toFixed(0)} % of it`;
  } else if (normal === 0) {
    traffic = r > 0 ? 'green' : 'grey';
    trafficDetail = 'no traffic in the history';
  }
  cells.push({ key: 'traffic', label: 'Requests', colour: traffic, value: rate(r), detail: trafficDetail });

  const errSlo = status.slos.find((s) => s.kind === 'error_rate' || s.kind === 'availability');
  const e = status.red.errorRatio;
  let errors: Colour = 'grey';
  let errorsDetail = 'no requests in the window';
  if (e !== null) {
    const budget = errSlo ? 1 - errSlo.objective : null;
    const red = budget ?? DEFAULT_ERROR_RED;
    const yellow = budget !== null ? budget / 2 : DEFAULT_ERROR_YELLOW;
    errors = e > red ? 'red' : e > yellow ? 'yellow' : 'green';
    errorsDetail = errSlo ? `SLO ${errSlo.name}: at most ${pct(red)} errors` : `no error SLO: red above ${pct(red)}, yellow above ${pct(yellow)}`;
  }
  cells.push({ key: 'errors', label: 'Errors', colour: errors, value: e === null ? '—' : pct(e), detail: errorsDetail });

  const latSlo = status.slos.find((s) => s.kind === 'latency' && s.threshold !== undefined);
  const p95 = status.red.latency.p95;
  let latency: Colour = 'grey';
  let latencyDetail = p95 === null ? 'no requests in the window' : 'no latency SLO to compare with';
  if (p95 !== null && latSlo?.threshold !== undefined) {
    latency = p95 > latSlo.threshold ? 'red' : p95 > LATENCY_YELLOW_SHARE * latSlo.threshold ? 'yellow' : 'green';
    latencyDetail = `SLO ${latSlo.name}: p95 at most ${ms(latSlo.threshold)}`;
  } else if (p95 !== null) latency = 'green';
  cells.push({ key: 'latency', label: 'Latency p95', colour: latency, value: p95 === null ? '—' : ms(p95), detail: latencyDetail });

  const acc = quality?.accuracy;
  const accSlo = status.slos.find((s) => s.kind === 'accuracy');
  const change = quality?.changeDetection;
  let accuracy: Colour = 'grey';
  let accuracyValue = '—';
  let accuracyDetail = 'no ground truth yet';
  const accNow = acc?.rolling.value ?? acc?.window.value ?? null;
  if (accNow !== null && accNow !== undefined) {
    accuracyValue = pct(accNow);
    const below = accSlo !== undefined && accNow < accSlo.objective;
    accuracy = below ? 'red' : change?.state === 'drop' ? 'yellow' : 'green';
    accuracyDetail = [
      `rolling accuracy of the last ${acc?.rolling.count ?? 0} labels`,
      accSlo ? `SLO ${accSlo.name}: at least ${pct(accSlo.objective)}` : null,
      change?.state === 'drop' ? 'ADWIN detected a drop' : null,
    ]
      .filter((x) => x !== null)
      .join('; ');
  }
  cells.push({ key: 'accuracy', label: 'Accuracy', colour: accuracy, value: accuracyValue, detail: accuracyDetail });

  const sev = status.drift.severity;
  const drift: Colour = sev === 'critical' || sev === 'error' ? 'red' : sev === 'warning' ? 'yellow' : sev === 'insufficient_data' ? 'grey' : 'green';
  cells.push({
    key: 'drift',
    label: 'Drift',
    colour: drift,
    value: sev.replace('_', ' '),
    detail: sev === 'error' ? `misconfigured: ${status.drift.errors.map((x) => `${x.feature}: ${x.reason}`).join('; ')}` : 'worst drift severity over features and predictions',
  });

  const firing = alerts.filter((a) => a.status === 'firing');
  const alertColour: Colour = firing.some((a) => a.labels['severity'] === 'critical') ? 'red' : firing.length > 0 ? 'yellow' : 'green';
  const pending = alerts.length - firing.length;
  cells.push({
    key: 'alerts',
    label: 'Alerts',
    colour: alertColour,
    value: `${firing.length} firing`,
    detail: firing.length > 0 ? firing.map((a) => a.labels['alertname']).join(', ') : pending > 0 ? `${pending} pending` : 'none active',
  });

  return { colour: worst(cells.map((c) => c.colour)), cells };
}
