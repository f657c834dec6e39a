/**
 * `@modelwatch/node`: the OpenTelemetry SDK wired for modelwatch in one call.
 * @module @modelwatch/node
 */
export { startModelwatch, DEFAULT_OTLP_ENDPOINT, type ModelwatchOptions, type ModelwatchHandle, type HandleMonitorOptions } from './start.js';
export { modelwatchViews, EXPONENTIAL_MAX_SIZE } from './views.js';
