// Loads and validates model/registry.yaml. Used by the generator and by the
// tests, so the rules the generated code relies on are checked in one place.
import { parse } from 'yaml';
import type {
  AttributeDefinition,
  AttributeType,
  AttributeUse,
  EventDefinition,
  Instrument,
  MetricDefinition,
  RequirementLevel,
} from '../src/types.js';

/** A metric plus the registry-only name of its exported bucket constant. */
export interface ModelMetric extends MetricDefinition {
  /** Name of the exported constant holding the advice boundaries, e.g. `LATENCY_BUCKETS`. */
  readonly bucketConstant?: string;
}

/** The validated registry. */
export interface Model {
  readonly attributes: readonly AttributeDefinition[];
  readonly metrics: readonly ModelMetric[];
  readonly events: readonly EventDefinition[];
}

const INSTRUMENTS: readonly Instrument[] = ['counter', 'updowncounter', 'histogram', 'gauge'];
const REQUIREMENT_LEVELS: readonly RequirementLevel[] = ['required', 'conditionally_required', 'recommended', 'opt_in'];
const SCALAR_TYPES: readonly AttributeType[] = ['string', 'int', 'double', 'boolean'];

/**
 * Attributes outside `ml.*` that we reuse from OpenTelemetry or consume from its SDKs.
 * Anything else must live in our namespace.
 */
export const FOREIGN_ATTRIBUTES: readonly string[] = ['error.type', 'event.name', 'otel.metric.overflow'];

/** Lowercase dotted namespaces; segments are snake_case words (OTel naming rules). */
export const NAME_PATTERN = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?:\.[a-z][a-z0-9]*(?:_[a-z0-9]+)*)+$/;

/**
 * Unit words that must not appear in a metric name: the unit belongs in `unit`,
 * and `total` is added by Prometheus exporters, never by the name.
 */
export const FORBIDDEN_NAME_WORDS: readonly string[] = [
  'total', 'seconds', 'second', 'milliseconds', 'ms', 'bytes', 'percent', 'percentage',
];

/**
 * UCUM-looking units: `1`, annotations like `{request}`, simple units like `s`, `By`,
 * and one `/` (e.g. `{request}/s`).
 */
export const UNIT_PATTERN = /^(?:1|\{[a-z_]+\}|[a-zA-Z]+)(?:\/(?:\{[a-z_]+\}|[a-zA-Z]+))?$/;

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(raw: Raw, key: string, where: string, problems: string[]): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${where}: "${key}" must be a non-empty string, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value.trim();
}

function requiredString(raw: Raw, key: string, where: string, problems: string[]): string {
  const value = optionalString(raw, key, where, problems);
  if (value === undefined && raw[key] === undefined) problems.push(`${where}: "${key}" is required`);
  return value ?? '';
}

/** Checks a metric, event or attribute name against the OTel naming rules; returns the problems. */
export function nameProblems(name: string): string[] {
  const problems: string[] = [];
  if (!NAME_PATTERN.test(name)) problems.push(`"${name}" is not a lowercase dotted name of snake_case segments`);
  const words = name.split(/[._]/);
  for (const word of FORBIDDEN_NAME_WORDS) {
    if (words.includes(word)) problems.push(`"${name}" contains the word "${word}" (units and _total do not belong in names)`);
  }
  return problems;
}

function parseAttribute(raw: Raw, where: string, problems: string[]): AttributeDefinition | undefined {
  const name = requiredString(raw, 'id', where, problems);
  const brief = requiredString(raw, 'brief', `${where} ${name}`, problems);
  const note = optionalString(raw, 'note', `${where} ${name}`, problems);
  const at = `attribute ${name}`;
  if (!FOREIGN_ATTRIBUTES.includes(name)) {
    problems.push(...nameProblems(name).map((p) => `${at}: ${p}`));
    if (!name.startsWith('ml.')) problems.push(`${at}: must be in the ml.* namespace`);
  }
  const examples = raw['examples'];
  if (!Array.isArray(examples) || examples.length === 0) {
    problems.push(`${at}: "examples" must be a non-empty list`);
  }
  const typeRaw = raw['type'];
  let type: AttributeType;
  let members: AttributeDefinition['members'];
  if (typeof typeRaw === 'string' && (SCALAR_TYPES as readonly string[]).includes(typeRaw)) {
    type = typeRaw as AttributeType;
  } else if (isRecord(typeRaw) && Array.isArray(typeRaw['members']) && typeRaw['members'].length > 0) {
    type = 'enum';
    const list: { id: string; value: string; brief: string }[] = [];
    for (const [i, m] of typeRaw['members'].entries()) {
      if (!isRecord(m)) {
        problems.push(`${at}: member ${i} must be a mapping`);
        continue;
      }
      const id = requiredString(m, 'id', `${at} member ${i}`, problems);
      const value = requiredString(m, 'value', `${at} member ${i}`, problems);
      const mBrief = requiredString(m, 'brief', `${at} member ${i}`, problems);
      if (!/^[a-z][a-z0-9_]*$/.test(id)) problems.push(`${at}: member id "${id}" must be lowercase snake_case`);
      list.push({ id, value, brief: mBrief });
    }
    const ids = list.map((m) => m.id);
    const values = list.map((m) => m.value);
    if (new Set(ids).size !== ids.length) problems.push(`${at}: duplicate member ids`);
    if (new Set(values).size !== values.length) problems.push(`${at}: duplicate member values`);
    members = list;
  } else {
    problems.push(`${at}: "type" must be one of ${SCALAR_TYPES.join(', ')} or { members: [...] }, got ${JSON.stringify(typeRaw)}`);
    return undefined;
  }
  return {
    name,
    type,
    brief,
    ...(note === undefined ? {} : { note }),
    examples: Array.isArray(examples) ? (examples as (string | number | boolean)[]) : [],
    ...(members === undefined ? {} : { members }),
  };
}

function parseUses(raw: Raw, where: string, known: ReadonlySet<string>, problems: string[]): AttributeUse[] {
  const list = raw['attributes'];
  if (!Array.isArray(list)) {
    problems.push(`${where}: "attributes" must be a list`);
    return [];
  }
  const uses: AttributeUse[] = [];
  for (const [i, item] of list.entries()) {
    if (!isRecord(item)) {
      problems.push(`${where}: attribute ${i} must be a mapping`);
      continue;
    }
    const ref = requiredString(item, 'ref', `${where} attribute ${i}`, problems);
    if (ref !== '' && !known.has(ref)) problems.push(`${where}: ref "${ref}" is not a defined attribute`);
    const level = item['requirement_level'];
    if (typeof level === 'string' && (REQUIREMENT_LEVELS as readonly string[]).includes(level) && level !== 'conditionally_required') {
      uses.push({ name: ref, requirementLevel: level as RequirementLevel });
    } else if (isRecord(level) && typeof level['conditionally_required'] === 'string' && level['conditionally_required'] !== '') {
      uses.push({ name: ref, requirementLevel: 'conditionally_required', condition: level['conditionally_required'] });
    } else {
      problems.push(
        `${where}: attribute "${ref}" needs requirement_level required | recommended | opt_in | { conditionally_required: <condition> }, got ${JSON.stringify(level)}`,
      );
    }
  }
  const names = uses.map((u) => u.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) problems.push(`${where}: attribute "${dup}" is listed twice`);
  return uses;
}

function parseAdvice(raw: Raw, metric: string, instrument: string, problems: string[]): Pick<ModelMetric, 'advice' | 'bucketConstant'> {
  const advice = raw['advice'];
  if (advice === undefined) return {};
  const at = `metric ${metric}`;
  if (!isRecord(advice)) {
    problems.push(`${at}: "advice" must be a mapping`);
    return {};
  }
  if (instrument !== 'histogram') problems.push(`${at}: only histograms take advice`);
  const out: { explicitBucketBoundaries?: readonly number[]; aggregation?: 'exponential_histogram' } = {};
  let bucketConstant: string | undefined;
  const bounds = advice['explicit_bucket_boundaries'];
  if (bounds !== undefined) {
    if (!Array.isArray(bounds) || bounds.length === 0 || !bounds.every((b) => typeof b === 'number' && Number.isFinite(b))) {
      problems.push(`${at}: explicit_bucket_boundaries must be a non-empty list of finite numbers`);
    } else {
      const nums = bounds as number[];
      if (nums.some((b, i) => i > 0 && b <= (nums[i - 1] as number))) {
        problems.push(`${at}: explicit_bucket_boundaries must be strictly increasing`);
      }
      out.explicitBucketBoundaries = nums;
    }
    bucketConstant = optionalString(advice, 'constant', at, problems);
    if (bucketConstant === undefined || !/^[A-Z][A-Z0-9_]*$/.test(bucketConstant)) {
      problems.push(`${at}: advice with boundaries needs "constant", an UPPER_SNAKE name`);
    }
  }
  const aggregation = advice['aggregation'];
  if (aggregation !== undefined) {
    if (aggregation !== 'exponential_histogram') problems.push(`${at}: advice.aggregation must be exponential_histogram`);
    else out.aggregation = aggregation;
  }
  return { advice: out, ...(bucketConstant === undefined ? {} : { bucketConstant }) };
}

/**
 * Parses and validates the registry YAML text.
 * @throws Error listing every problem found (unknown refs, bad names, bad units, ...).
 */
export function loadModel(text: string): Model {
  const problems: string[] = [];
  const doc: unknown = parse(text);
  if (!isRecord(doc) || !Array.isArray(doc['groups'])) throw new Error('registry: top level must be a mapping with a "groups" list');
  const groups = doc['groups'] as unknown[];

  const attributes: AttributeDefinition[] = [];
  const groupIds = new Set<string>();
  for (const [i, g] of groups.entries()) {
    if (!isRecord(g)) {
      problems.push(`group ${i} must be a mapping`);
      continue;
    }
    const id = requiredString(g, 'id', `group ${i}`, problems);
    if (groupIds.has(id)) problems.push(`group id "${id}" is defined twice`);
    groupIds.add(id);
    requiredString(g, 'brief', `group ${id}`, problems);
    const type = g['type'];
    if (type !== 'attribute_group' && type !== 'metric' && type !== 'event') {
      problems.push(`group ${id}: "type" must be attribute_group, metric or event, got ${JSON.stringify(type)}`);
    }
    if (type !== 'attribute_group') continue;
    const list = g['attributes'];
    if (!Array.isArray(list)) {
      problems.push(`group ${id}: "attributes" must be a list`);
      continue;
    }
    for (const a of list) {
      if (!isRecord(a)) {
        problems.push(`group ${id}: every attribute must be a mapping`);
        continue;
      }
      const attr = parseAttribute(a, `group ${id}`, problems);
      if (attr !== undefined) attributes.push(attr);
    }
  }
  const known = new Set<string>();
  for (const a of attributes) {
    if (known.has(a.name)) problems.push(`attribute ${a.name} is defined twice`);
    known.add(a.name);
  }

  const metrics: ModelMetric[] = [];
  const events: EventDefinition[] = [];
  for (const g of groups) {
    if (!isRecord(g)) continue;
    const id = String(g['id']);
    if (g['type'] === 'metric') {
      const name = requiredString(g, 'metric_name', `group ${id}`, problems);
      const at = `metric ${name}`;
      if (id !== `metric.${name}`) problems.push(`group ${id}: id must be "metric.${name}"`);
      problems.push(...nameProblems(name).map((p) => `${at}: ${p}`));
      if (!name.startsWith('ml.')) problems.push(`${at}: must be in the ml.* namespace`);
      const instrument = g['instrument'];
      if (typeof instrument !== 'string' || !(INSTRUMENTS as readonly string[]).includes(instrument)) {
        problems.push(`${at}: "instrument" must be one of ${INSTRUMENTS.join(', ')}, got ${JSON.stringify(instrument)}`);
      }
      const unit = requiredString(g, 'unit', at, problems);
      if (unit !== '' && !UNIT_PATTERN.test(unit)) problems.push(`${at}: unit "${unit}" does not look like UCUM`);
      const brief = requiredString(g, 'brief', at, problems);
      const note = optionalString(g, 'note', at, problems);
      const uses = parseUses(g, at, known, problems);
      const advice = parseAdvice(g, name, String(instrument), problems);
      metrics.push({
        name,
        instrument: instrument as Instrument,
        unit,
        brief,
        ...(note === undefined ? {} : { note }),
        attributes: uses,
        ...advice,
      });
    } else if (g['type'] === 'event') {
      const name = requiredString(g, 'name', `group ${id}`, problems);
      const at = `event ${name}`;
      if (id !== `event.${name}`) problems.push(`group ${id}: id must be "event.${name}"`);
      problems.push(...nameProblems(name).map((p) => `${at}: ${p}`));
      if (!name.startsWith('ml.')) problems.push(`${at}: must be in the ml.* namespace`);
      const brief = requiredString(g, 'brief', at, problems);
      const note = optionalString(g, 'note', at, problems);
      events.push({ name, brief, ...(note === undefined ? {} : { note }), attributes: parseUses(g, at, known, problems) });
    }
  }
  const metricNames = metrics.map((m) => m.name);
  const dupMetric = metricNames.find((n, i) => metricNames.indexOf(n) !== i);
  if (dupMetric !== undefined) problems.push(`metric ${dupMetric} is defined twice`);
  const constants = metrics.flatMap((m) => (m.bucketConstant === undefined ? [] : [m.bucketConstant]));
  if (new Set(constants).size !== constants.length) problems.push('two metrics use the same bucket constant name');

  if (problems.length > 0) {
    throw new Error(`registry.yaml has ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
  }
  return { attributes, metrics, events };
}

/** `ml.model.name` -> `ML_MODEL_NAME`. */
export function constantSuffix(name: string): string {
  return name.toUpperCase().replace(/[.-]/g, '_');
}
