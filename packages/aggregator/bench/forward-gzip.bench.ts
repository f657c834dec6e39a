// The CPU cost of processor mode's `forward.compression: gzip`: the ingest
// benchmark's request (payload-ingest.ts) gzipped at level 1 (what the
// OTLP/HTTP sender uses) and at level 6 (zlib's default, which grpc-js uses
// for gRPC and has no option to change), in CPU-µs per data point, with the
// compression ratio. Prints a table and writes bench/results/forward-gzip.json.
//
//   npm run bench:forward-gzip -w @modelwatch/aggregator
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { median, rateOnce } from './decode.bench.js';
import { buildIngestPayload } from './payload-ingest.js';

const RESULTS = join(import.meta.dirname, '..', '..', '..', 'bench', 'results');
const LEVELS = [1, 6] as const;
const RUNS = 7;
const MIN_CPU_MS = 500;

const payload = await buildIngestPayload();
const rows = LEVELS.map((level) => {
  const gz = (): number => {
    gzipSync(payload.body, { level });
    return payload.points;
  };
  for (let i = 0; i < 3; i++) gz();
  const rates = Array.from({ length: RUNS }, () => rateOnce(gz, MIN_CPU_MS));
  const pointsPerCpuSecond = median(rates);
  const bytes = gzipSync(payload.body, { level }).byteLength;
  return {
    level,
    usedBy: level === 1 ? 'http/protobuf' : 'grpc (grpc-js default)',
    microsecondsPerPoint: +(1e6 / pointsPerCpuSecond).toFixed(2),
    milliSecondsPerRequest: +((1e3 * payload.points) / pointsPerCpuSecond).toFixed(1),
    compressedBytes: bytes,
    ratio: +(payload.body.byteLength / bytes).toFixed(2),
  };
});
for (const r of rows) console.log(`level ${r.level} (${r.usedBy}): ${r.microsecondsPerPoint} CPU-µs per point, ${r.milliSecondsPerRequest} ms per request, ratio ${r.ratio}`);
const out = {
  benchmark: 'processor mode: gzip cost per forwarded request',
  payload: { bytes: payload.body.byteLength, points: payload.points },
  runs: RUNS,
  rows,
  node: process.version,
  date: new Date().toISOString(),
};
writeFileSync(join(RESULTS, 'forward-gzip.json'), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${join(RESULTS, 'forward-gzip.json')}`);
