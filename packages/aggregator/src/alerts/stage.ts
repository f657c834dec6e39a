/**
 * The alerting stage of the running aggregator: after every evaluation tick it
 * runs the pure evaluator over the tick's signals, stores the alert state (so a
 * firing alert survives `kill -9` as firing, neither announced again nor
 * forgotten), then hands the alerts to the notifier. It also answers the API
 * and exports the ALERTS-style gauges.
 *
 * @module
 */
import {
  ALERT_CATALOGUE,
  ATTR_ML_ALERT_NAME,
  ATTR_ML_ALERT_RECEIVER,
  ATTR_ML_ALERT_SEVERITY,
  ATTR_ML_ALERT_STATE,
  ATTR_ML_NOTIFICATION_OUTCOME,
  METRIC_ML_ALERTS_ACTIVE,
  METRIC_ML_ALERTS_NOTIFICATIONS,
  METRIC_ML_ALERTS_QUEUED,
  METRIC_ML_ALERTS_TRIGGERED,
  prometheusLabelName,
} from '@modelwatch/semconv';
import type { OutputSignal } from '../engine/types.js';
import { evaluateAlerts, type AlertRuleSet } from './evaluator.js';
import { EMPTY_ALERTS_STATE, type Alert, type AlertsState } from './state.js';
import { Notifier, type NotifiedState, type NotifierOptions } from './delivery/notifier.js';

/** Key of the alert state in the store's state table. */
export const ALERTS_STATE_KEY = 'alerts';

/** The store operations the stage needs. */
export interface AlertStore {
  getState(key: string): string | undefined;
  putState(key: string, json: string, now: number): void;
}

/** What is stored. */
interface StoredAlerts {
  format: 'modelwatch.alerts/v1';
  state: AlertsState;
  notified: NotifiedState;
  /** Firing transitions so far, by alertname, severity and model (the ml.alerts.triggered counter). */
  triggered: Record<string, number>;
}

/** Options of {@link AlertStage}. */
export interface AlertStageOptions {
  rules: AlertRuleSet;
  store: AlertStore;
  notifier: Omit<NotifierOptions, 'generatorURL'>;
  historyLimit: number;
  log?: (message: string) => void;
}

/** Alerts as the API shows them. */
export interface AlertsView {
  active: Alert[];
  resolved: Alert[];
}

// Label name -> attribute, for every attribute an alert can be identified by.
const ATTRIBUTE_OF_LABEL = new Map(ALERT_CATALOGUE.flatMap((r) => r.by).map((a) => [prometheusLabelName(a, 'otel-js'), a]));

function parseStored(json: string | undefined, log: (m: string) => void): StoredAlerts | undefined {
  if (json === undefined) return undefined;
  try {
    const s = JSON.parse(json) as StoredAlerts;
    if (s.format !== 'modelwatch.alerts/v1' || !Array.isArray(s.state?.active) || !Array.isArray(s.state?.resolved)) throw new Error('not a modelwatch.alerts/v1 document');
    return s;
  } catch (err) {
    // The alerts cannot be trusted; starting empty re-raises what still holds (as new).
    log(`stored alert state unreadable, starting without it: ${(err as Error).message}`);
    return undefined;
  }
}

/** See the module documentation. */
export class AlertStage {
  private state: AlertsState;
  private readonly triggered: Record<string, number>;
  private readonly notifier: Notifier;
  private readonly log: (m: string) => void;

  constructor(private readonly opts: AlertStageOptions) {
    this.log = opts.log ?? (() => {});
    const stored = parseStored(opts.store.getState(ALERTS_STATE_KEY), this.log);
    this.state = stored?.state ?? EMPTY_ALERTS_STATE;
    this.triggered = stored?.triggered ?? {};
    this.notifier = new Notifier({ ...opts.notifier, generatorURL: (a) => this.generatorURL(a) }, stored?.notified ?? {});
  }

  /** The link to an alert's model in the API. */
  private generatorURL(a: Alert): string {
    const model = a.labels['ml_model_name'] ?? '';
    return `${this.opts.notifier.externalURL()}/api/v1/models/${encodeURIComponent(model)}/alerts`;
  }

  /**
   * Evaluates the rules over `signals` at `now`, stores the new state, then
   * queues the notifications (after the store: what was announced is never
   * forgotten by a crash). Store errors are logged; delivery never throws.
   */
  evaluate(signals: Iterable<OutputSignal>, now: number): void {
    const step = evaluateAlerts(this.opts.rules, signals, this.state, now, { historyLimit: this.opts.historyLimit });
    this.state = step.state;
    for (const a of step.fired) {
      const key = JSON.stringify([a.labels['alertname'], a.labels['severity'], a.labels['ml_model_name'] ?? '']);
      this.triggered[key] = (this.triggered[key] ?? 0) + 1;
    }
    for (const a of step.fired) this.log(`alert firing: ${a.labels['alertname']} ${JSON.stringify(a.labels)}`);
    for (const a of step.resolved) this.log(`alert resolved: ${a.labels['alertname']} ${JSON.stringify(a.labels)}`);
    this.save(now);
    this.notifier.notify(this.state.active, this.state.resolved, now);
    // The webhook de-duplication changed with what was just queued.
    if (this.notifier.enabled) this.save(now);
  }

  private save(now: number): void {
    const doc: StoredAlerts = { format: 'modelwatch.alerts/v1', state: this.state, notified: this.notifier.state(), triggered: this.triggered };
    try {
      this.opts.store.putState(ALERTS_STATE_KEY, JSON.stringify(doc), now);
    } catch (err) {
      this.log(`cannot store the alert state: ${(err as Error).message}`);
    }
  }

  /** Pending, firing and recently resolved alerts, of one model or all. */
  view(model?: string): AlertsView {
    const keep = (a: Alert): boolean => model === undefined || a.labels['ml_model_name'] === model;
    return { active: this.state.active.filter(keep), resolved: this.state.resolved.filter(keep) };
  }

  /** Delivery status of every receiver. */
  receivers(): ReturnType<Notifier['status']> {
    return this.notifier.status();
  }

  /** The ALERTS-style gauge, the triggered counter and the delivery counters. */
  outputs(): OutputSignal[] {
    const out: OutputSignal[] = [];
    for (const a of this.state.active) {
      const attributes: OutputSignal['attributes'] = {
        [ATTR_ML_ALERT_NAME]: a.labels['alertname'] ?? '',
        [ATTR_ML_ALERT_SEVERITY]: a.labels['severity'] ?? '',
        [ATTR_ML_ALERT_STATE]: a.status,
      };
      for (const [label, value] of Object.entries(a.labels)) {
        const attr = ATTRIBUTE_OF_LABEL.get(label);
        if (attr !== undefined) attributes[attr] = value;
      }
      out.push({ name: METRIC_ML_ALERTS_ACTIVE, value: 1, attributes });
    }
    for (const [key, n] of Object.entries(this.triggered)) {
      const [alertname, severity, model] = JSON.parse(key) as [string, string, string];
      out.push({ name: METRIC_ML_ALERTS_TRIGGERED, value: n, attributes: { [ATTR_ML_ALERT_NAME]: alertname, [ATTR_ML_ALERT_SEVERITY]: severity, 'ml.model.name': model } });
    }
    for (const r of this.notifier.status()) {
      for (const outcome of ['sent', 'failed', 'dropped'] as const) {
        out.push({ name: METRIC_ML_ALERTS_NOTIFICATIONS, value: r[outcome], attributes: { [ATTR_ML_ALERT_RECEIVER]: r.url, [ATTR_ML_NOTIFICATION_OUTCOME]: outcome } });
      }
      out.push({ name: METRIC_ML_ALERTS_QUEUED, value: r.queued, attributes: { [ATTR_ML_ALERT_RECEIVER]: r.url } });
    }
    return out;
  }

  /** Gives queued notifications a moment to go out, then stops delivery. */
  close(): Promise<void> {
    return this.notifier.close();
  }
}
