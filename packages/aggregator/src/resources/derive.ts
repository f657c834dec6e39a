/**
 * From the latest value of each series of one instance to the values the API
 * reports (docs/resources.md): sums over states and heap spaces, the busy
 * share of CPUs, means over GPUs, and the fallbacks from one source to
 * another. Arithmetic only.
 *
 * @module
 */
import { IDLE_STATES, RESOURCE_KEYS, type ResourceKey, type ResourceValues } from './catalogue.js';

/** What {@link deriveValues} reads of one series. */
export interface SeriesValue {
  /** The source metric's name. */
  readonly metric: string;
  /** The CPU, heap space, GPU or GC type; '' when the source has none. */
  readonly group: string;
  /** The state or mode; '' when the source has none. */
  readonly state: string;
  /** The latest level, or the latest rate per second (in base units); NaN while none is known. */
  readonly value: number;
}

const NONE: readonly SeriesValue[] = [];
const busy = (s: SeriesValue): boolean => !IDLE_STATES.has(s.state);

/** The values of one instance; null where its series give none. Never NaN or infinite. */
export function deriveValues(series: Iterable<SeriesValue>): ResourceValues {
  const by = new Map<string, SeriesValue[]>();
  for (const s of series) {
    if (!Number.isFinite(s.value)) continue;
    const list = by.get(s.metric);
    if (list === undefined) by.set(s.metric, [s]);
    else list.push(s);
  }
  const of = (metric: string): readonly SeriesValue[] => by.get(metric) ?? NONE;
  /** Sum over the series that `keep`; null when the metric has no series at all (0 when none is kept). */
  const total = (metric: string, keep?: (s: SeriesValue) => boolean): number | null => {
    const list = of(metric);
    if (list.length === 0) return null;
    let sum = 0;
    for (const s of list) if (keep === undefined || keep(s)) sum += s.value;
    return sum;
  };
  const mean = (metric: string): number | null => {
    const t = total(metric);
    return t === null ? null : t / of(metric).length;
  };
  const max = (metric: string): number | null => {
    const list = of(metric);
    return list.length === 0 ? null : Math.max(...list.map((s) => s.value));
  };
  /** Share of all time in busy states, over every CPU and state of the metric. */
  const busyShare = (metric: string): number | null => {
    const all = total(metric);
    return all !== null && all > 0 ? (total(metric, busy) as number) / all : null;
  };
  const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? a / b : null);

  const cpuSeconds = total('process.cpu.time', busy) ?? total('process.runtime.cpython.cpu_time', busy);
  // Without process.cpu.utilization, CPU seconds per second over the logical
  // CPUs (counted from the system.cpu series) is the same quantity.
  const logicalCpus = new Set([...of('system.cpu.utilization'), ...of('system.cpu.time')].map((s) => s.group).filter((g) => g !== '')).size;
  const eventLoop = of('nodejs.eventloop.time');
  const active = eventLoop.length === 0 ? null : total('nodejs.eventloop.time', (s) => s.state === 'active');

  const values: Record<ResourceKey, number | null> = {
    'cpu.utilization': total('process.cpu.utilization', busy) ?? ratio(cpuSeconds, logicalCpus),
    'cpu.seconds_per_second': cpuSeconds,
    'memory.rss': total('process.memory.usage') ?? total('process.runtime.cpython.memory'),
    'heap.used': total('v8js.memory.heap.used'),
    'eventloop.delay.p50': max('nodejs.eventloop.delay.p50'),
    'eventloop.delay.p99': max('nodejs.eventloop.delay.p99'),
    'eventloop.delay.max': max('nodejs.eventloop.delay.max'),
    'eventloop.utilization': max('nodejs.eventloop.utilization') ?? ratio(active, total('nodejs.eventloop.time')),
    'gc.seconds_per_second': total('v8js.gc.duration'),
    'system.cpu.utilization': busyShare('system.cpu.utilization') ?? busyShare('system.cpu.time'),
    'system.memory.utilization': total('system.memory.utilization'),
    'gpu.utilization': mean('hw.gpu.utilization'),
    'gpu.memory.used': total('hw.gpu.memory.usage'),
    'gpu.memory.utilization': ratio(total('hw.gpu.memory.usage'), total('hw.gpu.memory.limit')) ?? mean('hw.gpu.memory.utilization'),
  };
  for (const k of RESOURCE_KEYS) {
    const v = values[k];
    if (v !== null && !Number.isFinite(v)) values[k] = null;
  }
  return values;
}
