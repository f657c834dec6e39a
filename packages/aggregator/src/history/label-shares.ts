/**
 * History-only series: each predicted label's share of the model's current
 * window, so the dashboard can draw the label distribution over time. They are
 * not exported to `/metrics`: a backend computes the same shares from the
 * services' own `ml.predictions` counter.
 *
 * @module
 */
import { ATTR_ML_MODEL_NAME, ATTR_ML_PREDICTION_LABEL } from '@modelwatch/semconv';
import type { OutputSignal, PredictionDistributions } from '../engine/index.js';

/** The name of the history's label-share series (attribute `ml.prediction.label`). */
export const LABEL_SHARE_SIGNAL = 'ml.prediction.label_share';

/** What the label shares are read from (the engine). */
export interface PredictionSource {
  listModels(): ReadonlyArray<{ name: string }>;
  predictionDistributions(name: string): PredictionDistributions | undefined;
}

/** One signal per model and predicted label in the current window: its share of the predictions. */
export function labelShares(source: PredictionSource): OutputSignal[] {
  const out: OutputSignal[] = [];
  for (const { name } of source.listModels()) {
    const labels = source.predictionDistributions(name)?.labels;
    if (!labels) continue;
    const total = labels.current.reduce((a, b) => a + b, 0);
    if (total <= 0) continue;
    labels.categories.forEach((label, i) => {
      out.push({ name: LABEL_SHARE_SIGNAL, value: (labels.current[i] ?? 0) / total, attributes: { [ATTR_ML_MODEL_NAME]: name, [ATTR_ML_PREDICTION_LABEL]: label } });
    });
  }
  return out;
}
