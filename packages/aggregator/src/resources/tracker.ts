/**
 * The resources stage: the latest runtime and host metrics of each service
 * instance, and which models each instance serves. Pure: time is the `now`
 * argument (epoch ms); nothing here does I/O.
 *
 * An instance is one resource's `service.name`, `service.instance.id` and
 * `host.name`. It serves a model when it sent that model's `ml.*` points
 * under the same three attributes. Each series (an allow-listed metric with
 * the state and CPU, heap space, GPU or GC type of its points) keeps its
 * latest level, or for a counter its latest rate per second. Everything is
 * bounded, and what a bound refuses is counted.
 *
 * @module
 */
import { attrString, type AttrMap, type HistogramPointIn, type IngestObserver, type MetricHeaderIn, type NumberPointIn, type PointIn } from '../engine/index.js';
import { SOURCES, unitScale, type ResourceValues, type SourceRule } from './catalogue.js';
import { deriveValues, type SeriesValue } from './derive.js';

/** Options of {@link ResourceTracker}. */
export interface ResourceTrackerOptions {
  /** Instances kept at most; a new one past it makes the least recently seen forgotten (counted). @default 256 */
  maxInstances?: number;
  /** Series kept per instance; points of a series past it are dropped (counted). @default 512 */
  maxSeriesPerInstance?: number;
  /** Models one instance is associated with at most; further ones are dropped (counted). @default 32 */
  maxModelsPerInstance?: number;
  /** An instance not seen for this long (ms) is forgotten, with its associations. @default 600000 (10 minutes) */
  ttlMs?: number;
  /**
   * Longest service name, instance id, host name, model name or attribute
   * value (state, CPU, heap space, GPU id) taken; points with a longer one
   * are dropped (counted). @default 256
   */
  maxValueLength?: number;
}

/** How a counter's points arrive: each the increase over its interval, or the total since the stream's start. */
export type Temporality = 'delta' | 'cumulative';

/** One instance of a model's service, as `GET /api/v1/models/{model}/resources` lists it. */
export interface InstanceResources {
  /** `service.name`, null when the resource has none. */
  service: string | null;
  /** `service.instance.id`, null when the resource has none. */
  instance: string | null;
  /** `host.name`, null when the resource has none. */
  host: string | null;
  /** Seconds since the instance last sent anything (runtime metrics or the model's telemetry). */
  lastSeenSeconds: number;
  /** Every key of RESOURCE_KEYS; null where the instance sent no source of it. */
  metrics: ResourceValues;
}

/** The resources of one model's instances. */
export interface ModelResources {
  model: string;
  /** Sorted by service, instance id and host. */
  instances: InstanceResources[];
}

/** Counters of a {@link ResourceTracker}. */
export interface ResourceTrackerStats {
  instances: number;
  series: number;
  /** Instances forgotten to make room for a new one (maxInstances). */
  evictedInstances: number;
  /** Instances forgotten after ttlMs unseen. */
  expiredInstances: number;
  /** Points and associations dropped, by reason. */
  dropped: {
    /** A new series past maxSeriesPerInstance. */
    seriesBound: number;
    /** A new association past maxModelsPerInstance. */
    modelsBound: number;
    /** An identity, model name or attribute value longer than maxValueLength. */
    tooLong: number;
    /** A metric of the allow-list with a type or unit other than the one it is known by. */
    shape: number;
    /** A value that is not a finite number (or, for a counter or histogram sum, negative), or a histogram without a sum. */
    badValue: number;
  };
}

interface Series {
  readonly rule: SourceRule;
  readonly group: string;
  readonly state: string;
  /** The latest level, or the latest rate per second, in base units; NaN while none is known. */
  value: number;
  /** End time (ms) of the latest point taken; -Infinity before the first. */
  timeMs: number;
  /** Cumulative streams: the previous total and start time (ms; 0 unset). */
  prevTotal: number;
  prevStartMs: number;
}

interface Instance {
  readonly key: string;
  readonly service: string | null;
  readonly id: string | null;
  readonly host: string | null;
  /** When (receipt time, ms) it last sent anything. */
  lastSeen: number;
  /** Latest end time (ms, sender's clock) of its points: a sparse series older than this had nothing since. */
  lastReportMs: number;
  readonly series: Map<string, Series>;
  readonly models: Set<string>;
  /** False once forgotten (a cached reference must not be used then). */
  alive: boolean;
}

const NS_PER_MS = 1e6;

function millis(ns: bigint | undefined): number {
  return ns === undefined || ns === 0n ? 0 : Number(ns) / NS_PER_MS;
}

/** Keeps the latest runtime and host metrics per service instance (see the module documentation). */
export class ResourceTracker implements IngestObserver {
  private readonly instances = new Map<string, Instance>();
  private readonly byModel = new Map<string, Map<string, Instance>>();
  private readonly maxInstances: number;
  private readonly maxSeries: number;
  private readonly maxModels: number;
  private readonly ttlMs: number;
  private readonly maxLength: number;
  private evicted = 0;
  private expired = 0;
  private readonly dropped = { seriesBound: 0, modelsBound: 0, tooLong: 0, shape: 0, badValue: 0 };
  private nextExpiry = -Infinity;
  // Points come in runs of one metric and one resource: the last answers are kept.
  private header: MetricHeaderIn | null = null;
  private rule: SourceRule | undefined;
  private scale: number | null = null;
  private lastResource: AttrMap | null = null;
  private lastInstance: Instance | null = null;

  /** @throws RangeError naming the option when one is not a positive integer (ttlMs: a positive number). */
  constructor(options: ResourceTrackerOptions = {}) {
    this.maxInstances = options.maxInstances ?? 256;
    this.maxSeries = options.maxSeriesPerInstance ?? 512;
    this.maxModels = options.maxModelsPerInstance ?? 32;
    this.maxLength = options.maxValueLength ?? 256;
    this.ttlMs = options.ttlMs ?? 600_000;
    const counts = { maxInstances: this.maxInstances, maxSeriesPerInstance: this.maxSeries, maxModelsPerInstance: this.maxModels, maxValueLength: this.maxLength };
    for (const [name, v] of Object.entries(counts)) {
      if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`ResourceTracker: ${name} must be a positive integer, got ${String(v)}`);
    }
    if (!(Number.isFinite(this.ttlMs) && this.ttlMs > 0)) throw new RangeError(`ResourceTracker: ttlMs must be a positive number, got ${String(options.ttlMs)}`);
  }

  /** {@link IngestObserver}: whether `metric` is on the allow-list (catalogue.ts). */
  wants(metric: MetricHeaderIn): boolean {
    return SOURCES.has(metric.name);
  }

  /** {@link IngestObserver}: a point as the engine hands it over, so a counter's point is a delta. */
  point(resource: AttrMap, metric: MetricHeaderIn, point: PointIn, now: number): void {
    this.record(resource, metric, point, now, 'delta');
  }

  /**
   * Takes one point of `metric` under `resource`, received at `now`. Points
   * of metrics off the allow-list are ignored. A counter's (or histogram's)
   * points are read as `temporality` says: the engine's are deltas, the
   * receiver having converted cumulative streams. Never throws.
   */
  record(resource: AttrMap, metric: MetricHeaderIn, point: PointIn, now: number, temporality: Temporality): void {
    if (metric !== this.header) this.prepare(metric);
    const rule = this.rule;
    if (rule === undefined) return;
    const scale = this.scale;
    if (scale === null) {
      this.dropped.shape++;
      return;
    }
    // Bit 0 of the flags: the point has no recorded value.
    if (((point.flags ?? 0) & 1) !== 0) return;
    const attrs = point.attributes;
    const state = this.attribute(attrs, rule.state);
    const group = this.attribute(attrs, rule.group);
    if (state === null || group === null) return;
    if (rule.onlyStates !== undefined && !rule.onlyStates.includes(state)) return;
    if (rule.ifPresent !== undefined) {
      const v = attrString(attrs[rule.ifPresent.key]);
      if (v !== null && !rule.ifPresent.values.includes(v)) return;
    }
    const value = rule.kind === 'sum-rate' ? (point as HistogramPointIn).sum : (point as NumberPointIn).value;
    if (value === undefined || !Number.isFinite(value) || (rule.kind !== 'level' && value < 0)) {
      this.dropped.badValue++;
      return;
    }
    const inst = this.instanceFor(resource, now);
    if (inst === null) return;
    const s = this.seriesFor(inst, rule, group, state);
    if (s === null) return;
    // A point without a time is taken as received now.
    const t = millis(point.timeUnixNano) || now;
    if (!(t > s.timeMs)) return; // a repeat (a retried export) or out of order: the latest stays
    if (rule.kind === 'level') s.value = value * scale;
    else s.value = this.rate(s, value, millis(point.startTimeUnixNano), t, temporality) * scale;
    s.timeMs = t;
    if (t > inst.lastReportMs) inst.lastReportMs = t;
  }

  /** {@link IngestObserver}: `resource` sent telemetry of `model`, so its instance serves that model. */
  modelSeen(model: string, resource: AttrMap, now: number): void {
    const inst = this.instanceFor(resource, now);
    if (inst === null || inst.models.has(model)) return;
    if (model.length > this.maxLength) {
      this.dropped.tooLong++;
      return;
    }
    if (inst.models.size >= this.maxModels) {
      this.dropped.modelsBound++;
      return;
    }
    inst.models.add(model);
    let set = this.byModel.get(model);
    if (set === undefined) this.byModel.set(model, (set = new Map()));
    set.set(inst.key, inst);
  }

  /** The instances serving `model` seen within the TTL, with their values as of `now`. */
  view(model: string, now: number): ModelResources {
    const instances: InstanceResources[] = [];
    for (const inst of this.byModel.get(model)?.values() ?? []) {
      if (now - inst.lastSeen > this.ttlMs) continue;
      instances.push({
        service: inst.service,
        instance: inst.id,
        host: inst.host,
        lastSeenSeconds: Math.max(0, (now - inst.lastSeen) / 1000),
        metrics: deriveValues(this.seriesValues(inst)),
      });
    }
    const order = (i: InstanceResources): string => `${i.service ?? ''}\u0000${i.instance ?? ''}\u0000${i.host ?? ''}`;
    instances.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    return { model, instances };
  }

  /** Models with at least one associated instance (seen or not within the TTL). */
  models(): string[] {
    return [...this.byModel.keys()];
  }

  /** Forgets the instances not seen within the TTL as of `now` (ingestion does this by itself every so often). */
  expire(now: number): void {
    // Bounded by maxInstances; runs at most every tenth of the TTL from ingestion.
    for (const inst of this.instances.values()) {
      if (now - inst.lastSeen > this.ttlMs) {
        this.forget(inst);
        this.expired++;
      }
    }
  }

  /** Counters since construction. */
  stats(): ResourceTrackerStats {
    let series = 0;
    for (const inst of this.instances.values()) series += inst.series.size;
    return { instances: this.instances.size, series, evictedInstances: this.evicted, expiredInstances: this.expired, dropped: { ...this.dropped } };
  }

  private prepare(metric: MetricHeaderIn): void {
    this.header = metric;
    const rule = SOURCES.get(metric.name);
    this.rule = rule;
    if (rule === undefined) return;
    const t = metric.type;
    const kindOk =
      rule.kind === 'level' ? t === 'gauge' || (t === 'sum' && !metric.monotonic)
      : rule.kind === 'rate' ? t === 'sum' && metric.monotonic
      : t === 'histogram' || t === 'exponentialHistogram';
    this.scale = kindOk ? unitScale(rule.dimension, metric.unit ?? '') : null;
  }

  /** The first of `keys` present in `attrs`, '' when none is (or there are no keys), null when too long (counted). */
  private attribute(attrs: AttrMap, keys: readonly string[] | undefined): string | null {
    if (keys === undefined) return '';
    for (const k of keys) {
      const v = attrString(attrs[k]);
      if (v === null) continue;
      if (v.length > this.maxLength) {
        this.dropped.tooLong++;
        return null;
      }
      return v;
    }
    return '';
  }

  /**
   * Per-second rate of a counter's point ending at `t` (ms): a delta over its
   * own interval (from its start time, else from the series' previous point);
   * a cumulative total against the previous total of the same stream, or, for
   * the first point of a stream (or after a restart: a new start time, or a
   * total that went down), its total over the time since its start. NaN when
   * the interval is unknown.
   */
  private rate(s: Series, value: number, startMs: number, t: number, temporality: Temporality): number {
    if (temporality === 'delta') {
      const from = startMs > 0 && startMs < t ? startMs : Number.isFinite(s.timeMs) ? s.timeMs : NaN;
      return value / ((t - from) / 1000);
    }
    const sameStream = Number.isFinite(s.prevTotal) && (startMs === 0 || startMs === s.prevStartMs) && value >= s.prevTotal;
    const rate = sameStream ? (value - s.prevTotal) / ((t - s.timeMs) / 1000) : startMs > 0 && startMs < t ? value / ((t - startMs) / 1000) : NaN;
    s.prevTotal = value;
    s.prevStartMs = startMs;
    return rate;
  }

  private instanceFor(resource: AttrMap, now: number): Instance | null {
    let inst = this.lastInstance;
    if (resource !== this.lastResource || inst === null || !inst.alive) {
      if (now >= this.nextExpiry) {
        this.nextExpiry = now + Math.min(this.ttlMs / 10, 60_000);
        this.expire(now);
      }
      const service = attrString(resource['service.name']);
      const id = attrString(resource['service.instance.id']);
      const host = attrString(resource['host.name']);
      if ((service?.length ?? 0) > this.maxLength || (id?.length ?? 0) > this.maxLength || (host?.length ?? 0) > this.maxLength) {
        this.dropped.tooLong++;
        return null;
      }
      const key = JSON.stringify([service, id, host]);
      inst = this.instances.get(key) ?? null;
      if (inst !== null) {
        // Map order is (about) recency order: the first is forgotten first.
        this.instances.delete(key);
        this.instances.set(key, inst);
      } else {
        if (this.instances.size >= this.maxInstances) {
          const oldest = this.instances.values().next().value;
          if (oldest !== undefined) {
            this.forget(oldest);
            this.evicted++;
          }
        }
        inst = { key, service, id, host, lastSeen: now, lastReportMs: -Infinity, series: new Map(), models: new Set(), alive: true };
        this.instances.set(key, inst);
      }
      this.lastResource = resource;
      this.lastInstance = inst;
    }
    if (now > inst.lastSeen) inst.lastSeen = now;
    return inst;
  }

  private seriesFor(inst: Instance, rule: SourceRule, group: string, state: string): Series | null {
    const key = `${rule.metric}\u0000${group}\u0000${state}`;
    let s = inst.series.get(key);
    if (s === undefined) {
      if (inst.series.size >= this.maxSeries) {
        this.dropped.seriesBound++;
        return null;
      }
      s = { rule, group, state, value: NaN, timeMs: -Infinity, prevTotal: NaN, prevStartMs: 0 };
      inst.series.set(key, s);
    }
    return s;
  }

  private *seriesValues(inst: Instance): Iterable<SeriesValue> {
    for (const s of inst.series.values()) {
      // A sparse series missing from a later report had nothing since: its rate is now zero.
      const value = s.rule.sparse === true && s.timeMs < inst.lastReportMs ? 0 : s.value;
      yield { metric: s.rule.metric, group: s.group, state: s.state, value };
    }
  }

  private forget(inst: Instance): void {
    inst.alive = false;
    this.instances.delete(inst.key);
    for (const m of inst.models) {
      const set = this.byModel.get(m);
      set?.delete(inst.key);
      if (set?.size === 0) this.byModel.delete(m);
    }
    if (this.lastInstance === inst) {
      this.lastInstance = null;
      this.lastResource = null;
    }
  }
}
