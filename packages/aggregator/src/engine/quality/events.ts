/**
 * Reading `ml.prediction` and `ml.ground_truth` events out of decoded OTLP
 * log records.
 *
 * @module
 */
import {
  ATTR_EVENT_NAME,
  ATTR_ML_GROUND_TRUTH_LABEL,
  ATTR_ML_GROUND_TRUTH_VALUE,
  ATTR_ML_PREDICTION_CONFIDENCE,
  ATTR_ML_PREDICTION_ID,
  ATTR_ML_PREDICTION_LABEL,
  ATTR_ML_PREDICTION_VALUE,
  ATTR_ML_SEGMENT,
  EVENT_ML_GROUND_TRUTH,
  EVENT_ML_PREDICTION,
} from '@modelwatch/semconv';

/** The fields of a decoded log record this module reads (a subset of the receiver's `LogRecord`). */
export interface LogRecordIn {
  attributes: Readonly<Record<string, unknown>>;
  /** `event_name`; '' or absent when the record is not an event (older SDKs put it in the `event.name` attribute). */
  eventName?: string;
  /** Event time, ns since epoch; 0n when unset. */
  timeUnixNano?: bigint;
  /** Time the SDK observed the record, ns since epoch; 0n when unset. */
  observedTimeUnixNano?: bigint;
}

/** A sampled prediction. */
export interface PredictionEvent {
  id: string;
  /** Prediction time, epoch ms (never after the time it was received). */
  time: number;
  /** Predicted class (classification). */
  label?: string;
  /** Predicted value (regression). */
  value?: number;
  /** Stated confidence in [0, 1]. */
  confidence?: number;
  segment?: string;
}

/** Ground truth for an earlier prediction. */
export interface GroundTruthEvent {
  id: string;
  /** True class (classification). */
  label?: string;
  /** True value (regression). */
  value?: number;
}

/** What a log record is to the ground-truth join. */
export type QualityEvent =
  | { kind: 'prediction'; event: PredictionEvent }
  | { kind: 'ground_truth'; event: GroundTruthEvent }
  | { kind: 'invalid'; reason: string }
  | { kind: 'other' };

/** The event name of a record: `eventName`, else the `event.name` attribute, else ''. */
export function eventNameOf(rec: LogRecordIn): string {
  if (rec.eventName) return rec.eventName;
  const a = rec.attributes[ATTR_EVENT_NAME];
  return typeof a === 'string' ? a : '';
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}

function nanosToMs(n: bigint | undefined): number {
  return n !== undefined && n > 0n ? Number(n / 1_000_000n) : 0;
}

/**
 * Classifies a log record received at `now` (epoch ms). The prediction time is
 * the record's time, else its observed time, else `now`, and never later than
 * `now` (a sender clock ahead of ours must not create future slots).
 */
export function readQualityEvent(rec: LogRecordIn, now: number): QualityEvent {
  const name = eventNameOf(rec);
  if (name !== EVENT_ML_PREDICTION && name !== EVENT_ML_GROUND_TRUTH) return { kind: 'other' };
  const a = rec.attributes;
  const id = str(a[ATTR_ML_PREDICTION_ID]);
  if (id === undefined || id === '') return { kind: 'invalid', reason: `${name} event has no ${ATTR_ML_PREDICTION_ID}` };
  if (name === EVENT_ML_PREDICTION) {
    const t = nanosToMs(rec.timeUnixNano) || nanosToMs(rec.observedTimeUnixNano) || now;
    const event: PredictionEvent = { id, time: Math.min(t, now) };
    const label = str(a[ATTR_ML_PREDICTION_LABEL]);
    if (label !== undefined) event.label = label;
    const value = num(a[ATTR_ML_PREDICTION_VALUE]);
    if (value !== undefined) event.value = value;
    const confidence = num(a[ATTR_ML_PREDICTION_CONFIDENCE]);
    if (confidence !== undefined) event.confidence = confidence;
    const segment = str(a[ATTR_ML_SEGMENT]);
    if (segment !== undefined && segment !== '') event.segment = segment;
    return { kind: 'prediction', event };
  }
  const event: GroundTruthEvent = { id };
  const label = str(a[ATTR_ML_GROUND_TRUTH_LABEL]);
  if (label !== undefined) event.label = label;
  const value = num(a[ATTR_ML_GROUND_TRUTH_VALUE]);
  if (value !== undefined) event.value = value;
  return { kind: 'ground_truth', event };
}
