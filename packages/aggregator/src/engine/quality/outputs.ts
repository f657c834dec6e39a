/**
 * A quality report as gauges with semantic-convention names, for the
 * exporters.
 *
 * @module
 */
import {
  ATTR_ML_GROUND_TRUTH_LABEL,
  ATTR_ML_GROUND_TRUTH_OUTCOME,
  ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_EVICTED,
  ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_EXPIRED,
  ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_JOINED,
  ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_RELABELED,
  ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_UNMATCHED,
  ATTR_ML_PREDICTION_LABEL,
  ATTR_ML_SEGMENT,
  METRIC_ML_ACCURACY,
  METRIC_ML_ACCURACY_SAMPLE_COUNT,
  METRIC_ML_ACCURACY_CHANGE,
  METRIC_ML_ACCURACY_ESTIMATED,
  METRIC_ML_ACCURACY_ROLLING,
  METRIC_ML_CLASSIFICATION_F1,
  METRIC_ML_CLASSIFICATION_PRECISION,
  METRIC_ML_CLASSIFICATION_RECALL,
  METRIC_ML_REGRESSION_BIAS,
  METRIC_ML_REGRESSION_MAE,
  METRIC_ML_REGRESSION_RMSE,
  METRIC_ML_CALIBRATION_ERROR,
  METRIC_ML_CONFUSION_MATRIX,
  METRIC_ML_GROUND_TRUTH_LABELS,
  METRIC_ML_GROUND_TRUTH_PENDING,
} from '@modelwatch/semconv';
import type { OutputSignal } from '../types.js';
import type { QualityReport } from './types.js';

type Attrs = OutputSignal['attributes'];

/**
 * Appends the gauges of a quality report to `out`, each with `base`
 * (model name and version) plus its own attributes. `ml.ground_truth.labels`
 * carries the cumulative counts since start (a counter's value).
 */
export function qualityOutputs(report: QualityReport, base: Attrs, out: OutputSignal[] = []): OutputSignal[] {
  const push = (name: string, value: number | null | undefined, extra: Attrs = {}): void => {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    out.push({ name, value, attributes: { ...base, ...extra } });
  };
  const cov = report.coverage;
  push(METRIC_ML_GROUND_TRUTH_PENDING, cov.pending);
  push(METRIC_ML_GROUND_TRUTH_LABELS, cov.labeled, { [ATTR_ML_GROUND_TRUTH_OUTCOME]: ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_JOINED });
  push(METRIC_ML_GROUND_TRUTH_LABELS, cov.unmatched, { [ATTR_ML_GROUND_TRUTH_OUTCOME]: ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_UNMATCHED });
  push(METRIC_ML_GROUND_TRUTH_LABELS, cov.expired, { [ATTR_ML_GROUND_TRUTH_OUTCOME]: ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_EXPIRED });
  push(METRIC_ML_GROUND_TRUTH_LABELS, cov.evicted, { [ATTR_ML_GROUND_TRUTH_OUTCOME]: ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_EVICTED });
  push(METRIC_ML_GROUND_TRUTH_LABELS, cov.relabeled, { [ATTR_ML_GROUND_TRUTH_OUTCOME]: ATTR_ML_GROUND_TRUTH_OUTCOME_VALUE_RELABELED });
  if (report.accuracy) {
    push(METRIC_ML_ACCURACY, report.accuracy.window.value);
    push(METRIC_ML_ACCURACY_SAMPLE_COUNT, report.accuracy.window.count);
    for (const s of report.accuracy.bySegment) {
      push(METRIC_ML_ACCURACY, s.value, { [ATTR_ML_SEGMENT]: s.segment });
      push(METRIC_ML_ACCURACY_SAMPLE_COUNT, s.count, { [ATTR_ML_SEGMENT]: s.segment });
    }
    push(METRIC_ML_ACCURACY_ROLLING, report.accuracy.rolling.value);
  }
  if (report.changeDetection) {
    const state = report.changeDetection.state;
    push(METRIC_ML_ACCURACY_CHANGE, state === 'drop' ? -1 : state === 'rise' ? 1 : 0);
  }
  for (const c of report.classes ?? []) {
    const label = { [ATTR_ML_PREDICTION_LABEL]: c.label };
    push(METRIC_ML_CLASSIFICATION_PRECISION, c.precision, label);
    push(METRIC_ML_CLASSIFICATION_RECALL, c.recall, label);
    push(METRIC_ML_CLASSIFICATION_F1, c.f1, label);
  }
  if (report.errors) {
    const regression = [[report.errors.window, {}] as const, ...report.errors.bySegment.map((e) => [e, { [ATTR_ML_SEGMENT]: e.segment }] as const)];
    for (const [e, extra] of regression) {
      push(METRIC_ML_REGRESSION_MAE, e.mae, extra);
      push(METRIC_ML_REGRESSION_RMSE, e.rmse, extra);
      push(METRIC_ML_REGRESSION_BIAS, e.bias, extra);
    }
  }
  if (report.confusionMatrix) {
    const { labels, counts } = report.confusionMatrix;
    counts.forEach((row, i) =>
      row.forEach((n, j) => {
        if (n > 0) push(METRIC_ML_CONFUSION_MATRIX, n, { [ATTR_ML_GROUND_TRUTH_LABEL]: labels[i] as string, [ATTR_ML_PREDICTION_LABEL]: labels[j] as string });
      }),
    );
  }
  push(METRIC_ML_ACCURACY_ESTIMATED, report.estimatedAccuracy?.window.value);
  push(METRIC_ML_CALIBRATION_ERROR, report.calibration?.ece);
  return out;
}
