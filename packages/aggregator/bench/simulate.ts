// Simulated model traffic for the benchmarks that run in simulated time
// (alerting, detection): seeded normals, OTLP-shaped exports of the SDK's
// histograms, a baseline of 10,000 reference samples, and the seed's own
// drift detectors written as the seed describes them.
import { CONFIDENCE_BUCKETS, LATENCY_BUCKETS } from '@modelwatch/semconv';
import { ExponentialHistogram, ks2Samp } from '@modelwatch/stats';
import { BASELINE_FORMAT, type Baseline } from '../src/engine/index.js';
import type { MetricsRequest, Metric } from '../src/receiver/otlp/types.js';
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
    { ...base, name: 'ml.feature.value', type: 'exponentialHistogram', temporality: 'delta', points: [{ attributes: attrs({ 'ml.feature.name': 'x' }), startTimeUnixNano: start, timeUnixNano: time, flags: 0, count: d.count, scale: d.scale, zeroCount: d.zeroCount, zeroThreshold: 0, positive: d.positive, negative: d.negative }] },
    { ...base, name: 'ml.prediction.confidence', type: 'histogram', temporality: 'delta', points: [{ attributes: attrs({}), startTimeUnixNano: start, timeUnixNano: time, flags: 0, count: confs.length, bucketCounts: confCounts, explicitBounds: [...CONFIDENCE_BUCKETS] }] },
    { ...base, name: 'ml.inference.duration', type: 'histogram', temporality: 'delta', points: [{ attributes: attrs({}), startTimeUnixNano: start, timeUnixNano: time, flags: 0, count: confs.length, bucketCounts: durCounts, explicitBounds: [...LATENCY_BUCKETS] }] },
    { ...base, name: 'ml.predictions', type: 'sum', monotonic: true, temporality: 'delta', points: [{ attributes: attrs({ 'ml.prediction.label': 'positive' }), startTimeUnixNano: start, timeUnixNano: time, flags: 0, value: confs.length }] },
  ];
  return { resourceMetrics: [{ resource: { attributes: attrs({ 'ml.model.name': 'm' }) }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'bench', version: '', attributes: attrs({}) }, schemaUrl: '', metrics }] }] };
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

