/**
 * The resources stage: the runtime and host metrics (CPU, memory, event loop,
 * GC, GPU) of the service instances that send each model's telemetry, for
 * `GET /api/v1/models/{model}/resources` and the `ml.resource.*` gauges.
 * Pure: no I/O, `now` is always an argument.
 *
 * @packageDocumentation
 */
export {
  IDLE_STATES,
  RESOURCE_KEYS,
  SOURCES,
  unitScale,
  type ResourceKey,
  type ResourceValues,
  type SourceDimension,
  type SourceKind,
  type SourceRule,
} from './catalogue.js';
export { deriveValues, type SeriesValue } from './derive.js';
export { RESOURCE_SIGNALS, resourceSignals } from './outputs.js';
export {
  ResourceTracker,
  type InstanceResources,
  type ModelResources,
  type ResourceTrackerOptions,
  type ResourceTrackerStats,
  type Temporality,
} from './tracker.js';
