/**
 * Prometheus rule files from the alert catalogue and `modelwatch.yaml`:
 * - alerting rules, one per catalogue rule and model scope, with the same
 *   `for`, `keep_firing_for`, labels and annotations (runbook included) as the
 *   embedded evaluator;
 * - with `otel-js` / `collector` naming, recording rules over the services'
 *   own `ml_inference_duration` histograms: request rate, error ratio and
 *   latency quantiles over 5m, and each request-based SLO's burn rate over
 *   every burn-rate window, which the RED and SLO alerts then read.
 *
 * @module
 */
import { stringify } from 'yaml';
import { ATTR_ERROR_TYPE, ATTR_ML_MODEL_NAME, ATTR_ML_MODEL_VERSION, BURN_RATE_WINDOWS, LATENCY_BUCKETS, METRIC_ML_INFERENCE_DURATION, type AlertRule } from '@modelwatch/semconv';
import { ruleScopes, type RulesInput } from './input.js';
import { labelName, RECORDED, redFromServices, seriesName, type Naming } from './naming.js';
import { alertExpr, contextTemplate, quote, scopeMatchers } from './promql.js';

/** An alerting rule as Prometheus reads it. */
export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A recording rule as Prometheus reads it. */
export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** A rule group. */
export interface RuleGroup {
  name: string;
  rules: Array<AlertingRule | RecordingRule>;
}

/** What {@link prometheusRules} returns. */
export interface GeneratedRules {
  groups: RuleGroup[];
  /** What could not be expressed as asked, one sentence each (printed by the CLI). */
  warnings: string[];
}

const CONTEXT = /\{\{\s*\$context\.([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*(?:humanize|humanizePercentage)\s*)?\}\}/g;

/** The annotations of `rule` for Prometheus: the same text, context values queried at render time. */
function annotations(rule: AlertRule, naming: Naming): Record<string, string> {
  const withContext = (text: string): string =>
    text.replace(CONTEXT, (_m, name: string) => {
      const c = rule.context?.[name];
      return c ? contextTemplate(c.metric, c.match, rule.by, naming, c.label) : 'n/a';
    });
  const a = rule.annotations;
  const out: Record<string, string> = {
    summary: withContext(a.summary),
    description: withContext(a.description),
    runbook: a.runbook.map((step, i) => `${i + 1}. ${withContext(step)}`).join('\n'),
  };
  if (a.runbookUrl !== undefined) out.runbook_url = a.runbookUrl;
  return out;
}

function alertingRule(rule: AlertRule, naming: Naming, scope: { only?: string; except: readonly string[] }): AlertingRule {
  const out: AlertingRule = {
    alert: rule.alertname,
    expr: alertExpr(rule, naming, scopeMatchers(scope, naming)),
    for: rule.for,
    // A model's own rule carries its model as a static label too: the alert's labels are the same (the
    // expression selects that model only), and the rule is told apart from the default one of the same name.
    labels: { ...rule.labels, severity: rule.severity, ...(scope.only !== undefined ? { [labelName(ATTR_ML_MODEL_NAME, naming)]: scope.only } : {}) },
    annotations: annotations(rule, naming),
  };
  if (rule.keepFiringFor !== '0s') out.keep_firing_for = rule.keepFiringFor;
  return out;
}

/** RED over 5m from the services' own histograms. */
function redRecording(naming: Naming): RecordingRule[] {
  const base = seriesName(METRIC_ML_INFERENCE_DURATION, naming);
  const by = [ATTR_ML_MODEL_NAME, ATTR_ML_MODEL_VERSION].map((a) => labelName(a, naming)).join(', ');
  const err = labelName(ATTR_ERROR_TYPE, naming);
  const total = `sum by (${by}) (rate(${base}_count[5m]))`;
  const rules: RecordingRule[] = [
    { record: RECORDED.requestRate, expr: total },
    // Without errors the numerator has no series: `or` a zero of the same shape, so the ratio is 0, not absent.
    { record: RECORDED.errorRatio, expr: `(sum by (${by}) (rate(${base}_count{${err}!=""}[5m])) or ${total} * 0) / ${total}` },
  ];
  for (const q of ['0.5', '0.95', '0.99']) {
    rules.push({ record: RECORDED.latency, expr: `histogram_quantile(${q}, sum by (le, ${by}) (rate(${base}_bucket[5m])))`, labels: { [labelName('ml.quantile', naming)]: q } });
  }
  return rules;
}

/** Each request-based SLO's burn rate over every burn-rate window, from the services' histograms. */
function sloRecording(input: RulesInput, naming: Naming, warnings: string[]): RecordingRule[] {
  const base = seriesName(METRIC_ML_INFERENCE_DURATION, naming);
  const model = labelName(ATTR_ML_MODEL_NAME, naming);
  const by = [ATTR_ML_MODEL_NAME, ATTR_ML_MODEL_VERSION].map((a) => labelName(a, naming)).join(', ');
  const err = labelName(ATTR_ERROR_TYPE, naming);
  const rules: RecordingRule[] = [];
  for (const m of input.models) {
    for (const slo of m.slos ?? []) {
      if (slo.kind !== 'latency' && slo.kind !== 'error_rate' && slo.kind !== 'availability') continue;
      if (slo.kind === 'latency' && !LATENCY_BUCKETS.includes(slo.threshold ?? Number.NaN)) {
        warnings.push(`model ${JSON.stringify(m.name)} SLO ${JSON.stringify(slo.name)}: latency threshold ${slo.threshold}s is not a bucket bound of ml.inference.duration (${LATENCY_BUCKETS.join(', ')}): Prometheus cannot count requests under it, so its burn rate is left to the aggregator's gauge`);
        continue;
      }
      for (const w of BURN_RATE_WINDOWS) {
        const sel = (extra: string): string => `${base}_${extra}`;
        const total = `sum by (${by}) (rate(${sel(`count{${model}=${quote(m.name)}}`)}[${w}]))`;
        const bad =
          slo.kind === 'latency'
            ? `(${total} - sum by (${by}) (rate(${sel(`bucket{${model}=${quote(m.name)},le=${quote(String(slo.threshold))}}`)}[${w}])))`
            : `(sum by (${by}) (rate(${sel(`count{${model}=${quote(m.name)},${err}!=""}`)}[${w}])) or ${total} * 0)`;
        const labels = { [labelName('ml.slo.name', naming)]: slo.name, [labelName('ml.slo.type', naming)]: slo.kind, [labelName('ml.slo.window', naming)]: w };
        // The SLI's error ratio over the window, then the burn rate from it (rules of a group run in order).
        rules.push({ record: RECORDED.sloErrorRatio, expr: `${bad} / ${total}`, labels });
        const ratio = `${RECORDED.sloErrorRatio}{${model}=${quote(m.name)},${labelName('ml.slo.name', naming)}=${quote(slo.name)},${labelName('ml.slo.window', naming)}=${quote(w)}}`;
        rules.push({ record: RECORDED.burnRate, expr: `${ratio} / ${String(Number((1 - slo.objective).toPrecision(12)))}`, labels });
      }
    }
  }
  return rules;
}

/** The rule groups for `input` under `naming`. */
export function prometheusRules(input: RulesInput, naming: Naming): GeneratedRules {
  const warnings: string[] = [];
  const groups: RuleGroup[] = [];
  if (redFromServices(naming)) {
    groups.push({ name: 'modelwatch-red', rules: redRecording(naming) });
    const slo = sloRecording(input, naming, warnings);
    if (slo.length > 0) groups.push({ name: 'modelwatch-slo', rules: slo });
  }
  for (const scope of ruleScopes(input)) {
    groups.push({
      name: scope.only === undefined ? 'modelwatch-alerts' : `modelwatch-alerts-${scope.only}`,
      rules: scope.rules.map((r) => alertingRule(r, naming, scope)),
    });
  }
  return { groups, warnings };
}

/** The rule file as YAML, with a header saying where it came from. */
export function prometheusRulesYaml(input: RulesInput, naming: Naming): { yaml: string; warnings: string[] } {
  const { groups, warnings } = prometheusRules(input, naming);
  const header = `# Generated by \`modelwatch rules --naming ${naming}\` from modelwatch.yaml and the alert catalogue.\n# Do not edit: change modelwatch.yaml and generate again.\n`;
  return { yaml: header + stringify({ groups }, { lineWidth: 0 }), warnings };
}
