import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judgeRss, trend, type FlatnessBounds, type SoakSample } from '../../bench/soak.js';

const MIB = 1024 ** 2;
const SHORT: FlatnessBounds = { rssSlopeBytesPerMinute: 64 * MIB, relativeChange: 1, floorMs: 10 };
const FULL: FlatnessBounds = { rssSlopeBytesPerMinute: 1 * MIB, relativeChange: 0.5, floorMs: 5 };

function samples(rssMiB: readonly number[], everySeconds: number, firstT = everySeconds): SoakSample[] {
  return rssMiB.map((mib, i) => ({
    t: firstT + i * everySeconds,
    rssMeanBytes: mib * MIB,
    rssMaxBytes: mib * MIB,
    heapTotalMeanBytes: Number.NaN,
    liveHeapBytes: Number.NaN,
    eventLoopDelayP99Ms: 1,
    eventLoopDelayMaxMs: 1,
    latencyP50Ms: 1,
    latencyP99Ms: 1,
    requestsPerSecond: 1,
    failed: 0,
    late: 0,
    cpuShare: 0.5,
  }));
}

function judge(s: SoakSample[], bounds: FlatnessBounds) {
  return judgeRss(s, trend(s, (x) => x.rssMeanBytes), bounds);
}

describe('judgeRss', () => {
  it('takes a plateau that creeps up at every step for flat (regression: CI short soak, t = 25..60 s)', () => {
    const v = judge(samples([325.2, 328.0, 336.8, 346.5, 348.4, 348.8, 349.3, 349.6], 5, 25), SHORT);
    assert.equal(v.flat, true, v.rule);
    // Eight more samples at the plateau's creep: the step rule now judges, and finds it within the bound.
    const longer = judge(samples([325.2, 328.0, 336.8, 346.5, 348.4, 348.8, 349.3, 349.6, 349.9, 350.3, 350.6, 350.9, 351.2, 351.6, 351.9, 352.2], 5, 25), SHORT);
    assert.equal(longer.flat, true, longer.rule);
    assert.match(longer.rule, /rising at every step: true, at [\d.]+ MiB\/min: within the bound/);
  });

  it('takes one GC tooth at the end of a short run for flat (regression: CI short soak, t = 25..60 s)', () => {
    // A collection at 45 s, then the heap refills: the last four samples rise at every step, at 64.6 MiB/min.
    const v = judge(samples([211.1, 213.1, 213.4, 214.3, 208.3, 209.9, 219.9, 223.0], 5, 25), SHORT);
    assert.equal(v.flat, true, v.rule);
    assert.match(v.rule, /last half \(4 samples\) too short for the step rule \(needs 8\)/);
  });

  it('still judges a short run by its overall slope (the FifoMap leak grew 200-580 MiB/min)', () => {
    const v = judge(samples(Array.from({ length: 8 }, (_, i) => 200 + (i * 200) / 12), 5, 25), SHORT);
    assert.equal(v.flat, false, v.rule);
    assert.match(v.rule, /MiB\/min: false/);
  });

  it('catches a steady leak at the bound rate that the overall slope alone would pass', () => {
    // Flat for 5 minutes, then +0.3 MiB every 10 s (1.8 MiB/min): the overall slope stays under 1 MiB/min.
    const rss = [...Array.from({ length: 30 }, (_, i) => 300 + (i % 2) * 0.5), ...Array.from({ length: 30 }, (_, i) => 300.5 + 0.3 * (i + 1))];
    const s = samples(rss, 10);
    assert.ok(trend(s, (x) => x.rssMeanBytes).slopePerMinute <= FULL.rssSlopeBytesPerMinute, 'the overall slope passes');
    const v = judge(s, FULL);
    assert.equal(v.flat, false, v.rule);
    assert.match(v.rule, /over the bound/);
  });

  it('fails a slope over the bound whatever the last half does', () => {
    const v = judge(samples([100, 120, 140, 160, 150, 170, 165, 190], 5), SHORT);
    assert.equal(v.flat, false, v.rule);
    assert.match(v.rule, /MiB\/min: false/);
  });

  it('passes the GC sawtooth', () => {
    const v = judge(samples(Array.from({ length: 60 }, (_, i) => 300 + (i % 3) * 4), 10), FULL);
    assert.equal(v.flat, true, v.rule);
  });
});
