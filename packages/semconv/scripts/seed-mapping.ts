// Loads model/seed-mapping.yaml (the seed document's metric names mapped to
// ours), checks it against the registry, and renders docs/seed-name-mapping.md.
import { parse } from 'yaml';
import type { Model, ModelMetric } from './model.js';
import { prometheusLabelName, translateMetricName, type PrometheusScheme } from '../src/prometheus/translate.js';

/** Which Prometheus series of our metric answers the seed metric's question. */
export type SeedSeries = 'value' | 'bucket' | 'count' | 'sum';

/** One seed metric and its replacement. */
export interface SeedMetricEntry {
  readonly seed: string;
  readonly seedType: string;
  /** Seed label -> our attribute. */
  readonly labels: Readonly<Record<string, string>>;
  readonly ours: string;
  readonly series: SeedSeries;
  /** Attribute matcher, e.g. `error.type!=""`. */
  readonly selector?: { readonly attribute: string; readonly op: string; readonly value: string };
  readonly derivation: string;
}

/** A seed name that is not a metric. */
export interface SeedOtherName {
  readonly seed: string;
  readonly meaning: string;
}

/** The validated mapping. */
export interface SeedMapping {
  readonly metrics: readonly SeedMetricEntry[];
  readonly otherNames: readonly SeedOtherName[];
  /** Renders docs/seed-name-mapping.md. */
  render(model: Model): string;
}

const SERIES: readonly SeedSeries[] = ['value', 'bucket', 'count', 'sum'];
const SEED_NAME = /^[a-z][a-z0-9_]*$/;

function str(raw: Record<string, unknown>, key: string, where: string, problems: string[]): string {
  const v = raw[key];
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`${where}: "${key}" must be a non-empty string, got ${JSON.stringify(v)}`);
    return '';
  }
  return v.trim();
}

/** The Prometheus series name (with selector) of an entry under one exporter scheme. */
export function seedSeriesName(entry: SeedMetricEntry, metric: ModelMetric, scheme: PrometheusScheme): string {
  const base = translateMetricName(metric, scheme);
  const name = entry.series === 'value' ? base : `${base}_${entry.series}`;
  if (entry.selector === undefined) return name;
  return `${name}{${prometheusLabelName(entry.selector.attribute, scheme)}${entry.selector.op}"${entry.selector.value}"}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();
}

function render(mapping: SeedMapping, model: Model): string {
  const byName = new Map(model.metrics.map((m) => [m.name, m]));
  const lines = [
    '<!-- Generated from packages/semconv/model/seed-mapping.yaml and registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit. -->',
    '',
    '# Seed metric names mapped to modelwatch',
    '',
    'Every metric name in the seed document (`production-monitoring-and-alerting`) and the modelwatch signal that replaces it.',
    'The service emits only the instrumentation metrics (`ml.inference.*`, `ml.predictions`, `ml.prediction.*`, `ml.feature.*`); everything the seed computed in the service (throughput, accuracy, drift scores, SLO compliance) is computed by the aggregator and re-exported under the names below.',
    '',
    '## Prometheus names by exporter path',
    '',
    '- **OTel JS Prometheus exporter** (`@opentelemetry/exporter-prometheus`): characters outside `[a-zA-Z0-9_]` become `_` and repeated `_` collapse; monotonic counters get `_total` (unless already there); no unit suffix. Histograms expose `_bucket`, `_sum`, `_count`. Exponential histograms are dropped, which is why the aggregator re-exports drift results as gauges.',
    '- **OpenTelemetry Collector `prometheus` exporter** (default suffix handling: `add_metric_suffixes: true`, called `translation_strategy: UnderscoreEscapingWithSuffixes` in newer releases; naming from `prometheus/otlptranslator`): the name is split into tokens at every character outside `[a-zA-Z0-9:]` and re-joined with `_`; the UCUM unit is appended as a word unless the name already has it (`s` -> `seconds`, `By` -> `bytes`, `x/s` -> `x_per_second`; annotations such as `{request}` and the unit `1` add nothing); monotonic counters get `_total`; gauges with unit `1` get `_ratio`.',
    '- Attribute keys become labels the same way on both paths: `ml.model.name` -> `ml_model_name`.',
    '- `prometheusName(metric, { scheme: \'otel-js\' | \'collector\' })` from `@modelwatch/semconv` computes these names; `@modelwatch/rules` takes the scheme as an option.',
    '',
    '## Metrics',
    '',
    '| Seed name | Seed type | modelwatch signal | Labels | How it is derived | OTel JS Prometheus | Collector Prometheus |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of mapping.metrics) {
    const metric = byName.get(e.ours);
    if (metric === undefined) throw new Error(`seed mapping: ${e.seed} maps to unknown metric ${e.ours}`);
    const selector = e.selector === undefined ? '' : ` where \`${e.selector.attribute}${e.selector.op}"${e.selector.value}"\``;
    const labels = Object.entries(e.labels).map(([from, to]) => `\`${from}\` -> \`${to}\``).join('<br>');
    lines.push(
      `| \`${e.seed}\` | ${e.seedType} | \`${e.ours}\` (${metric.instrument}, \`${cell(metric.unit)}\`)${selector} | ${labels === '' ? '(none)' : labels} | ${cell(e.derivation)} | \`${cell(seedSeriesName(e, metric, 'otel-js'))}\` | \`${cell(seedSeriesName(e, metric, 'collector'))}\` |`,
    );
  }
  lines.push('', '## Names in the seed that are not metrics', '', '| Seed name | What it is |', '| --- | --- |');
  for (const o of mapping.otherNames) lines.push(`| \`${o.seed}\` | ${cell(o.meaning)} |`);
  lines.push('');
  return lines.join('\n');
}

/**
 * Parses and validates the seed mapping against the registry.
 * @throws Error listing every problem (unknown metric or attribute, series that does not fit the instrument, ...).
 */
export function loadSeedMapping(text: string, model: Model): SeedMapping {
  const problems: string[] = [];
  const doc: unknown = parse(text);
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as Record<string, unknown>)['metrics'])) {
    throw new Error('seed-mapping.yaml: top level must be a mapping with a "metrics" list');
  }
  const raw = doc as Record<string, unknown>;
  const metricsByName = new Map(model.metrics.map((m) => [m.name, m]));
  const attributes = new Set(model.attributes.map((a) => a.name));
  const metrics: SeedMetricEntry[] = [];
  for (const [i, item] of (raw['metrics'] as unknown[]).entries()) {
    if (typeof item !== 'object' || item === null) {
      problems.push(`metrics[${i}] must be a mapping`);
      continue;
    }
    const r = item as Record<string, unknown>;
    const seed = str(r, 'seed', `metrics[${i}]`, problems);
    const at = `seed ${seed}`;
    if (!SEED_NAME.test(seed)) problems.push(`${at}: not a Prometheus-style name`);
    const seedType = str(r, 'seed_type', at, problems);
    const ours = str(r, 'ours', at, problems);
    const metric = metricsByName.get(ours);
    if (metric === undefined) problems.push(`${at}: "${ours}" is not a metric of the registry`);
    const series = r['series'];
    if (typeof series !== 'string' || !(SERIES as readonly string[]).includes(series)) {
      problems.push(`${at}: "series" must be one of ${SERIES.join(', ')}`);
    } else if (metric !== undefined && (series === 'value') === (metric.instrument === 'histogram')) {
      problems.push(`${at}: series "${series}" does not fit the ${metric.instrument} ${ours}`);
    }
    const labelsRaw = r['labels'] ?? {};
    const labels: Record<string, string> = {};
    if (typeof labelsRaw !== 'object' || labelsRaw === null || Array.isArray(labelsRaw)) {
      problems.push(`${at}: "labels" must be a mapping`);
    } else {
      for (const [from, to] of Object.entries(labelsRaw)) {
        if (typeof to !== 'string' || !attributes.has(to)) problems.push(`${at}: label ${from} maps to unknown attribute ${JSON.stringify(to)}`);
        else labels[from] = to;
      }
    }
    let selector: SeedMetricEntry['selector'];
    if (r['selector'] !== undefined) {
      const match = /^([a-z0-9_.]+)(!=|=~|!~|=)"(.*)"$/.exec(String(r['selector']));
      if (match === null) problems.push(`${at}: selector ${JSON.stringify(r['selector'])} must look like attr="value" (or !=, =~, !~)`);
      else {
        const [, attribute = '', op = '', value = ''] = match;
        if (metric !== undefined && !metric.attributes.some((u) => u.name === attribute)) {
          problems.push(`${at}: selector attribute ${attribute} is not an attribute of ${ours}`);
        }
        selector = { attribute, op, value };
      }
    }
    const derivation = str(r, 'derivation', at, problems);
    metrics.push({ seed, seedType, labels, ours, series: series as SeedSeries, ...(selector === undefined ? {} : { selector }), derivation });
  }
  const otherNames: SeedOtherName[] = [];
  const others = raw['other_names'] ?? [];
  if (!Array.isArray(others)) problems.push('"other_names" must be a list');
  else {
    for (const [i, item] of others.entries()) {
      if (typeof item !== 'object' || item === null) {
        problems.push(`other_names[${i}] must be a mapping`);
        continue;
      }
      const r = item as Record<string, unknown>;
      otherNames.push({ seed: str(r, 'seed', `other_names[${i}]`, problems), meaning: str(r, 'meaning', `other_names[${i}]`, problems) });
    }
  }
  const all = [...metrics.map((m) => m.seed), ...otherNames.map((o) => o.seed)];
  const dup = all.find((n, i) => all.indexOf(n) !== i);
  if (dup !== undefined) problems.push(`seed name ${dup} is listed twice`);
  if (problems.length > 0) throw new Error(`seed-mapping.yaml has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  const mapping: SeedMapping = { metrics, otherNames, render: (m: Model) => render(mapping, m) };
  return mapping;
}
