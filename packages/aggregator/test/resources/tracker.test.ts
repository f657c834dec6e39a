import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, engineConfig, type AttrMap, type MetricHeaderIn, type PointIn } from '../../src/engine/index.js';
import { DeltaConverter, DeltaRejections } from '../../src/receiver/delta.js';
import type { Metric, MetricHeader, NumberPoint } from '../../src/receiver/otlp/types.js';
import { RESOURCE_KEYS, ResourceTracker, type ResourceValues } from '../../src/resources/index.js';

const S = 1000;
const T0 = Date.UTC(2025, 0, 1);
const ns = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
const RES: AttrMap = { 'service.name': 'svc', 'service.instance.id': 'i-1', 'host.name': 'h1' };

const gauge = (name: string, unit = ''): MetricHeaderIn => ({ name, unit, type: 'gauge' });
const upDown = (name: string, unit = 'By'): MetricHeaderIn => ({ name, unit, type: 'sum', monotonic: false });
const counter = (name: string, unit = 's'): MetricHeaderIn => ({ name, unit, type: 'sum', monotonic: true });
const histogram = (name: string, unit = 's'): MetricHeaderIn => ({ name, unit, type: 'histogram' });

/** A number point ending at `t` (ms), starting at `start` (ms; 0: unset). */
function pt(value: number, t: number, attributes: AttrMap = {}, start = 0): PointIn & { value: number } {
  return { attributes, value, timeUnixNano: ns(t), startTimeUnixNano: ns(start), flags: 0 };
}

/** A histogram point with only a count and a sum (the buckets do not matter here). */
function hist(sum: number, t: number, attributes: AttrMap, start = 0): PointIn & { count: number; sum: number; bucketCounts: number[]; explicitBounds: number[] } {
  return { attributes, count: 1, sum, bucketCounts: [], explicitBounds: [], timeUnixNano: ns(t), startTimeUnixNano: ns(start), flags: 0 };
}

/** The one instance's values for model `m` (the tracker associates RES with it first). */
function values(tr: ResourceTracker, now: number, model = 'm'): ResourceValues {
  const v = tr.view(model, now);
  assert.equal(v.instances.length, 1, JSON.stringify(v));
  return (v.instances[0] as { metrics: ResourceValues }).metrics;
}

/** A tracker that has seen RES send model m's telemetry at T0. */
function tracked(): ResourceTracker {
  const tr = new ResourceTracker();
  tr.modelSeen('m', RES, T0);
  return tr;
}

function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
}

describe('ResourceTracker', () => {
  describe('record', () => {
    it("turns cumulative CPU time into CPU seconds per second, and after a restart takes the new stream's total since its start", () => {
      const tr = tracked();
      const cpu = counter('process.cpu.time');
      const start = T0 - 100 * S;
      // The first point of a stream: its total over the time since its start.
      tr.record(RES, cpu, pt(10, T0, { 'process.cpu.state': 'user' }, start), T0, 'cumulative');
      tr.record(RES, cpu, pt(5, T0, { 'process.cpu.state': 'system' }, start), T0, 'cumulative');
      close(values(tr, T0)['cpu.seconds_per_second'], 0.15, 'first points');
      tr.record(RES, cpu, pt(12, T0 + 10 * S, { 'process.cpu.state': 'user' }, start), T0 + 10 * S, 'cumulative');
      tr.record(RES, cpu, pt(5.5, T0 + 10 * S, { 'process.cpu.state': 'system' }, start), T0 + 10 * S, 'cumulative');
      close(values(tr, T0 + 10 * S)['cpu.seconds_per_second'], 0.25, '(2 + 0.5) s over 10 s');
      // The process restarted at T0 + 15 s: totals went down, the start time moved.
      const restart = T0 + 15 * S;
      tr.record(RES, cpu, pt(1, T0 + 20 * S, { 'process.cpu.state': 'user' }, restart), T0 + 20 * S, 'cumulative');
      tr.record(RES, cpu, pt(0.5, T0 + 20 * S, { 'process.cpu.state': 'system' }, restart), T0 + 20 * S, 'cumulative');
      close(values(tr, T0 + 20 * S)['cpu.seconds_per_second'], 0.3, '1.5 s over the 5 s since the restart');
      // A repeat of the last point (a retried export) changes nothing.
      tr.record(RES, cpu, pt(1, T0 + 20 * S, { 'process.cpu.state': 'user' }, restart), T0 + 21 * S, 'cumulative');
      close(values(tr, T0 + 21 * S)['cpu.seconds_per_second'], 0.3, 'after a repeat');
    });

    it('takes a delta over its own interval, and from the previous point when it has no start time', () => {
      const tr = tracked();
      const cpu = counter('process.cpu.time');
      tr.record(RES, cpu, pt(2, T0 + 10 * S, { 'cpu.mode': 'user' }, T0), T0 + 10 * S, 'delta');
      tr.record(RES, cpu, pt(0.5, T0 + 10 * S, { 'cpu.mode': 'system' }, T0), T0 + 10 * S, 'delta');
      close(values(tr, T0 + 10 * S)['cpu.seconds_per_second'], 0.25, 'delta with start times');

      const bare = tracked();
      bare.record(RES, cpu, pt(2, T0, { 'cpu.mode': 'user' }), T0, 'delta');
      assert.equal(values(bare, T0)['cpu.seconds_per_second'], null, 'no interval known yet');
      bare.record(RES, cpu, pt(3, T0 + 10 * S, { 'cpu.mode': 'user' }), T0 + 10 * S, 'delta');
      close(values(bare, T0 + 10 * S)['cpu.seconds_per_second'], 0.3, 'from the previous point');
    });

    it("gives the same rates from a cumulative stream as from the deltas the receiver's converter makes of it", () => {
      const direct = new ResourceTracker();
      const converted = new ResourceTracker();
      const delta = new DeltaConverter();
      const rejections = new DeltaRejections();
      const resource = { attributes: RES as Record<string, never> };
      const scope = { name: '@opentelemetry/host-metrics', version: '0.39.0', attributes: {} };
      const header: MetricHeader = { name: 'process.cpu.time', description: '', unit: 's', metadata: {}, type: 'sum', monotonic: true, temporality: 'cumulative' };
      const gc: MetricHeader = { name: 'v8js.gc.duration', description: '', unit: 's', metadata: {}, type: 'histogram', temporality: 'cumulative' };
      const start = T0 - 60 * S;
      const totals = [3, 4.5, 4.5, 9, 0.2];
      const gcSums = [0.1, 0.1, 0.4, 0.5, 0.01];
      for (const t of [direct, converted]) t.modelSeen('m', RES, T0);
      totals.forEach((total, i) => {
        const t = T0 + i * 10 * S;
        // The last point is of a restarted process.
        const from = i === totals.length - 1 ? t - 5 * S : start;
        const p: NumberPoint = { attributes: { 'process.cpu.state': 'user' }, startTimeUnixNano: ns(from), timeUnixNano: ns(t), flags: 0, value: total };
        const h = { attributes: { 'v8js.gc.type': 'minor' }, startTimeUnixNano: ns(from), timeUnixNano: ns(t), flags: 0, count: i + 1, sum: gcSums[i] as number, bucketCounts: [], explicitBounds: [] };
        direct.record(RES, header, p, t, 'cumulative');
        direct.record(RES, gc, h, t, 'cumulative');
        const d = delta.convertPoint(resource, scope, header, p, t, rejections);
        const dh = delta.convertPoint(resource, scope, gc, h, t, rejections);
        assert.ok(d !== undefined && dh !== undefined);
        converted.point(RES, header, d, t);
        converted.point(RES, gc, dh, t);
        const a = values(direct, t);
        const b = values(converted, t);
        for (const k of ['cpu.seconds_per_second', 'gc.seconds_per_second'] as const) close(b[k], a[k] as number, `${k} at point ${i}`);
      });
      assert.equal(rejections.count, 0);
    });

    it('reports GC seconds per second from the histogram sum, and zero once the instance reported later without GC', () => {
      const tr = tracked();
      const gc = histogram('v8js.gc.duration');
      for (const [type, sum] of [['minor', 0.02], ['major', 0.03]] as const) {
        tr.record(RES, gc, hist(sum, T0 + 10 * S, { 'v8js.gc.type': type }, T0), T0 + 10 * S, 'delta');
      }
      close(values(tr, T0 + 10 * S)['gc.seconds_per_second'], 0.005, 'both types over 10 s');
      // The next export has no GC point (a delta histogram with nothing recorded is not exported).
      tr.record(RES, gauge('process.memory.usage'), pt(1e8, T0 + 20 * S), T0 + 20 * S, 'delta');
      assert.equal(values(tr, T0 + 20 * S)['gc.seconds_per_second'], 0);
    });

    it('keeps the latest level: RSS, heap used summed over its spaces, event-loop delays and utilization', () => {
      const tr = tracked();
      tr.record(RES, gauge('process.memory.usage'), pt(100e6, T0), T0, 'delta');
      tr.record(RES, gauge('process.memory.usage'), pt(120e6, T0 + 10 * S), T0 + 10 * S, 'delta');
      // An older point arriving late does not replace the latest.
      tr.record(RES, gauge('process.memory.usage'), pt(90e6, T0 + 5 * S), T0 + 10 * S, 'delta');
      for (const [space, used] of [['new_space', 1e6], ['old_space', 20e6], ['code_space', 2e6]] as const) {
        tr.record(RES, gauge('v8js.memory.heap.used', 'By'), pt(used, T0 + 10 * S, { 'v8js.heap.space.name': space }), T0 + 10 * S, 'delta');
      }
      tr.record(RES, gauge('nodejs.eventloop.delay.p50', 's'), pt(0.011, T0 + 10 * S), T0 + 10 * S, 'delta');
      tr.record(RES, gauge('nodejs.eventloop.delay.p99', 's'), pt(0.025, T0 + 10 * S), T0 + 10 * S, 'delta');
      tr.record(RES, gauge('nodejs.eventloop.delay.max', 's'), pt(0.04, T0 + 10 * S), T0 + 10 * S, 'delta');
      tr.record(RES, gauge('nodejs.eventloop.utilization', '1'), pt(0.3, T0 + 10 * S), T0 + 10 * S, 'delta');
      const v = values(tr, T0 + 10 * S);
      assert.equal(v['memory.rss'], 120e6);
      assert.equal(v['heap.used'], 23e6);
      assert.deepEqual([v['eventloop.delay.p50'], v['eventloop.delay.p99'], v['eventloop.delay.max'], v['eventloop.utilization']], [0.011, 0.025, 0.04, 0.3]);
    });

    it("takes Python's names: process.memory.usage as an up-down counter, and the older process.runtime.cpython.* ones", () => {
      const tr = tracked();
      tr.record(RES, counter('process.runtime.cpython.cpu_time'), pt(1, T0 + 10 * S, { type: 'user' }, T0), T0 + 10 * S, 'delta');
      tr.record(RES, upDown('process.runtime.cpython.memory'), pt(50e6, T0 + 10 * S, { type: 'rss' }), T0 + 10 * S, 'delta');
      tr.record(RES, upDown('process.runtime.cpython.memory'), pt(900e6, T0 + 10 * S, { type: 'vms' }), T0 + 10 * S, 'delta');
      let v = values(tr, T0 + 10 * S);
      close(v['cpu.seconds_per_second'], 0.1, 'cpython cpu_time');
      assert.equal(v['memory.rss'], 50e6, 'rss only, not vms');
      tr.record(RES, upDown('process.memory.usage'), pt(60e6, T0 + 20 * S), T0 + 20 * S, 'delta');
      v = values(tr, T0 + 20 * S);
      assert.equal(v['memory.rss'], 60e6, 'the current name wins');
    });

    it('reads system CPU as the busy share over every CPU and mode, from utilization gauges or from time counters', () => {
      const tr = tracked();
      const util = gauge('system.cpu.utilization');
      const t = T0 + 10 * S;
      for (const [cpu, state, v] of [['0', 'user', 0.5], ['0', 'system', 0.1], ['0', 'idle', 0.4], ['1', 'user', 0.1], ['1', 'idle', 0.9]] as const) {
        tr.record(RES, util, pt(v, t, { 'system.cpu.logical_number': cpu, 'system.cpu.state': state }), t, 'delta');
      }
      close(values(tr, t)['system.cpu.utilization'], 0.35, '(0.6 + 0.1) / 2');

      // The Collector's hostmetrics receiver: system.cpu.time by `cpu` and `state`, cumulative; iowait counts as idle.
      const other: AttrMap = { 'service.name': 'py', 'service.instance.id': 'i-2' };
      const col = new ResourceTracker();
      col.modelSeen('m', other, T0);
      const time = counter('system.cpu.time');
      const totals = { user: [100, 106], system: [50, 52], idle: [800, 810], wait: [10, 12] } as const;
      for (const [i, at] of [T0, T0 + 10 * S].entries()) {
        for (const [state, series] of Object.entries(totals)) {
          for (const cpu of [0, 1]) col.record(other, time, pt(series[i] as number, at, { cpu, state }, T0 - 3600 * S), at, 'cumulative');
        }
      }
      // Per CPU over 10 s: user 6, system 2, idle 10, wait 2: busy 8 of 20.
      close(values(col, T0 + 10 * S)['system.cpu.utilization'], 0.4, 'busy share from time counters');
      // Without process.cpu.utilization, process CPU seconds per second over the 2 logical CPUs.
      col.record(other, counter('process.cpu.time'), pt(1, T0 + 10 * S, { state: 'user' }, T0), T0 + 10 * S, 'delta');
      close(values(col, T0 + 10 * S)['cpu.utilization'], 0.05, '0.1 s/s over 2 CPUs');
      // With it, its modes summed.
      col.record(other, gauge('process.cpu.utilization'), pt(0.07, T0 + 10 * S, { state: 'user' }), T0 + 10 * S, 'delta');
      col.record(other, gauge('process.cpu.utilization'), pt(0.01, T0 + 10 * S, { state: 'system' }), T0 + 10 * S, 'delta');
      close(values(col, T0 + 10 * S)['cpu.utilization'], 0.08, 'process.cpu.utilization summed over modes');
    });

    it('takes system memory utilization of the used state only', () => {
      const tr = tracked();
      tr.record(RES, gauge('system.memory.utilization'), pt(0.6, T0, { 'system.memory.state': 'used' }), T0, 'delta');
      tr.record(RES, gauge('system.memory.utilization'), pt(0.4, T0, { 'system.memory.state': 'free' }), T0, 'delta');
      assert.equal(values(tr, T0)['system.memory.utilization'], 0.6);
    });

    it('averages GPU utilization over the GPUs (general task only) and reports GPU memory as usage over limit', () => {
      const tr = tracked();
      const u = gauge('hw.gpu.utilization', '1');
      tr.record(RES, u, pt(0.9, T0, { 'hw.id': 'gpu0', 'hw.gpu.task': 'general' }), T0, 'delta');
      tr.record(RES, u, pt(0.1, T0, { 'hw.id': 'gpu0', 'hw.gpu.task': 'decoder' }), T0, 'delta');
      tr.record(RES, u, pt(0.5, T0, { 'hw.id': 'gpu1' }), T0, 'delta');
      for (const [id, used, limit] of [['gpu0', 4e9, 16e9], ['gpu1', 2e9, 16e9]] as const) {
        tr.record(RES, upDown('hw.gpu.memory.usage'), pt(used, T0, { 'hw.id': id }), T0, 'delta');
        tr.record(RES, upDown('hw.gpu.memory.limit'), pt(limit, T0, { 'hw.id': id }), T0, 'delta');
      }
      const v = values(tr, T0);
      close(v['gpu.utilization'], 0.7, 'mean of 0.9 and 0.5');
      assert.equal(v['gpu.memory.used'], 6e9);
      close(v['gpu.memory.utilization'], 6 / 32, 'usage over limit');
    });

    it('converts known units to seconds and bytes, and drops (and counts) points of an unknown unit or instrument', () => {
      const tr = tracked();
      tr.record(RES, gauge('nodejs.eventloop.delay.p99', 'ms'), pt(25, T0), T0, 'delta');
      tr.record(RES, gauge('process.memory.usage', 'MiBy'), pt(100, T0), T0, 'delta');
      tr.record(RES, gauge('nodejs.eventloop.delay.max', 'furlongs'), pt(1, T0), T0, 'delta');
      // A counter where a gauge is known, and a gauge where a counter is.
      tr.record(RES, counter('nodejs.eventloop.utilization', '1'), pt(1, T0), T0, 'delta');
      tr.record(RES, gauge('process.cpu.time', 's'), pt(1, T0), T0, 'delta');
      const v = values(tr, T0);
      close(v['eventloop.delay.p99'], 0.025, 'ms to s');
      assert.equal(v['memory.rss'], 100 * 1024 * 1024);
      assert.equal(v['eventloop.delay.max'], null);
      assert.equal(v['eventloop.utilization'], null);
      assert.equal(v['cpu.seconds_per_second'], null);
      assert.equal(tr.stats().dropped.shape, 3);
    });

    it('has every key, null where nothing was sent, never NaN: points without a value or with a bad one are left out', () => {
      const tr = tracked();
      tr.record(RES, gauge('process.memory.usage'), { ...pt(5, T0), flags: 1 }, T0, 'delta');
      tr.record(RES, gauge('nodejs.eventloop.utilization'), pt(NaN, T0), T0, 'delta');
      tr.record(RES, counter('process.cpu.time'), pt(-1, T0, { state: 'user' }, T0 - S), T0, 'delta');
      tr.record(RES, histogram('v8js.gc.duration'), Object.assign(hist(0, T0, {}), { sum: undefined }), T0, 'delta');
      tr.record(RES, gauge('jvm.memory.used'), pt(1, T0), T0, 'delta');
      const v = values(tr, T0);
      assert.deepEqual(Object.keys(v), [...RESOURCE_KEYS]);
      for (const k of RESOURCE_KEYS) assert.equal(v[k], null, k);
      assert.doesNotMatch(JSON.stringify(tr.view('m', T0)), /NaN|Infinity/);
      assert.equal(tr.stats().dropped.badValue, 3);
      assert.equal(tr.stats().series, 0);
    });
  });

  describe('modelSeen', () => {
    it('associates an instance with each model its resource sent, by service, instance id and host, whatever the resource object', () => {
      const tr = new ResourceTracker();
      const a1: AttrMap = { 'service.name': 'svc', 'service.instance.id': 'a', 'host.name': 'h', 'ml.model.name': 'm' };
      const b: AttrMap = { 'service.name': 'svc', 'service.instance.id': 'b', 'host.name': 'h' };
      const other: AttrMap = { 'service.name': 'other', 'service.instance.id': 'c' };
      tr.modelSeen('m', a1, T0);
      tr.modelSeen('m', b, T0);
      tr.modelSeen('n', b, T0);
      tr.modelSeen('n', other, T0);
      // The runtime metrics of instance a arrive in another request: another resource object, other attributes beside the three.
      const a2: AttrMap = { 'service.name': 'svc', 'service.instance.id': 'a', 'host.name': 'h', 'process.pid': 7 };
      tr.record(a2, gauge('process.memory.usage'), pt(1e6, T0 + 5 * S), T0 + 5 * S, 'delta');
      const m = tr.view('m', T0 + 10 * S);
      assert.deepEqual(m.instances.map((i) => [i.service, i.instance, i.host, i.lastSeenSeconds, i.metrics['memory.rss']]), [
        ['svc', 'a', 'h', 5, 1e6],
        ['svc', 'b', 'h', 10, null],
      ]);
      // Sorted by service, then instance id.
      assert.deepEqual(tr.view('n', T0).instances.map((i) => i.instance), ['c', 'b']);
      assert.deepEqual(tr.view('unknown', T0), { model: 'unknown', instances: [] });
      assert.deepEqual(tr.models().sort(), ['m', 'n']);
      // A resource without the three attributes is one instance of its own, with nulls.
      tr.modelSeen('m', {}, T0 + 10 * S);
      assert.deepEqual(tr.view('m', T0 + 10 * S).instances[0], {
        service: null, instance: null, host: null, lastSeenSeconds: 0, metrics: Object.fromEntries(RESOURCE_KEYS.map((k) => [k, null])),
      });
    });
  });

  describe('bounds', () => {
    it('forgets the least recently seen instance past maxInstances, counted', () => {
      const tr = new ResourceTracker({ maxInstances: 2 });
      const inst = (id: string): AttrMap => ({ 'service.name': 's', 'service.instance.id': id });
      tr.modelSeen('m', inst('1'), T0);
      tr.modelSeen('m', inst('2'), T0 + S);
      tr.modelSeen('m', inst('1'), T0 + 2 * S);
      tr.modelSeen('m', inst('3'), T0 + 3 * S);
      assert.deepEqual(tr.view('m', T0 + 3 * S).instances.map((i) => i.instance), ['1', '3']);
      assert.equal(tr.stats().evictedInstances, 1);
      assert.equal(tr.stats().instances, 2);
    });

    it('drops the points of series past maxSeriesPerInstance, counted, and keeps the others', () => {
      const tr = new ResourceTracker({ maxSeriesPerInstance: 3 });
      tr.modelSeen('m', RES, T0);
      for (let cpu = 0; cpu < 5; cpu++) tr.record(RES, gauge('system.cpu.utilization'), pt(0.5, T0, { cpu, state: 'user' }), T0, 'delta');
      tr.record(RES, gauge('system.cpu.utilization'), pt(0.6, T0 + S, { cpu: 0, state: 'user' }), T0 + S, 'delta');
      assert.deepEqual(tr.stats(), {
        instances: 1, series: 3, evictedInstances: 0, expiredInstances: 0,
        dropped: { seriesBound: 2, modelsBound: 0, tooLong: 0, shape: 0, badValue: 0 },
      });
    });

    it('drops associations past maxModelsPerInstance and identities or values past maxValueLength, counted', () => {
      const tr = new ResourceTracker({ maxModelsPerInstance: 2, maxValueLength: 10 });
      for (const m of ['a', 'b', 'c']) tr.modelSeen(m, RES, T0);
      assert.deepEqual(tr.models(), ['a', 'b']);
      tr.modelSeen('a-very-long-model-name', RES, T0);
      tr.modelSeen('a', { 'service.name': 'x'.repeat(11) }, T0);
      tr.record(RES, gauge('v8js.memory.heap.used'), pt(1, T0, { 'v8js.heap.space.name': 'y'.repeat(11) }), T0, 'delta');
      const s = tr.stats();
      assert.equal(s.dropped.modelsBound, 1);
      assert.equal(s.dropped.tooLong, 3);
      assert.equal(s.instances, 1);
      assert.equal(s.series, 0);
    });

    it('refuses options that are not positive', () => {
      assert.throws(() => new ResourceTracker({ maxInstances: 0 }), /maxInstances must be a positive integer, got 0/);
      assert.throws(() => new ResourceTracker({ ttlMs: -1 }), /ttlMs must be a positive number, got -1/);
    });
  });

  describe('expire', () => {
    it('forgets instances not seen within the TTL, with their associations; ingestion does it by itself', () => {
      const tr = new ResourceTracker({ ttlMs: 60 * S });
      const quiet: AttrMap = { 'service.name': 's', 'service.instance.id': 'quiet' };
      const busy: AttrMap = { 'service.name': 's', 'service.instance.id': 'busy' };
      tr.modelSeen('m', quiet, T0);
      tr.modelSeen('m', busy, T0);
      tr.record(busy, gauge('process.memory.usage'), pt(1, T0 + 50 * S), T0 + 50 * S, 'delta');
      // Not listed once past the TTL, even before it is forgotten.
      assert.deepEqual(tr.view('m', T0 + 61 * S).instances.map((i) => i.instance), ['busy']);
      assert.equal(tr.stats().instances, 2);
      // The next ingestion of another resource forgets it.
      tr.record(busy, gauge('process.memory.usage'), pt(2, T0 + 70 * S), T0 + 70 * S, 'delta');
      tr.modelSeen('m', busy, T0 + 70 * S);
      tr.record({ ...busy }, gauge('process.memory.usage'), pt(3, T0 + 71 * S), T0 + 71 * S, 'delta');
      assert.equal(tr.stats().instances, 1);
      assert.equal(tr.stats().expiredInstances, 1);
      tr.expire(T0 + 200 * S);
      assert.deepEqual(tr.models(), []);
      assert.deepEqual(tr.view('m', T0 + 200 * S).instances, []);
      // Seen again: a new instance, associated afresh only when it sends the model's telemetry.
      tr.record(busy, gauge('process.memory.usage'), pt(4, T0 + 201 * S), T0 + 201 * S, 'delta');
      assert.deepEqual(tr.view('m', T0 + 201 * S).instances, []);
      tr.modelSeen('m', busy, T0 + 202 * S);
      assert.equal(tr.view('m', T0 + 202 * S).instances[0]?.metrics['memory.rss'], 4);
    });
  });

  describe('as the engine observer', () => {
    it("hears every point of the allow-list (counted accepted by the engine as before) and which resource sent each model's points", () => {
      const engine = new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: {} }] }));
      const tr = new ResourceTracker();
      const now = T0 + 60 * S;
      const attrs = (o: Record<string, unknown>): Record<string, never> => o as Record<string, never>;
      const point = (value: number, a: Record<string, unknown> = {}): NumberPoint => ({ attributes: attrs(a), startTimeUnixNano: ns(now - 10 * S), timeUnixNano: ns(now), flags: 0, value });
      const meta = { description: '', unit: '', metadata: attrs({}) };
      const predictions: Metric = { ...meta, name: 'ml.predictions', type: 'sum', monotonic: true, temporality: 'delta', points: [point(5, { 'ml.prediction.label': 'a' })] };
      const rss: Metric = { ...meta, name: 'process.memory.usage', type: 'gauge', points: [point(64e6)] };
      const cpu: Metric = { ...meta, unit: 's', name: 'process.cpu.time', type: 'sum', monotonic: true, temporality: 'delta', points: [point(1, { 'process.cpu.state': 'user' }), point(0.5, { 'process.cpu.state': 'system' })] };
      const network: Metric = { ...meta, name: 'system.network.io', type: 'sum', monotonic: true, temporality: 'delta', points: [point(1e6)] };
      const svc = { 'service.name': 'svc', 'service.instance.id': 'i-1', 'host.name': 'h1' };
      const res = (metrics: Metric[], resource: Record<string, unknown>) => ({
        resource: { attributes: attrs(resource) },
        schemaUrl: '',
        scopeMetrics: [{ scope: { name: 's', version: '', attributes: attrs({}) }, schemaUrl: '', metrics }],
      });
      const r = engine.ingestMetrics(
        {
          resourceMetrics: [
            res([predictions], { ...svc, 'ml.model.name': 'm' }),
            res([rss, cpu, network], svc),
            // Another service without ml.* metrics: tracked, but no model's.
            res([rss], { 'service.name': 'batch', 'service.instance.id': 'j' }),
          ],
        },
        now,
        tr,
      );
      assert.deepEqual([r.acceptedDataPoints, r.rejectedDataPoints], [6, 0]);
      const v = tr.view('m', now);
      assert.deepEqual(v.instances.map((i) => [i.service, i.instance, i.host, i.metrics['memory.rss']]), [['svc', 'i-1', 'h1', 64e6]]);
      close(v.instances[0]?.metrics['cpu.seconds_per_second'] ?? null, 0.15, '1.5 s over 10 s');
      assert.equal(tr.stats().instances, 2);
      // Without an observer the engine answers the same.
      const plain = new Engine(engineConfig({ models: [{ name: 'm', task: 'classification', features: {} }] }));
      const again = plain.ingestMetrics({ resourceMetrics: [res([predictions], { ...svc, 'ml.model.name': 'm' }), res([rss, cpu, network], svc)] }, now);
      assert.deepEqual([again.acceptedDataPoints, again.rejectedDataPoints], [5, 0]);
    });
  });
});
