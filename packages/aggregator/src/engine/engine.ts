/**
 * The engine: routes decoded OTLP to models, keeps their windows and
 * baselines, and evaluates drift, RED, SLOs and liveness. Pure: time is the
 * `now` argument (epoch ms), and nothing here does I/O.
 *
 * @module
 */
import {
  ATTR_ERROR_TYPE,
  ATTR_ML_FEATURE_CATEGORY,
  ATTR_ML_FEATURE_NAME,
  ATTR_ML_FEATURE_SIGN,
  ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE,
  ATTR_ML_MODEL_NAME,
  ATTR_ML_MODEL_VERSION,
  ATTR_ML_PREDICTION_LABEL,
  ATTR_ML_PREDICTION_VALUE,
  EVENT_ML_PREDICTION,
  ATTR_OTEL_METRIC_OVERFLOW,
  METRIC_ML_FEATURE_MISSING,
  METRIC_ML_FEATURE_OBSERVATIONS,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_CONFIDENCE,
  METRIC_ML_PREDICTION_VALUE,
  OTHER_CATEGORY,
} from '@modelwatch/semconv';
import { assertBaselineMatches, BASELINE_FORMAT, type Baseline, type FeatureBaseline } from './baseline.js';
import { resolveSettings } from './config.js';
import { evaluateDrift, evaluateRed, evaluateSlos, alignCounts, currentNumeric, referenceNumeric } from './evaluate.js';
import { ModelState, SCALAR, type ModelSnapshot } from './model.js';
import type { AttrMap, CountsIn, ExpPointIn, HistogramPointIn, IngestObserver, LogsIn, MetricHeaderIn, MetricsIn, NumberPointIn, PointIn, PointSink } from './otlp-input.js';
import { buildOutputs } from './outputs.js';
import { eventNameOf, qualityOutputs, type QualityReport } from './quality/index.js';
import { countAtOrBelow } from './red.js';
import type { Bucketed } from './measures.js';
import type { ExpHistogramData } from './histogram-data.js';
import type { SnapshotSection } from './window/exp-window.js';
import { ExplicitWindow } from './window/explicit-window.js';
import { CountWindow } from './window/count-window.js';
import type {
  Bin,
  EngineConfig,
  FeatureDistributions,
  PredictionDistributions,
  IngestResult,
  ModelConfig,
  ModelStatus,
  ModelSummary,
  DriftReport,
  OutputSignal,
} from './types.js';

/**
 * Format tag of an {@link EngineSnapshot} (v3): the windows judged on the
 * nested drift windows key their slots on the fine grid (each states its
 * `ratio`, see window/slot-grid.ts). With a section list, its exponential
 * windows refer to typed arrays in that list (see ExpWindowSnapshot); without
 * one, the snapshot is JSON alone. Older engines refuse it rather than read
 * fine slot numbers as slot ids.
 */
export const ENGINE_SNAPSHOT_FORMAT = 'modelwatch.engine-snapshot/v3';
/** Format tag of a snapshot taken with a section list before fine slots (still read: its slots come back as coarse slots). */
export const ENGINE_SNAPSHOT_FORMAT_V2 = 'modelwatch.engine-snapshot/v2';
/** Format tag of a snapshot that is JSON alone, before fine slots (still read, as v2). */
export const ENGINE_SNAPSHOT_FORMAT_V1 = 'modelwatch.engine-snapshot/v1';

const READABLE_FORMATS: ReadonlySet<string> = new Set([ENGINE_SNAPSHOT_FORMAT, ENGINE_SNAPSHOT_FORMAT_V2, ENGINE_SNAPSHOT_FORMAT_V1]);

/** Everything needed to resume an engine: JSON-serialisable, with the section list it was taken with, if any. */
export interface EngineSnapshot {
  format: typeof ENGINE_SNAPSHOT_FORMAT | typeof ENGINE_SNAPSHOT_FORMAT_V2 | typeof ENGINE_SNAPSHOT_FORMAT_V1;
  models: ModelSnapshot[];
  rejected: number;
}

/** At most this many distinct reasons are returned per ingest call. */
const MAX_ERRORS = 5;

/** Model identity resolved from a data point, its scope and its resource. */
export interface ModelIdentity {
  name: string;
  version: string | null;
}

/** An attribute value as a string: strings (non-empty), numbers and booleans; null for anything else. */
export function attrString(v: unknown): string | null {
  if (typeof v === 'string') return v.length > 0 ? v : null;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return null;
}

/**
 * `ml.model.name` / `ml.model.version` from the data point, else the scope,
 * else the resource (the registry's precedence). The version comes from the
 * same level as the name when present there, else by the same precedence.
 */
export function resolveIdentity(point: AttrMap, scope: AttrMap, resource: AttrMap): ModelIdentity | null {
  const name = attrString(point[ATTR_ML_MODEL_NAME]) ?? attrString(scope[ATTR_ML_MODEL_NAME]) ?? attrString(resource[ATTR_ML_MODEL_NAME]);
  if (name === null) return null;
  const version = attrString(point[ATTR_ML_MODEL_VERSION]) ?? attrString(scope[ATTR_ML_MODEL_VERSION]) ?? attrString(resource[ATTR_ML_MODEL_VERSION]);
  return { name, version };
}

class Rejections {
  count = 0;
  readonly reasons: string[] = [];
  add(reason: string, n = 1): void {
    this.count += n;
    if (this.reasons.length < MAX_ERRORS && !this.reasons.includes(reason)) this.reasons.push(reason);
  }
}

/** The aggregator's pure engine (see the module documentation). */
export class Engine {
  private readonly models = new Map<string, ModelState>();
  private readonly configs = new Map<string, ModelConfig>();
  private rejectedTotal = 0;
  private lastEvaluation: number | null = null;
  /** The snapshot being taken a step at a time (see {@link beginSnapshot}), if any. */
  private cow: CopyOnWrite | null = null;

  /** @throws Error naming the model and setting when the config is invalid. */
  constructor(readonly config: EngineConfig) {
    const b = config.bounds;
    for (const [k, v] of Object.entries(b)) {
      if (!(Number.isInteger(v) && v >= 1)) throw new Error(`bounds.${k} must be a positive integer, got ${String(v)}`);
    }
    if (!(Number.isInteger(config.discovery.maxModels) && config.discovery.maxModels >= 0)) {
      throw new Error(`discovery.maxModels must be a non-negative integer, got ${config.discovery.maxModels}`);
    }
    // Discovered models take the defaults when their first point arrives: check them now, not then.
    if (config.discovery.enabled) resolveSettings(config.defaults, undefined, '(defaults, for discovered models)');
    for (const m of config.models) {
      if (this.configs.has(m.name)) throw new Error(`models: duplicate model name ${JSON.stringify(m.name)}`);
      if (m.baseline) assertBaselineMatches(m.name, m.baseline, m.features, 'the configured baseline file');
      this.configs.set(m.name, m);
      this.models.set(m.name, this.newModel(m.name, m, false));
    }
  }

  private newModel(name: string, m: ModelConfig | undefined, discovered: boolean): ModelState {
    const settings = resolveSettings(this.config.defaults, m, name);
    return new ModelState(name, m?.task ?? 'classification', discovered, settings, m?.features ?? {}, this.config.bounds.maxBuckets, m);
  }

  private discoveredCount(): number {
    let n = 0;
    for (const m of this.models.values()) if (m.discovered) n++;
    return n;
  }

  private modelFor(id: ModelIdentity, rej: Rejections, n: number, now: number): ModelState | null {
    let m = this.models.get(id.name);
    if (m) this.beforeChange(m);
    else {
      if (id.name.length > this.config.bounds.maxAttributeLength) {
        rej.add(`model name longer than ${this.config.bounds.maxAttributeLength} characters`, n);
        return null;
      }
      if (!this.config.discovery.enabled) {
        rej.add(`unknown model ${JSON.stringify(id.name)} (not in the config and discovery is disabled)`, n);
        return null;
      }
      if (this.discoveredCount() >= this.config.discovery.maxModels) {
        rej.add(`model ${JSON.stringify(id.name)} not tracked: discovery limit of ${this.config.discovery.maxModels} models reached`, n);
        return null;
      }
      m = this.newModel(id.name, undefined, true);
      this.models.set(id.name, m);
    }
    if (id.version !== null && id.version.length <= this.config.bounds.maxAttributeLength && id.version !== m.version) {
      // A version never seen before starts learning afresh when it has no baseline;
      // versions alternating during a rolling deploy do not restart it each time.
      if (m.noteVersion(id.version) && m.version !== null && !m.baselines.has(id.version) && !m.baselines.has('')) m.learnFromSlot = null;
      m.version = id.version;
    }
    m.lastSeen = Math.max(m.lastSeen ?? now, now);
    return m;
  }

  /**
   * Takes a decoded metrics request (delta points) received at `now`.
   * Never throws on bad data: refused points are counted with their reasons.
   * @param observer sees the points of the metrics the engine does not consume (see {@link ingestPoints}).
   */
  ingestMetrics(req: MetricsIn, now: number, observer?: IngestObserver): IngestResult {
    return this.ingestPoints((sink) => {
      for (const rm of req.resourceMetrics) {
        for (const sm of rm.scopeMetrics) {
          for (const metric of sm.metrics) for (const point of metric.points) sink(rm.resource.attributes, sm.scope.attributes, metric, point);
        }
      }
    }, now, observer);
  }

  /**
   * Takes the delta points of one request received at `now`, as `source`
   * hands them over (the receiver streams them from the request bytes, so
   * nothing of a point may be kept past the call: its counts are copied into
   * the windows). Never throws on bad data: refused points are counted with
   * their reasons.
   * @param observer sees the points of the metrics the engine does not
   * consume (they count as accepted either way), and the resource that sent
   * each model's points.
   */
  ingestPoints(source: (sink: PointSink) => void, now: number, observer?: IngestObserver): IngestResult {
    const rej = new Rejections();
    let accepted = 0;
    // Points arrive in runs of the same metric and the same model: the last
    // answers are kept (modelFor's effects are the same for a repeat in one call).
    let lastMetric: MetricHeaderIn | null = null;
    let consumed = false;
    let observed = false;
    let lastModel: ModelState | null = null;
    // The observer hears of a model and resource once per run of them, not per point.
    let seenModel: ModelState | null = null;
    let seenResource: AttrMap | null = null;
    source((resource, scope, metric, point) => {
      if (metric !== lastMetric) {
        lastMetric = metric;
        consumed = isConsumed(metric.name);
        observed = !consumed && observer !== undefined && observer.wants(metric);
      }
      if (!consumed) {
        if (observed) (observer as IngestObserver).point(resource, metric, point, now);
        accepted++;
        return;
      }
      const id = resolveIdentity(point.attributes, scope, resource);
      if (!id) {
        rej.add(`data point of ${metric.name} has no ml.model.name (data point, scope or resource attribute)`);
        return;
      }
      const model = lastModel !== null && lastModel.name === id.name && (id.version === null || id.version === lastModel.version) ? lastModel : this.modelFor(id, rej, 1, now);
      if (!model) return;
      lastModel = model;
      if (observer !== undefined && (model !== seenModel || resource !== seenResource)) {
        seenModel = model;
        seenResource = resource;
        observer.modelSeen(model.name, resource, now);
      }
      const why = this.ingestPoint(model, metric, point, now);
      if (why === null) {
        accepted++;
        model.accepted.dataPoints++;
      } else rej.add(why);
    });
    this.rejectedTotal += rej.count;
    return { acceptedDataPoints: accepted, rejectedDataPoints: rej.count, acceptedLogRecords: 0, rejectedLogRecords: 0, errors: rej.reasons };
  }

  /**
   * Takes a decoded logs request: records are counted per model (the
   * prediction / ground-truth join arrives with the ground-truth issue).
   */
  ingestLogs(req: LogsIn, now: number): IngestResult {
    const rej = new Rejections();
    let accepted = 0;
    for (const rl of req.resourceLogs) {
      for (const sl of rl.scopeLogs) {
        for (const rec of sl.logRecords) {
          const id = resolveIdentity(rec.attributes, sl.scope.attributes, rl.resource.attributes);
          if (!id) {
            rej.add('log record has no ml.model.name (record, scope or resource attribute)');
            continue;
          }
          const model = this.modelFor(id, rej, 1, now);
          if (!model) continue;
          if (model.discovered && !model.hasQuality && eventNameOf(rec) === EVENT_ML_PREDICTION) {
            const a = rec.attributes;
            model.adoptTask(a[ATTR_ML_PREDICTION_VALUE] !== undefined && a[ATTR_ML_PREDICTION_LABEL] === undefined ? 'regression' : 'classification');
          }
          const q = model.quality.ingest(rec, now);
          if (typeof q === 'object') {
            rej.add(q.rejected);
            continue;
          }
          model.accepted.logRecords++;
          accepted++;
        }
      }
    }
    this.rejectedTotal += rej.count;
    return { acceptedDataPoints: 0, rejectedDataPoints: 0, acceptedLogRecords: accepted, rejectedLogRecords: rej.count, errors: rej.reasons };
  }

  /** Returns null when taken, else the reason for refusing the point. */
  private ingestPoint(model: ModelState, metric: MetricHeaderIn, point: PointIn, now: number): string | null {
    const s = model.settings;
    const slotsPerWindow = s.window / s.slot;
    const nowSlot = Math.floor(now / s.slot);
    let t = this.millisOf(point.timeUnixNano, now);
    // A sender clock ahead of ours must not create future slots.
    if (t > now) t = now;
    const slot = Math.floor(t / s.slot);
    // The slot of the windows judged on the nested drift windows: a fine one, when the model keeps them.
    const fine = model.gridSlot(t);
    const inWindow = slot > nowSlot - slotsPerWindow;
    if (model.learnFromSlot === null && inWindow) model.learnFromSlot = slot;
    const attrs = point.attributes;
    const maxLen = this.config.bounds.maxAttributeLength;
    switch (metric.name) {
      case METRIC_ML_INFERENCE_DURATION: {
        if (metric.type !== 'histogram') return null;
        const p = point as HistogramPointIn;
        if (!validExplicit(p)) return 'ml.inference.duration point has invalid buckets (counts must be bounds + 1, bounds increasing)';
        const errors = attrString(attrs[ATTR_ERROR_TYPE]) !== null ? p.count : 0;
        if (inWindow && p.bucketCounts.length > 0) {
          if (!model.duration.add(slot, p.explicitBounds, p.bucketCounts)) return 'ml.inference.duration bucket bounds changed within the window';
        }
        if (inWindow && errors > 0) model.errors.add(slot, SCALAR, errors);
        const row = [p.count, errors];
        for (const th of model.latencyThresholds) row.push(countAtOrBelow(p.explicitBounds, p.bucketCounts, th).count);
        model.slo?.add(t, row);
        return null;
      }
      case METRIC_ML_PREDICTIONS: {
        if (metric.type !== 'sum') return null;
        const p = point as NumberPointIn;
        if (!(Number.isFinite(p.value) && p.value >= 0)) return `ml.predictions value ${p.value} is not a non-negative count`;
        let label = attrString(attrs[ATTR_ML_PREDICTION_LABEL]) ?? SCALAR;
        if (attrs[ATTR_OTEL_METRIC_OVERFLOW] === true) label = OTHER_CATEGORY;
        label = this.boundedKey(model.labels, label);
        if (inWindow) model.labels.add(fine, label, p.value);
        return null;
      }
      case METRIC_ML_PREDICTION_CONFIDENCE: {
        if (metric.type !== 'histogram') return null;
        const p = point as HistogramPointIn;
        if (!validExplicit(p)) return 'ml.prediction.confidence point has invalid buckets (counts must be bounds + 1, bounds increasing)';
        if (inWindow && p.bucketCounts.length > 0 && !model.confidence.add(fine, p.explicitBounds, p.bucketCounts)) {
          return 'ml.prediction.confidence bucket bounds changed within the window';
        }
        return null;
      }
      case METRIC_ML_PREDICTION_VALUE: {
        if (metric.type !== 'exponentialHistogram') return null;
        const p = point as ExpPointIn;
        const bad = checkExpShape(p);
        if (bad) return `ml.prediction.value: ${bad}`;
        // The window checks the counts in its own pass over them; out of the window they are checked here.
        const counted = inWindow
          ? model.value.add(fine, p, attrs[ATTR_ML_FEATURE_SIGN] === ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE)
          : validCounts(p.positive.bucketCounts) && validCounts(p.negative.bucketCounts);
        return counted ? null : `ml.prediction.value: ${INVALID_EXP_COUNTS}`;
      }
      case METRIC_ML_FEATURE_VALUE: {
        const name = attrString(attrs[ATTR_ML_FEATURE_NAME]);
        if (name === null) return 'ml.feature.value point has no ml.feature.name';
        if (name.length > maxLen) return `feature name longer than ${maxLen} characters`;
        if (metric.type !== 'exponentialHistogram' && metric.type !== 'histogram') return null;
        const f = model.feature(name, 'numeric', this.config.bounds.maxSeriesPerModel);
        if (!f) return `model ${model.name}: series limit of ${this.config.bounds.maxSeriesPerModel} features reached`;
        if (f.type !== 'numeric') return `feature ${name} is categorical but arrived as ml.feature.value`;
        if (!inWindow) return null;
        if (metric.type === 'exponentialHistogram') {
          const p = point as ExpPointIn;
          const bad = checkExpShape(p);
          if (bad) return `ml.feature.value (${name}): ${bad}`;
          // add() checks the counts in its one pass over them and refuses the point unchanged.
          const w = f.exp ?? model.newExpWindow();
          if (!w.add(fine, p, attrs[ATTR_ML_FEATURE_SIGN] === ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE)) return `ml.feature.value (${name}): ${INVALID_EXP_COUNTS}`;
          f.exp = w;
        } else {
          const p = point as HistogramPointIn;
          if (!validExplicit(p)) return `ml.feature.value (${name}) has invalid buckets (counts must be bounds + 1, bounds increasing)`;
          if (p.bucketCounts.length === 0) return null;
          // The sign rule on explicit buckets: a negated stream cannot be folded into
          // the same bounds, so it is refused rather than mixed in wrongly.
          if (attrs[ATTR_ML_FEATURE_SIGN] === ATTR_ML_FEATURE_SIGN_VALUE_NEGATIVE) {
            return `ml.feature.value (${name}): negative values need the exponential histogram view`;
          }
          if (!(f.explicit ??= new ExplicitWindow(model.grid)).add(fine, p.explicitBounds, p.bucketCounts)) {
            return `ml.feature.value (${name}) bucket bounds changed within the window`;
          }
        }
        return null;
      }
      case METRIC_ML_FEATURE_OBSERVATIONS: {
        if (metric.type !== 'sum') return null;
        const p = point as NumberPointIn;
        const overflow = attrs[ATTR_OTEL_METRIC_OVERFLOW] === true;
        const name = attrString(attrs[ATTR_ML_FEATURE_NAME]);
        if (name === null) {
          // The SDK's overflow point carries no attributes besides otel.metric.overflow.
          return overflow ? null : 'ml.feature.observations point has no ml.feature.name';
        }
        if (name.length > maxLen) return `feature name longer than ${maxLen} characters`;
        if (!(Number.isFinite(p.value) && p.value >= 0)) return `ml.feature.observations value ${p.value} is not a non-negative count`;
        const f = model.feature(name, 'categorical', this.config.bounds.maxSeriesPerModel);
        if (!f) return `model ${model.name}: series limit of ${this.config.bounds.maxSeriesPerModel} features reached`;
        if (f.type !== 'categorical') return `feature ${name} is numeric but arrived as ml.feature.observations`;
        const w = (f.categories ??= new CountWindow(model.grid));
        let cat = overflow ? OTHER_CATEGORY : (attrString(attrs[ATTR_ML_FEATURE_CATEGORY]) ?? OTHER_CATEGORY);
        cat = this.boundedKey(w, cat);
        if (inWindow) w.add(fine, cat, p.value);
        return null;
      }
      case METRIC_ML_FEATURE_MISSING: {
        if (metric.type !== 'sum') return null;
        const p = point as NumberPointIn;
        const name = attrString(attrs[ATTR_ML_FEATURE_NAME]);
        if (name === null) return 'ml.feature.missing point has no ml.feature.name';
        if (name.length > maxLen) return `feature name longer than ${maxLen} characters`;
        if (!(Number.isFinite(p.value) && p.value >= 0)) return `ml.feature.missing value ${p.value} is not a non-negative count`;
        const f = model.feature(name, model.declared[name] ?? 'numeric', this.config.bounds.maxSeriesPerModel);
        if (!f) return `model ${model.name}: series limit of ${this.config.bounds.maxSeriesPerModel} features reached`;
        if (inWindow) (f.missing ??= new CountWindow()).add(slot, SCALAR, p.value);
        return null;
      }
      default:
        return null;
    }
  }

  // The points of one export share their timestamps: the last conversion is kept.
  private lastNanos = -1n;
  private lastMillis = 0;

  /** A point's time in ms (`now` when unset). */
  private millisOf(nanos: bigint, now: number): number {
    if (nanos <= 0n) return now;
    if (nanos !== this.lastNanos) {
      this.lastNanos = nanos;
      // Number(ns) / 1e6 keeps ~0.1 µs resolution: plenty for minute slots, and cheaper than bigint division.
      this.lastMillis = Number(nanos) / 1e6;
    }
    return this.lastMillis;
  }

  /** A category or label, or `__other__` past the length or cardinality bound. */
  private boundedKey(w: CountWindow, key: string): string {
    if (key.length > this.config.bounds.maxAttributeLength) return OTHER_CATEGORY;
    if (w.has(key) || w.size < this.config.bounds.maxCategories) return key;
    return OTHER_CATEGORY;
  }

  /** One evaluation tick at `now`: expire old slots, learn baselines, compute every result. */
  evaluate(now: number): void {
    for (const _ of this.evaluation(now)) {
      // each step has evaluated one model
    }
  }

  /**
   * The same tick as {@link evaluate}, one model per step, so that a caller
   * can spread a long tick over several turns of its event loop. Models are
   * independent: data ingested between steps is simply part of the results
   * of the models evaluated after it (a model added meanwhile is evaluated
   * too). Yields the name of the model just evaluated.
   */
  *evaluation(now: number): Generator<string, void, void> {
    this.lastEvaluation = now;
    for (const m of this.models.values()) {
      this.evaluateModel(m, now);
      yield m.name;
    }
  }

  private evaluateModel(m: ModelState, now: number): void {
    this.beforeChange(m);
    const s = m.settings;
    const slots = s.window / s.slot;
    const nowSlot = Math.floor(now / s.slot);
    m.expire(nowSlot - slots, now);
    let baseline = m.activeBaseline();
    if (!baseline && m.learnFromSlot !== null && nowSlot - m.learnFromSlot >= slots) {
      baseline = learnBaseline(m, now);
      m.baselines.set(baseline.modelVersion ?? '', baseline);
    }
    m.qualityReport = m.hasQuality ? m.quality.report(now) : null;
    const drift = evaluateDrift(m, baseline, now);
    const up = m.lastSeen !== null && now - m.lastSeen <= s.livenessTimeout;
    const iso = new Date(now).toISOString();
    m.drift = {
      model: m.name,
      version: m.version,
      evaluatedAt: iso,
      window: {
        start: new Date((nowSlot - slots + 1) * s.slot).toISOString(),
        end: iso,
        seconds: s.window / 1000,
        slotSeconds: s.slot / 1000,
      },
      baseline: baseline
        ? {
            state: 'ready',
            source: baseline.source?.kind ?? 'file',
            createdAt: baseline.createdAt,
            modelVersion: baseline.modelVersion ?? null,
          }
        : {
            state: 'learning',
            source: null,
            createdAt: null,
            modelVersion: null,
            learnsAt: m.learnFromSlot === null ? null : new Date((m.learnFromSlot + slots) * s.slot).toISOString(),
          },
      severity: drift.severity,
      features: drift.features,
      prediction: drift.prediction,
    };
    m.status = {
      name: m.name,
      version: m.version,
      task: m.task,
      discovered: m.discovered,
      liveness: {
        up,
        lastSeen: m.lastSeen === null ? null : new Date(m.lastSeen).toISOString(),
        lastSeenAgeSeconds: m.lastSeen === null ? null : Math.max(0, now - m.lastSeen) / 1000,
      },
      red: evaluateRed(m),
      slos: evaluateSlos(m, now),
      accepted: { ...m.accepted },
      drift: {
        severity: drift.severity,
        errors: drift.features.flatMap((f) => (f.severity === 'error' ? [{ feature: f.name, reason: f.reason ?? 'unknown' }] : [])),
      },
      evaluatedAt: iso,
    };
  }

  /** Every model, configured and discovered. */
  listModels(): ModelSummary[] {
    return [...this.models.values()].map((m) => ({
      name: m.name,
      version: m.version,
      task: m.task,
      discovered: m.discovered,
      up: m.status?.liveness.up ?? false,
      lastSeen: m.lastSeen === null ? null : new Date(m.lastSeen).toISOString(),
      baseline: m.activeBaseline() ? 'ready' : 'learning',
      severity: m.drift?.severity ?? null,
    }));
  }

  /** RED, SLOs, liveness and acceptance of a model at the last evaluation; undefined for an unknown model. */
  modelStatus(name: string): ModelStatus | undefined {
    const m = this.models.get(name);
    if (!m) return undefined;
    return (
      m.status ?? {
        name: m.name,
        version: m.version,
        task: m.task,
        discovered: m.discovered,
        liveness: { up: false, lastSeen: m.lastSeen === null ? null : new Date(m.lastSeen).toISOString(), lastSeenAgeSeconds: null },
        red: evaluateRed(m),
        slos: [],
        accepted: { ...m.accepted },
        drift: { severity: 'insufficient_data', errors: [] },
        evaluatedAt: null,
      }
    );
  }

  /** The drift report of the last evaluation; undefined for an unknown model. */
  driftReport(name: string): DriftReport | undefined {
    const m = this.models.get(name);
    if (!m) return undefined;
    if (m.drift) return m.drift;
    const s = m.settings;
    return {
      model: m.name,
      version: m.version,
      evaluatedAt: null,
      window: { start: null, end: null, seconds: s.window / 1000, slotSeconds: s.slot / 1000 },
      baseline: { state: m.activeBaseline() ? 'ready' : 'learning', source: null, createdAt: null, modelVersion: null },
      severity: 'insufficient_data',
      features: [],
      prediction: {},
    };
  }

  /** Reference and current distributions of one feature (current as of the last expiry); undefined when unknown. */
  featureDistributions(name: string, feature: string): FeatureDistributions | undefined {
    const m = this.models.get(name);
    if (!m) return undefined;
    const f = m.features.get(feature);
    const b: FeatureBaseline | undefined = m.activeBaseline()?.features[feature];
    if (!f && !b) return undefined;
    const type = f?.type ?? b?.type ?? 'numeric';
    if (type === 'categorical') {
      const { categories, p, q } = alignCounts(b?.type === 'categorical' ? b.counts : {}, f?.categories?.counts() ?? {});
      return { model: name, feature, type: 'categorical', categories, reference: p, current: q };
    }
    return numericDistributions(name, feature, f ? currentNumeric(f)?.data ?? null : null, referenceNumeric(b));
  }

  /**
   * The predicted labels' and confidences' reference and current
   * distributions, aligned for drawing side by side; undefined for an unknown
   * model. The confidence reference is given only when the baseline's buckets
   * are the current ones (the SDK's advice buckets make that the usual case).
   */
  predictionDistributions(name: string): PredictionDistributions | undefined {
    const m = this.models.get(name);
    if (!m) return undefined;
    const ref = m.activeBaseline()?.prediction;
    const out: PredictionDistributions = { model: name };
    const current = m.labels.counts();
    delete current[SCALAR];
    if (Object.keys(current).length > 0 || ref?.labels) {
      const { categories, p, q } = alignCounts(ref?.labels ?? {}, current);
      out.labels = { categories, reference: p, current: q };
    }
    if (m.confidence.count > 0) {
      const bounds = m.confidence.bounds.slice();
      const same = ref?.confidence !== undefined && ref.confidence.bounds.length === bounds.length && ref.confidence.bounds.every((b, i) => b === bounds[i]);
      out.confidence = { bounds, reference: same ? (ref?.confidence?.counts.slice() ?? null) : null, current: m.confidence.counts() };
    }
    return out;
  }

  /**
   * The quality report of a model (`GET /api/v1/models/{model}/quality`): at
   * the last evaluation, or computed now from the joins so far before the
   * first one; undefined for an unknown model.
   */
  quality(name: string): QualityReport | undefined {
    const m = this.models.get(name);
    if (!m) return undefined;
    if (m.qualityReport !== null) return m.qualityReport;
    // A report advances the join tracker's slots: a change, as far as a snapshot is concerned.
    this.beforeChange(m);
    return m.qualityAt(this.lastEvaluation ?? m.lastSeen ?? 0);
  }

  /**
   * Replaces a model's baseline (per its `modelVersion`; without one, for every version).
   * @throws {@link BaselineConflictError} when a feature's type in it contradicts the config.
   */
  setBaseline(name: string, baseline: Baseline): void {
    const m = this.models.get(name);
    if (!m) throw new Error(`unknown model ${JSON.stringify(name)}`);
    assertBaselineMatches(name, baseline, this.configs.get(name)?.features ?? {}, 'PUT /api/v1/models/{model}/baseline');
    this.beforeChange(m);
    if (baseline.modelVersion === undefined) m.baselines.clear();
    m.baselines.set(baseline.modelVersion ?? '', baseline);
  }

  /** Drops a model's baseline for its current version: the next full window is learned. */
  resetBaseline(name: string): void {
    const m = this.models.get(name);
    if (!m) throw new Error(`unknown model ${JSON.stringify(name)}`);
    this.beforeChange(m);
    if (m.version !== null) m.baselines.delete(m.version);
    m.baselines.delete('');
    m.learnFromSlot = null;
  }

  /** The current baseline of a model (for persistence); undefined while learning. */
  baseline(name: string): Baseline | undefined {
    return this.models.get(name)?.activeBaseline();
  }

  /** The flat list of gauges of the last evaluation, with semantic-convention names. */
  outputs(): OutputSignal[] {
    const out: OutputSignal[] = [];
    for (const m of this.models.values()) {
      buildOutputs(m, out);
      if (m.qualityReport) qualityOutputs(m.qualityReport, m.version !== null ? { [ATTR_ML_MODEL_NAME]: m.name, [ATTR_ML_MODEL_VERSION]: m.version } : { [ATTR_ML_MODEL_NAME]: m.name }, out);
    }
    return out;
  }

  /** Data points and log records refused since start (all models). */
  get rejected(): number {
    return this.rejectedTotal;
  }

  /** Time of the last evaluation (epoch ms), null before the first. */
  get evaluatedAt(): number | null {
    return this.lastEvaluation;
  }

  /**
   * Everything needed to resume. With `sections`, the exponential windows'
   * arrays are copied into that list and the snapshot refers to them by
   * index: far cheaper than spelling them in JSON (without `sections`).
   * Either way the result does not change with later ingestion.
   */
  snapshot(sections?: SnapshotSection[]): EngineSnapshot {
    return {
      format: ENGINE_SNAPSHOT_FORMAT,
      models: [...this.models.values()].map((m) => m.snapshot(sections)),
      rejected: this.rejectedTotal,
    };
  }

  /**
   * Starts a snapshot of the engine as it is now, taken a model per step:
   * each {@link SnapshotInProgress.step} copies one model, and the last
   * returns the snapshot (the same as {@link snapshot} with `sections` would
   * have returned at the start). Meanwhile the engine takes data as usual: a
   * model is copied before anything changes it (ingest, evaluation, the
   * baseline API, a quality report that advances its joins), so no copy sees
   * a change made after the start, and a model created after the start is
   * not in the snapshot. That way a caller can spread the copy of a large
   * state over several turns of its event loop (at 2,000 hour-long streams,
   * one turn held the loop ~40 ms).
   * @throws Error when another snapshot is still being taken.
   */
  beginSnapshot(sections: SnapshotSection[]): SnapshotInProgress {
    if (this.cow !== null) throw new Error('Engine.beginSnapshot: another snapshot is still being taken; finish or cancel it first');
    const order = [...this.models.values()];
    const cow: CopyOnWrite = { pending: new Set(order), copies: new Map(), sections };
    this.cow = cow;
    const rejected = this.rejectedTotal;
    let next = 0;
    const cancel = (): void => {
      if (this.cow === cow) this.cow = null;
      next = order.length;
    };
    return {
      step: () => {
        if (this.cow !== cow) throw new Error('Engine snapshot: this snapshot was cancelled or has finished');
        while (next < order.length) {
          const m = order[next++] as ModelState;
          if (!cow.pending.has(m)) continue;
          try {
            this.beforeChange(m);
          } catch (err) {
            cancel();
            throw err;
          }
          return undefined;
        }
        cancel();
        return { format: ENGINE_SNAPSHOT_FORMAT, models: order.map((m) => cow.copies.get(m) as ModelSnapshot), rejected };
      },
      cancel,
    };
  }

  /** Copies `m` into the snapshot being taken, if it is still pending there: it is about to change. */
  private beforeChange(m: ModelState): void {
    const cow = this.cow;
    if (cow === null || !cow.pending.delete(m)) return;
    cow.copies.set(m, m.snapshot(cow.sections));
  }

  /**
   * An engine resumed from a snapshot. Models no longer configured come back
   * as discovered. Baselines: the snapshot's are kept (they may have been
   * learned or replaced through the API since), except that a baseline file
   * from the config that is newer (`createdAt`) than the snapshot's baseline
   * for the same version replaces it: a rebuilt file takes effect on restart.
   * Snapshots from before fine slots (v1, v2) are read too: their slots come
   * back as coarse slots, so until a minute of new data has arrived the
   * shortest window may hold up to a slot more than its length.
   * @param sections the section list the snapshot was taken with, if any.
   * @throws Error when `s` is not an engine snapshot, or refers to a section that is not in `sections`.
   */
  static restore(config: EngineConfig, s: EngineSnapshot, sections: readonly SnapshotSection[] = []): Engine {
    if (!READABLE_FORMATS.has(s?.format)) {
      throw new Error(`not an engine snapshot (format ${JSON.stringify(s?.format)}, expected one of ${[...READABLE_FORMATS].join(', ')})`);
    }
    const e = new Engine(config);
    e.rejectedTotal = s.rejected;
    for (const ms of s.models) {
      let m = e.models.get(ms.name);
      if (!m) {
        m = e.newModel(ms.name, undefined, true);
        e.models.set(ms.name, m);
      }
      m.load(ms, sections);
      const fromFile = e.configs.get(ms.name)?.baseline;
      if (fromFile) {
        const key = fromFile.modelVersion ?? '';
        const held = m.baselines.get(key);
        if (!held || Date.parse(fromFile.createdAt) > Date.parse(held.createdAt)) m.baselines.set(key, fromFile);
      }
    }
    return e;
  }
}

/** A snapshot being taken a step at a time ({@link Engine.beginSnapshot}). */
export interface SnapshotInProgress {
  /** Copies one more model; returns the snapshot once every model is copied, else undefined. */
  step(): EngineSnapshot | undefined;
  /** Gives up on the snapshot: the engine stops copying models for it. */
  cancel(): void;
}

/** A snapshot taken a step at a time: the models not copied yet, the copies, their sections. */
interface CopyOnWrite {
  pending: Set<ModelState>;
  copies: Map<ModelState, ModelSnapshot>;
  sections: SnapshotSection[];
}

const CONSUMED = new Set<string>([
  METRIC_ML_INFERENCE_DURATION,
  METRIC_ML_PREDICTIONS,
  METRIC_ML_PREDICTION_CONFIDENCE,
  METRIC_ML_PREDICTION_VALUE,
  METRIC_ML_FEATURE_VALUE,
  METRIC_ML_FEATURE_OBSERVATIONS,
  METRIC_ML_FEATURE_MISSING,
]);

function isConsumed(name: string): boolean {
  return CONSUMED.has(name);
}

/** Explicit buckets usable as they are: counts.length = bounds.length + 1 (or no buckets at all). */
function validExplicit(p: { bucketCounts: readonly number[]; explicitBounds: readonly number[] }): boolean {
  if (p.bucketCounts.length === 0) return true;
  if (p.bucketCounts.length !== p.explicitBounds.length + 1 || !validCounts(p.bucketCounts)) return false;
  for (let i = 0; i < p.explicitBounds.length; i++) {
    const b = p.explicitBounds[i] as number;
    if (!Number.isFinite(b) || (i > 0 && !(b > (p.explicitBounds[i - 1] as number)))) return false;
  }
  return true;
}

function validCounts(c: CountsIn): boolean {
  for (let i = 0; i < c.length; i++) {
    const v = c[i] as number;
    if (!(Number.isFinite(v) && v >= 0)) return false;
  }
  return true;
}

const INVALID_EXP_COUNTS = 'invalid bucket counts';

/** Checks an exponential point's scale, zero count and offsets; its bucket counts are checked by {@link ExpWindow.add}. */
function checkExpShape(p: ExpPointIn): string | null {
  if (!(Number.isInteger(p.scale) && p.scale >= -10 && p.scale <= 20)) return `scale ${p.scale} outside -10..20`;
  if (!(Number.isFinite(p.zeroCount) && p.zeroCount >= 0)) return `invalid zero count ${p.zeroCount}`;
  // Bucket indexes are shifted with 32-bit operators, as OTLP's sint32 offsets allow.
  if (!indexable(p.positive)) return `bucket offset ${p.positive.offset} is not a 32-bit bucket index`;
  if (!indexable(p.negative)) return `bucket offset ${p.negative.offset} is not a 32-bit bucket index`;
  return null;
}

function indexable(side: { offset: number; bucketCounts: CountsIn }): boolean {
  return Number.isInteger(side.offset) && Math.abs(side.offset) + side.bucketCounts.length <= 2 ** 30;
}

/** The model's current window as a baseline (learned, then frozen). */
function learnBaseline(m: ModelState, now: number): Baseline {
  const s = m.settings;
  const features: Record<string, FeatureBaseline> = {};
  for (const f of m.features.values()) {
    const missing = f.missing?.get(SCALAR) ?? 0;
    if (f.type === 'numeric') {
      if (f.exp && f.exp.count > 0) features[f.name] = { type: 'numeric', histogram: f.exp.toData(), missing };
      else if (f.explicit && f.explicit.count > 0) features[f.name] = { type: 'numeric', explicit: { bounds: f.explicit.bounds.slice(), counts: f.explicit.counts() }, missing };
    } else if (f.categories && f.categories.total > 0) {
      features[f.name] = { type: 'categorical', counts: f.categories.counts(), missing };
    }
  }
  const baseline: Baseline = {
    format: BASELINE_FORMAT,
    model: m.name,
    createdAt: new Date(now).toISOString(),
    source: { kind: 'learned', windowStart: new Date(now - s.window).toISOString(), windowEnd: new Date(now).toISOString() },
    features,
  };
  if (m.version !== null) baseline.modelVersion = m.version;
  const prediction: NonNullable<Baseline['prediction']> = {};
  if (m.confidence.count > 0) prediction.confidence = { bounds: m.confidence.bounds.slice(), counts: m.confidence.counts() };
  const labels = m.labels.counts();
  delete labels[SCALAR];
  if (Object.keys(labels).length > 0) prediction.labels = labels;
  if (m.value.count > 0) prediction.value = m.value.toData();
  if (Object.keys(prediction).length > 0) baseline.prediction = prediction;
  return baseline;
}

function numericDistributions(
  model: string,
  feature: string,
  cur: Bucketed | null,
  ref: Bucketed | null,
): FeatureDistributions {
  // Bins on the real line: each exponential bucket at the common scale, or each explicit bucket.
  const bins = new Map<number, { bin: Bin; r: number; c: number }>();
  const add = (h: Bucketed | null, scale: number, side: 'r' | 'c'): void => {
    if (!h) return;
    if ('bounds' in h) {
      h.counts.forEach((v, k) => {
        const lower = k === 0 ? -Infinity : (h.bounds[k - 1] as number);
        const upper = k < h.bounds.length ? (h.bounds[k] as number) : Infinity;
        const e = bins.get(upper) ?? { bin: { lower, upper }, r: 0, c: 0 };
        e[side] += v;
        bins.set(upper, e);
      });
      return;
    }
    const shift = h.scale - scale;
    const base = 2 ** (2 ** -scale);
    const put = (lower: number, upper: number, v: number): void => {
      const e = bins.get(upper) ?? { bin: { lower, upper }, r: 0, c: 0 };
      e[side] += v;
      bins.set(upper, e);
    };
    h.negative.bucketCounts.forEach((v, k) => {
      const i = (h.negative.offset + k) >> shift;
      if (v > 0) put(-(base ** (i + 1)), -(base ** i), v);
    });
    if (h.zeroCount > 0) put(0, 0, h.zeroCount);
    h.positive.bucketCounts.forEach((v, k) => {
      const i = (h.positive.offset + k) >> shift;
      if (v > 0) put(base ** i, base ** (i + 1), v);
    });
  };
  const expScales = [cur, ref].filter((h): h is ExpHistogramData => h !== null && !('bounds' in h)).map((h) => h.scale);
  const scale = expScales.length > 0 ? Math.min(...expScales) : 0;
  add(ref, scale, 'r');
  add(cur, scale, 'c');
  const sorted = [...bins.values()].sort((a, b) => a.bin.upper - b.bin.upper || a.bin.lower - b.bin.lower);
  return { model, feature, type: 'numeric', bins: sorted.map((e) => e.bin), reference: sorted.map((e) => e.r), current: sorted.map((e) => e.c) };
}
