/**
 * The alert state machine, as Prometheus runs it for an alerting rule:
 * inactive → pending when the condition first holds; pending → firing once it
 * has held for `for` (at once when `for` is 0); pending → inactive when it stops
 * holding; firing → resolved when it stops holding and `keepFiringFor` has
 * passed since it last held. An alert's identity is its label set. Pure:
 * conditions and `now` in, the next state out.
 *
 * @module
 */
import type { AlertRule } from '@modelwatch/semconv';
import { parseDuration } from '../config/duration.js';
import type { ActiveCondition } from './conditions.js';
import { renderTemplate } from './template.js';

/** Where an alert is in its life. */
export type AlertStatus = 'pending' | 'firing' | 'resolved';

/** One alert instance: a rule and one identity. */
export interface Alert {
  /** Stable identity: the rule's id and the sorted labels. */
  fingerprint: string;
  /** The catalogue rule's id (alertname, or alertname:severity). */
  ruleId: string;
  /** alertname, severity, the identifying labels and the rule's extra labels. */
  labels: Record<string, string>;
  /** summary, description, runbook (numbered lines), runbook_url when set; rendered at the last evaluation that held. */
  annotations: Record<string, string>;
  status: AlertStatus;
  /** The alert's value at the last evaluation where its condition held. */
  value: number;
  /** When the condition started holding (epoch ms). */
  activeAt: number;
  /** When it started firing. */
  firedAt?: number;
  /** The last evaluation where the condition held. */
  lastHeldAt: number;
  /** When it resolved. */
  resolvedAt?: number;
}

/** The evaluator's durable state. */
export interface AlertsState {
  /** Pending and firing alerts. */
  active: Alert[];
  /** Recently resolved alerts, newest first, at most `historyLimit`. */
  resolved: Alert[];
}

/** An empty state. */
export const EMPTY_ALERTS_STATE: AlertsState = Object.freeze({ active: [], resolved: [] }) as AlertsState;

/** One rule with the identities whose condition holds now. */
export interface RuleEvaluation {
  rule: AlertRule;
  holding: readonly ActiveCondition[];
  /**
   * Whether this evaluation judged the alert with these labels (e.g. the rule
   * applies to its model). An alert no evaluation covers resolves.
   * @default every alert of the rule
   */
  covers?: (labels: Readonly<Record<string, string>>) => boolean;
}

/** What one step changed. */
export interface AlertsStep {
  state: AlertsState;
  /** Alerts that started firing at this step. */
  fired: Alert[];
  /** Alerts that resolved at this step. */
  resolved: Alert[];
}

/** Options of {@link stepAlerts}. */
export interface StepOptions {
  /** Resolved alerts kept in the history. @default 200 */
  historyLimit?: number;
}

function fingerprintOf(ruleId: string, labels: Record<string, string>): string {
  return `${ruleId}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** The labels of an alert of `rule` with identity `id`. */
export function alertLabels(rule: AlertRule, id: Readonly<Record<string, string>>): Record<string, string> {
  return { ...id, ...rule.labels, alertname: rule.alertname, severity: rule.severity };
}

function annotationsOf(rule: AlertRule, labels: Record<string, string>, c: ActiveCondition): Record<string, string> {
  const data = { labels, value: c.value, context: c.context };
  const a = rule.annotations;
  const out: Record<string, string> = {
    summary: renderTemplate(a.summary, data),
    description: renderTemplate(a.description, data),
    runbook: a.runbook.map((step, i) => `${i + 1}. ${renderTemplate(step, data)}`).join('\n'),
  };
  if (a.runbookUrl !== undefined) out.runbook_url = renderTemplate(a.runbookUrl, data);
  return out;
}

/**
 * Advances every alert to `now`. Alerts of rules absent from `evaluations`
 * (turned off, or removed from the config since the state was saved) resolve,
 * so their resolve is still delivered.
 */
export function stepAlerts(prev: AlertsState, evaluations: readonly RuleEvaluation[], now: number, options: StepOptions = {}): AlertsStep {
  const historyLimit = options.historyLimit ?? 200;
  const previous = new Map(prev.active.map((a) => [a.fingerprint, a]));
  const active: Alert[] = [];
  const fired: Alert[] = [];
  const resolved: Alert[] = [];
  const seen = new Set<string>();

  for (const { rule, holding } of evaluations) {
    const forMs = parseDuration(rule.for);
    for (const c of holding) {
      const labels = alertLabels(rule, c.labels);
      const fingerprint = fingerprintOf(rule.id, labels);
      if (seen.has(fingerprint)) continue;
      seen.add(fingerprint);
      const before = previous.get(fingerprint);
      const alert: Alert = before
        ? { ...before, labels, value: c.value, lastHeldAt: now, annotations: annotationsOf(rule, labels, c) }
        : { fingerprint, ruleId: rule.id, labels, annotations: annotationsOf(rule, labels, c), status: 'pending', value: c.value, activeAt: now, lastHeldAt: now };
      if (alert.status === 'pending' && now - alert.activeAt >= forMs) {
        alert.status = 'firing';
        alert.firedAt = now;
        fired.push(alert);
      }
      active.push(alert);
    }
  }

  for (const a of prev.active) {
    if (seen.has(a.fingerprint)) continue;
    // Pending alerts that stop holding go back to inactive, silently.
    if (a.status !== 'firing') continue;
    const judged = evaluations.find((e) => e.rule.id === a.ruleId && (e.covers?.(a.labels) ?? true));
    const keep = judged ? parseDuration(judged.rule.keepFiringFor) : 0;
    if (keep > 0 && now - a.lastHeldAt < keep) {
      active.push(a);
      continue;
    }
    const done: Alert = { ...a, status: 'resolved', resolvedAt: now };
    resolved.push(done);
  }

  const history = [...resolved.slice().reverse(), ...prev.resolved].slice(0, historyLimit);
  return { state: { active, resolved: history }, fired, resolved };
}
