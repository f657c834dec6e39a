/**
 * Cumulative-to-delta conversion per stream, so everything downstream of the
 * receiver sees delta temporality whatever the sender chose.
 *
 * A stream is resource + scope + metric name and kind + point attributes.
 * Rules (the same as the Collector's cumulativetodelta processor where it
 * has one):
 * - The first cumulative point of a stream is passed on as a delta covering
 *   its own [start, time] interval: a cumulative point *is* the total since
 *   its start time, so nothing is lost or counted twice.
 * - A later point with the same start time becomes the difference to the
 *   previous point, covering (previous time, time].
 * - A restart is a changed start time, or any decrease (count, sum of a
 *   monotonic counter, a bucket, bucket bounds changed, a finer exp-histogram
 *   scale); the point is then passed on as the first point of a new stream.
 * - A point no newer than the stream's last one: a repeat (same time, no
 *   larger total) is dropped silently (a retried export); an older one is
 *   rejected. A point with the same time and a larger total is the next
 *   snapshot, not a repeat: SDKs stamp points in milliseconds, so two exports
 *   in one millisecond share a time (dropping it would lose the increment
 *   whenever it is the stream's last).
 * - Non-monotonic cumulative sums (up-down counters) are levels, not totals,
 *   and pass through unchanged (still marked cumulative). Gauges, summaries
 *   and delta data pass through. Points of `unspecified` temporality are rejected.
 * - Converted histogram points carry no `min`/`max` (the interval's extremes
 *   cannot be derived from two cumulative ones).
 *
 * Tracked streams are bounded (least recently seen evicted first) and expire
 * after a TTL; both are counted. Pure: no clock, `now` is passed in.
 *
 * @packageDocumentation
 */
import type {
  AnyValue,
  Attributes,
  DataPoint,
  MetricHeader,
  Resource,
  Scope,
  ExpBuckets,
  ExpHistogramPoint,
  HistogramPoint,
  Metric,
  MetricsRequest,
  NumberPoint,
  ResourceMetrics,
} from './otlp/types.js';

/** Options of {@link DeltaConverter}. */
export interface DeltaConverterOptions {
  /** Streams remembered at most; the least recently seen is evicted first. @default 100000 */
  maxStreams?: number;
  /** A stream unseen for this long (ms) is forgotten. @default 3600000 (1 h) */
  ttlMs?: number;
}

/** Result of {@link DeltaConverter.convert}. */
export interface DeltaConversion {
  /** The request with every cumulative monotonic sum and histogram turned into deltas. */
  request: MetricsRequest;
  /** Points refused (older than the stream's last point, or unspecified temporality). */
  rejectedDataPoints: number;
  /** One message per kind of refusal, for the partial-success response. */
  errors: string[];
}

/** Counters of a {@link DeltaConverter}. */
export interface DeltaConverterStats {
  trackedStreams: number;
  evictedStreams: number;
  expiredStreams: number;
  restarts: number;
}

type Prev =
  | { kind: 'sum'; start: bigint; time: bigint; value: number; seenMs: number }
  | { kind: 'histogram'; start: bigint; time: bigint; point: HistogramPoint; seenMs: number }
  | { kind: 'exp'; start: bigint; time: bigint; point: ExpHistogramPoint; seenMs: number };

/** Converts cumulative OTLP metrics to delta, remembering the last point of each stream. */
export class DeltaConverter {
  private readonly streams = new Map<string, Prev>();
  private readonly maxStreams: number;
  private readonly ttlMs: number;
  private evicted = 0;
  private expired = 0;
  private restarts = 0;

  constructor(options: DeltaConverterOptions = {}) {
    this.maxStreams = options.maxStreams ?? 100_000;
    this.ttlMs = options.ttlMs ?? 3_600_000;
    if (!Number.isInteger(this.maxStreams) || this.maxStreams < 1) {
      throw new RangeError(`DeltaConverter: maxStreams must be a positive integer, got ${options.maxStreams}`);
    }
    if (!(this.ttlMs > 0)) throw new RangeError(`DeltaConverter: ttlMs must be > 0, got ${options.ttlMs}`);
  }

  /**
   * The converter's state as JSON, so a restarted aggregator keeps turning
   * cumulative streams into deltas instead of counting their totals again.
   * bigint, bytes and non-finite numbers are tagged so they survive JSON.
   */
  snapshot(): string {
    return JSON.stringify(
      { streams: [...this.streams], evicted: this.evicted, expired: this.expired, restarts: this.restarts },
      (_key, value: unknown) => {
        if (typeof value === 'bigint') return { $bigint: value.toString() };
        if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
        if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
        return value;
      },
    );
  }

  /** Rebuilds a converter from {@link DeltaConverter.snapshot}'s output. */
  static restore(json: string, options: DeltaConverterOptions = {}): DeltaConverter {
    const data = JSON.parse(json, (_key, value: unknown) => {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const v = value as Record<string, unknown>;
        if (typeof v.$bigint === 'string') return BigInt(v.$bigint);
        if (typeof v.$number === 'string') return Number(v.$number);
        if (typeof v.$bytes === 'string') return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
      }
      return value;
    }) as { streams: [string, Prev][]; evicted: number; expired: number; restarts: number };
    const c = new DeltaConverter(options);
    for (const [key, prev] of data.streams) c.streams.set(key, prev);
    c.evicted = data.evicted;
    c.expired = data.expired;
    c.restarts = data.restarts;
    return c;
  }

  /** Counters since construction. */
  stats(): DeltaConverterStats {
    return { trackedStreams: this.streams.size, evictedStreams: this.evicted, expiredStreams: this.expired, restarts: this.restarts };
  }

  /** Converts a whole decoded request (the cumulative points of it to deltas). */
  convert(req: MetricsRequest, nowMs: number): DeltaConversion {
    this.expire(nowMs);
    const rejections = new DeltaRejections();
    const resourceMetrics: ResourceMetrics[] = req.resourceMetrics.map((rm) => ({
      ...rm,
      scopeMetrics: rm.scopeMetrics.map((sm) => {
        const metrics: Metric[] = [];
        for (const m of sm.metrics) {
          const temporality = m.type === 'gauge' || m.type === 'summary' ? 'delta' : m.temporality;
          if (temporality === 'unspecified') {
            // A metric of unspecified temporality is dropped whole (not even an empty shell remains).
            for (const p of m.points) this.convertPoint(rm.resource, sm.scope, m, p, nowMs, rejections);
            continue;
          }
          const points: DataPoint[] = [];
          for (const p of m.points) {
            const d = this.convertPoint(rm.resource, sm.scope, m, p, nowMs, rejections);
            if (d !== undefined) points.push(d);
          }
          // Converted metrics are delta from here on (a cumulative non-monotonic sum is taken as it is).
          const converted = temporality === 'cumulative' && (m.type !== 'sum' || m.monotonic);
          metrics.push({ ...m, ...(converted ? { temporality: 'delta' } : {}), points } as Metric);
        }
        return { ...sm, metrics };
      }),
    }));
    return { request: { resourceMetrics }, rejectedDataPoints: rejections.count, errors: rejections.messages() };
  }

  /**
   * Drops streams not seen for the TTL. Call once per request before
   * {@link convertPoint} ({@link convert} does).
   */
  expire(nowMs: number): void {
    // Map order is recency order, so expired entries are at the front.
    for (const [key, prev] of this.streams) {
      if (nowMs - prev.seenMs <= this.ttlMs) break;
      this.streams.delete(key);
      this.expired++;
    }
  }

  /**
   * Converts one point of `metric` (under `resource` and `scope`): delta,
   * gauge and summary points come back as they are; a cumulative point comes
   * back as the delta since its stream's previous point (the first point of
   * a stream as it is). Returns `undefined` when there is nothing to ingest
   * (a duplicate; a stale or unspecified-temporality point, counted in
   * `rejections`). What it keeps of a point is copied, so a streaming
   * decoder may reuse the point afterwards.
   */
  convertPoint(resource: Resource, scope: Scope, metric: MetricHeader, p: DataPoint, nowMs: number, rejections: DeltaRejections): DataPoint | undefined {
    switch (metric.type) {
      case 'gauge':
      case 'summary':
        return p;
      case 'sum':
        if (metric.temporality === 'unspecified') break;
        if (metric.temporality === 'delta' || !metric.monotonic) return p;
        return this.checked(this.sum(p as NumberPoint, this.streamKey(resource, scope, metric, p), nowMs), rejections);
      case 'histogram':
        if (metric.temporality === 'unspecified') break;
        if (metric.temporality === 'delta') return p;
        return this.checked(this.histogram(p as HistogramPoint, this.streamKey(resource, scope, metric, p), nowMs), rejections);
      case 'exponentialHistogram':
        if (metric.temporality === 'unspecified') break;
        if (metric.temporality === 'delta') return p;
        return this.checked(this.exp(p as ExpHistogramPoint, this.streamKey(resource, scope, metric, p), nowMs), rejections);
    }
    rejections.add('aggregation temporality is unspecified');
    return undefined;
  }

  private checked<P>(r: P | 'duplicate' | 'stale', rejections: DeltaRejections): P | undefined {
    if (r === 'stale') rejections.add('cumulative point older than the last one of its stream');
    return r === 'stale' || r === 'duplicate' ? undefined : r;
  }

  // The stream key's resource and scope parts, cached for the run of points under the same objects.
  private keyResource: Resource | undefined;
  private keyScope: Scope | undefined;
  private keyPrefix = '';

  private streamKey(resource: Resource, scope: Scope, metric: MetricHeader, p: DataPoint): string {
    if (resource !== this.keyResource || scope !== this.keyScope) {
      this.keyResource = resource;
      this.keyScope = scope;
      this.keyPrefix = `${attributesKey(resource.attributes)}|${JSON.stringify(scope.name)}|${JSON.stringify(scope.version)}|${attributesKey(scope.attributes)}`;
    }
    return `${this.keyPrefix}|${metric.type}|${JSON.stringify(metric.name)}|${attributesKey(p.attributes)}`;
  }

  /** Looks a stream up, refreshing its recency. */
  private get(key: string): Prev | undefined {
    const prev = this.streams.get(key);
    if (prev !== undefined) this.streams.delete(key);
    return prev;
  }

  private put(key: string, prev: Prev): void {
    this.streams.set(key, prev);
    // Bounded: evicts at most one per insertion since size grows by one.
    if (this.streams.size > this.maxStreams) {
      const oldest = this.streams.keys().next().value;
      if (oldest !== undefined) {
        this.streams.delete(oldest);
        this.evicted++;
      }
    }
  }

  /** Classifies a point against the stream's previous one; `grew`: its total is larger than the previous point's. */
  private order(prev: Prev | undefined, start: bigint, time: bigint, grew: boolean): 'first' | 'same-stream' | 'restart' | 'duplicate' | 'stale' {
    if (prev === undefined) return 'first';
    if (start !== prev.start) {
      // A restart has a later start; an older start is a stale point of a previous incarnation.
      if (time < prev.time) return 'stale';
      return 'restart';
    }
    if (time === prev.time) return grew ? 'same-stream' : 'duplicate';
    if (time < prev.time) return 'stale';
    return 'same-stream';
  }

  private sum(p: NumberPoint, key: string, nowMs: number): NumberPoint | 'duplicate' | 'stale' {
    const prev = this.get(key);
    const o = this.order(prev, p.startTimeUnixNano, p.timeUnixNano, prev?.kind === 'sum' && p.value > prev.value);
    if (o === 'duplicate' || o === 'stale') {
      if (prev !== undefined) this.streams.set(key, prev);
      return o;
    }
    let out: NumberPoint = p;
    if (o === 'same-stream' && prev?.kind === 'sum' && p.value >= prev.value) {
      out = { ...p, startTimeUnixNano: prev.time, value: p.value - prev.value };
    } else if (o !== 'first') {
      this.restarts++;
    }
    this.put(key, { kind: 'sum', start: p.startTimeUnixNano, time: p.timeUnixNano, value: p.value, seenMs: nowMs });
    return out;
  }

  private histogram(p: HistogramPoint, key: string, nowMs: number): HistogramPoint | 'duplicate' | 'stale' {
    return this.bucketed(p, key, nowMs, (prev) => (prev.kind === 'histogram' ? subtractHistogram(p, prev.point) : undefined), (point) => ({
      kind: 'histogram', start: p.startTimeUnixNano, time: p.timeUnixNano, seenMs: nowMs,
      point: { ...point, bucketCounts: point.bucketCounts.slice(), explicitBounds: point.explicitBounds.slice() },
    }));
  }

  private exp(p: ExpHistogramPoint, key: string, nowMs: number): ExpHistogramPoint | 'duplicate' | 'stale' {
    return this.bucketed(p, key, nowMs, (prev) => (prev.kind === 'exp' ? subtractExpHistogram(p, prev.point) : undefined), (point) => ({
      kind: 'exp', start: p.startTimeUnixNano, time: p.timeUnixNano, seenMs: nowMs,
      // Copied: a streamed point's counts are views of the decoder's scratch buffer.
      point: {
        ...point,
        positive: { offset: point.positive.offset, bucketCounts: Array.from(point.positive.bucketCounts) },
        negative: { offset: point.negative.offset, bucketCounts: Array.from(point.negative.bucketCounts) },
      },
    }));
  }

  /** Explicit and exponential histograms: the same ordering and reset rules, each with its own subtraction. */
  private bucketed<P extends HistogramPoint | ExpHistogramPoint>(
    p: P,
    key: string,
    nowMs: number,
    subtract: (prev: Prev) => P | undefined,
    remember: (point: P) => Prev,
  ): P | 'duplicate' | 'stale' {
    const prev = this.get(key);
    const grew = prev !== undefined && (prev.kind === 'histogram' || prev.kind === 'exp') && p.count > prev.point.count;
    const o = this.order(prev, p.startTimeUnixNano, p.timeUnixNano, grew);
    if (o === 'duplicate' || o === 'stale') {
      if (prev !== undefined) this.streams.set(key, prev);
      return o;
    }
    let out: P = p;
    const d = o === 'same-stream' && prev !== undefined ? subtract(prev) : undefined;
    // A same-time point that does not subtract cleanly is no restart (a restart moves the start): refuse it.
    if (d === undefined && o === 'same-stream' && prev !== undefined && p.timeUnixNano === prev.time) {
      this.streams.set(key, prev);
      return 'stale';
    }
    if (d !== undefined) out = d;
    else if (o !== 'first') this.restarts++;
    this.put(key, remember(p));
    return out;
  }
}

/** cur - prev for explicit-bucket histograms; `undefined` when that is not a valid histogram (a reset). */
export function subtractHistogram(cur: HistogramPoint, prev: HistogramPoint): HistogramPoint | undefined {
  if (cur.count < prev.count) return undefined;
  if (cur.explicitBounds.length !== prev.explicitBounds.length || cur.bucketCounts.length !== prev.bucketCounts.length) return undefined;
  for (let i = 0; i < cur.explicitBounds.length; i++) if (cur.explicitBounds[i] !== prev.explicitBounds[i]) return undefined;
  const bucketCounts = new Array<number>(cur.bucketCounts.length);
  for (let i = 0; i < bucketCounts.length; i++) {
    const d = (cur.bucketCounts[i] as number) - (prev.bucketCounts[i] as number);
    if (d < 0) return undefined;
    bucketCounts[i] = d;
  }
  return {
    ...cur,
    startTimeUnixNano: prev.timeUnixNano,
    count: cur.count - prev.count,
    sum: cur.sum !== undefined && prev.sum !== undefined ? cur.sum - prev.sum : undefined,
    min: undefined,
    max: undefined,
    bucketCounts,
  };
}

/** Re-buckets `b` from `fromScale` to the coarser `toScale` (index i -> i >> (fromScale - toScale)). */
function downscale(b: ExpBuckets, by: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let k = 0; k < b.bucketCounts.length; k++) {
    const c = b.bucketCounts[k] as number;
    if (c === 0) continue;
    const idx = (b.offset + k) >> by;
    out.set(idx, (out.get(idx) ?? 0) + c);
  }
  return out;
}

function subtractBuckets(cur: ExpBuckets, prev: ExpBuckets, by: number): ExpBuckets | undefined {
  const prevCounts = downscale(prev, by);
  const bucketCounts = Array.from(cur.bucketCounts);
  for (const [idx, c] of prevCounts) {
    const k = idx - cur.offset;
    const have = k >= 0 && k < bucketCounts.length ? (bucketCounts[k] as number) : 0;
    if (have < c) return undefined;
    bucketCounts[k] = have - c;
  }
  return { offset: cur.offset, bucketCounts };
}

/**
 * cur - prev for base-2 exponential histograms, at cur's scale (the SDK only
 * ever lowers the scale of a cumulative stream, so prev is re-bucketed down);
 * `undefined` when the result would not be a valid histogram (a reset).
 */
export function subtractExpHistogram(cur: ExpHistogramPoint, prev: ExpHistogramPoint): ExpHistogramPoint | undefined {
  if (cur.count < prev.count || cur.zeroCount < prev.zeroCount || cur.scale > prev.scale) return undefined;
  if (cur.zeroThreshold !== prev.zeroThreshold) return undefined;
  const by = prev.scale - cur.scale;
  const positive = subtractBuckets(cur.positive, prev.positive, by);
  const negative = subtractBuckets(cur.negative, prev.negative, by);
  if (positive === undefined || negative === undefined) return undefined;
  return {
    ...cur,
    startTimeUnixNano: prev.timeUnixNano,
    count: cur.count - prev.count,
    sum: cur.sum !== undefined && prev.sum !== undefined ? cur.sum - prev.sum : undefined,
    min: undefined,
    max: undefined,
    zeroCount: cur.zeroCount - prev.zeroCount,
    positive,
    negative,
  };
}

/** Points the converter refused, counted by reason. */
export class DeltaRejections {
  count = 0;
  private readonly reasons = new Map<string, number>();

  add(reason: string, n = 1): void {
    this.count += n;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }

  /** One message per reason, e.g. "3 data points: aggregation temporality is unspecified". */
  messages(): string[] {
    return [...this.reasons].map(([reason, n]) => `${n} data point${n === 1 ? '' : 's'}: ${reason}`);
  }
}

/** A canonical string for an attribute set (keys sorted, values typed). */
export function attributesKey(attrs: Attributes): string {
  const keys = Object.keys(attrs);
  if (keys.length === 0) return '{}';
  keys.sort();
  let s = '{';
  for (const k of keys) s += `${JSON.stringify(k)}:${valueKey(attrs[k] ?? null)},`;
  return `${s}}`;
}

function valueKey(v: AnyValue): string {
  if (v === null) return 'n';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return `d${v}`;
  if (typeof v === 'bigint') return `i${v}`;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Uint8Array) return `b${Array.from(v, (x) => x.toString(16).padStart(2, '0')).join('')}`;
  if (Array.isArray(v)) return `[${v.map(valueKey).join(',')}]`;
  return attributesKey(v);
}
