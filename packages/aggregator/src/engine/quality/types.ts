/**
 * The shape of `GET /api/v1/models/{model}/quality`.
 *
 * @module
 */
import type { AdwinChange } from './adwin.js';
import type { AccuracyEstimate, CalibrationReport } from './calibration.js';

/** Correct / total of some set of joined predictions. */
export interface AccuracyValue {
  /** correct / count; null when count is 0. */
  value: number | null;
  correct: number;
  count: number;
}

/** Accuracy of one segment (predictions made within the window). */
export interface SegmentAccuracy extends AccuracyValue {
  segment: string;
}

/** One slot of the prediction-time window. */
export interface SlotAccuracy extends AccuracyValue {
  /** Start of the slot, ISO 8601. */
  start: string;
}

/** Confusion matrix: `counts[i][j]` = predictions whose true label is `labels[i]` and predicted label `labels[j]`. */
export interface ConfusionMatrix {
  labels: string[];
  counts: number[][];
}

/** Scores of one class from the window's confusion matrix; null when undefined (0/0). */
export interface ClassScores {
  label: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** Joined predictions whose true label is this class. */
  support: number;
  /** Joined predictions that predicted this class. */
  predicted: number;
}

/** Regression errors (error = predicted - true, so a positive bias over-predicts). */
export interface RegressionErrors {
  count: number;
  mae: number | null;
  rmse: number | null;
  /** Mean error. */
  bias: number | null;
}

/** Regression errors of one segment. */
export interface SegmentErrors extends RegressionErrors {
  segment: string;
}

/**
 * What happened to predictions and labels in the join, since start.
 * Invariants: predictions = pending + labeled + expired + evicted;
 * labels = labeled + relabeled + unmatched + waitingLabels (labels that
 * arrived before their prediction, still within the grace period).
 */
export interface Coverage {
  /** Distinct sampled predictions received (`ml.prediction` events). */
  predictions: number;
  /** Prediction events with an id already known (client retries, replays), ignored. */
  duplicatePredictions: number;
  /** Ground-truth events received. */
  labels: number;
  /** Predictions joined with a first label. */
  labeled: number;
  /** Predictions waiting for ground truth now. */
  pending: number;
  /** Predictions that waited past the TTL. */
  expired: number;
  /** Predictions dropped because the pending bound was reached. */
  evicted: number;
  /** Labels that replaced an earlier label of the same prediction. */
  relabeled: number;
  /** Labels whose prediction never arrived (within the grace period), expired, or was forgotten. */
  unmatched: number;
  /** Labels that arrived before their prediction and are still waiting for it. */
  waitingLabels: number;
  /** labeled / predictions; null without predictions. */
  labeledRatio: number | null;
}

/** State of the change detector on the 0/1 correctness stream. */
export interface ChangeDetection {
  method: 'adwin';
  delta: number;
  /** Direction of the last detected change, `stable` when none was detected. */
  state: 'stable' | 'drop' | 'rise';
  /** Labels in ADWIN's current window and their accuracy. */
  windowLength: number;
  windowAccuracy: number | null;
  changes: number;
  drops: number;
  /** The last change; `at` counts labels since start, `time` is the label arrival (ISO 8601). */
  lastChange: (AdwinChange & { time: string }) | null;
}

/** The quality report of one model. */
export interface QualityReport {
  task: 'classification' | 'regression';
  /** ISO 8601 time of the report. */
  evaluatedAt: string;
  /** The time-keyed window: predictions made in [start, end), their labels as they arrive. */
  window: { start: string; end: string; seconds: number; slotSeconds: number; keyedBy: 'prediction_time' };
  /** Classification only. */
  accuracy?: {
    /** Predictions made within the window. */
    window: AccuracyValue;
    /** The last `size` labels to arrive. */
    rolling: AccuracyValue & { size: number };
    /** Every joined prediction since start (relabels replace). */
    lifetime: AccuracyValue;
    bySegment: SegmentAccuracy[];
    /** Per slot of the window, oldest first (slots without labels omitted). */
    timeline: SlotAccuracy[];
  };
  /** Classification only: over the window. */
  confusionMatrix?: ConfusionMatrix;
  classes?: ClassScores[];
  /** Regression only. */
  errors?: {
    window: RegressionErrors;
    rolling: RegressionErrors & { size: number };
    lifetime: RegressionErrors;
    bySegment: SegmentErrors[];
  };
  /** Classification only: from confidences, before labels arrive. */
  estimatedAccuracy?: {
    /** All sampled predictions made within the window. */
    window: AccuracyEstimate;
    /** Predictions still waiting for their label. */
    pending: AccuracyEstimate;
  };
  calibration?: CalibrationReport;
  changeDetection?: ChangeDetection;
  coverage: Coverage;
  /** Why numbers are what they are when not obvious (bounds reached, no confidences, ...). */
  notes: string[];
}
