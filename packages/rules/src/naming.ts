/**
 * Which Prometheus series the rules read, per deployment:
 * - `aggregator`: Prometheus scrapes the aggregator's `/metrics` only (the OTel
 *   JS Prometheus exporter's names). Every alert reads the aggregator's gauges,
 *   exactly what the embedded evaluator reads.
 * - `otel-js`: Prometheus also scrapes each service's own OTel JS Prometheus
 *   exporter. RED alerts and the request-based SLOs read recording rules over
 *   the services' `ml_inference_duration` histograms; the rest reads the
 *   aggregator's gauges.
 * - `collector`: as `otel-js`, with everything arriving through a Collector's
 *   `prometheus` exporter, whose names carry unit suffixes
 *   (`ml_inference_duration_seconds_bucket`).
 *
 * @module
 */
import { prometheusLabelName, prometheusName, type PrometheusScheme } from '@modelwatch/semconv';

/** How the series Prometheus holds are named and where RED comes from (see the module documentation). */
export type Naming = 'aggregator' | 'otel-js' | 'collector';

/** Every naming, for `--naming` and the tests. */
export const NAMINGS: readonly Naming[] = Object.freeze(['aggregator', 'otel-js', 'collector']);

/** The exporter naming scheme of a deployment. */
export function schemeOf(naming: Naming): PrometheusScheme {
  return naming === 'collector' ? 'collector' : 'otel-js';
}

/** The Prometheus name of a registry metric under `naming`. */
export function seriesName(metric: string, naming: Naming): string {
  return prometheusName(metric as Parameters<typeof prometheusName>[0], { scheme: schemeOf(naming) });
}

/** The Prometheus label of an attribute under `naming`. */
export function labelName(attribute: string, naming: Naming): string {
  return prometheusLabelName(attribute, schemeOf(naming));
}

/** Whether RED comes from the services' own histograms (through recording rules). */
export function redFromServices(naming: Naming): boolean {
  return naming !== 'aggregator';
}

/** Names of the recording rules over the services' histograms. */
export const RECORDED = Object.freeze({
  requestRate: 'modelwatch:ml_inference_request_rate:rate5m',
  errorRatio: 'modelwatch:ml_inference_error_ratio:rate5m',
  latency: 'modelwatch:ml_inference_latency:quantile_rate5m',
  sloErrorRatio: 'modelwatch:ml_slo_error_ratio:ratio_rate',
  burnRate: 'modelwatch:ml_slo_burn_rate:ratio_rate',
});
