/**
 * From the catalogue and a configuration's overrides to the effective rules of
 * one model. Pure, and shared by the aggregator and the rule generator, so an
 * override means the same in both engines.
 *
 * @module
 */
import { ALERT_CATALOGUE, ALERT_NAMES, burnRateCondition } from './catalogue.js';
import type { AlertOverride, AlertRule, BurnWindowPair } from './types.js';

/** Burn-rate windows the aggregator computes (`ml.slo.window` values). */
export const BURN_RATE_WINDOWS: readonly string[] = Object.freeze(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);

/** Overrides by alertname. */
export type AlertOverrides = Readonly<Record<string, AlertOverride>>;

/** The facts of an SLO that alert resolution reads. */
export interface AlertSloFacts {
  kind: string;
  objective: number;
  threshold?: number;
}

/**
 * The latency SLO threshold HighLatencyP95 doubles: that of the latency SLO
 * whose objective is nearest a p95 (0.95), as the seed's rule reads "p95
 * above twice the SLO"; undefined without a latency SLO.
 */
export function latencySloThreshold(slos: readonly AlertSloFacts[]): number | undefined {
  let best: { threshold: number; distance: number } | undefined;
  for (const s of slos) {
    if (s.kind !== 'latency' || s.threshold === undefined) continue;
    const distance = Math.abs(s.objective - 0.95);
    if (!best || distance < best.distance) best = { threshold: s.threshold, distance };
  }
  return best?.threshold;
}

/** What a model's effective rules depend on besides the overrides. */
export interface AlertModelContext {
  /**
   * Threshold (seconds) of the model's latency SLO, if it has one: HighLatencyP95
   * then fires above twice it (the seed's rule), unless its threshold is overridden.
   */
  latencySloThreshold?: number;
}

/**
 * Problems with a set of overrides: unknown alertnames (listing the known
 * ones), a threshold for a rule that has none, burn windows for a rule that is
 * not a burn-rate rule or windows the aggregator does not compute.
 * @param where prefix naming the overrides in the messages, e.g. `models.sentiment.alerts`.
 */
export function alertOverrideProblems(overrides: AlertOverrides, where: string): string[] {
  const problems: string[] = [];
  for (const [name, o] of Object.entries(overrides)) {
    const rules = ALERT_CATALOGUE.filter((r) => r.alertname === name);
    if (rules.length === 0) {
      problems.push(`${where}.${name}: unknown alert; known alerts are ${ALERT_NAMES.join(', ')}`);
      continue;
    }
    if (o.threshold !== undefined && rules.every((r) => r.threshold === undefined)) {
      problems.push(`${where}.${name}.threshold: ${name} has no threshold of its own (${name.includes('Drift') ? 'drift verdicts use thresholds.ks / thresholds.psi' : 'its condition is fixed'})`);
    }
    if (o.burnWindows !== undefined) {
      if (rules.every((r) => r.burnWindows === undefined)) problems.push(`${where}.${name}.burnWindows: only burn-rate rules have burn windows`);
      o.burnWindows.forEach((p, i) => {
        for (const key of ['long', 'short'] as const) {
          if (!BURN_RATE_WINDOWS.includes(p[key])) problems.push(`${where}.${name}.burnWindows.${i}.${key}: expected one of ${BURN_RATE_WINDOWS.join(', ')}, got ${JSON.stringify(p[key])}`);
        }
        if (!(p.factor > 0)) problems.push(`${where}.${name}.burnWindows.${i}.factor: expected a positive number, got ${String(p.factor)}`);
      });
    }
    if (o.severity !== undefined && rules.length > 1) {
      problems.push(`${where}.${name}.severity: ${name} has one rule per severity (${rules.map((r) => r.severity).join(', ')}); turn one off with enabled instead`);
    }
  }
  return problems;
}

const pct = (x: number): string => `${Number((x * 100).toPrecision(6))}%`;

/**
 * Fills in the settings-dependent placeholders of an annotation:
 * `{{ threshold }}`, `{{ threshold | humanizePercentage }}`, `{{ for }}` and
 * `{{ burnWindows }}` (e.g. `14.4x over 1h and 5m, or 6x over 6h and 30m`).
 */
export function fillSettings(text: string, rule: Pick<AlertRule, 'threshold' | 'for' | 'burnWindows'>): string {
  return text.replace(/\{\{\s*(threshold|for|burnWindows)\s*(?:\|\s*(humanizePercentage)\s*)?\}\}/g, (_m, what: string, pipe: string | undefined) => {
    if (what === 'for') return rule.for;
    if (what === 'burnWindows') return (rule.burnWindows ?? []).map((p) => `${p.factor}x over ${p.long} and ${p.short}`).join(', or ');
    if (rule.threshold === undefined) return 'n/a';
    return pipe === 'humanizePercentage' ? pct(rule.threshold) : String(rule.threshold);
  });
}

function applyOverride(rule: AlertRule, o: AlertOverride | undefined): AlertRule {
  if (o === undefined) return rule;
  const out: AlertRule = {
    ...rule,
    enabled: o.enabled ?? rule.enabled,
    for: o.for ?? rule.for,
    keepFiringFor: o.keepFiringFor ?? rule.keepFiringFor,
    severity: o.severity ?? rule.severity,
    annotations: {
      summary: o.summary ?? rule.annotations.summary,
      description: o.description ?? rule.annotations.description,
      runbook: o.runbook ?? rule.annotations.runbook,
      ...((o.runbookUrl ?? rule.annotations.runbookUrl) !== undefined ? { runbookUrl: o.runbookUrl ?? rule.annotations.runbookUrl } : {}),
    },
  };
  if (o.threshold !== undefined && rule.threshold !== undefined) out.threshold = o.threshold;
  if (o.burnWindows !== undefined && rule.burnWindows !== undefined) {
    out.burnWindows = o.burnWindows.map((p): BurnWindowPair => ({ ...p }));
    out.when = burnRateCondition(out.burnWindows);
  }
  return out;
}

/**
 * The effective, enabled rules of one model: the catalogue, then the model's
 * context (its latency SLO), then the defaults' overrides, then the model's
 * own; annotations with the settings filled in. Validate overrides first with
 * {@link alertOverrideProblems}: unknown names are ignored here.
 */
export function resolveAlertRules(
  overrides: { defaults?: AlertOverrides; model?: AlertOverrides },
  context: AlertModelContext = {},
): AlertRule[] {
  const out: AlertRule[] = [];
  for (const base of ALERT_CATALOGUE) {
    let rule = base;
    if (rule.alertname === 'HighLatencyP95' && context.latencySloThreshold !== undefined) {
      rule = { ...rule, threshold: 2 * context.latencySloThreshold };
    }
    rule = applyOverride(applyOverride(rule, overrides.defaults?.[rule.alertname]), overrides.model?.[rule.alertname]);
    if (!rule.enabled) continue;
    const a = rule.annotations;
    out.push({
      ...rule,
      annotations: {
        summary: fillSettings(a.summary, rule),
        description: fillSettings(a.description, rule),
        runbook: a.runbook.map((s) => fillSettings(s, rule)),
        ...(a.runbookUrl !== undefined ? { runbookUrl: a.runbookUrl } : {}),
      },
    });
  }
  return out;
}
