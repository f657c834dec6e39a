/**
 * Ground truth and model quality: the prediction / label join, accuracy
 * (window, rolling, by segment), confusion matrix and per-class scores,
 * regression errors, calibration and estimated accuracy, ADWIN change
 * detection and accuracy-SLO counts. Pure: `now` is always an argument.
 *
 * @packageDocumentation
 */
export { Adwin, ADWIN_DEFAULTS, type AdwinChange, type AdwinOptions, type AdwinSnapshot } from './adwin.js';
export {
  CALIBRATION_BOUNDS,
  CALIBRATION_BUCKETS,
  CalibrationCounts,
  ConfidenceCounts,
  calibratedAccuracies,
  calibrationReport,
  confidenceBucket,
  estimateAccuracy,
  type AccuracyEstimate,
  type CalibrationReport,
  type ReliabilityBin,
} from './calibration.js';
export { QUALITY_DEFAULTS, resolveQualitySettings, type QualityOptions, type QualitySettings } from './config.js';
export { eventNameOf, readQualityEvent, type GroundTruthEvent, type LogRecordIn, type PredictionEvent, type QualityEvent } from './events.js';
export { qualityOutputs } from './outputs.js';
export { QualityTracker, QUALITY_SNAPSHOT_FORMAT, type QualitySnapshot } from './tracker.js';
export type * from './types.js';
