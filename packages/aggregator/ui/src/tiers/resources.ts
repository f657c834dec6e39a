/**
 * The resources tier: CPU, memory, the event loop, GC and GPU of the service
 * instances that send the model's telemetry, from the OpenTelemetry host and
 * runtime metrics (`@modelwatch/node` enables them).
 *
 * @module
 */
import { getOptional, paths, type ResourcesView } from '../api.js';
import { h } from '../dom.js';
import { ago, bytes, num, pct, seconds } from '../format.js';
import { empty, section, stat } from '../widgets.js';
import { history, historyChart } from './history.js';

/** Charts over time of the model's resource gauges (the history records them per model). */
const OVER_TIME: ReadonlyArray<{ title: string; lines: ReadonlyArray<{ signal: string; label: string }>; yRange?: [number | null, number | null]; yFormat?: (v: number) => string }> = [
  { title: 'CPU (share of the host)', lines: [{ signal: 'ml.resource.cpu.utilization', label: 'process' }, { signal: 'ml.resource.system.cpu.utilization', label: 'system' }], yRange: [0, null] },
  { title: 'Memory', lines: [{ signal: 'ml.resource.memory.rss', label: 'RSS' }, { signal: 'ml.resource.heap.used', label: 'V8 heap used' }], yRange: [0, null], yFormat: bytes },
  { title: 'Event loop delay (s)', lines: [{ signal: 'ml.resource.eventloop.delay.p50', label: 'p50' }, { signal: 'ml.resource.eventloop.delay.p99', label: 'p99' }], yRange: [0, null] },
  { title: 'Event loop and GC (share of time)', lines: [{ signal: 'ml.resource.eventloop.utilization', label: 'event loop busy' }, { signal: 'ml.resource.gc.utilization', label: 'in GC' }], yRange: [0, null] },
  { title: 'GPU (share)', lines: [{ signal: 'ml.resource.gpu.utilization', label: 'utilization' }, { signal: 'ml.resource.gpu.memory.utilization', label: 'memory' }], yRange: [0, 1] },
];

/** How each known key is written; unknown keys are shown as plain numbers. */
function show(key: string, v: number | null): string {
  if (v === null) return '—';
  if (key.includes('utilization')) return pct(v);
  if (key.includes('memory') || key.includes('heap') || key.endsWith('bytes')) return bytes(v);
  if (key.includes('delay') || key.includes('seconds') && !key.includes('per_second')) return seconds(v);
  return num(v);
}

/** The resources tier of one model. */
export async function resourcesTier(model: string): Promise<Node> {
  const view = await getOptional<ResourcesView>(paths.resources(model));
  const instances = view?.instances ?? [];
  const charts = await Promise.all(
    OVER_TIME.map(async (c) => {
      const lines = await Promise.all(c.lines.map(async (l) => ({ label: l.label, points: (await history(model, l.signal))[0]?.points ?? [] })));
      // A chart none of whose gauges has a history (no GPU, say) is left out.
      return lines.some((l) => l.points.length > 0) ? historyChart(`${model}/res/${c.title}`, c.title, lines, { ...(c.yRange ? { yRange: c.yRange } : {}), ...(c.yFormat ? { yFormat: c.yFormat } : {}) }) : null;
    }),
  );
  if (instances.length === 0) {
    return section(
      'Resources',
      empty('No host or runtime metrics from this model\'s services have reached the aggregator. With @modelwatch/node they are on by default (hostMetrics, runtimeMetrics); through a Collector, keep them in the pipeline to the aggregator.'),
    );
  }
  return h(
    'div',
    null,
    section(`Over time, all ${instances.length} instance(s) together`, h('div', { class: 'charts' }, charts)),
    instances.map((i) =>
      section(
        `${i.service} — ${i.instance}${i.host ? ` on ${i.host}` : ''}`,
        h('p', { class: 'muted' }, i.lastSeenSeconds === null ? 'not seen yet' : `last seen ${ago(Date.now() - i.lastSeenSeconds * 1000)}`),
        h(
          'div',
          { class: 'stats', data: { instance: i.instance } },
          Object.entries(i.metrics).map(([k, v]) => stat(k, show(k, v), { key: k })),
        ),
      ),
    ),
  );
}
