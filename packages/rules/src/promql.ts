/**
 * PromQL for the catalogue's conditions, with the semantics the embedded
 * evaluator implements: a term keeps the series of its metric that match and
 * compare true, then the largest per identity (`max by (<by>) (sel > x)`); a
 * conjunction is `and on(<by>)` (the first term's value); alternatives are
 * united with `or` (the first's value).
 *
 * @module
 */
import { ATTR_ML_MODEL_NAME, METRIC_ML_INFERENCE_ERROR_RATIO, METRIC_ML_INFERENCE_LATENCY, METRIC_ML_INFERENCE_REQUEST_RATE, METRIC_ML_SLO_BURN_RATE, type AlertRule, type AlertTerm } from '@modelwatch/semconv';
import { labelName, RECORDED, redFromServices, seriesName, type Naming } from './naming.js';

/** One label matcher. */
export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A PromQL string literal. */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** An RE2 pattern matching exactly one of `values`. */
export function alternation(values: readonly string[]): string {
  return values.map((v) => v.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&')).join('|');
}

/** A series selector. */
export function selector(name: string, matchers: readonly Matcher[]): string {
  return matchers.length === 0 ? name : `${name}{${matchers.map((m) => `${m.label}${m.op}${quote(m.value)}`).join(',')}}`;
}

/** Which models a rule group is for, as matchers on the model label. */
export function scopeMatchers(scope: { only?: string; except: readonly string[] }, naming: Naming): Matcher[] {
  const label = labelName(ATTR_ML_MODEL_NAME, naming);
  if (scope.only !== undefined) return [{ label, op: '=', value: scope.only }];
  return scope.except.length > 0 ? [{ label, op: '!~', value: alternation(scope.except) }] : [];
}

/** SLO kinds only the aggregator can judge (no Prometheus-native SLI). */
export const AGGREGATOR_SLO_KINDS: readonly string[] = Object.freeze(['accuracy', 'throughput', 'cost']);

/** The vector a term selects, before its comparison. */
function termSource(term: AlertTerm, naming: Naming, scope: readonly Matcher[]): string {
  const matchers: Matcher[] = [...scope, ...Object.entries(term.match ?? {}).map(([k, v]): Matcher => ({ label: labelName(k, naming), op: '=', value: v }))];
  if (redFromServices(naming)) {
    switch (term.metric) {
      case METRIC_ML_INFERENCE_ERROR_RATIO:
        return selector(RECORDED.errorRatio, matchers);
      case METRIC_ML_INFERENCE_LATENCY:
        return selector(RECORDED.latency, matchers);
      case METRIC_ML_INFERENCE_REQUEST_RATE:
        return selector(RECORDED.requestRate, matchers);
      case METRIC_ML_SLO_BURN_RATE: {
        // Request-based SLOs from the services' histograms; the others only the aggregator computes.
        const kinds: Matcher = { label: labelName('ml.slo.type', naming), op: '=~', value: AGGREGATOR_SLO_KINDS.join('|') };
        return `(${selector(RECORDED.burnRate, matchers)} or ${selector(seriesName(term.metric, naming), [...matchers, kinds])})`;
      }
    }
  }
  return selector(seriesName(term.metric, naming), matchers);
}

function literal(x: number): string {
  return Number.isFinite(x) ? String(x) : x > 0 ? '+Inf' : '-Inf';
}

/** The alert expression of `rule`, for the models `scope` selects. */
export function alertExpr(rule: AlertRule, naming: Naming, scope: readonly Matcher[]): string {
  const by = rule.by.map((a) => labelName(a, naming)).join(', ');
  const term = (t: AlertTerm): string => {
    const x = t.value === 'threshold' ? rule.threshold : t.value;
    if (x === undefined) throw new Error(`${rule.id}: a term refers to the threshold, but the rule has none`);
    return `max by (${by}) (${termSource(t, naming, scope)} ${t.op} ${literal(x)})`;
  };
  const conj = rule.when.map((c) => c.map(term).join(` and on (${by}) `));
  return conj.length === 1 ? (conj[0] as string) : conj.map((c) => `(${c})`).join(' or ');
}

/**
 * The Go template that shows a context series of an alert in an annotation:
 * the series with the alert's identifying labels, queried when the alert is
 * rendered (Prometheus' `query` function), or `n/a`.
 */
export function contextTemplate(metric: string, match: Readonly<Record<string, string>> | undefined, by: readonly string[], naming: Naming, label?: string): string {
  const fixed = Object.entries(match ?? {}).map(([k, v]) => `${labelName(k, naming)}=\\"${v}\\"`);
  const labels = by.map((a) => labelName(a, naming));
  const inner = `${seriesName(metric, naming)}{${[...fixed, ...labels.map((l) => `${l}=\\"%s\\"`)].join(',')}}`;
  const args = labels.map((l) => `$labels.${l}`).join(' ');
  // A label is read off the series itself (no max(), which would drop it); a value, off the largest series.
  if (label !== undefined) return `{{ with query (printf "topk(1, ${inner})" ${args}) }}{{ . | first | label "${labelName(label, naming)}" }}{{ else }}n/a{{ end }}`;
  return `{{ with query (printf "max(${inner})" ${args}) }}{{ . | first | value | printf "%.4g" }}{{ else }}n/a{{ end }}`;
}
