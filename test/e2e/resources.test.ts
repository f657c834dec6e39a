/**
 * The resources view end to end: a real Node SDK set up by @modelwatch/node,
 * with OpenTelemetry host metrics and the Node runtime instrumentation,
 * exports OTLP to a running aggregator, and
 * `GET /api/v1/models/{model}/resources` shows the CPU, memory, event loop and
 * GC of the instance that sends the model's telemetry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { startModelwatch } from '@modelwatch/node';
import { getJson, startAggregator, waitFor } from '../helpers/aggregator.js';

const CONFIG = `
evaluation: { interval: 1s }
models:
  - { name: sentiment, task: classification, features: { length: numeric } }
  - { name: other, task: classification, features: {} }
`;

interface Resources {
  model: string;
  instances: { service: string | null; instance: string | null; host: string | null; lastSeenSeconds: number; metrics: Record<string, number | null> }[];
}

const num = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

describe('resources', () => {
  it("shows CPU, memory, event-loop and GC values of the instance that sends the model's telemetry", async () => {
    const agg = await startAggregator(CONFIG);
    const sdk = startModelwatch({
      serviceName: 'sentiment-service',
      model: { name: 'sentiment' },
      otlpEndpoint: agg.addresses.otlpHttp,
      setGlobal: false,
      exportIntervalMillis: 500,
    });
    // Predictions, and garbage for the collector, while the exports go on.
    const monitor = sdk.monitor({ task: 'classification', features: { length: 'numeric' } });
    let kept: unknown[] = [];
    const work = setInterval(() => {
      for (let i = 0; i < 20; i++) monitor.record({ durationSeconds: 0.01, label: i % 2 === 0 ? 'pos' : 'neg', confidence: 0.9, features: { length: i } });
      kept = Array.from({ length: 20_000 }, (_, k) => ({ k, s: `item-${k}` }));
    }, 50);
    try {
      const url = `${agg.addresses.http}/api/v1/models/sentiment/resources`;
      const view = await waitFor('CPU, memory, event-loop and GC values of the instance', async () => {
        const v = await getJson<Resources>(url);
        const m = v.instances[0]?.metrics;
        const wanted = ['cpu.utilization', 'cpu.seconds_per_second', 'memory.rss', 'heap.used', 'eventloop.delay.p99', 'eventloop.utilization', 'gc.seconds_per_second', 'system.cpu.utilization'];
        return m !== undefined && wanted.every((k) => num(m[k])) ? v : undefined;
      }, 30_000);
      assert.ok(kept.length > 0);
      assert.equal(view.model, 'sentiment');
      assert.equal(view.instances.length, 1, JSON.stringify(view));
      const inst = view.instances[0]!;
      assert.equal(inst.service, 'sentiment-service');
      assert.equal(inst.instance, sdk.resource.attributes['service.instance.id']);
      assert.match(inst.instance ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(inst.host, hostname());
      assert.ok(inst.lastSeenSeconds >= 0 && inst.lastSeenSeconds < 10, String(inst.lastSeenSeconds));
      const m = inst.metrics as Record<string, number>;
      const rss = process.memoryUsage().rss;
      assert.ok(m['memory.rss']! > rss / 4 && m['memory.rss']! < rss * 4, `memory.rss ${m['memory.rss']} vs this process's ${rss}`);
      assert.ok(m['heap.used']! > 1e6 && m['heap.used']! < m['memory.rss']!, `heap.used ${m['heap.used']}`);
      for (const k of ['cpu.utilization', 'eventloop.utilization', 'system.cpu.utilization', 'system.memory.utilization']) {
        assert.ok(m[k]! >= 0 && m[k]! <= 1.05, `${k} ${m[k]} is a ratio`);
      }
      assert.ok(m['cpu.seconds_per_second']! >= 0 && m['cpu.seconds_per_second']! < 8, `cpu.seconds_per_second ${m['cpu.seconds_per_second']}`);
      assert.ok(m['eventloop.delay.p99']! > 0 && m['eventloop.delay.p99']! < 5, `eventloop.delay.p99 ${m['eventloop.delay.p99']} s`);
      assert.ok(m['eventloop.delay.max']! >= m['eventloop.delay.p50']!, 'max >= p50');
      assert.ok(m['gc.seconds_per_second']! >= 0 && m['gc.seconds_per_second']! < 1, `gc.seconds_per_second ${m['gc.seconds_per_second']}`);
      // No GPU here: the key is there, with null.
      assert.equal(inst.metrics['gpu.utilization'], null);
      // The other model's telemetry never came from this instance.
      assert.deepEqual(await getJson<Resources>(`${agg.addresses.http}/api/v1/models/other/resources`), { model: 'other', instances: [] });
      assert.equal((await fetch(`${agg.addresses.http}/api/v1/models/nope/resources`)).status, 404);
    } finally {
      clearInterval(work);
      await sdk.shutdown();
      await agg.stop();
    }
  });
});
