import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS } from '@modelwatch/semconv';
import type { AttrMap, MetricHeaderIn, PointIn } from '../../src/engine/index.js';
import { RESOURCE_KEYS, RESOURCE_SIGNALS, ResourceTracker, resourceSignals } from '../../src/resources/index.js';

const T = Date.UTC(2025, 0, 1);
const gauge = (name: string): MetricHeaderIn => ({ name, unit: '', type: 'gauge' });
const pt = (value: number): PointIn & { value: number } => ({ attributes: {}, value, timeUnixNano: BigInt(T) * 1_000_000n });

describe('resourceSignals', () => {
  it("gives each model's instance count and its instances' values combined: amounts summed, shares averaged, delays the worst", () => {
    const tr = new ResourceTracker();
    const a: AttrMap = { 'service.name': 's', 'service.instance.id': 'a' };
    const b: AttrMap = { 'service.name': 's', 'service.instance.id': 'b' };
    for (const [res, rss, util, p99] of [[a, 100, 0.2, 0.01], [b, 300, 0.6, 0.05]] as const) {
      tr.modelSeen('m', res, T);
      tr.record(res, gauge('process.memory.usage'), pt(rss), T, 'delta');
      tr.record(res, gauge('nodejs.eventloop.utilization'), pt(util), T, 'delta');
      tr.record(res, gauge('nodejs.eventloop.delay.p99'), pt(p99), T, 'delta');
    }
    tr.modelSeen('n', b, T);
    const out = resourceSignals(tr, T).map((o) => `${o.name}{${o.attributes['ml.model.name']}} ${Math.round(o.value * 1000) / 1000}`).sort();
    assert.deepEqual(out, [
      'ml.resource.eventloop.delay.p99{m} 0.05',
      'ml.resource.eventloop.delay.p99{n} 0.05',
      'ml.resource.eventloop.utilization{m} 0.4',
      'ml.resource.eventloop.utilization{n} 0.6',
      'ml.resource.instances{m} 2',
      'ml.resource.instances{n} 1',
      'ml.resource.memory.rss{m} 400',
      'ml.resource.memory.rss{n} 300',
    ]);
    // Past the TTL nothing is left.
    assert.deepEqual(resourceSignals(tr, T + 3_600_000), []);
  });

  it('names only gauges of the registry, one per key', () => {
    const table = METRICS as Record<string, { instrument: string }>;
    const names = RESOURCE_KEYS.map((k) => RESOURCE_SIGNALS[k].name);
    assert.equal(new Set(names).size, RESOURCE_KEYS.length);
    for (const name of [...names, 'ml.resource.instances']) assert.equal(table[name]?.instrument, 'gauge', name);
  });
});
