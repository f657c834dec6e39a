import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deriveValues, RESOURCE_KEYS, type SeriesValue } from '../../src/resources/index.js';

const s = (metric: string, value: number, state = '', group = ''): SeriesValue => ({ metric, value, state, group });

describe('deriveValues', () => {
  it('is null for every key without series, and skips values not yet known (NaN)', () => {
    const v = deriveValues([s('process.memory.usage', NaN), s('nodejs.eventloop.delay.p99', Infinity)]);
    assert.deepEqual(Object.keys(v), [...RESOURCE_KEYS]);
    for (const k of RESOURCE_KEYS) assert.equal(v[k], null, k);
  });

  it('falls back to the event-loop time rates for utilization: active over active and idle', () => {
    const v = deriveValues([s('nodejs.eventloop.time', 0.3, 'active'), s('nodejs.eventloop.time', 0.7, 'idle')]);
    assert.equal(v['eventloop.utilization'], 0.3);
    assert.equal(deriveValues([s('nodejs.eventloop.utilization', 0.2), ...[s('nodejs.eventloop.time', 1, 'active')]])['eventloop.utilization'], 0.2);
  });

  it('leaves CPU utilization null when only CPU time is known and the number of CPUs is not', () => {
    const v = deriveValues([s('process.cpu.time', 0.5, 'user')]);
    assert.equal(v['cpu.seconds_per_second'], 0.5);
    assert.equal(v['cpu.utilization'], null);
  });

  it('does not count idle, iowait or wait as busy CPU time', () => {
    const v = deriveValues([s('process.cpu.time', 0.5, 'user'), s('process.cpu.time', 0.25, 'wait'), s('system.cpu.time', 1, 'iowait', '0'), s('system.cpu.time', 1, 'steal', '0')]);
    assert.equal(v['cpu.seconds_per_second'], 0.5);
    assert.equal(v['system.cpu.utilization'], 0.5);
  });

  it('takes GPU memory utilization from the gauge when no limit is known, and null for an all-zero CPU total', () => {
    const v = deriveValues([s('hw.gpu.memory.utilization', 0.2, '', 'a'), s('hw.gpu.memory.utilization', 0.4, '', 'b'), s('system.cpu.utilization', 0, 'idle', '0')]);
    assert.ok(Math.abs((v['gpu.memory.utilization'] as number) - 0.3) < 1e-12);
    assert.equal(v['system.cpu.utilization'], null);
  });
});
