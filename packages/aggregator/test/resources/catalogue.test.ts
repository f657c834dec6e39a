import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SOURCES, unitScale } from '../../src/resources/index.js';

describe('catalogue', () => {
  describe('unitScale', () => {
    it('turns time, byte and ratio units into seconds, bytes and ratios, and takes no unit as the base unit', () => {
      assert.equal(unitScale('time', 's'), 1);
      assert.equal(unitScale('time', 'ms'), 1e-3);
      assert.equal(unitScale('time', 'ns'), 1e-9);
      assert.equal(unitScale('bytes', 'KiBy'), 1024);
      assert.equal(unitScale('bytes', 'MBy'), 1e6);
      assert.equal(unitScale('ratio', '%'), 0.01);
      for (const d of ['time', 'bytes', 'ratio'] as const) assert.equal(unitScale(d, ''), 1);
    });

    it('answers null for a unit of another dimension or an unknown one', () => {
      assert.equal(unitScale('time', 'By'), null);
      assert.equal(unitScale('bytes', 's'), null);
      assert.equal(unitScale('ratio', 'toString'), null);
    });
  });

  describe('SOURCES', () => {
    it('lists the names host-metrics and runtime-node emit that the API reports', () => {
      for (const name of [
        'process.cpu.time', 'process.cpu.utilization', 'process.memory.usage', 'system.cpu.time', 'system.cpu.utilization',
        'system.memory.utilization', 'nodejs.eventloop.delay.p50', 'nodejs.eventloop.delay.p99', 'nodejs.eventloop.delay.max',
        'nodejs.eventloop.utilization', 'v8js.gc.duration', 'v8js.memory.heap.used',
      ]) {
        assert.ok(SOURCES.has(name), name);
      }
      assert.equal(SOURCES.get('v8js.gc.duration')?.sparse, true);
    });
  });
});
