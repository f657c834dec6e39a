/**
 * The alerting stage from a validated configuration: the effective rules (the
 * catalogue with `defaults.alerts` for every model, and each configured
 * model's own `alerts` and latency SLO on top) and the receivers.
 *
 * @module
 */
import { latencySloThreshold, resolveAlertRules } from '@modelwatch/semconv';
import { parseDuration } from '../config/duration.js';
import type { AggregatorConfig } from '../config/schema.js';
import type { AlertRuleSet } from './evaluator.js';
import { AlertStage, type AlertStore } from './stage.js';

/** Builds the {@link AlertRuleSet} of a configuration. */
export function alertRuleSet(config: AggregatorConfig): AlertRuleSet {
  const defaults = config.defaults.alerts ?? {};
  const byModel = new Map(
    config.models.map((m) => {
      const threshold = latencySloThreshold(m.slos);
      return [m.name, resolveAlertRules({ defaults, model: m.alerts ?? {} }, threshold !== undefined ? { latencySloThreshold: threshold } : {})] as const;
    }),
  );
  return { defaults: resolveAlertRules({ defaults }), byModel };
}

/**
 * Creates the alerting stage of a configuration.
 * @param externalURL the aggregator's API base URL (known once its server listens).
 */
export function createAlertStage(config: AggregatorConfig, store: AlertStore, externalURL: () => string, log?: (m: string) => void): AlertStage {
  const a = config.alerting;
  return new AlertStage({
    rules: alertRuleSet(config),
    store,
    historyLimit: a.historyLimit,
    ...(log ? { log } : {}),
    notifier: {
      alertmanagers: a.alertmanagers,
      webhooks: a.webhooks.map((w) => ({ url: w.url, repeatIntervalMs: parseDuration(w.repeatInterval), headers: w.headers })),
      resendDelayMs: parseDuration(a.resendDelay),
      evaluationIntervalMs: config.evaluation.interval,
      maxQueue: a.maxQueue,
      timeoutMs: parseDuration(a.timeout),
      externalURL: () => a.externalUrl?.replace(/\/+$/, '') ?? externalURL(),
      ...(log ? { log } : {}),
    },
  });
}
