/**
 * Decides, at each evaluation, what every receiver gets, and hands it to its
 * {@link Sender}:
 * - Alertmanager (v2 API), as Prometheus does it: every firing alert when it
 *   fires and again every `resendDelay`, with `endsAt` four resend delays (or
 *   evaluation intervals) ahead; a resolved alert when it resolves and again at
 *   the resend delay for 15 minutes. Alertmanager itself de-duplicates, groups
 *   and routes, so re-sending after a restart announces nothing new.
 * - Webhooks (Alertmanager's webhook body): a notification when an alert
 *   fires, when it resolves, and every `repeatInterval` while it fires. What
 *   was notified is part of the durable state, so a restart does not notify again.
 *
 * @module
 */
import type { Alert } from '../state.js';
import { postableAlert, webhookPayloads } from './payloads.js';
import { Sender, type SenderStatus } from './sender.js';

/** Where alerts go (the validated `alerting` section, durations in ms). */
export interface NotifierOptions {
  alertmanagers: readonly string[];
  webhooks: ReadonlyArray<{ url: string; repeatIntervalMs: number; headers: Record<string, string> }>;
  resendDelayMs: number;
  evaluationIntervalMs: number;
  maxQueue: number;
  timeoutMs: number;
  /** The link to an alert in the aggregator's API. */
  generatorURL: (a: Alert) => string;
  /** The aggregator's API base URL. */
  externalURL: () => string;
  log?: (message: string) => void;
}

/** Durable part of the notifier's state: per webhook URL, when each alert was last notified. */
export type NotifiedState = Record<string, Record<string, number>>;

/** How long resolved alerts are re-sent to Alertmanager (Prometheus' resolvedRetention). */
const RESOLVED_RETENTION_MS = 15 * 60_000;

/** Sends alerts to every configured receiver (see the module documentation). */
export class Notifier {
  private readonly am: Sender[];
  private readonly hooks: Array<{ sender: Sender; url: string; repeatIntervalMs: number }>;
  private readonly amLastSent = new Map<string, number>();
  private notified: NotifiedState;

  constructor(private readonly opts: NotifierOptions, notified: NotifiedState = {}) {
    const common = { maxQueue: opts.maxQueue, timeoutMs: opts.timeoutMs, ...(opts.log ? { log: opts.log } : {}) };
    this.am = opts.alertmanagers.map((base) => new Sender({ ...common, url: `${base.replace(/\/+$/, '')}/api/v2/alerts` }));
    this.hooks = opts.webhooks.map((w) => ({ sender: new Sender({ ...common, url: w.url, headers: w.headers }), url: w.url, repeatIntervalMs: w.repeatIntervalMs }));
    this.notified = notified;
  }

  /** Whether any receiver is configured. */
  get enabled(): boolean {
    return this.am.length + this.hooks.length > 0;
  }

  /**
   * Sends what is due at `now`, given the active alerts and those resolved
   * recently (newest first), and `justResolved` (resolved at this evaluation).
   */
  notify(active: readonly Alert[], resolved: readonly Alert[], now: number): void {
    if (this.am.length > 0) this.toAlertmanagers(active, resolved, now);
    for (const hook of this.hooks) this.toWebhook(hook, active, resolved, now);
  }

  private toAlertmanagers(active: readonly Alert[], resolved: readonly Alert[], now: number): void {
    const validFor = 4 * Math.max(this.opts.resendDelayMs, this.opts.evaluationIntervalMs);
    const due = (a: Alert): boolean => {
      const last = this.amLastSent.get(a.fingerprint);
      return last === undefined || now - last >= this.opts.resendDelayMs;
    };
    const batch: Alert[] = [];
    for (const a of active) if (a.status === 'firing' && due(a)) batch.push(a);
    for (const a of resolved) {
      if (a.resolvedAt === undefined || now - a.resolvedAt > RESOLVED_RETENTION_MS) continue;
      // A resolve goes out at once, whatever was sent while firing; then at the resend delay.
      const last = this.amLastSent.get(a.fingerprint);
      if (last === undefined || last < a.resolvedAt || now - last >= this.opts.resendDelayMs) batch.push(a);
    }
    if (batch.length === 0) return;
    const body = batch.map((a) => postableAlert(a, now, validFor, this.opts.generatorURL(a)));
    for (const s of this.am) s.enqueue(body);
    for (const a of batch) this.amLastSent.set(a.fingerprint, now);
    // Forget what no longer needs re-sending.
    const live = new Set([...active, ...resolved.filter((a) => a.resolvedAt !== undefined && now - a.resolvedAt <= RESOLVED_RETENTION_MS)].map((a) => a.fingerprint));
    for (const fp of this.amLastSent.keys()) if (!live.has(fp)) this.amLastSent.delete(fp);
  }

  private toWebhook(hook: { sender: Sender; url: string; repeatIntervalMs: number }, active: readonly Alert[], resolved: readonly Alert[], now: number): void {
    // Once closed, nothing is marked as notified: it is notified after the restart.
    if (!hook.sender.accepting) return;
    const seen = (this.notified[hook.url] ??= {});
    const batch: Alert[] = [];
    for (const a of active) {
      if (a.status !== 'firing') continue;
      const last = seen[a.fingerprint];
      if (last === undefined || now - last >= hook.repeatIntervalMs) {
        batch.push(a);
        seen[a.fingerprint] = now;
      }
    }
    // A resolve is notified once, and only for an alert whose firing was notified.
    for (const a of resolved) {
      if (seen[a.fingerprint] === undefined) continue;
      batch.push(a);
      delete seen[a.fingerprint];
    }
    // Forget alerts that are no longer active (one set, not a scan of the active list per entry).
    const live = new Set(active.map((a) => a.fingerprint));
    for (const fp of Object.keys(seen)) if (!live.has(fp)) delete seen[fp];
    if (batch.length === 0) return;
    for (const body of webhookPayloads(batch, hook.url, this.opts.externalURL(), this.opts.generatorURL)) hook.sender.enqueue(body);
  }

  /** The durable part of the state (webhook de-duplication). */
  state(): NotifiedState {
    return this.notified;
  }

  /** Every receiver's counts, for /readyz and the metrics. */
  status(): Array<SenderStatus & { kind: 'alertmanager' | 'webhook' }> {
    return [...this.am.map((s) => ({ kind: 'alertmanager' as const, ...s.status() })), ...this.hooks.map((h) => ({ kind: 'webhook' as const, ...h.sender.status() }))];
  }

  async close(): Promise<void> {
    await Promise.all([...this.am, ...this.hooks.map((h) => h.sender)].map((s) => s.close()));
  }
}
