/**
 * The soak, short, for CI: the code of packages/aggregator/bench/soak.ts (a
 * real `modelwatch serve` process from the sources, its capacity measured,
 * then OTLP/HTTP traffic at 50% of it) for one minute instead of ten, sampled
 * every 5 s instead of 10, with looser bounds. The first 20 s are left out of
 * the trends.
 *
 * The bounds catch gross growth, not slow leaks (that is the 10-minute run's
 * job, `npm run bench:soak -w @modelwatch/aggregator`, at 1 MiB/min). Resident
 * memory may grow up to 64 MiB/min: in its first minutes V8 sizes its heap and
 * native memory fills up once, at 12 to 27 MiB/min here with the heap
 * bounded. The join leak this soak found grew 200 MiB/min here (FifoMap kept
 * every node ever set). A latency or event-loop delay series may
 * change by its own median over the minute.
 *
 * The figures are written to test-artifacts/soak-short.json.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSoak, type FlatnessBounds } from '../../packages/aggregator/bench/soak.js';
import { ROOT } from '../helpers/aggregator.js';

const MIB = 1024 ** 2;
const BOUNDS: FlatnessBounds = { rssSlopeBytesPerMinute: 64 * MIB, relativeChange: 1, floorMs: 10 };

describe('modelwatch serve, soaked for a minute at half its capacity', () => {
  it('keeps resident memory, latency and event-loop delay flat, and answers every request', async () => {
    const lines: string[] = [];
    // The 10-minute soak's 512 MiB heap limit. With Node's default (4 GiB here) V8 sizes its heap
    // up for minutes and the slope reached 45 and 47 MiB/min of the 64 allowed in 2 runs of 6 (one
    // of them CI's); bounded, 12-29 MiB/min in 8 runs. The last 4 samples may rise at every step (native
    // memory filling once, or one GC tooth: 2 runs in 8, one of them CI's at 64.6 MiB/min), so judgeRss
    // leaves its step rule to runs with 8 samples or more in the last half, and this one rests on the
    // overall slope. The FifoMap leak grew 580 MiB/min here.
    const r = await runSoak({ durationMs: 60_000, sampleIntervalMs: 5_000, warmupMs: 20_000, capacitySeconds: 5, bounds: BOUNDS, heapLimitMiB: 512, log: (l) => lines.push(l) });
    process.stdout.write(`soak, short:\n${lines.map((l) => `  ${l}`).join('\n')}\n${Object.entries(r.verdicts).map(([k, v]) => `  ${k}: ${v.flat ? 'flat' : 'NOT FLAT'} (${v.rule})`).join('\n')}\n`);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(join(ROOT, 'test-artifacts', 'soak-short.json'), `${JSON.stringify(r, null, 2)}\n`);

    assert.ok(r.capacity.requestsPerSecond > 0 && r.capacity.failed === 0, `capacity: ${JSON.stringify(r.capacity)}`);
    assert.deepEqual(r.requests.failures, {}, 'every request of the soak answered 200');
    assert.equal(r.requests.rejectedPoints, 0, 'nothing refused in a partial success');
    assert.ok(r.achievedRequestsPerSecond > 0.9 * r.targetRequestsPerSecond, `the load generator kept up: ${r.achievedRequestsPerSecond} of ${r.targetRequestsPerSecond} requests/s`);
    assert.ok(r.samples.length >= 10, `${r.samples.length} samples`);
    for (const [name, v] of Object.entries(r.verdicts)) assert.ok(v.flat, `${name}: ${v.rule}`);
  });
});
