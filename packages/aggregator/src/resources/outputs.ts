/**
 * The resources of each model as gauges with semantic-convention names
 * (`ml.resource.*`, one series per model, attribute `ml.model.name`), for
 * stages that record or export signals over time.
 *
 * @module
 */
import {
  ATTR_ML_MODEL_NAME,
  METRIC_ML_RESOURCE_CPU_USAGE,
  METRIC_ML_RESOURCE_CPU_UTILIZATION,
  METRIC_ML_RESOURCE_EVENTLOOP_DELAY_MAX,
  METRIC_ML_RESOURCE_EVENTLOOP_DELAY_P50,
  METRIC_ML_RESOURCE_EVENTLOOP_DELAY_P99,
  METRIC_ML_RESOURCE_EVENTLOOP_UTILIZATION,
  METRIC_ML_RESOURCE_GC_UTILIZATION,
  METRIC_ML_RESOURCE_GPU_MEMORY_USED,
  METRIC_ML_RESOURCE_GPU_MEMORY_UTILIZATION,
  METRIC_ML_RESOURCE_GPU_UTILIZATION,
  METRIC_ML_RESOURCE_HEAP_USED,
  METRIC_ML_RESOURCE_INSTANCES,
  METRIC_ML_RESOURCE_MEMORY_RSS,
  METRIC_ML_RESOURCE_SYSTEM_CPU_UTILIZATION,
  METRIC_ML_RESOURCE_SYSTEM_MEMORY_UTILIZATION,
} from '@modelwatch/semconv';
import type { OutputSignal } from '../engine/index.js';
import { RESOURCE_KEYS, type ResourceKey } from './catalogue.js';
import type { ResourceTracker } from './tracker.js';

/** How the instances' values of one key become the model's: amounts add up, shares average, delays take the worst. */
type Across = 'sum' | 'mean' | 'max';

/** The gauge of each key (the registry documents each), and how it combines the model's instances. */
export const RESOURCE_SIGNALS: Readonly<Record<ResourceKey, { readonly name: string; readonly across: Across }>> = {
  'cpu.utilization': { name: METRIC_ML_RESOURCE_CPU_UTILIZATION, across: 'mean' },
  'cpu.seconds_per_second': { name: METRIC_ML_RESOURCE_CPU_USAGE, across: 'sum' },
  'memory.rss': { name: METRIC_ML_RESOURCE_MEMORY_RSS, across: 'sum' },
  'heap.used': { name: METRIC_ML_RESOURCE_HEAP_USED, across: 'sum' },
  'eventloop.delay.p50': { name: METRIC_ML_RESOURCE_EVENTLOOP_DELAY_P50, across: 'max' },
  'eventloop.delay.p99': { name: METRIC_ML_RESOURCE_EVENTLOOP_DELAY_P99, across: 'max' },
  'eventloop.delay.max': { name: METRIC_ML_RESOURCE_EVENTLOOP_DELAY_MAX, across: 'max' },
  'eventloop.utilization': { name: METRIC_ML_RESOURCE_EVENTLOOP_UTILIZATION, across: 'mean' },
  // A unit does not belong in a metric name: seconds of GC per second is the share of time in GC.
  'gc.seconds_per_second': { name: METRIC_ML_RESOURCE_GC_UTILIZATION, across: 'mean' },
  'system.cpu.utilization': { name: METRIC_ML_RESOURCE_SYSTEM_CPU_UTILIZATION, across: 'mean' },
  'system.memory.utilization': { name: METRIC_ML_RESOURCE_SYSTEM_MEMORY_UTILIZATION, across: 'mean' },
  'gpu.utilization': { name: METRIC_ML_RESOURCE_GPU_UTILIZATION, across: 'mean' },
  'gpu.memory.used': { name: METRIC_ML_RESOURCE_GPU_MEMORY_USED, across: 'sum' },
  'gpu.memory.utilization': { name: METRIC_ML_RESOURCE_GPU_MEMORY_UTILIZATION, across: 'mean' },
};

/**
 * Per-model resource gauges as of `now`: `ml.resource.instances` for every
 * model with an instance seen within the TTL, and one gauge per key that at
 * least one of them has a value for (combined as {@link RESOURCE_SIGNALS} says).
 */
export function resourceSignals(tracker: ResourceTracker, now: number): OutputSignal[] {
  const out: OutputSignal[] = [];
  for (const model of tracker.models()) {
    const { instances } = tracker.view(model, now);
    if (instances.length === 0) continue;
    const attributes = { [ATTR_ML_MODEL_NAME]: model };
    out.push({ name: METRIC_ML_RESOURCE_INSTANCES, value: instances.length, attributes });
    for (const key of RESOURCE_KEYS) {
      const { name, across } = RESOURCE_SIGNALS[key];
      let acc = across === 'max' ? -Infinity : 0;
      let n = 0;
      for (const inst of instances) {
        const v = inst.metrics[key];
        if (v === null) continue;
        acc = across === 'max' ? Math.max(acc, v) : acc + v;
        n++;
      }
      if (n === 0) continue;
      out.push({ name, value: across === 'mean' ? acc / n : acc, attributes: { ...attributes } });
    }
  }
  return out;
}
