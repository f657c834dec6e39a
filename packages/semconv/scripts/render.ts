// Renders the generated TypeScript sources and Markdown references from the
// validated model. Pure (no file I/O) so the tests can compare its output with
// the committed files byte for byte.
import { constantSuffix, type Model, type ModelMetric } from './model.js';
import type { SeedMapping } from './seed-mapping.js';
import type { AttributeDefinition, AttributeUse, EventDefinition } from '../src/types.js';
import { translateMetricName, prometheusLabelName } from '../src/prometheus/translate.js';

const HEADER = '// Generated from packages/semconv/model/registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit.\n';
const MD_HEADER = '<!-- Generated from packages/semconv/model/registry.yaml by `npm run generate -w @modelwatch/semconv`. Do not edit. -->\n';

/** Single-quoted TypeScript string literal. */
function q(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** A TSDoc block (text must not contain the comment terminator). */
function doc(lines: readonly string[], indent = ''): string {
  const body = lines.flatMap((l) => l.split('\n')).map((l) => `${indent} * ${l.replace(/\*\//g, '*\\/')}`.trimEnd());
  return `${indent}/**\n${body.join('\n')}\n${indent} */\n`;
}

/** Attribute constant name, e.g. `ATTR_ML_MODEL_NAME`. */
export function attributeConstant(name: string): string {
  return `ATTR_${constantSuffix(name)}`;
}
/** Metric constant name, e.g. `METRIC_ML_INFERENCE_DURATION`. */
export function metricConstant(name: string): string {
  return `METRIC_${constantSuffix(name)}`;
}
/** Event constant name, e.g. `EVENT_ML_PREDICTION`. */
export function eventConstant(name: string): string {
  return `EVENT_${constantSuffix(name)}`;
}
/** Enum value constant name, e.g. `ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE`. */
export function enumValueConstant(attribute: string, memberId: string): string {
  return `${attributeConstant(attribute)}_VALUE_${constantSuffix(memberId)}`;
}

function literal(value: unknown): string {
  if (typeof value === 'string') return q(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  throw new Error(`cannot render ${JSON.stringify(value)} as a literal`);
}

function useLiteral(u: AttributeUse): string {
  const cond = u.condition === undefined ? '' : `, condition: ${q(u.condition)}`;
  return `{ name: ${q(u.name)}, requirementLevel: ${q(u.requirementLevel)}${cond} }`;
}

function renderAttributes(model: Model): string {
  let out = HEADER;
  for (const a of model.attributes) {
    const lines = [a.brief];
    if (a.note !== undefined) lines.push('', a.note);
    lines.push('', `Type: \`${a.type}\`. Examples: ${a.examples.map((e) => `\`${String(e)}\``).join(', ')}.`);
    out += `\n${doc(lines)}export const ${attributeConstant(a.name)} = ${q(a.name)};\n`;
    for (const m of a.members ?? []) {
      out += `\n${doc([`\`${a.name}\` = \`${m.value}\`: ${m.brief}`])}export const ${enumValueConstant(a.name, m.id)} = ${q(m.value)};\n`;
    }
  }
  return out;
}

function usesSummary(uses: readonly AttributeUse[]): string {
  if (uses.length === 0) return 'none';
  return uses.map((u) => `\`${u.name}\` (${u.requirementLevel}${u.condition === undefined ? '' : `: ${u.condition}`})`).join(', ');
}

function renderMetrics(model: Model): string {
  let out = HEADER;
  for (const m of model.metrics) {
    const lines = [m.brief];
    if (m.note !== undefined) lines.push('', m.note);
    lines.push('', `Instrument: ${m.instrument}. Unit: \`${m.unit}\`.`, `Attributes: ${usesSummary(m.attributes)}.`);
    out += `\n${doc(lines)}export const ${metricConstant(m.name)} = ${q(m.name)};\n`;
  }
  return out;
}

function renderEvents(model: Model): string {
  let out = HEADER;
  for (const e of model.events) {
    const lines = [e.brief];
    if (e.note !== undefined) lines.push('', e.note);
    lines.push('', `Attributes: ${usesSummary(e.attributes)}.`);
    out += `\n${doc(lines)}export const ${eventConstant(e.name)} = ${q(e.name)};\n`;
  }
  return out;
}

function renderBuckets(model: Model): string {
  let out = HEADER;
  for (const m of model.metrics) {
    if (m.bucketConstant === undefined || m.advice?.explicitBucketBoundaries === undefined) continue;
    const bounds = m.advice.explicitBucketBoundaries;
    out += `\n${doc([
      `Explicit bucket boundaries advised for \`${m.name}\` (${bounds.length} boundaries, ${bounds.length + 1} buckets).`,
      'Pass them as `advice.explicitBucketBoundaries` when creating the histogram.',
    ])}export const ${m.bucketConstant}: readonly number[] = Object.freeze(${literal(bounds)});\n`;
  }
  return out;
}

function attributeLiteral(a: AttributeDefinition): string {
  const parts = [`name: ${q(a.name)}`, `type: ${q(a.type)}`, `brief: ${q(a.brief)}`];
  if (a.note !== undefined) parts.push(`note: ${q(a.note)}`);
  parts.push(`examples: ${literal(a.examples)}`);
  if (a.members !== undefined) {
    parts.push(`members: [\n${a.members.map((m) => `      { id: ${q(m.id)}, value: ${q(m.value)}, brief: ${q(m.brief)} },`).join('\n')}\n    ]`);
  }
  return `  ${q(a.name)}: {\n${parts.map((p) => `    ${p},`).join('\n')}\n  },`;
}

function metricLiteral(m: ModelMetric): string {
  const parts = [`name: ${q(m.name)}`, `instrument: ${q(m.instrument)}`, `unit: ${q(m.unit)}`, `brief: ${q(m.brief)}`];
  if (m.note !== undefined) parts.push(`note: ${q(m.note)}`);
  parts.push(`attributes: [\n${m.attributes.map((u) => `      ${useLiteral(u)},`).join('\n')}\n    ]`);
  if (m.advice !== undefined) {
    const advice: string[] = [];
    if (m.advice.explicitBucketBoundaries !== undefined) advice.push(`explicitBucketBoundaries: ${literal(m.advice.explicitBucketBoundaries)}`);
    if (m.advice.aggregation !== undefined) advice.push(`aggregation: ${q(m.advice.aggregation)}`);
    parts.push(`advice: { ${advice.join(', ')} }`);
  }
  return `  ${q(m.name)}: {\n${parts.map((p) => `    ${p},`).join('\n')}\n  },`;
}

function eventLiteral(e: EventDefinition): string {
  const parts = [`name: ${q(e.name)}`, `brief: ${q(e.brief)}`];
  if (e.note !== undefined) parts.push(`note: ${q(e.note)}`);
  parts.push(`attributes: [\n${e.attributes.map((u) => `      ${useLiteral(u)},`).join('\n')}\n    ]`);
  return `  ${q(e.name)}: {\n${parts.map((p) => `    ${p},`).join('\n')}\n  },`;
}

function renderRegistry(model: Model): string {
  return `${HEADER}import type { AttributeDefinition, EventDefinition, MetricDefinition } from '../types.js';

/** Every attribute of the registry, by name. */
export const ATTRIBUTES = {
${model.attributes.map(attributeLiteral).join('\n')}
} as const satisfies Readonly<Record<string, AttributeDefinition>>;

/** Every metric of the registry, by name. */
export const METRICS = {
${model.metrics.map(metricLiteral).join('\n')}
} as const satisfies Readonly<Record<string, MetricDefinition>>;

/** Every event of the registry, by name. */
export const EVENTS = {
${model.events.map(eventLiteral).join('\n')}
} as const satisfies Readonly<Record<string, EventDefinition>>;

/** Name of an attribute defined in the registry. */
export type AttributeName = keyof typeof ATTRIBUTES;

/** Name of a metric defined in the registry. */
export type MetricName = keyof typeof METRICS;

/** Name of an event defined in the registry. */
export type EventName = keyof typeof EVENTS;
`;
}

/** Escapes a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function usesCell(uses: readonly AttributeUse[]): string {
  if (uses.length === 0) return 'none';
  return uses
    .map((u) => `\`${u.name}\` ${u.requirementLevel === 'conditionally_required' ? `conditionally required: ${u.condition ?? ''}` : u.requirementLevel.replace('_', '-')}`)
    .join('<br>');
}

function renderSemconvDoc(model: Model): string {
  const lines: string[] = [MD_HEADER, '# modelwatch semantic conventions', ''];
  lines.push(
    'The registry `packages/semconv/model/registry.yaml` defines every metric, event and attribute modelwatch emits or consumes.',
    'Names follow the OpenTelemetry naming rules: lowercase dotted namespaces under `ml.*`, UCUM units, no unit words or `_total` in names.',
    'Import the names from `@modelwatch/semconv` (`ATTR_*`, `METRIC_*`, `EVENT_*`, `*_VALUE_*`) instead of writing strings.',
    '',
    '## Metrics',
    '',
    '| Name | Instrument | Unit | Attributes | Description |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const m of model.metrics) {
    const desc = m.note === undefined ? m.brief : `${m.brief} ${m.note}`;
    lines.push(`| \`${m.name}\` | ${m.instrument} | \`${cell(m.unit)}\` | ${cell(usesCell(m.attributes))} | ${cell(desc)} |`);
  }
  lines.push('', '### Histogram advice', '', '| Metric | Advice |', '| --- | --- |');
  for (const m of model.metrics) {
    if (m.advice === undefined) continue;
    const parts: string[] = [];
    if (m.advice.explicitBucketBoundaries !== undefined) {
      parts.push(`explicit bucket boundaries \`${m.bucketConstant ?? ''}\` = ${m.advice.explicitBucketBoundaries.join(', ')}`);
    }
    if (m.advice.aggregation !== undefined) parts.push('use the base-2 exponential histogram aggregation');
    lines.push(`| \`${m.name}\` | ${cell(parts.join('; '))} |`);
  }
  lines.push(
    '',
    'Why these confidence boundaries: a 0.05 grid gives 20 equal buckets over [0, 1], so every threshold people use (0.5, 0.7, 0.8, 0.9, ...) is an exact bucket edge and the low-confidence ratio needs no interpolation; confident classifiers put most of their mass above 0.95, so 0.975, 0.99, 0.995 and 0.999 split that tail (24 buckets in all), which keeps the baseline deciles used by PSI and the calibration bins apart. Buckets are upper-inclusive: a confidence of exactly 1 falls in the last bucket, (0.999, +Inf).',
    '',
    '### Value constants',
    '',
    '- `OTHER_CATEGORY` = `__other__`: the category recorded for categorical values (and labels) past the cardinality bound; the SDK\'s `otel.metric.overflow` points count as this category too.',
    '- `DRIFT_SEVERITY_LEVEL`: the encoding of the `ml.drift.severity` gauge: -1 insufficient data, 0 none, 1 info, 2 warning, 3 critical (worse is higher, so alert rules compare with `>=`).',
    '',
    '### Prometheus names',
    '',
    'What each exporter path produces (see `prometheusName()`); histograms add `_bucket`, `_sum` and `_count` series. Attribute keys become labels with `.` replaced by `_`.',
    '',
    '| Metric | OTel JS Prometheus exporter | Collector `prometheus` exporter |',
    '| --- | --- | --- |',
  );
  for (const m of model.metrics) {
    lines.push(`| \`${m.name}\` | \`${translateMetricName(m, 'otel-js')}\` | \`${translateMetricName(m, 'collector')}\` |`);
  }
  lines.push('', '## Events', '', 'Log records emitted through the OpenTelemetry Logs API; the name is in `event_name` (older SDKs: the `event.name` attribute).', '');
  lines.push('| Name | Attributes | Description |', '| --- | --- | --- |');
  for (const e of model.events) {
    const desc = e.note === undefined ? e.brief : `${e.brief} ${e.note}`;
    lines.push(`| \`${e.name}\` | ${cell(usesCell(e.attributes))} | ${cell(desc)} |`);
  }
  lines.push('', '## Attributes', '', '| Name | Type | Values | Description | Examples |', '| --- | --- | --- | --- | --- |');
  for (const a of model.attributes) {
    const values = (a.members ?? []).map((m) => `\`${m.value}\`: ${m.brief}`).join('<br>');
    const desc = a.note === undefined ? a.brief : `${a.brief} ${a.note}`;
    const examples = a.examples.map((e) => `\`${String(e)}\``).join(', ');
    lines.push(`| \`${a.name}\` (\`${prometheusLabelName(a.name, 'collector')}\`) | ${a.type} | ${cell(values)} | ${cell(desc)} | ${cell(examples)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

function renderIndex(model: Model): string {
  const attributeNames = model.attributes.flatMap((a) => [
    attributeConstant(a.name),
    ...(a.members ?? []).map((m) => enumValueConstant(a.name, m.id)),
  ]);
  const list = (names: readonly string[]): string => names.map((n) => `  ${n},`).join('\n');
  const buckets = model.metrics.flatMap((m) => (m.bucketConstant === undefined ? [] : [m.bucketConstant]));
  return `${HEADER}export {
${list(attributeNames)}
} from './attributes.js';
export {
${list(model.metrics.map((m) => metricConstant(m.name)))}
} from './metrics.js';
export {
${list(model.events.map((e) => eventConstant(e.name)))}
} from './events.js';
export {
${list(buckets)}
} from './buckets.js';
export { ATTRIBUTES, METRICS, EVENTS, type AttributeName, type MetricName, type EventName } from './registry.js';
`;
}

/** Every generated file, keyed by its path relative to the repository root. */
export function renderAll(model: Model, seed?: SeedMapping): Map<string, string> {
  const files = new Map<string, string>();
  files.set('packages/semconv/src/generated/attributes.ts', renderAttributes(model));
  files.set('packages/semconv/src/generated/metrics.ts', renderMetrics(model));
  files.set('packages/semconv/src/generated/events.ts', renderEvents(model));
  files.set('packages/semconv/src/generated/buckets.ts', renderBuckets(model));
  files.set('packages/semconv/src/generated/registry.ts', renderRegistry(model));
  files.set('packages/semconv/src/generated/index.ts', renderIndex(model));
  files.set('docs/semconv.md', renderSemconvDoc(model));
  if (seed !== undefined) files.set('docs/seed-name-mapping.md', seed.render(model));
  return files;
}
