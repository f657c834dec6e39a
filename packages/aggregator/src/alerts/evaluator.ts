/**
 * One evaluation of every model's alert rules over the aggregator's signals:
 * conditions (./conditions.ts), then the state machine (./state.ts). Pure:
 * signals, rules and `now` in, the next alert state out.
 *
 * @module
 */
import { ATTR_ML_MODEL_NAME, type AlertRule } from '@modelwatch/semconv';
import type { OutputSignal } from '../engine/types.js';
import { evaluateCondition, indexSignals } from './conditions.js';
import { stepAlerts, type AlertsState, type AlertsStep, type RuleEvaluation, type StepOptions } from './state.js';

/** The effective rules: per configured model, and for every other (discovered) model. */
export interface AlertRuleSet {
  /** Rules of models not configured by name. */
  defaults: readonly AlertRule[];
  /** Rules of each configured model. */
  byModel: ReadonlyMap<string, readonly AlertRule[]>;
}

/** The rules that apply to `model`. */
export function rulesOf(rules: AlertRuleSet, model: string): readonly AlertRule[] {
  return rules.byModel.get(model) ?? rules.defaults;
}

/**
 * Evaluates `rules` over `signals` at `now` and advances `prev`. Each model is
 * judged by its own rules, over its own series (every signal carries
 * `ml.model.name`), so the cost grows with the series, not models × series.
 */
export function evaluateAlerts(rules: AlertRuleSet, signals: Iterable<OutputSignal>, prev: AlertsState, now: number, options: StepOptions = {}): AlertsStep {
  const perModel = new Map<string, OutputSignal[]>();
  for (const s of signals) {
    const model = s.attributes[ATTR_ML_MODEL_NAME];
    if (typeof model !== 'string') continue;
    let list = perModel.get(model);
    if (!list) perModel.set(model, (list = []));
    list.push(s);
  }
  const evaluations: RuleEvaluation[] = [];
  for (const [model, list] of perModel) {
    const index = indexSignals(list);
    const covers = (labels: Readonly<Record<string, string>>): boolean => labels['ml_model_name'] === model;
    for (const rule of rulesOf(rules, model)) evaluations.push({ rule, holding: evaluateCondition(rule, index), covers });
  }
  return stepAlerts(prev, evaluations, now, options);
}
