/**
 * The shape of the alert catalogue: rules as data, read by the aggregator's
 * embedded evaluator and by the Prometheus rule generator alike.
 *
 * @module
 */

/** Alert severities, least to most urgent (the `severity` label). */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** Comparison of a series' value with a number, as in PromQL. */
export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';

/**
 * One comparison over one exported metric: every series of `metric` whose
 * attributes equal `match` (an empty string matches an absent attribute, as a
 * PromQL matcher `label=""` does) and whose value compares true with `value`.
 */
export interface AlertTerm {
  /** Semantic-convention metric name, e.g. `ml.inference.error_ratio`. */
  metric: string;
  /** Attribute values the series must have (`''`: the attribute must be absent). */
  match?: Readonly<Record<string, string>>;
  op: Comparison;
  /** A number, or `'threshold'` for the rule's (configurable) threshold. */
  value: number | 'threshold';
}

/**
 * A multi-window burn-rate pair of the SRE workbook: the condition holds when
 * the SLO's burn rate over both `long` and `short` exceeds `factor`.
 */
export interface BurnWindowPair {
  /** The long window, one of the aggregator's burn-rate windows (`5m`, `30m`, `1h`, `6h`, `1d`, `3d`). */
  long: string;
  /** The short window, which makes the alert reset quickly once the burn stops. */
  short: string;
  /** Burn-rate factor both windows must exceed (1 spends the budget exactly over the period). */
  factor: number;
}

/**
 * A value shown beside an alert in its annotations (e.g. the KS statistic and
 * p-value beside a drift alert): the series of `metric` with the alert's own
 * identifying attributes and `match`. Templates refer to it as `$context.NAME`.
 */
export interface AlertContext {
  metric: string;
  match?: Readonly<Record<string, string>>;
  /** Show this attribute of the series instead of its value (e.g. which window decided a drift verdict). */
  label?: string;
}

/** The annotations of an alert; texts are templates (see {@link AlertRule.annotations}). */
export interface AlertAnnotations {
  /** One line: what is wrong. */
  summary: string;
  /** The value, the threshold and what the value means (the interpretation). */
  description: string;
  /** Numbered steps to take. */
  runbook: readonly string[];
  /** A link to a longer runbook, if there is one. */
  runbookUrl?: string;
}

/**
 * One rule of the catalogue.
 *
 * The condition is `when`: alternatives (any of them) of conjunctions (all of
 * their terms), evaluated per alert identity, that is per distinct values of
 * the `by` attributes. A conjunction joins its terms on those attributes (as
 * PromQL's `and on(...)`, keeping the first term's value); each term takes the
 * largest value per identity (as `max by (...)`); of several alternatives that
 * hold, the first gives the value (as `or`).
 *
 * Annotation templates use the Prometheus template syntax subset
 * `{{ $labels.NAME }}`, `{{ $value }}`, `{{ $value | humanize }}`,
 * `{{ $value | humanizePercentage }}`, `{{ $context.NAME }}` (and the same
 * pipes), plus `{{ threshold }}` / `{{ threshold | humanizePercentage }}`,
 * `{{ for }}` and `{{ burnWindows }}`, which are filled in from the effective settings before either
 * engine sees the text.
 */
export interface AlertRule {
  /** The `alertname` label; rules that share it are severities of one alert (e.g. warning and critical drift). */
  alertname: string;
  /** A key unique in the catalogue: the alertname, or alertname and severity when several rules share one name. */
  id: string;
  severity: AlertSeverity;
  /** Attributes whose values identify one alert; they become its labels (translated to Prometheus label names). */
  by: readonly string[];
  when: readonly (readonly AlertTerm[])[];
  /** The number terms refer to as `'threshold'`. */
  threshold?: number;
  /** For SLO burn-rate rules: the window pairs `when` is made from (see {@link burnRateCondition}). */
  burnWindows?: readonly BurnWindowPair[];
  /** How long the condition must hold before the alert fires (a duration, e.g. `5m`; `0s` fires at once). */
  for: string;
  /** How long a firing alert keeps firing after its condition stops holding. @default '0s' */
  keepFiringFor: string;
  /** Extra labels. */
  labels?: Readonly<Record<string, string>>;
  annotations: AlertAnnotations;
  /** Values shown in the annotations, by name. */
  context?: Readonly<Record<string, AlertContext>>;
  /** False: the rule is in the catalogue but off unless a config turns it on. @default true */
  enabled: boolean;
}

/** What a configuration may change in one rule, addressed by its alertname. */
export interface AlertOverride {
  enabled?: boolean;
  for?: string;
  keepFiringFor?: string;
  threshold?: number;
  severity?: AlertSeverity;
  summary?: string;
  description?: string;
  runbook?: readonly string[];
  runbookUrl?: string;
  /** SLO burn-rate rules only: the window pairs. */
  burnWindows?: readonly BurnWindowPair[];
}
