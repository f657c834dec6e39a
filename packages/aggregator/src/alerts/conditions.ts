/**
 * Evaluates catalogue conditions over the aggregator's exported signals, the
 * way Prometheus evaluates the generated rules over the same series: a term
 * selects the series of one metric by attribute matchers and compares their
 * values (the largest per identity, as `max by`); a conjunction joins its
 * terms on the rule's `by` attributes and keeps the first term's value (as
 * `and on(...)`); alternatives are united, the first holding one giving the
 * value (as `or`). Pure.
 *
 * @module
 */
import { prometheusLabelName, type AlertContext, type AlertRule, type AlertTerm, type Comparison } from '@modelwatch/semconv';
import type { OutputSignal } from '../engine/types.js';

/** One alert whose condition holds now. */
export interface ActiveCondition {
  /** Identity inside the rule: the `by` attributes as Prometheus labels (absent ones left out). */
  labels: Record<string, string>;
  value: number;
  /** The context series' values (or, for a label context, the label's value), by name. */
  context: Record<string, number | string | undefined>;
}

/** Signals indexed by metric name, built once per evaluation. */
export type SignalIndex = ReadonlyMap<string, readonly OutputSignal[]>;

/** Indexes signals by metric name. */
export function indexSignals(signals: Iterable<OutputSignal>): SignalIndex {
  const out = new Map<string, OutputSignal[]>();
  for (const s of signals) {
    let list = out.get(s.name);
    if (!list) out.set(s.name, (list = []));
    list.push(s);
  }
  return out;
}

function compare(v: number, op: Comparison, x: number): boolean {
  switch (op) {
    case '>':
      return v > x;
    case '>=':
      return v >= x;
    case '<':
      return v < x;
    case '<=':
      return v <= x;
    case '==':
      return v === x;
    case '!=':
      return v !== x;
  }
}

/** PromQL matcher semantics: `''` matches an absent attribute. */
function matches(attrs: OutputSignal['attributes'], match: Readonly<Record<string, string>> | undefined): boolean {
  if (match === undefined) return true;
  for (const [k, want] of Object.entries(match)) {
    const have = attrs[k];
    if ((have === undefined ? '' : String(have)) !== want) return false;
  }
  return true;
}

/** The identity of a series under `by`, as a stable key and as Prometheus labels. */
function identity(attrs: OutputSignal['attributes'], by: readonly string[]): { key: string; labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  let key = '';
  for (const a of by) {
    const v = attrs[a];
    if (v === undefined || v === '') continue;
    const s = String(v);
    labels[prometheusLabelName(a, 'otel-js')] = s;
    key += `${a}\u0000${s}\u0001`;
  }
  return { key, labels };
}

/** Series of one term that hold, by identity key; the largest value per identity (as `max by`). */
function termHolds(
  index: SignalIndex,
  term: AlertTerm,
  threshold: number | undefined,
  by: readonly string[],
  accept: (s: OutputSignal) => boolean,
): Map<string, { labels: Record<string, string>; value: number }> {
  const out = new Map<string, { labels: Record<string, string>; value: number }>();
  const x = term.value === 'threshold' ? threshold : term.value;
  if (x === undefined) return out;
  for (const s of index.get(term.metric) ?? []) {
    if (!matches(s.attributes, term.match) || !accept(s) || !compare(s.value, term.op, x)) continue;
    const id = identity(s.attributes, by);
    const prev = out.get(id.key);
    if (!prev || s.value > prev.value) out.set(id.key, { labels: id.labels, value: s.value });
  }
  return out;
}

/**
 * The alerts of `rule` whose condition holds over `index`, restricted to the
 * series `accept` lets through (e.g. one model's, so that each model is judged
 * by its own effective rules).
 */
export function evaluateCondition(rule: AlertRule, index: SignalIndex, accept: (s: OutputSignal) => boolean = () => true): ActiveCondition[] {
  const held = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const conjunction of rule.when) {
    let acc: Map<string, { labels: Record<string, string>; value: number }> | undefined;
    for (const term of conjunction) {
      const t = termHolds(index, term, rule.threshold, rule.by, accept);
      if (acc === undefined) {
        acc = t;
        continue;
      }
      // PromQL `and on(by)`: the left side's series, where the right side has one too.
      const next = new Map<string, { labels: Record<string, string>; value: number }>();
      for (const [k, a] of acc) if (t.has(k)) next.set(k, a);
      acc = next;
    }
    // PromQL `or`: an identity already held by an earlier alternative keeps that one's value.
    for (const [k, v] of acc ?? []) if (!held.has(k)) held.set(k, v);
  }
  const out: ActiveCondition[] = [];
  for (const [, v] of held) {
    const context: Record<string, number | string | undefined> = {};
    for (const [name, c] of Object.entries(rule.context ?? {})) context[name] = contextValue(index, c, rule.by, v.labels);
    out.push({ labels: v.labels, value: v.value, context });
  }
  return out;
}

/** The value of a context series with the alert's identity (the largest, if several), or its `label`. */
function contextValue(index: SignalIndex, c: AlertContext, by: readonly string[], labels: Record<string, string>): number | string | undefined {
  let best: OutputSignal | undefined;
  for (const s of index.get(c.metric) ?? []) {
    if (!matches(s.attributes, c.match)) continue;
    const id = identity(s.attributes, by);
    if (!sameLabels(id.labels, labels)) continue;
    if (best === undefined || s.value > best.value) best = s;
  }
  if (best === undefined) return undefined;
  if (c.label === undefined) return best.value;
  const v = best.attributes[c.label];
  return v === undefined ? undefined : String(v);
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
