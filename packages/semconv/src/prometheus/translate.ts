/**
 * OTLP metric name -> Prometheus metric name, for the two exporter paths a
 * modelwatch deployment can use. Hand-written because no JavaScript library
 * exposes the Collector's rules, and the rules generator must predict the exact
 * names both paths produce.
 * @module
 */
import type { Instrument } from '../types.js';

/**
 * Which exporter turns the OTLP metric into Prometheus series.
 * - `otel-js`: `@opentelemetry/exporter-prometheus` (PrometheusSerializer): invalid
 *   characters become `_`, repeated `_` collapse, monotonic sums get `_total`; no unit suffix.
 * - `collector`: the OpenTelemetry Collector `prometheus` exporter with its default
 *   suffix handling (`add_metric_suffixes: true`, in newer releases
 *   `translation_strategy: UnderscoreEscapingWithSuffixes`; translation via prometheus/otlptranslator):
 *   unit suffixes from UCUM (`s` -> `seconds`, `{annotation}` dropped, `/s` -> `per_second`),
 *   `_total` on monotonic sums, `_ratio` on gauges with unit `1`.
 */
export type PrometheusScheme = 'otel-js' | 'collector';

/** The metric facts the translation depends on. */
export interface PrometheusMetricInput {
  /** OTLP metric name. */
  readonly name: string;
  /** UCUM unit (may be empty). */
  readonly unit: string;
  /** Instrument kind (decides `_total` and `_ratio`). */
  readonly instrument: Instrument;
}

// UCUM -> Prometheus unit words, as the Collector's translator maps them.
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams',
  Cel: 'celsius', Hz: 'hertz', '1': '', '%': 'percent',
};

// The "per" part of a unit (`x/s`) uses singular words.
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year',
};

const isMonotonic = (instrument: Instrument): boolean => instrument === 'counter';

function cleanUnit(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9:]/g, '_').replace(/_{2,}/g, '_').replace(/^_/, '');
}

function unitSuffixes(unit: string): { main: string; per: string } {
  const [mainRaw = '', perRaw] = unit.split('/', 2) as [string?, string?];
  const mainUnit = mainRaw.trim();
  // Annotations such as `{request}` carry no Prometheus unit and are dropped.
  const main = mainUnit !== '' && !/[{}]/.test(mainUnit) ? (UNIT_WORDS[mainUnit] ?? mainUnit) : '';
  let per = '';
  const perUnit = perRaw?.trim() ?? '';
  if (perUnit !== '' && !/[{}]/.test(perUnit)) per = `per_${PER_UNIT_WORDS[perUnit] ?? perUnit}`;
  return { main: cleanUnit(main), per: cleanUnit(per) };
}

function collectorName(metric: PrometheusMetricInput): string {
  // Tokens are runs of [a-zA-Z0-9:]; `_` separates tokens like any invalid character.
  let tokens = metric.name.split(/[^a-zA-Z0-9:]+/).filter((t) => t !== '');
  const { main, per } = unitSuffixes(metric.unit);
  let mainSuffix = tokens.includes(main) ? '' : main;
  let perSuffix = per === 'per_' ? '' : per.replace(/_$/, '');
  if (tokens.includes(perSuffix)) perSuffix = '';
  if (perSuffix !== '') mainSuffix = mainSuffix.replace(/_$/, '');
  if (mainSuffix !== '') tokens.push(mainSuffix);
  if (perSuffix !== '') tokens.push(perSuffix);
  if (isMonotonic(metric.instrument)) tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (metric.unit === '1' && metric.instrument === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  const name = tokens.join('_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

function otelJsName(metric: PrometheusMetricInput): string {
  let name = metric.name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (isMonotonic(metric.instrument) && !name.endsWith('_total')) name = `${name}_total`;
  return name;
}

/**
 * The Prometheus metric family name an exporter produces for an OTLP metric.
 * Histograms expose `<name>_bucket`, `<name>_sum` and `<name>_count` series
 * (see {@link prometheusSeriesNames}).
 * @throws Error when the name translates to nothing.
 */
export function translateMetricName(metric: PrometheusMetricInput, scheme: PrometheusScheme): string {
  let name: string;
  switch (scheme) {
    case 'otel-js':
      name = otelJsName(metric);
      break;
    case 'collector':
      name = collectorName(metric);
      break;
    default: {
      const never: never = scheme;
      throw new Error(`unknown Prometheus naming scheme ${JSON.stringify(never)}; expected 'otel-js' or 'collector'`);
    }
  }
  if (name === '' || /^_*$/.test(name)) throw new Error(`metric name ${JSON.stringify(metric.name)} translates to an empty Prometheus name`);
  return name;
}

/**
 * The Prometheus label name an exporter produces for an attribute key, e.g.
 * `ml.model.name` -> `ml_model_name` on both paths. Characters outside
 * `[a-zA-Z0-9_]` become `_`; the OTel JS serializer then collapses repeated `_`,
 * while the Collector keeps them and prefixes keys starting with a digit (`key_`)
 * or with a single `_` (`key`).
 */
export function prometheusLabelName(attribute: string, scheme: PrometheusScheme): string {
  const label = attribute.replace(/[^a-zA-Z0-9_]/g, '_');
  switch (scheme) {
    case 'otel-js':
      return label.replace(/_{2,}/g, '_');
    case 'collector':
      if (/^[0-9]/.test(label)) return `key_${label}`;
      if (label.startsWith('_') && !label.startsWith('__')) return `key${label}`;
      return label;
    default: {
      const never: never = scheme;
      throw new Error(`unknown Prometheus naming scheme ${JSON.stringify(never)}; expected 'otel-js' or 'collector'`);
    }
  }
}
