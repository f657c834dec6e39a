/**
 * Shapes of the registry tables generated from `model/registry.yaml`.
 * @module
 */

/** OpenTelemetry instrument kinds used by the registry. */
export type Instrument = 'counter' | 'updowncounter' | 'histogram' | 'gauge';

/** OpenTelemetry semantic-convention requirement levels. */
export type RequirementLevel = 'required' | 'conditionally_required' | 'recommended' | 'opt_in';

/** Value type of an attribute; `enum` attributes list their `members`. */
export type AttributeType = 'string' | 'int' | 'double' | 'boolean' | 'enum';

/** One allowed value of an enum attribute. */
export interface EnumMember {
  /** Identifier used for the generated constant (`<ATTR>_VALUE_<ID>`). */
  readonly id: string;
  /** The value carried on the wire. */
  readonly value: string;
  /** One-line description. */
  readonly brief: string;
}

/** An attribute as defined in the registry. */
export interface AttributeDefinition {
  /** Attribute key, e.g. `ml.model.name`. */
  readonly name: string;
  /** Value type. */
  readonly type: AttributeType;
  /** One-line description. */
  readonly brief: string;
  /** Longer explanation, if any. */
  readonly note?: string;
  /** Example values. */
  readonly examples: readonly (string | number | boolean)[];
  /** Allowed values of an `enum` attribute. */
  readonly members?: readonly EnumMember[];
}

/** An attribute used by a metric or event, with how strongly it is required there. */
export interface AttributeUse {
  /** Attribute key (always defined in {@link AttributeDefinition}s). */
  readonly name: string;
  /** Requirement level on this metric or event. */
  readonly requirementLevel: RequirementLevel;
  /** For `conditionally_required`: when the attribute must be present. */
  readonly condition?: string;
}

/** Advice an instrument is created with. */
export interface MetricAdvice {
  /** Explicit bucket boundaries for histograms (OTel `advice.explicitBucketBoundaries`). */
  readonly explicitBucketBoundaries?: readonly number[];
  /** Recommended aggregation for the view (features need exponential histograms). */
  readonly aggregation?: 'exponential_histogram';
}

/** A metric as defined in the registry. */
export interface MetricDefinition {
  /** Metric name, e.g. `ml.inference.duration`. */
  readonly name: string;
  /** Instrument kind. */
  readonly instrument: Instrument;
  /** UCUM unit, e.g. `s`, `1`, `{prediction}`. */
  readonly unit: string;
  /** One-line description (use it as the instrument description). */
  readonly brief: string;
  /** Longer explanation, if any. */
  readonly note?: string;
  /** Attributes the metric's data points carry. */
  readonly attributes: readonly AttributeUse[];
  /** Instrument advice, if any. */
  readonly advice?: MetricAdvice;
}

/** An event (a log record with an event name) as defined in the registry. */
export interface EventDefinition {
  /** Event name, e.g. `ml.prediction`. */
  readonly name: string;
  /** One-line description. */
  readonly brief: string;
  /** Longer explanation, if any. */
  readonly note?: string;
  /** Attributes the event's log record carries. */
  readonly attributes: readonly AttributeUse[];
}
