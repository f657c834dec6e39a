/**
 * Calibration of stated confidence against ground truth, and accuracy
 * estimated from confidence before labels arrive.
 *
 * Counts are kept per confidence bucket (CONFIDENCE_BUCKETS of the semantic
 * conventions: bucket k covers (bounds[k-1], bounds[k]], the OTel explicit
 * bucket rule). The accuracy of a bucket is learned from joined samples and
 * shrunk towards a prior so that sparse buckets do not swing the estimate:
 *
 *   acc_k = (correct_k + m * prior_k) / (n_k + m),
 *   prior_k = clamp(meanConfidence_k + (accuracy - meanConfidence), 0, 1),
 *
 * i.e. an empty bucket is assumed to be off by the model-wide gap between
 * accuracy and confidence (an over-confident model is over-confident
 * everywhere, to first order), and `m` pseudo-samples (the prior strength)
 * weigh that guess against the bucket's own labels.
 *
 * @module
 */
import { CONFIDENCE_BUCKETS } from '@modelwatch/semconv';

/** Bucket bounds used for calibration: the semantic conventions' confidence buckets. */
export const CALIBRATION_BOUNDS: readonly number[] = CONFIDENCE_BUCKETS;

/** Number of buckets over {@link CALIBRATION_BOUNDS} (bounds + 1). */
export const CALIBRATION_BUCKETS = CALIBRATION_BOUNDS.length + 1;

/** The bucket of a confidence in [0, 1]: the first k with c <= bounds[k], else the last bucket. */
export function confidenceBucket(c: number, bounds: readonly number[] = CALIBRATION_BOUNDS): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c <= (bounds[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Per-bucket counts of predictions: how many, and the sum of their confidences. */
export class ConfidenceCounts {
  readonly counts: Float64Array;
  readonly sums: Float64Array;

  constructor(readonly buckets = CALIBRATION_BUCKETS) {
    this.counts = new Float64Array(buckets);
    this.sums = new Float64Array(buckets);
  }

  /** Adds (sign 1) or removes (sign -1) one prediction of confidence c in bucket b. */
  add(b: number, c: number, sign: 1 | -1 = 1): void {
    this.counts[b] = (this.counts[b] as number) + sign;
    this.sums[b] = (this.sums[b] as number) + sign * c;
  }

  /** Adds another set of counts into this one. */
  merge(o: ConfidenceCounts): void {
    for (let k = 0; k < this.buckets; k++) {
      this.counts[k] = (this.counts[k] as number) + (o.counts[k] as number);
      this.sums[k] = (this.sums[k] as number) + (o.sums[k] as number);
    }
  }

  /** Total predictions. */
  get total(): number {
    let n = 0;
    for (const v of this.counts) n += v;
    return n;
  }

  /**
   * Counts from an `ml.prediction.confidence` histogram (all traffic, not
   * only the ground-truth sample). Confidence sums are unknown there, so each
   * bucket's predictions are taken at the bucket's midpoint: the calibrated
   * estimate is unaffected when every bucket has joined samples (it uses
   * their accuracy), the uncalibrated mean is off by at most half a bucket.
   * @returns null when the bounds are not {@link CALIBRATION_BOUNDS} or counts do not fit them
   */
  static fromHistogram(bounds: readonly number[], counts: readonly number[]): ConfidenceCounts | null {
    if (bounds.length !== CALIBRATION_BOUNDS.length || counts.length !== CALIBRATION_BUCKETS) return null;
    for (let k = 0; k < bounds.length; k++) if (bounds[k] !== CALIBRATION_BOUNDS[k]) return null;
    const c = new ConfidenceCounts();
    for (let k = 0; k < CALIBRATION_BUCKETS; k++) {
      const n = counts[k] as number;
      if (!(Number.isFinite(n) && n >= 0)) return null;
      const [lo, hi] = bucketEdges(k, CALIBRATION_BOUNDS);
      c.counts[k] = n;
      c.sums[k] = (n * (lo + hi)) / 2;
    }
    return c;
  }

  /** JSON form: [counts, sums]. */
  toJSON(): [number[], number[]] {
    return [Array.from(this.counts), Array.from(this.sums)];
  }

  /** Counts from their JSON form. */
  static from(j: [number[], number[]], buckets = CALIBRATION_BUCKETS): ConfidenceCounts {
    const c = new ConfidenceCounts(buckets);
    j[0].forEach((v, k) => {
      if (k < buckets) c.counts[k] = v;
    });
    j[1].forEach((v, k) => {
      if (k < buckets) c.sums[k] = v;
    });
    return c;
  }
}

/** Joined samples per bucket: counts, confidence sums and how many were correct. */
export class CalibrationCounts extends ConfidenceCounts {
  readonly correct: Float64Array;

  constructor(buckets = CALIBRATION_BUCKETS) {
    super(buckets);
    this.correct = new Float64Array(buckets);
  }

  /** Adds (sign 1) or removes (sign -1) one joined sample. */
  addSample(b: number, c: number, correct: boolean, sign: 1 | -1 = 1): void {
    this.add(b, c, sign);
    if (correct) this.correct[b] = (this.correct[b] as number) + sign;
  }
}

/** One point of the reliability curve. */
export interface ReliabilityBin {
  /** Bucket (lower, upper] of stated confidence. */
  lower: number;
  upper: number;
  /** Joined samples in the bucket. */
  count: number;
  /** Mean stated confidence of those samples; null when empty. */
  meanConfidence: number | null;
  /** Share of them that were correct; null when empty. */
  accuracy: number | null;
  /** The shrunk accuracy used for estimation (see the module documentation). */
  calibratedAccuracy: number;
}

/** Calibration learned from joined samples. */
export interface CalibrationReport {
  /** Joined samples with a confidence the calibration was learned from. */
  samples: number;
  /** Expected calibration error: sum over buckets of (n_k / n) |accuracy_k - meanConfidence_k|; null without samples. */
  ece: number | null;
  /** Largest |accuracy_k - meanConfidence_k| over non-empty buckets; null without samples. */
  maxCalibrationError: number | null;
  /** Accuracy and mean confidence of all samples; null without samples. */
  accuracy: number | null;
  meanConfidence: number | null;
  /** Pseudo-samples of the prior in each bucket. */
  priorStrength: number;
  bins: ReliabilityBin[];
}

/** Accuracy estimated from a confidence distribution. */
export interface AccuracyEstimate {
  /** Calibrated estimate: sum_k n_k acc_k / n. Null without predictions. */
  value: number | null;
  /** Mean stated confidence (what a perfectly calibrated model would score). Null without predictions. */
  uncalibrated: number | null;
  /** Predictions in the estimated population. */
  predictions: number;
  /** Joined samples behind the calibration; 0 means `value` equals `uncalibrated`. */
  calibrationSamples: number;
}

function bucketEdges(k: number, bounds: readonly number[]): [number, number] {
  return [k === 0 ? 0 : (bounds[k - 1] as number), k < bounds.length ? (bounds[k] as number) : 1];
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/**
 * The calibrated accuracy of every bucket. `population` supplies the mean
 * confidence of buckets without joined samples (else the bucket's midpoint).
 */
export function calibratedAccuracies(cal: CalibrationCounts, priorStrength: number, population?: ConfidenceCounts, bounds: readonly number[] = CALIBRATION_BOUNDS): number[] {
  let n = 0;
  let k = 0;
  let s = 0;
  for (let b = 0; b < cal.buckets; b++) {
    n += cal.counts[b] as number;
    k += cal.correct[b] as number;
    s += cal.sums[b] as number;
  }
  const gap = n > 0 ? (k - s) / n : 0;
  const out: number[] = [];
  for (let b = 0; b < cal.buckets; b++) {
    const nb = cal.counts[b] as number;
    const [lo, hi] = bucketEdges(b, bounds);
    const pc = population?.counts[b] ?? 0;
    const meanConf = nb > 0 ? (cal.sums[b] as number) / nb : pc > 0 ? (population?.sums[b] as number) / pc : (lo + hi) / 2;
    const prior = clamp01(meanConf + gap);
    out.push(nb + priorStrength > 0 ? ((cal.correct[b] as number) + priorStrength * prior) / (nb + priorStrength) : prior);
  }
  return out;
}

/** Reliability curve and calibration errors of the joined samples. */
export function calibrationReport(cal: CalibrationCounts, priorStrength: number, bounds: readonly number[] = CALIBRATION_BOUNDS): CalibrationReport {
  const acc = calibratedAccuracies(cal, priorStrength, undefined, bounds);
  let n = 0;
  let correct = 0;
  let sum = 0;
  let eceSum = 0;
  let mce: number | null = null;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < cal.buckets; b++) {
    const nb = cal.counts[b] as number;
    const [lower, upper] = bucketEdges(b, bounds);
    const meanConfidence = nb > 0 ? (cal.sums[b] as number) / nb : null;
    const accuracy = nb > 0 ? (cal.correct[b] as number) / nb : null;
    if (meanConfidence !== null && accuracy !== null) {
      const gap = Math.abs(accuracy - meanConfidence);
      eceSum += nb * gap;
      mce = Math.max(mce ?? 0, gap);
    }
    n += nb;
    correct += cal.correct[b] as number;
    sum += cal.sums[b] as number;
    bins.push({ lower, upper, count: nb, meanConfidence, accuracy, calibratedAccuracy: acc[b] as number });
  }
  return {
    samples: n,
    ece: n > 0 ? eceSum / n : null,
    maxCalibrationError: mce,
    accuracy: n > 0 ? correct / n : null,
    meanConfidence: n > 0 ? sum / n : null,
    priorStrength,
    bins,
  };
}

/**
 * Accuracy of a population of predictions estimated from their confidences:
 * each bucket's predictions are expected to be right at the bucket's
 * calibrated accuracy.
 */
export function estimateAccuracy(population: ConfidenceCounts, cal: CalibrationCounts, priorStrength: number, bounds: readonly number[] = CALIBRATION_BOUNDS): AccuracyEstimate {
  const acc = calibratedAccuracies(cal, priorStrength, population, bounds);
  let n = 0;
  let s = 0;
  let e = 0;
  for (let b = 0; b < population.buckets; b++) {
    const nb = population.counts[b] as number;
    n += nb;
    s += population.sums[b] as number;
    e += nb * (acc[b] as number);
  }
  const samples = cal.total;
  const uncalibrated = n > 0 ? s / n : null;
  return {
    value: n > 0 ? (samples > 0 ? e / n : uncalibrated) : null,
    uncalibrated,
    predictions: n,
    calibrationSamples: samples,
  };
}
