/**
 * The monitor of one model: RED metrics, predicted labels, confidences or
 * regression outputs on every prediction; features for a traffic-adaptive
 * sample; `ml.prediction` / `ml.ground_truth` events for a hash-chosen sample.
 * @module
 */
import {
  context,
  metrics,
  ValueType,
  type Attributes,
  type BatchObservableCallback,
  type Histogram,
  type Meter,
  type Observable,
  type ObservableCounter,
  type ObservableUpDownCounter,
} from '@opentelemetry/api';
import { logs, type AnyValueMap, type Logger } from '@opentelemetry/api-logs';
import {
  ATTR_ERROR_TYPE,
  ATTR_ERROR_TYPE_VALUE_OTHER,
  ATTR_ML_GROUND_TRUTH_LABEL,
  ATTR_ML_GROUND_TRUTH_VALUE,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_OPERATION_NAME,
  ATTR_ML_PREDICTION_CONFIDENCE,
  ATTR_ML_PREDICTION_ID,
  ATTR_ML_PREDICTION_LABEL,
  ATTR_ML_PREDICTION_VALUE,
  ATTR_ML_SEGMENT,
  ATTR_ML_FEATURE_SIGN,
  ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE,
  CONFIDENCE_BUCKETS,
  EVENT_ML_GROUND_TRUTH,
  EVENT_ML_PREDICTION,
  LATENCY_BUCKETS,
  METRICS,
  METRIC_ML_FEATURE_MISSING,
  METRIC_ML_FEATURE_OBSERVATIONS,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_ACTIVE_REQUESTS,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_CONFIDENCE,
  METRIC_ML_PREDICTION_VALUE,
} from '@modelwatch/semconv';
import { FeatureSampler } from '../sampling/feature-sampler.js';
import { predictionIdHash } from '../sampling/prediction-hash.js';
import { createPredictionIdGenerator } from '../sampling/prediction-id.js';
import { SCOPE_NAME, SCOPE_VERSION } from '../scope.js';
import { BoundedCounts } from './bounded-counts.js';
import { errorTypeOf } from './error-type.js';
import { FeatureRecorder, type FeatureVector } from './feature-recorder.js';
import { validateOptions, type ModelMonitorOptions, type PredictionRecord, type RecordResult } from './options.js';
import { ReportOnce } from './report-once.js';

/** What the `prediction` extractor of {@link ModelMonitor.observe} may return. */
export type ObservedPrediction = Pick<PredictionRecord, 'label' | 'confidence' | 'value' | 'predictionId' | 'segment'>;

/** Options of {@link ModelMonitor.observe}. */
export interface ObserveOptions<A extends unknown[], R> {
  /** Extracts the features from the call's arguments; called only for sampled predictions. */
  features?: (...args: A) => PredictionRecord['features'];
  /** Extracts label/confidence/value (and optionally id and segment) from the result. */
  prediction?: (result: Awaited<R>, ...args: A) => ObservedPrediction | undefined;
  /** Called after each successful recording, e.g. to hand sampled predictions to a review queue. */
  onRecord?: (recorded: RecordResult, result: Awaited<R>, ...args: A) => void;
}

const EMPTY: Attributes = Object.freeze({});
/** Distinct `error.type` values kept before further ones are recorded as `_OTHER`. */
const MAX_ERROR_TYPES = 64;

function meta(name: keyof typeof METRICS): { unit: string; description: string } {
  const m = METRICS[name];
  return { unit: m.unit, description: m.brief };
}

/**
 * Monitors one model through the OpenTelemetry API. Construction validates the
 * options and throws; recording never throws into the caller.
 *
 * Signals: `ml.inference.duration` (with `error.type` on failure),
 * `ml.inference.active_requests`, `ml.predictions` (by `ml.prediction.label`),
 * `ml.prediction.confidence` or `ml.prediction.value`, and for sampled
 * predictions `ml.feature.value`, `ml.feature.observations`, `ml.feature.missing`.
 */
export class ModelMonitor {
  private readonly task: 'classification' | 'regression';
  private readonly now: () => number;
  private readonly report: ReportOnce;
  private readonly meter: Meter;
  private readonly logger: Logger;

  private readonly duration: Histogram;
  private readonly confidence: Histogram;
  private readonly value: Histogram;
  private readonly predictionsCounter: ObservableCounter;
  private readonly observationsCounter: ObservableCounter;
  private readonly missingCounter: ObservableCounter;
  private readonly activeCounter: ObservableUpDownCounter;
  private readonly callback: BatchObservableCallback;

  /** Model identity + operation: RED metrics and prediction counts. */
  private readonly redAttributes: Attributes;
  /** Model identity only: confidence, value and feature points. */
  private readonly identityAttributes: Attributes;
  private readonly negativeValueAttributes: Attributes;
  /** Attributes copied onto every event. */
  private readonly eventBase: Readonly<AnyValueMap>;
  private readonly errorAttributes = new Map<string, Attributes>();

  private readonly labels: BoundedCounts;
  /** Predictions without a label (regression, or a classifier that gave none). */
  private readonly unlabeled: { attributes: Attributes; count: number };
  private readonly features: FeatureRecorder;
  private readonly sampler: FeatureSampler;
  private readonly nextId: () => string;
  private groundTruthRate: number;
  private active = 0;
  private closed = false;

  /** @throws TypeError naming every bad option. */
  constructor(options: ModelMonitorOptions) {
    validateOptions(options);
    this.task = options.task;
    this.now = options.now ?? (() => performance.now());
    this.report = new ReportOnce(`modelwatch[${options.model.name}]`);
    this.groundTruthRate = options.groundTruthSampleRate ?? 0.1;
    this.nextId = createPredictionIdGenerator();
    const sampling = options.featureSampling ?? {};
    this.sampler = new FeatureSampler({
      ...('rate' in sampling ? { rate: sampling.rate } : { targetPerSecond: sampling.targetPerSecond ?? 20 }),
      now: this.now,
      ...(options.random ? { random: options.random } : {}),
    });

    const identity: Record<string, string> = {};
    if ((options.modelIdentity ?? 'attributes') === 'attributes') {
      identity[ATTR_ML_MODEL_NAME] = options.model.name;
      if (options.model.version !== undefined) identity[ATTR_ML_MODEL_VERSION] = options.model.version;
    }
    this.identityAttributes = Object.keys(identity).length === 0 ? EMPTY : Object.freeze({ ...identity });
    this.redAttributes = options.operation === undefined
      ? this.identityAttributes
      : Object.freeze({ ...identity, [ATTR_ML_OPERATION_NAME]: options.operation });
    this.negativeValueAttributes = Object.freeze({ ...identity, [ATTR_ML_FEATURE_SIGN]: ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE });
    // Events carry the model identity even in 'resource' mode: they are rare
    // (the ground-truth sample), and a log pipeline may not share the metrics resource.
    this.eventBase = Object.freeze({
      [ATTR_ML_MODEL_NAME]: options.model.name,
      ...(options.model.version !== undefined ? { [ATTR_ML_MODEL_VERSION]: options.model.version } : {}),
      ...(options.operation !== undefined ? { [ATTR_ML_OPERATION_NAME]: options.operation } : {}),
    });

    const meterProvider = options.meterProvider ?? metrics.getMeterProvider();
    const loggerProvider = options.loggerProvider ?? logs.getLoggerProvider();
    this.meter = meterProvider.getMeter(SCOPE_NAME, SCOPE_VERSION);
    this.logger = loggerProvider.getLogger(SCOPE_NAME, SCOPE_VERSION);

    const m = this.meter;
    this.duration = m.createHistogram(METRIC_ML_INFERENCE_DURATION, {
      ...meta(METRIC_ML_INFERENCE_DURATION),
      advice: { explicitBucketBoundaries: [...LATENCY_BUCKETS] },
    });
    this.confidence = m.createHistogram(METRIC_ML_PREDICTION_CONFIDENCE, {
      ...meta(METRIC_ML_PREDICTION_CONFIDENCE),
      advice: { explicitBucketBoundaries: [...CONFIDENCE_BUCKETS] },
    });
    // Feature and regression values need the exponential-histogram view, which
    // the API cannot request (advice has explicit boundaries only); @modelwatch/node
    // installs it, and modelwatchViews() gives it to users of their own MeterProvider.
    this.value = m.createHistogram(METRIC_ML_PREDICTION_VALUE, meta(METRIC_ML_PREDICTION_VALUE));
    const featureHistogram = m.createHistogram(METRIC_ML_FEATURE_VALUE, meta(METRIC_ML_FEATURE_VALUE));
    this.predictionsCounter = m.createObservableCounter(METRIC_ML_PREDICTIONS, { ...meta(METRIC_ML_PREDICTIONS), valueType: ValueType.INT });
    this.observationsCounter = m.createObservableCounter(METRIC_ML_FEATURE_OBSERVATIONS, { ...meta(METRIC_ML_FEATURE_OBSERVATIONS), valueType: ValueType.INT });
    this.missingCounter = m.createObservableCounter(METRIC_ML_FEATURE_MISSING, { ...meta(METRIC_ML_FEATURE_MISSING), valueType: ValueType.INT });
    this.activeCounter = m.createObservableUpDownCounter(METRIC_ML_INFERENCE_ACTIVE_REQUESTS, { ...meta(METRIC_ML_INFERENCE_ACTIVE_REQUESTS), valueType: ValueType.INT });

    const red = this.redAttributes;
    this.labels = new BoundedCounts(options.maxLabels ?? 1000, (label) => Object.freeze({ ...red, [ATTR_ML_PREDICTION_LABEL]: label }));
    this.unlabeled = { attributes: red, count: 0 };
    this.features = new FeatureRecorder({
      schema: options.features,
      identity: this.identityAttributes,
      histogram: featureHistogram,
      maxCategories: options.maxCategories ?? 100,
      maxFeatures: options.maxFeatures ?? 256,
      report: this.report,
    });

    this.callback = (result) => {
      try {
        result.observe(this.activeCounter, this.active, red);
        if (this.unlabeled.count > 0) result.observe(this.predictionsCounter, this.unlabeled.count, red);
        this.labels.forEach((cell) => result.observe(this.predictionsCounter, cell.count, cell.attributes));
        this.features.forEach((f) => {
          if (f.missing > 0) result.observe(this.missingCounter, f.missing, f.attributes);
          if (f.kind === 'categorical') f.counts.forEach((cell) => result.observe(this.observationsCounter, cell.count, cell.attributes));
        });
      } catch (err) {
        this.report.error('collect', err);
      }
    };
    const observables: Observable[] = [this.activeCounter, this.predictionsCounter, this.observationsCounter, this.missingCounter];
    m.addBatchObservableCallback(this.callback, observables);
  }

  /**
   * Records one prediction the caller made and timed itself.
   * @returns the prediction id (given or generated) and whether it is in the
   *   ground-truth sample. Never throws; bad values are reported through `diag`.
   */
  record(p: PredictionRecord): RecordResult {
    if (typeof p !== 'object' || p === null) {
      this.report.warn('record:arg', `record() needs a prediction object, got ${p === null ? 'null' : typeof p}`);
      return { predictionId: '', sampled: false };
    }
    try {
      return this.recordPrediction(p, p.features, undefined, undefined);
    } catch (err) {
      this.report.error('record', err);
      return { predictionId: typeof p.predictionId === 'string' ? p.predictionId : '', sampled: false };
    }
  }

  /**
   * Wraps a predict function (sync or async) so every call records its duration,
   * errors, active requests, prediction and (sampled) features. The wrapper
   * returns and throws exactly what `fn` does.
   */
  observe<A extends unknown[], R>(fn: (...args: A) => R, opts: ObserveOptions<A, R> = {}): (...args: A) => R {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the wrapper keeps the caller's `this` for fn
    const monitor = this;
    return function observed(this: unknown, ...args: A): R {
      const start = monitor.now();
      monitor.active++;
      let result: R;
      try {
        result = fn.apply(this, args);
      } catch (err) {
        monitor.active--;
        monitor.finishError(err, start);
        throw err;
      }
      if (isPromiseLike(result)) {
        return result.then(
          (value) => {
            monitor.active--;
            monitor.finishOk(value as Awaited<R>, args, start, opts);
            return value;
          },
          (err: unknown) => {
            monitor.active--;
            monitor.finishError(err, start);
            throw err;
          },
        ) as R;
      }
      monitor.active--;
      monitor.finishOk(result as Awaited<R>, args, start, opts);
      return result;
    };
  }

  /**
   * Sends ground truth for an earlier prediction as an `ml.ground_truth` event,
   * if that prediction is in the ground-truth sample (decided from its id, so
   * any replica agrees). Never throws.
   * @returns whether the event was emitted
   */
  feedback(predictionId: string, truth: string | number): boolean {
    try {
      if (typeof predictionId !== 'string' || predictionId === '') {
        this.report.warn('feedback:id', `feedback() needs a non-empty prediction id, got ${typeof predictionId}`);
        return false;
      }
      if (!this.isSampled(predictionId)) return false;
      const attributes: AnyValueMap = { ...this.eventBase, [ATTR_ML_PREDICTION_ID]: predictionId };
      if (this.task === 'classification') {
        if (typeof truth !== 'string' && typeof truth !== 'number') {
          this.report.warn('feedback:label', `feedback() needs a string or number label, got ${typeof truth}`);
          return false;
        }
        attributes[ATTR_ML_GROUND_TRUTH_LABEL] = String(truth);
      } else {
        if (typeof truth !== 'number' || !Number.isFinite(truth)) {
          this.report.warn('feedback:value', `feedback() of a regression model needs a finite number, got ${String(truth)}`);
          return false;
        }
        attributes[ATTR_ML_GROUND_TRUTH_VALUE] = truth;
      }
      this.logger.emit({ eventName: EVENT_ML_GROUND_TRUTH, attributes, context: context.active() });
      return true;
    } catch (err) {
      this.report.error('feedback', err);
      return false;
    }
  }

  /** Whether a prediction id is in the ground-truth sample at the current rate. */
  isSampled(predictionId: string): boolean {
    const rate = this.groundTruthRate;
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    return predictionIdHash(predictionId) < rate;
  }

  /**
   * Changes the ground-truth sample rate at run time. Predictions sampled at
   * the old rate whose feedback arrives after a decrease are not joined; keep
   * every replica at the same rate.
   * @throws TypeError when `rate` is not in [0, 1]
   */
  setGroundTruthSampleRate(rate: number): void {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new TypeError(`groundTruthSampleRate: received ${String(rate)}, expected a number in [0, 1]`);
    }
    this.groundTruthRate = rate;
  }

  /**
   * Counts one request in `ml.inference.active_requests` until the returned
   * function is called (idempotent), for callers that time inference themselves.
   */
  startRequest(): () => void {
    this.active++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
    };
  }

  /** The current feature sampling probability (adaptive mode changes it with traffic). */
  get featureSampleRate(): number {
    return this.sampler.rate;
  }

  /**
   * Stops reporting the observable counts of this monitor (for a model that is
   * unloaded). Recording afterwards is a no-op.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.meter.removeBatchObservableCallback(this.callback, [this.activeCounter, this.predictionsCounter, this.observationsCounter, this.missingCounter]);
  }

  private finishOk<A extends unknown[], R>(result: Awaited<R>, args: A, start: number, opts: ObserveOptions<A, R>): void {
    try {
      const durationSeconds = (this.now() - start) / 1000;
      let prediction: ObservedPrediction | undefined;
      if (opts.prediction !== undefined) {
        try {
          prediction = opts.prediction(result, ...args);
        } catch (err) {
          this.report.warn('observe:prediction', `the prediction extractor threw (${errorTypeOf(err)}); recorded without a prediction`);
        }
      }
      const extract = opts.features;
      const recorded = this.recordPrediction(
        prediction ?? {},
        undefined,
        extract === undefined ? undefined : () => extract(...args),
        durationSeconds,
      );
      if (opts.onRecord !== undefined) {
        try {
          opts.onRecord(recorded, result, ...args);
        } catch (err) {
          this.report.warn('observe:onRecord', `the onRecord callback threw (${errorTypeOf(err)})`);
        }
      }
    } catch (err) {
      this.report.error('observe', err);
    }
  }

  private finishError(error: unknown, start: number): void {
    try {
      if (!this.closed) this.duration.record((this.now() - start) / 1000, this.errorAttributesFor(error));
    } catch (err) {
      this.report.error('observe', err);
    }
  }

  /**
   * The hot path. `features` is given by record(); observe() passes a thunk
   * instead so the user's extractor runs only for sampled predictions.
   */
  private recordPrediction(
    p: PredictionRecord,
    features: FeatureVector | undefined,
    extractFeatures: (() => FeatureVector | undefined) | undefined,
    observedDuration: number | undefined,
  ): RecordResult {
    const durationSeconds = observedDuration ?? p.durationSeconds;
    if (this.closed) return { predictionId: p.predictionId ?? '', sampled: false };
    if (p.error !== undefined) {
      if (durationSeconds !== undefined) this.recordDuration(durationSeconds, this.errorAttributesFor(p.error));
      return { predictionId: p.predictionId ?? this.nextId(), sampled: false };
    }
    if (durationSeconds !== undefined) this.recordDuration(durationSeconds, this.redAttributes);

    const label = p.label;
    if (label !== undefined) {
      if (typeof label === 'string' || (typeof label === 'number' && label === label)) this.labels.cell(label).count++;
      else {
        this.report.warn('label', `label must be a string or a number, got ${typeof label}`);
        this.unlabeled.count++;
      }
    } else this.unlabeled.count++;

    const confidence = p.confidence;
    if (confidence !== undefined) {
      if (typeof confidence === 'number' && confidence >= 0 && confidence <= 1) this.confidence.record(confidence, this.identityAttributes);
      else this.report.warn('confidence', `confidence must be a number in [0, 1], got ${String(confidence)}; not recorded`);
    }
    const value = p.value;
    if (value !== undefined) {
      if (typeof value === 'number' && Number.isFinite(value)) {
        if (value >= 0) this.value.record(value, this.identityAttributes);
        else this.value.record(-value, this.negativeValueAttributes);
      } else this.report.warn('value', `value must be a finite number, got ${String(value)}; not recorded`);
    }

    if (this.sampler.sample()) {
      const vector = features ?? this.extract(extractFeatures);
      if (vector !== undefined && vector !== null) {
        if (typeof vector === 'object') this.features.record(vector);
        else this.report.warn('features', `features must be an object, got ${typeof vector}`);
      }
    }

    const predictionId = p.predictionId ?? this.nextId();
    const sampled = this.isSampled(predictionId);
    if (sampled) this.emitPrediction(predictionId, p);
    return { predictionId, sampled };
  }

  private extract(extractFeatures: (() => FeatureVector | undefined) | undefined): FeatureVector | undefined {
    if (extractFeatures === undefined) return undefined;
    try {
      return extractFeatures();
    } catch (err) {
      this.report.warn('observe:features', `the features extractor threw (${errorTypeOf(err)}); features not recorded`);
      return undefined;
    }
  }

  private recordDuration(seconds: number, attributes: Attributes): void {
    if (typeof seconds === 'number' && seconds >= 0 && seconds !== Number.POSITIVE_INFINITY) this.duration.record(seconds, attributes);
    else this.report.warn('duration', `durationSeconds must be a finite number >= 0, got ${String(seconds)}; not recorded`);
  }

  private errorAttributesFor(error: unknown): Attributes {
    const type = errorTypeOf(error);
    let attributes = this.errorAttributes.get(type);
    if (attributes === undefined) {
      // Bounded: a caller putting messages or ids in error codes must not grow the cache or the series.
      const bounded = this.errorAttributes.size < MAX_ERROR_TYPES ? type : ATTR_ERROR_TYPE_VALUE_OTHER;
      attributes = this.errorAttributes.get(bounded) ?? Object.freeze({ ...this.redAttributes, [ATTR_ERROR_TYPE]: bounded });
      if (this.errorAttributes.size < MAX_ERROR_TYPES || bounded === ATTR_ERROR_TYPE_VALUE_OTHER) this.errorAttributes.set(bounded, attributes);
    }
    return attributes;
  }

  private emitPrediction(predictionId: string, p: PredictionRecord): void {
    const attributes: AnyValueMap = { ...this.eventBase, [ATTR_ML_PREDICTION_ID]: predictionId };
    if (p.label !== undefined) attributes[ATTR_ML_PREDICTION_LABEL] = String(p.label);
    if (typeof p.value === 'number' && Number.isFinite(p.value)) attributes[ATTR_ML_PREDICTION_VALUE] = p.value;
    if (typeof p.confidence === 'number' && p.confidence >= 0 && p.confidence <= 1) attributes[ATTR_ML_PREDICTION_CONFIDENCE] = p.confidence;
    if (typeof p.segment === 'string') attributes[ATTR_ML_SEGMENT] = p.segment;
    this.logger.emit({ eventName: EVENT_ML_PREDICTION, attributes, context: context.active() });
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
