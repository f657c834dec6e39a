/**
 * What goes on the wire: Alertmanager's v2 API alerts (`POST /api/v2/alerts`,
 * as Prometheus sends them) and the body of Alertmanager's webhook
 * notifications (version 4), so receivers written for either work unchanged.
 * Pure.
 *
 * @module
 */
import type { Alert } from '../state.js';

/** One alert of `POST /api/v2/alerts` (Alertmanager's `postableAlert`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/**
 * An alert as Prometheus posts it: firing alerts carry an `endsAt` in the
 * future (`validForMs` from now), after which Alertmanager resolves them by
 * itself unless they are sent again; resolved ones carry their resolve time.
 */
export function postableAlert(a: Alert, now: number, validForMs: number, generatorURL: string): PostableAlert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.activeAt).toISOString(),
    endsAt: new Date(a.status === 'resolved' ? (a.resolvedAt ?? now) : now + validForMs).toISOString(),
    generatorURL,
  };
}

/** One alert in a webhook notification. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Alertmanager's zero time for alerts still firing. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook body (version 4). */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** Labels a webhook groups by, like the seed's Alertmanager route (`group_by: [model, severity]`). */
export const WEBHOOK_GROUP_BY: readonly string[] = Object.freeze(['ml_model_name', 'severity']);

const ZERO_TIME = '0001-01-01T00:00:00Z';

function common(records: readonly Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = records;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((r) => r[k] === v)) out[k] = v;
  return out;
}

/** A stable short fingerprint of an alert's identity (FNV-1a, 64 bits, hex), as Alertmanager shows one. */
export function shortFingerprint(fingerprint: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < fingerprint.length; i++) {
    h ^= BigInt(fingerprint.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * Groups alerts by {@link WEBHOOK_GROUP_BY} and builds one webhook body per
 * group; a group is `firing` while any of its alerts fires.
 */
export function webhookPayloads(alerts: readonly Alert[], receiver: string, externalURL: string, generatorURL: (a: Alert) => string): WebhookPayload[] {
  const groups = new Map<string, Alert[]>();
  for (const a of alerts) {
    const key = WEBHOOK_GROUP_BY.map((l) => `${l}=${JSON.stringify(a.labels[l] ?? '')}`).join(',');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(a);
  }
  return [...groups].map(([key, group]): WebhookPayload => {
    const groupLabels: Record<string, string> = {};
    for (const l of WEBHOOK_GROUP_BY) {
      const v = group[0]?.labels[l];
      if (v !== undefined) groupLabels[l] = v;
    }
    return {
      version: '4',
      groupKey: `{}:{${key}}`,
      truncatedAlerts: 0,
      status: group.some((a) => a.status !== 'resolved') ? 'firing' : 'resolved',
      receiver,
      groupLabels,
      commonLabels: common(group.map((a) => a.labels)),
      commonAnnotations: common(group.map((a) => a.annotations)),
      externalURL,
      alerts: group.map((a) => ({
        status: a.status === 'resolved' ? 'resolved' : 'firing',
        labels: a.labels,
        annotations: a.annotations,
        startsAt: new Date(a.activeAt).toISOString(),
        endsAt: a.status === 'resolved' && a.resolvedAt !== undefined ? new Date(a.resolvedAt).toISOString() : ZERO_TIME,
        generatorURL: generatorURL(a),
        fingerprint: shortFingerprint(a.fingerprint),
      })),
    };
  });
}
