// Simulated model traffic for the benchmarks that run in simulated time
// (alerting, detection): seeded normals, OTLP-shaped exports of the SDK's
// histograms, a baseline of 10,000 reference samples, and the seed's own
// drift detectors written as the seed describes them.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { CONFIDENCE_BUCKETS, LATENCY_BUCKETS, METRIC_ML_FEATURE_VALUE } from '@modelwatch/semconv';
import { ExponentialHistogram, ks2Samp, mapToIndex, bucketLowerBoundary, type ExpHistogramData } from '@modelwatch/stats';
import { BASELINE_FORMAT, type Baseline } from '../src/engine/index.js';
import type { MetricsRequest, Metric } from '../src/receiver/otlp/types.js';
import { decodeMetricsRequest } from '../src/receiver/otlp/decode-protobuf.js';
import { rng } from '../test/engine/helpers.js';

/** The simulations' epoch. */
export const T0 = Date.UTC(2026, 0, 1);

/** The tests' seeded PRNG, so a bench and a test with one seed see one stream. */
export { rng };
export const normal = (r: () => number): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
/** Confidence of a healthy classifier: 0.75..1, most near 1 (none "low"). */
export const confidence = (r: () => number): number => 1 - 0.25 * r() * r();

export const attrs = (o: Record<string, unknown>): Record<string, never> => Object.assign(Object.create(null) as object, o) as Record<string, never>;

/** Index of the explicit bucket holding v: (bounds[i-1], bounds[i]]. */
export function bucketOf(bounds: readonly number[], v: number): number {
  let i = 0;
  while (i < bounds.length && v > (bounds[i] as number)) i++;
  return i;
}

/**
 * One SDK export of model `m` covering `exportMs` up to `t`: an exponential
 * histogram of the values of feature x, and the confidences of as many
 * predictions (confidence and duration histograms, the label counter).
 */
export function exportRequest(t: number, xs: readonly number[], confs: readonly number[], exportMs: number): MetricsRequest {
  const h = new ExponentialHistogram({ maxSize: 160 });
  for (const x of xs) h.record(x);
  const d = h.toData();
  const start = BigInt(t - exportMs) * 1_000_000n;
  const time = BigInt(t) * 1_000_000n;
  const confCounts = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
  for (const c of confs) {
    const i = bucketOf(CONFIDENCE_BUCKETS, c);
    confCounts[i] = (confCounts[i] ?? 0) + 1;
  }
  const durCounts = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  durCounts[bucketOf(LATENCY_BUCKETS, 0.02)] = confs.length;
  const base = { description: '', unit: '', metadata: attrs({}) };
  const metrics: Metric[] = [
    featureMetric(t, exportMs, [['x', d]]),
    { ...base, name: 'ml.prediction.confidence', type: 'histogram', temporality: 'delta', points: [{ attributes: attrs({}), startTimeUnixNano: start, timeUnixNano: time, flags: 0, count: confs.length, bucketCounts: confCounts, explicitBounds: [...CONFIDENCE_BUCKETS] }] },
    { ...base, name: 'ml.inference.duration', type: 'histogram', temporality: 'delta', points: [{ attributes: attrs({}), startTimeUnixNano: start, timeUnixNano: time, flags: 0, count: confs.length, bucketCounts: durCounts, explicitBounds: [...LATENCY_BUCKETS] }] },
    { ...base, name: 'ml.predictions', type: 'sum', monotonic: true, temporality: 'delta', points: [{ attributes: attrs({ 'ml.prediction.label': 'positive' }), startTimeUnixNano: start, timeUnixNano: time, flags: 0, value: confs.length }] },
  ];
  return modelRequest('m', metrics);
}

/** The `ml.feature.value` metric of one export covering `exportMs` up to `t`: one exponential-histogram point per feature. */
export function featureMetric(t: number, exportMs: number, features: ReadonlyArray<readonly [string, ExpHistogramData]>): Metric {
  const startTimeUnixNano = BigInt(t - exportMs) * 1_000_000n;
  const timeUnixNano = BigInt(t) * 1_000_000n;
  const points = features.map(([name, d]) => ({ attributes: attrs({ 'ml.feature.name': name }), startTimeUnixNano, timeUnixNano, flags: 0, count: d.count, scale: d.scale, zeroCount: d.zeroCount, zeroThreshold: 0, positive: d.positive, negative: d.negative }));
  return { name: 'ml.feature.value', description: '', unit: '', metadata: attrs({}), type: 'exponentialHistogram', temporality: 'delta', points };
}

/** A metrics request of model `model` holding `metrics`, as one SDK export. */
export function modelRequest(model: string, metrics: Metric[]): MetricsRequest {
  return { resourceMetrics: [{ resource: { attributes: attrs({ 'ml.model.name': model }) }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'bench', version: '', attributes: attrs({}) }, schemaUrl: '', metrics }] }] };
}

/** The reference: 10,000 samples of x and of the confidence, as raw values and as a baseline. */
export function reference(seed: number): { xs: number[]; confs: number[]; baseline: Baseline } {
  const r = rng(seed);
  const xs = Array.from({ length: 10_000 }, () => 100 + 20 * normal(r));
  const confs = Array.from({ length: 10_000 }, () => confidence(r));
  const h = new ExponentialHistogram({ maxSize: 160 });
  for (const x of xs) h.record(x);
  const counts = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
  for (const c of confs) {
    const i = bucketOf(CONFIDENCE_BUCKETS, c);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const baseline: Baseline = {
    format: BASELINE_FORMAT, model: 'm', createdAt: new Date(T0).toISOString(),
    features: { x: { type: 'numeric', histogram: h.toData(), missing: 0 } },
    prediction: { confidence: { bounds: [...CONFIDENCE_BUCKETS], counts }, labels: { positive: 10_000 } },
  };
  return { xs, confs, baseline };
}

/** The seed's KS detector: fixed windows of 1,000 raw values against the reference, D >= 0.15 is warning. */
export class SeedKs {
  private window: number[] = [];
  /** The largest D of the windows completed by the last {@link add} (NaN when none completed). */
  lastD = Number.NaN;
  constructor(private readonly ref: number[]) {}
  /** Adds values; returns the worst severity of the windows that completed. */
  add(xs: readonly number[]): 'none' | 'info' | 'warning' | 'critical' {
    let worst: 'none' | 'info' | 'warning' | 'critical' = 'none';
    const rank = { none: 0, info: 1, warning: 2, critical: 3 };
    this.lastD = Number.NaN;
    for (const x of xs) {
      this.window.push(x);
      if (this.window.length < 1000) continue;
      // Only D is used (the seed has no significance test): the asymptotic method skips the exact p-value's cost.
      const d = ks2Samp(this.ref, this.window, { method: 'asymp' }).statistic;
      this.window = [];
      if (!(d <= this.lastD)) this.lastD = d;
      const sev = d >= 0.25 ? 'critical' : d >= 0.15 ? 'warning' : d >= 0.1 ? 'info' : 'none';
      if (rank[sev] > rank[worst]) worst = sev;
    }
    return worst;
  }
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26 for erf: absolute error below 1.5e-7, ample for a KS distance to 3 decimals). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * The true KS distance between the reference N(100, 20) and an equal-weight
 * mixture of normals (one component for a stationary population; several
 * for a window over a ramp): the supremum of the CDFs' difference, on a
 * grid of 0.02 sd over +-6 sd (N(0,1) against N(d,1): 2 Phi(d/2) - 1).
 */
export function trueKs(parts: ReadonlyArray<{ mean: number; sd: number }>): number {
  let d = 0;
  for (let x = 100 - 6 * 20; x <= 100 + 6 * 20 + 1e-9; x += 0.4) {
    let mix = 0;
    for (const p of parts) mix += normalCdf((x - p.mean) / p.sd);
    d = Math.max(d, Math.abs(normalCdf((x - 100) / 20) - mix / parts.length));
  }
  return d;
}

/** The seed's PSI detector: 10 fixed bins on [0, 1], windows of 1,000 confidences, PSI >= 0.1 alerts (info). */
export class SeedPsi {
  private readonly expected: number[];
  private window: number[] = [];
  constructor(ref: number[]) {
    this.expected = SeedPsi.dist(ref);
  }
  private static dist(values: readonly number[]): number[] {
    const h = new Array<number>(10).fill(0);
    for (const v of values) {
      const i = Math.min(9, Math.floor(v * 10));
      h[i] = (h[i] ?? 0) + 1;
    }
    return h.map((c) => c / values.length);
  }
  /** Adds values; returns the number of windows that alerted. */
  add(cs: readonly number[]): number {
    let alerts = 0;
    for (const c of cs) {
      this.window.push(c);
      if (this.window.length < 1000) continue;
      const actual = SeedPsi.dist(this.window);
      this.window = [];
      let psi = 0;
      for (let i = 0; i < 10; i++) {
        // The seed floors empty bins at 0.0001.
        const e = Math.max(this.expected[i] as number, 0.0001);
        const a = Math.max(actual[i] as number, 0.0001);
        psi += (a - e) * Math.log(a / e);
      }
      if (psi >= 0.1) alerts++;
    }
    return alerts;
  }
}


/**
 * Exponential-histogram exports of N(mean, sd) without drawing each value:
 * each value's bucket at `scale` is drawn from the buckets' exact
 * probabilities (Walker's alias method: one uniform and one comparison a
 * value, against a normal draw, a log and the histogram's bookkeeping). The
 * counts of a histogram of n independent values are multinomial over its
 * buckets, so these exports are distributed exactly as recorded ones
 * downscaled to `scale`; a drift statistic computed at `scale` or coarser
 * (the reference's scale: the engine compares at the coarser of the two)
 * cannot tell them apart. This is what makes 10 days x 20 features at 1,000
 * values/s (17 billion values) a few minutes' work. Values beyond 8 sd
 * (probability 1e-15) are left out; nor are values within 2^-4 of 0 (1e-9 for the
 * benchmarks' N(100, 20)).
 */
export class BucketSampler {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  /** Bucket k of the table: a positive index when k < positives, else a negative one. */
  private readonly positives: number;
  private readonly posOffset: number;
  private readonly negOffset: number;
  private readonly negatives: number;

  constructor(mean: number, sd: number, readonly scale: number) {
    const lo = mean - 8 * sd;
    const hi = mean + 8 * sd;
    const cdf = (v: number): number => normalCdfPrecise((v - mean) / sd);
    const tiny = 2 ** -4;
    const weights: number[] = [];
    // Positive buckets: (base^i, base^(i+1)] over [tiny, hi].
    const pFrom = mapToIndex(Math.max(tiny, lo), scale);
    const pTo = hi > tiny ? mapToIndex(hi, scale) : pFrom - 1;
    for (let i = pFrom; i <= pTo; i++) weights.push(Math.max(0, cdf(bucketLowerBoundary(i + 1, scale)) - cdf(Math.max(bucketLowerBoundary(i, scale), tiny))));
    this.positives = weights.length;
    this.posOffset = pFrom;
    // Negative buckets: values in [-base^(i+1), -base^i).
    const nFrom = mapToIndex(Math.max(tiny, -hi), scale);
    const nTo = lo < -tiny ? mapToIndex(-lo, scale) : nFrom - 1;
    for (let i = nFrom; i <= nTo; i++) weights.push(Math.max(0, cdf(-Math.max(bucketLowerBoundary(i, scale), tiny)) - cdf(-bucketLowerBoundary(i + 1, scale))));
    this.negatives = weights.length - this.positives;
    this.negOffset = nFrom;
    // Vose's alias table.
    const k = weights.length;
    const total = weights.reduce((a, b) => a + b, 0);
    const scaled = weights.map((w) => (w * k) / total);
    this.prob = new Float64Array(k);
    this.alias = new Int32Array(k);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((w, i) => (w < 1 ? small : large).push(i));
    while (small.length > 0 && large.length > 0) {
      const l = small.pop() as number;
      const g = large.pop() as number;
      this.prob[l] = scaled[l] as number;
      this.alias[l] = g;
      scaled[g] = (scaled[g] as number) + (scaled[l] as number) - 1;
      (scaled[g] < 1 ? small : large).push(g);
    }
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  /** The histogram of `n` values. */
  sample(r: () => number, n: number): ExpHistogramData {
    const k = this.prob.length;
    const counts = new Array<number>(k).fill(0);
    for (let j = 0; j < n; j++) {
      const u = r() * k;
      const i = Math.floor(u);
      const b = u - i < (this.prob[i] as number) ? i : (this.alias[i] as number);
      counts[b] = (counts[b] as number) + 1;
    }
    return {
      scale: this.scale,
      zeroCount: 0,
      positive: { offset: this.posOffset, bucketCounts: counts.slice(0, this.positives) },
      negative: { offset: this.negOffset, bucketCounts: counts.slice(this.positives, this.positives + this.negatives) },
      count: n,
    };
  }
}

/** The standard normal CDF to double precision in the tails (erfc by its continued fraction past 3 sd), for {@link BucketSampler}'s bucket probabilities. */
export function normalCdfPrecise(z: number): number {
  if (Math.abs(z) < 3) return normalCdf(z);
  // Lentz's continued fraction for the upper tail Q(x) = phi(x) / (x + 1/(x + 2/(x + 3/(x + ...)))).
  const x = Math.abs(z);
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / f;
  const q = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI) / f;
  return z < 0 ? q : 1 - q;
}

/**
 * Feature values through the production path, in simulated time: the
 * OpenTelemetry JS SDK's histogram with the exponential view and delta
 * temporality, collected by a manual reader, serialised by the SDK's own OTLP
 * protobuf serializer and decoded by our receiver. The SDK stamps points with
 * the wall clock; each export is moved to its simulated time `t` after decoding
 * (nothing else is touched).
 */
export class SdkFeatureExporter {
  private readonly reader = new ManualReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  private readonly provider: MeterProvider;
  private readonly histogram;

  constructor(model: string) {
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'ml.model.name': model }),
      readers: [this.reader],
      views: [{ instrumentName: METRIC_ML_FEATURE_VALUE, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    this.histogram = this.provider.getMeter('bench').createHistogram(METRIC_ML_FEATURE_VALUE);
  }

  /** Records `xs` as feature `x` and returns the export covering `exportMs` up to `t`. */
  async export(t: number, xs: readonly number[], exportMs: number): Promise<MetricsRequest> {
    const attributes = { 'ml.feature.name': 'x' };
    for (const x of xs) this.histogram.record(x, attributes);
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new Error(`SDK collection failed: ${errors.join('; ')}`);
    const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
    if (bytes === undefined) throw new Error('the SDK serializer returned nothing');
    const req = decodeMetricsRequest(bytes);
    for (const rm of req.resourceMetrics) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          for (const p of m.points) {
            p.startTimeUnixNano = BigInt(t - exportMs) * 1_000_000n;
            p.timeUnixNano = BigInt(t) * 1_000_000n;
          }
        }
      }
    }
    return req;
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}
