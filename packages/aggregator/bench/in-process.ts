// The ingest payload handled in this process, with no HTTP and no log, three
// ways measured side by side (rounds alternate, medians reported):
// - decode: the receiver's check and walk, nothing done with the points (the
//   denominator of ratioIngestVsDecode);
// - engine: the service's own ingest path (`ingestStreamed`: delta converter
//   and engine) into a fresh engine, as a served request runs it;
// - merge floor: the decode, then each exponential point's counts added by
//   the engine's own add loop (`Run.addCounts`) into one slice of a single
//   preallocated array per stream, the stream found by the point's (shared)
//   attributes object. No model, feature or window is looked up or checked.
//   Any engine that merges every point into per-stream state costs at least
//   this on this machine; docs/performance.md compares the three.
import type { IngestPayload } from './payload-ingest.js';
import { scanMetricsRequest } from '../src/receiver/otlp/decode-protobuf.js';
import type { MetricsPoints } from '../src/receiver/otlp/types.js';
import { DeltaConverter } from '../src/receiver/delta.js';
import { Engine } from '../src/engine/index.js';
import { Run } from '../src/engine/window/run.js';
import { validateConfig } from '../src/config/load.js';
import { ingestStreamed } from '../src/service.js';
import { toEngineConfig } from '../src/config/engine-config.js';
import { median, rateOnce } from './decode.bench.js';

/** Histogram points per CPU-second of each way (medians of alternating rounds). */
export interface InProcessRates {
  decodePointsPerSecond: number;
  enginePointsPerSecond: number;
  mergeFloorPointsPerSecond: number;
  rounds: number;
}

/** Slots per stream of the merge floor's array: the SDK's 160 buckets and some room. */
const FLOOR_STRIDE = 176;

/**
 * The merge floor's sink (see the top of this file): adds the counts of each
 * exponential point of a request into its stream's slice of one array.
 * @param maxStreams streams it has room for.
 * @throws Error past `maxStreams` streams, or for a point whose buckets are
 *   not where its stream's first point put them (the benchmark sends one
 *   export again and again, so they never move).
 */
export function mergeFloor(maxStreams = 8192): (req: MetricsPoints) => void {
  const slab = new Float64Array(maxStreams * FLOOR_STRIDE);
  const streams = new Map<object, Run>();
  return (req) =>
    req.forEachPoint((_resource, _scope, metric, point) => {
      if (metric.type !== 'exponentialHistogram') return;
      const p = point as { positive: { offset: number; bucketCounts: ArrayLike<number> } };
      let run = streams.get(point.attributes);
      if (run === undefined) {
        if (streams.size >= maxStreams) throw new Error(`merge floor: more than ${maxStreams} streams`);
        run = new Run();
        run.c = slab.subarray(streams.size * FLOOR_STRIDE, (streams.size + 1) * FLOOR_STRIDE);
        run.off = p.positive.offset;
        run.len = FLOOR_STRIDE;
        streams.set(point.attributes, run);
      }
      const counts = p.positive.bucketCounts;
      if (p.positive.offset !== run.off || counts.length > FLOOR_STRIDE) throw new Error("merge floor: a point outside its stream's slice");
      if (counts.length > 0) run.addCounts(p.positive.offset, counts, 0, counts.length - 1, 0);
    });
}

/**
 * Measures the three ways of handling `payload` in `rounds` alternating
 * rounds of >= `roundMs` CPU-milliseconds each.
 * @throws Error when the engine refuses a point of the payload, or the merge floor does ({@link mergeFloor}).
 */
export function inProcessRates(payload: IngestPayload, rounds = 8, roundMs = 250): InProcessRates {
  const config = validateConfig({ server: { otlpGrpc: false } }, process.cwd(), 'in-process bench');
  const engine = new Engine(toEngineConfig(config));
  const delta = new DeltaConverter();
  // Simulated receive times 5 ms apart: every request lands in the open slot, as at ~200 requests/s.
  let t = Date.now();
  const viaEngine = (): number => {
    t += 5;
    const { result, deltaRejections } = ingestStreamed(engine, delta, scanMetricsRequest(payload.body), t);
    if (result.rejectedDataPoints + deltaRejections.count > 0) throw new Error(`the engine refused points of the payload: ${result.errors.join('; ')}`);
    return payload.histogramPoints;
  };

  const floor = mergeFloor();
  const merge = (): number => {
    floor(scanMetricsRequest(payload.body));
    return payload.histogramPoints;
  };
  const decode = (): number => {
    scanMetricsRequest(payload.body).forEachPoint(() => {});
    return payload.histogramPoints;
  };

  for (let i = 0; i < 20; i++) {
    decode();
    viaEngine();
    merge();
  }
  const rates = { decode: [] as number[], engine: [] as number[], floor: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    rates.decode.push(rateOnce(decode, roundMs));
    rates.engine.push(rateOnce(viaEngine, roundMs));
    rates.floor.push(rateOnce(merge, roundMs));
  }
  const points = (xs: number[]): number => Math.round(median(xs));
  return { decodePointsPerSecond: points(rates.decode), enginePointsPerSecond: points(rates.engine), mergeFloorPointsPerSecond: points(rates.floor), rounds };
}
