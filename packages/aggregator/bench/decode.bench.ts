// Decode-only throughput of the OTLP receiver: the realistic payload (see
// decode-payload.ts) encoded once, then decoded repeatedly on one core.
// Prints a JSON line; `run()` is what the aggregator bench runner includes.
import { decodeMetricsRequest, scanMetricsRequest } from '../src/receiver/otlp/decode-protobuf.js';
import { decodeMetricsJson } from '../src/receiver/otlp/decode-json.js';
import { countDataPoints } from '../src/receiver/otlp/types.js';
import { buildPayload } from './decode-payload.js';

/** Median of `xs` (mean of the middle two for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Points per CPU-second of `decode` (which returns the points it handled)
 * over one run of at least `minMs` of CPU time, at most 10,000 calls. CPU
 * time of this (single-threaded) process rather than wall time, so other
 * work on a shared machine does not count against us.
 */
export function rateOnce(decode: () => number, minMs: number): number {
  let points = 0;
  const t0 = cpuMsSelf();
  let elapsed = 0;
  for (let i = 0; i < 10_000 && elapsed < minMs; i++) {
    points += decode();
    elapsed = cpuMsSelf() - t0;
  }
  return points / (elapsed / 1000);
}

/** Median of {@link rateOnce} over `runs` runs of at least `minMs` each, after a warm-up. */
function measure(decode: () => number, runs: number, minMs: number): number {
  for (let i = 0; i < 3; i++) decode(); // warm up the JIT
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(rateOnce(decode, minMs));
  return median(rates);
}

/**
 * Decodes a protobuf metrics request as the receiver does, and nothing else:
 * the check pass, then a visit of every point (no decoded tree). Returns the
 * number of points.
 */
export function streamDecode(body: Uint8Array): number {
  let n = 0;
  scanMetricsRequest(body).forEachPoint(() => {
    n++;
  });
  return n;
}

/** CPU milliseconds (user + system) this process has used. */
export function cpuMsSelf(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Histogram points per CPU-second of decoding `payload` only, the way the
 * receiver decodes it (check pass, then every point visited), with nothing
 * done with the points (median of 5 runs of >= 300 ms).
 * @throws Error when the decode does not find the payload's points.
 */
export function decodeOnlyRate(payload: { body: Uint8Array; points: number; histogramPoints: number }): number {
  const decoded = streamDecode(payload.body);
  if (decoded !== payload.points) throw new Error(`the receiver decoded ${decoded} points, the SDK exported ${payload.points}`);
  return Math.round(
    measure(() => {
      streamDecode(payload.body);
      return payload.histogramPoints;
    }, 5, 300),
  );
}

export interface DecodeBenchResult {
  /** The receiver's decode ({@link streamDecode}). */
  decodeOnlyPointsPerSecond: number;
  /** `decodeMetricsRequest`: the same bytes decoded into a tree of plain objects (tests, tools). */
  treeDecodePointsPerSecond: number;
  jsonDecodePointsPerSecond: number;
  /** `JSON.parse` alone of the JSON form: the floor of any JSON decoder, for scale. */
  jsonParseOnlyPointsPerSecond: number;
  payload: { points: number; expHistogramPoints: number; meanBuckets: number; protobufBytes: number; jsonBytes: number };
}

export async function run(): Promise<DecodeBenchResult> {
  const payload = await buildPayload();
  const expected = countDataPoints(decodeMetricsRequest(payload.protobuf));
  if (expected !== payload.points) throw new Error(`decoded ${expected} points, the SDK exported ${payload.points}`);
  if (streamDecode(payload.protobuf) !== payload.points) throw new Error('the streaming decode and the SDK disagree on the number of points');
  const decodeOnlyPointsPerSecond = measure(() => streamDecode(payload.protobuf), 7, 400);
  const treeDecodePointsPerSecond = measure(() => countDataPoints(decodeMetricsRequest(payload.protobuf)), 5, 400);
  const jsonDecodePointsPerSecond = measure(() => countDataPoints(decodeMetricsJson(payload.json)), 5, 400);
  const text = new TextDecoder().decode(payload.json);
  const jsonParseOnlyPointsPerSecond = measure(() => (JSON.parse(text) === null ? 0 : payload.points), 5, 400);
  return {
    decodeOnlyPointsPerSecond: Math.round(decodeOnlyPointsPerSecond),
    treeDecodePointsPerSecond: Math.round(treeDecodePointsPerSecond),
    jsonDecodePointsPerSecond: Math.round(jsonDecodePointsPerSecond),
    jsonParseOnlyPointsPerSecond: Math.round(jsonParseOnlyPointsPerSecond),
    payload: {
      points: payload.points,
      expHistogramPoints: payload.expPoints,
      meanBuckets: Math.round(payload.meanBuckets * 10) / 10,
      protobufBytes: payload.protobuf.length,
      jsonBytes: payload.json.length,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run()));
}
