/**
 * What the generators read from `modelwatch.yaml`: the models, their SLOs and
 * their alert overrides. The `modelwatch` CLI validates the file with the
 * aggregator's schema and hands this part over, so this package needs no
 * aggregator internals.
 *
 * @module
 */
import { latencySloThreshold, resolveAlertRules, type AlertOverrides, type AlertRule } from '@modelwatch/semconv';

/** One SLO as configured. */
export interface RulesSlo {
  name: string;
  kind: 'latency' | 'error_rate' | 'availability' | 'accuracy' | 'throughput' | 'cost';
  objective: number;
  threshold?: number;
}

/** One configured model. */
export interface RulesModel {
  name: string;
  slos?: readonly RulesSlo[];
  /** Overrides of the catalogue for this model, by alertname. */
  alerts?: AlertOverrides;
}

/** The part of `modelwatch.yaml` the generators read. */
export interface RulesInput {
  defaults?: { alerts?: AlertOverrides };
  models: readonly RulesModel[];
}

/** Rules that apply to some models: all but `except`, or exactly `only`. */
export interface RuleScope {
  rules: AlertRule[];
  /** The models these rules are for; undefined: every model not named in another scope. */
  only?: string;
  /** Models this (default) scope leaves out, because they have rules of their own. */
  except: string[];
}

/**
 * The effective rules, grouped so that each model is judged by its own:
 * one scope per configured model whose rules differ from the defaults (its
 * overrides, or its latency SLO), and a default scope for every other model,
 * discovered ones included. The aggregator resolves the same way.
 */
export function ruleScopes(input: RulesInput): RuleScope[] {
  const defaults = input.defaults?.alerts ?? {};
  const base = resolveAlertRules({ defaults });
  const baseKey = JSON.stringify(base);
  const own: RuleScope[] = [];
  for (const m of input.models) {
    const threshold = latencySloThreshold(m.slos ?? []);
    const rules = resolveAlertRules({ defaults, model: m.alerts ?? {} }, threshold !== undefined ? { latencySloThreshold: threshold } : {});
    if (JSON.stringify(rules) !== baseKey) own.push({ rules, only: m.name, except: [] });
  }
  return [{ rules: base, except: own.map((s) => s.only as string) }, ...own];
}
