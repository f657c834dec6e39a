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
  if (instances.length === 0) {
    return section(
      'Resources',
      empty('No host or runtime metrics from this model\'s services have reached the aggregator. With @modelwatch/node they are on by default (hostMetrics, runtimeMetrics); through a Collector, keep them in the pipeline to the aggregator.'),
    );
  }
  return h(
    'div',
    null,
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
