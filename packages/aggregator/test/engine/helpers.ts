// Test helpers: seeded data and OTLP-shaped requests built directly, in the
// shapes the receiver produces (receiver/otlp/types.ts).
import { ks2Samp } from '@modelwatch/stats';
import type { ExpHistogramData } from '../../src/engine/index.js';
import type { MetricsRequest, Metric, Attributes } from '../../src/receiver/otlp/types.js';

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal samples by Box-Muller. */
export function normals(r: () => number, n: number, mean: number, sd: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - r();
    const v = r();
    out.push(mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

/** Bucket index of magnitude v at scale: base^i < v <= base^(i+1). */
function indexOf(v: number, scale: number): number {
  return Math.ceil(Math.log2(v) * 2 ** scale) - 1;
}

/** Exponential histogram of values like the SDK: start at scale 20, downscale until each sign fits maxSize. */
export function expHistogram(values: readonly number[], maxSize = 160): ExpHistogramData {
  let scale = 20;
  const range = (vs: number[]): number => (vs.length === 0 ? 0 : Math.max(...vs.map((v) => indexOf(v, scale))) - Math.min(...vs.map((v) => indexOf(v, scale))) + 1);
  const pos = values.filter((v) => v > 0);
  const neg = values.filter((v) => v < 0).map((v) => -v);
  while (scale > -10 && (range(pos) > maxSize || range(neg) > maxSize)) scale--;
  const side = (vs: number[]): { offset: number; bucketCounts: number[] } => {
    if (vs.length === 0) return { offset: 0, bucketCounts: [] };
    const idx = vs.map((v) => indexOf(v, scale));
    const lo = Math.min(...idx);
    const counts = new Array<number>(Math.max(...idx) - lo + 1).fill(0);
    for (const i of idx) counts[i - lo] = (counts[i - lo] as number) + 1;
    return { offset: lo, bucketCounts: counts };
  };
  return {
    scale,
    zeroCount: values.filter((v) => v === 0).length,
    positive: side(pos),
    negative: side(neg),
    count: values.length,
  };
}

/** Explicit-bucket counts of values (bucket k covers (bounds[k-1], bounds[k]]). */
export function explicitCounts(values: readonly number[], bounds: readonly number[]): number[] {
  const c = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) {
    let k = 0;
    while (k < bounds.length && v > (bounds[k] as number)) k++;
    c[k] = (c[k] as number) + 1;
  }
  return c;
}

/** Exact two-sample KS statistic of raw samples: `ks2Samp` of @modelwatch/stats (checked against scipy there). */
export function exactKs(a: readonly number[], b: readonly number[]): number {
  return ks2Samp([...a], [...b]).statistic;
}

const ns = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

function attrs(o: Record<string, unknown>): Attributes {
  return Object.assign(Object.create(null) as Attributes, o);
}

/** One metric with one point, for building requests. */
export type MetricSpec =
  | { kind: 'exp'; name: string; attrs?: Record<string, unknown>; values: readonly number[]; time: number }
  | { kind: 'explicit'; name: string; attrs?: Record<string, unknown>; bounds: readonly number[]; counts: readonly number[]; time: number }
  | { kind: 'sum'; name: string; attrs?: Record<string, unknown>; value: number; time: number };

/** Builds a metric of the receiver's data model. */
export function metric(spec: MetricSpec): Metric {
  const base = { attributes: attrs(spec.attrs ?? {}), startTimeUnixNano: ns(spec.time - 10_000), timeUnixNano: ns(spec.time), flags: 0 };
  const meta = { name: spec.name, description: '', unit: '', metadata: attrs({}) };
  switch (spec.kind) {
    case 'exp': {
      const h = expHistogram(spec.values);
      return {
        ...meta,
        type: 'exponentialHistogram',
        temporality: 'delta',
        points: [{ ...base, count: h.count, scale: h.scale, zeroCount: h.zeroCount, zeroThreshold: 0, positive: h.positive, negative: h.negative }],
      };
    }
    case 'explicit': {
      const count = spec.counts.reduce((s, c) => s + c, 0);
      return { ...meta, type: 'histogram', temporality: 'delta', points: [{ ...base, count, bucketCounts: [...spec.counts], explicitBounds: [...spec.bounds] }] };
    }
    case 'sum':
      return { ...meta, type: 'sum', monotonic: true, temporality: 'delta', points: [{ ...base, value: spec.value }] };
  }
}

/** A request with the given metrics under one resource and scope. */
export function request(metrics: Metric[], resource: Record<string, unknown> = {}, scope: Record<string, unknown> = {}): MetricsRequest {
  return {
    resourceMetrics: [
      { resource: { attributes: attrs(resource) }, schemaUrl: '', scopeMetrics: [{ scope: { name: 't', version: '', attributes: attrs(scope) }, schemaUrl: '', metrics }] },
    ],
  };
}
