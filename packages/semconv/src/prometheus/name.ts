/**
 * Prometheus names of registry metrics.
 * @module
 */
import { METRICS, type MetricName } from '../generated/registry.js';
import { translateMetricName, type PrometheusMetricInput, type PrometheusScheme } from './translate.js';

/** Options of {@link prometheusName}. */
export interface PrometheusNameOptions {
  /** Which exporter produces the Prometheus series. */
  readonly scheme: PrometheusScheme;
}

function resolveMetric(metric: MetricName | PrometheusMetricInput): PrometheusMetricInput {
  if (typeof metric !== 'string') return metric;
  const known: PrometheusMetricInput | undefined = (METRICS as Readonly<Record<string, PrometheusMetricInput>>)[metric];
  if (known === undefined) {
    throw new Error(`prometheusName: ${JSON.stringify(metric)} is not a metric of the registry; pass { name, unit, instrument } for other metrics`);
  }
  return known;
}

/**
 * The Prometheus metric family name that an exporter path produces for a metric,
 * e.g. `prometheusName('ml.inference.duration', { scheme: 'collector' })` is
 * `ml_inference_duration_seconds` and with `'otel-js'` it is `ml_inference_duration`.
 * For histograms, query `<name>_bucket`, `<name>_sum` or `<name>_count`.
 * @param metric a registry metric name, or the facts of any other metric
 * @throws Error when the name is not in the registry
 */
export function prometheusName(metric: MetricName | PrometheusMetricInput, options: PrometheusNameOptions): string {
  return translateMetricName(resolveMetric(metric), options.scheme);
}

/**
 * Every series name the metric is exposed under: `<name>_bucket`, `<name>_sum`
 * and `<name>_count` for histograms, the family name otherwise.
 * @throws Error when the name is not in the registry
 */
export function prometheusSeriesNames(metric: MetricName | PrometheusMetricInput, options: PrometheusNameOptions): readonly string[] {
  const resolved = resolveMetric(metric);
  const base = translateMetricName(resolved, options.scheme);
  return resolved.instrument === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
}
