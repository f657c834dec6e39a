/**
 * The allow-list of runtime and host metrics the resources stage keeps, and
 * the keys it reports. Everything else a service sends beside its `ml.*`
 * metrics is counted as accepted and dropped, as before.
 *
 * Sources, as the installed packages emit them:
 * - `@opentelemetry/host-metrics` 0.39: `process.cpu.time` (counter, s, by
 *   `process.cpu.state`), `process.cpu.utilization` (gauge, by state, already
 *   divided by the number of CPUs), `process.memory.usage` (gauge, bytes, RSS),
 *   `system.cpu.time` / `system.cpu.utilization` (by `system.cpu.state` and
 *   `system.cpu.logical_number`), `system.memory.utilization` (gauge, by
 *   `system.memory.state`);
 * - `@opentelemetry/instrumentation-runtime-node` 0.36:
 *   `nodejs.eventloop.delay.{min,max,mean,stddev,p50,p90,p99}` (gauges, s),
 *   `nodejs.eventloop.utilization` (gauge, 1), `nodejs.eventloop.time`
 *   (counter, s, by `nodejs.eventloop.state`), `v8js.gc.duration` (histogram,
 *   s, by `v8js.gc.type`), `v8js.memory.heap.used` (gauge, bytes, by
 *   `v8js.heap.space.name`);
 * - Python's `opentelemetry-instrumentation-system-metrics`: the same
 *   `process.*` / `system.*` names (states in `type` / `state`, CPUs in
 *   `cpu`; `process.memory.usage` as an up-down counter), and the older
 *   `process.runtime.cpython.cpu_time` / `process.runtime.cpython.memory`;
 * - GPUs, as the semantic conventions define them: `hw.gpu.utilization`,
 *   `hw.gpu.memory.usage`, `hw.gpu.memory.limit`, `hw.gpu.memory.utilization`
 *   (by `hw.id`).
 *
 * @module
 */

/**
 * How a source metric's points become a series value:
 * - `level`: a gauge or an up-down counter (non-monotonic sum); the latest value;
 * - `rate`: a monotonic counter; its increase per second;
 * - `sum-rate`: a histogram; the increase of its `sum` per second.
 */
export type SourceKind = 'level' | 'rate' | 'sum-rate';

/** The dimension of a source's values, for unit conversion. */
export type SourceDimension = 'time' | 'bytes' | 'ratio';

/** One allow-listed metric and how its points are kept. */
export interface SourceRule {
  /** OTLP metric name. */
  readonly metric: string;
  readonly kind: SourceKind;
  readonly dimension: SourceDimension;
  /** Attribute keys naming a point's state or mode (the first present wins). */
  readonly state?: readonly string[];
  /** Attribute keys naming what the series belongs to: a CPU, a heap space, a GPU, a GC type (the first present wins). */
  readonly group?: readonly string[];
  /** Keeps only points whose state is one of these. */
  readonly onlyStates?: readonly string[];
  /** Keeps only points where this attribute is absent or one of the values. */
  readonly ifPresent?: { readonly key: string; readonly values: readonly string[] };
  /**
   * A series that an exporter leaves out of a report when nothing happened:
   * a delta histogram of a synchronous instrument. When its instance reported
   * later without it, its rate since is zero.
   */
  readonly sparse?: boolean;
}

/** State attribute keys of CPU time, old and new. */
const CPU_STATE = ['cpu.mode', 'process.cpu.state', 'system.cpu.state', 'state', 'type'] as const;
/** Logical-CPU attribute keys, old and new. */
const CPU_NUMBER = ['cpu.logical_number', 'system.cpu.logical_number', 'cpu'] as const;

/** The allow-list, keyed by metric name. */
export const SOURCES: ReadonlyMap<string, SourceRule> = new Map(
  (
    [
      { metric: 'process.cpu.utilization', kind: 'level', dimension: 'ratio', state: CPU_STATE },
      { metric: 'process.cpu.time', kind: 'rate', dimension: 'time', state: CPU_STATE },
      { metric: 'process.runtime.cpython.cpu_time', kind: 'rate', dimension: 'time', state: ['type'] },
      { metric: 'process.memory.usage', kind: 'level', dimension: 'bytes' },
      { metric: 'process.runtime.cpython.memory', kind: 'level', dimension: 'bytes', state: ['type'], onlyStates: ['rss'] },
      { metric: 'system.cpu.utilization', kind: 'level', dimension: 'ratio', state: CPU_STATE, group: CPU_NUMBER },
      { metric: 'system.cpu.time', kind: 'rate', dimension: 'time', state: CPU_STATE, group: CPU_NUMBER },
      { metric: 'system.memory.utilization', kind: 'level', dimension: 'ratio', state: ['system.memory.state', 'state'], onlyStates: ['used'] },
      { metric: 'nodejs.eventloop.delay.p50', kind: 'level', dimension: 'time' },
      { metric: 'nodejs.eventloop.delay.p99', kind: 'level', dimension: 'time' },
      { metric: 'nodejs.eventloop.delay.max', kind: 'level', dimension: 'time' },
      { metric: 'nodejs.eventloop.utilization', kind: 'level', dimension: 'ratio' },
      { metric: 'nodejs.eventloop.time', kind: 'rate', dimension: 'time', state: ['nodejs.eventloop.state'] },
      { metric: 'v8js.gc.duration', kind: 'sum-rate', dimension: 'time', group: ['v8js.gc.type'], sparse: true },
      { metric: 'v8js.memory.heap.used', kind: 'level', dimension: 'bytes', group: ['v8js.heap.space.name'] },
      { metric: 'hw.gpu.utilization', kind: 'level', dimension: 'ratio', group: ['hw.id'], ifPresent: { key: 'hw.gpu.task', values: ['general'] } },
      { metric: 'hw.gpu.memory.usage', kind: 'level', dimension: 'bytes', group: ['hw.id'] },
      { metric: 'hw.gpu.memory.limit', kind: 'level', dimension: 'bytes', group: ['hw.id'] },
      { metric: 'hw.gpu.memory.utilization', kind: 'level', dimension: 'ratio', group: ['hw.id'] },
    ] satisfies SourceRule[]
  ).map((r) => [r.metric, r] as const),
);

/**
 * The keys of an instance's `metrics`, in the order the API lists them. Units:
 * seconds, bytes, ratios 0..1, and seconds per second (docs/resources.md has
 * each key's sources).
 */
export const RESOURCE_KEYS = [
  'cpu.utilization',
  'cpu.seconds_per_second',
  'memory.rss',
  'heap.used',
  'eventloop.delay.p50',
  'eventloop.delay.p99',
  'eventloop.delay.max',
  'eventloop.utilization',
  'gc.seconds_per_second',
  'system.cpu.utilization',
  'system.memory.utilization',
  'gpu.utilization',
  'gpu.memory.used',
  'gpu.memory.utilization',
] as const;

/** One key of {@link RESOURCE_KEYS}. */
export type ResourceKey = (typeof RESOURCE_KEYS)[number];

/** An instance's resource values: every key, null where no source sent a value. */
export type ResourceValues = Record<ResourceKey, number | null>;

/** States that count as the CPU (or event loop) not working. */
export const IDLE_STATES: ReadonlySet<string> = new Set(['idle', 'iowait', 'wait']);

const TIME_UNITS: Readonly<Record<string, number>> = { s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9, min: 60 };
const BYTE_UNITS: Readonly<Record<string, number>> = {
  By: 1, kBy: 1e3, MBy: 1e6, GBy: 1e9, KiBy: 1024, MiBy: 1024 ** 2, GiBy: 1024 ** 3,
};
const RATIO_UNITS: Readonly<Record<string, number>> = { '1': 1, '%': 0.01 };

/**
 * The factor that turns values in `unit` into the dimension's base unit
 * (seconds, bytes, ratio), or null when the unit is not one of that
 * dimension's. An empty unit is taken as the base unit: host-metrics sends
 * its memory and utilization gauges without one.
 */
export function unitScale(dimension: SourceDimension, unit: string): number | null {
  if (unit === '') return 1;
  const table = dimension === 'time' ? TIME_UNITS : dimension === 'bytes' ? BYTE_UNITS : RATIO_UNITS;
  return Object.hasOwn(table, unit) ? (table[unit] as number) : null;
}
