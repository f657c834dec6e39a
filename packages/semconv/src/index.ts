/**
 * modelwatch semantic conventions: the names, units and attributes of every
 * metric and event modelwatch emits or consumes, generated from
 * `model/registry.yaml` (see docs/semconv.md), plus the Prometheus names each
 * exporter path produces.
 *
 * Constant naming follows OpenTelemetry JS: `ATTR_*` for attribute keys,
 * `ATTR_*_VALUE_*` for enum values, `METRIC_*` for metric names, `EVENT_*` for
 * event names.
 * @module @modelwatch/semconv
 */

// The generated module lists every constant by name; it is regenerated from the
// registry, so the public surface is exactly what the YAML defines.
export * from './generated/index.js';
export { OTHER_CATEGORY, DRIFT_SEVERITY_LEVEL, type DriftSeverity } from './constants.js';
export { prometheusName, prometheusSeriesNames, type PrometheusNameOptions } from './prometheus/name.js';
export {
  translateMetricName,
  prometheusLabelName,
  type PrometheusScheme,
  type PrometheusMetricInput,
} from './prometheus/translate.js';
export type {
  Instrument,
  RequirementLevel,
  AttributeType,
  EnumMember,
  AttributeDefinition,
  AttributeUse,
  MetricAdvice,
  MetricDefinition,
  EventDefinition,
} from './types.js';
export {
  ALERT_CATALOGUE,
  ALERT_NAMES,
  PAGE_BURN_WINDOWS,
  TICKET_BURN_WINDOWS,
  burnRateCondition,
} from './alerts/catalogue.js';
export {
  BURN_RATE_WINDOWS,
  alertOverrideProblems,
  fillSettings,
  latencySloThreshold,
  resolveAlertRules,
  type AlertModelContext,
  type AlertSloFacts,
  type AlertOverrides,
} from './alerts/resolve.js';
export type {
  AlertAnnotations,
  AlertContext,
  AlertOverride,
  AlertRule,
  AlertSeverity,
  AlertTerm,
  BurnWindowPair,
  Comparison,
} from './alerts/types.js';
