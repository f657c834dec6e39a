/**
 * One call that wires the OpenTelemetry SDK for modelwatch.
 * @module
 */
import { diag, metrics } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { HostMetrics } from '@opentelemetry/host-metrics';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
} from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type IMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { ModelMonitor, type ModelMonitorOptions } from '@modelwatch/instrumentation';
import { ATTR_ML_MODEL_NAME, ATTR_ML_MODEL_VERSION } from '@modelwatch/semconv';
import { modelwatchViews } from './views.js';

/** The modelwatch aggregator's OTLP/HTTP address on the same machine. */
export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:4318';

/** Options of {@link startModelwatch}. Every `OTEL_*` variable the SDK knows still applies where an option is left out. */
export interface ModelwatchOptions {
  /** `service.name` of the resource. @default `OTEL_SERVICE_NAME`, else the SDK's `unknown_service:node` */
  serviceName?: string;
  /**
   * The one model this process serves: put on the resource as `ml.model.name`
   * / `ml.model.version`, so monitors can use `modelIdentity: 'resource'`.
   */
  model?: { name: string; version?: string };
  /** Extra resource attributes (merged over `OTEL_RESOURCE_ATTRIBUTES`). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /**
   * OTLP/HTTP base URL (`/v1/metrics` and `/v1/logs` are appended), or `false` for no OTLP export.
   * @default `OTEL_EXPORTER_OTLP_ENDPOINT` (and the per-signal variables), else http://127.0.0.1:4318
   */
  otlpEndpoint?: string | false;
  /**
   * Temporality asked of the OTLP metric exporter. Delta keeps the aggregator's
   * per-window arithmetic trivial; cumulative is accepted too.
   * @default `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`, else 'delta'
   */
  temporality?: 'delta' | 'cumulative';
  /** Metric export interval in ms. @default `OTEL_METRIC_EXPORT_INTERVAL`, else 60000 */
  exportIntervalMillis?: number;
  /** Also serve Prometheus `/metrics` (exponential histograms are not exported by it). @default off */
  prometheus?: { port?: number; host?: string };
  /** Register the providers as the global ones (a second registration is refused by the API and reported). @default true */
  setGlobal?: boolean;
  /** OpenTelemetry host metrics (CPU, memory, network), the seed's resources tier. @default true */
  hostMetrics?: boolean;
  /** Node runtime metrics (event-loop delay, GC, heap). @default true */
  runtimeMetrics?: boolean;
  /** More views, after modelwatch's own. */
  views?: ViewOptions[];
  /** More metric readers (tests pass an in-memory one). */
  metricReaders?: IMetricReader[];
  /** More log processors. */
  logRecordProcessors?: LogRecordProcessor[];
}

/** Options of {@link ModelwatchHandle.monitor}: a monitor's options, with the providers filled in and the model optional. */
export type HandleMonitorOptions = Omit<ModelMonitorOptions, 'meterProvider' | 'loggerProvider' | 'model'> & {
  /** @default the `model` given to startModelwatch */
  model?: ModelMonitorOptions['model'];
};

/** What {@link startModelwatch} returns. */
export interface ModelwatchHandle {
  meterProvider: MeterProvider;
  loggerProvider: LoggerProvider;
  /** The resource every signal carries. */
  resource: Resource;
  /** The Prometheus exporter, when enabled (its `getMetricsRequestHandler` can be mounted elsewhere). */
  prometheus: PrometheusExporter | undefined;
  /**
   * A ModelMonitor on these providers. For the model named in
   * `startModelwatch({ model })` it defaults to `modelIdentity: 'resource'`
   * (the resource already carries the identity), the cheapest configuration;
   * for any other model, to identity attributes on every point.
   * @throws TypeError when no model is given here or to startModelwatch, or for bad options
   */
  monitor(options: HandleMonitorOptions): ModelMonitor;
  /** Exports everything recorded so far. */
  forceFlush(): Promise<void>;
  /** Flushes, stops every exporter and timer, and unregisters the globals it set. */
  shutdown(): Promise<void>;
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    diag.warn(`modelwatch: ignoring ${name}=${JSON.stringify(raw)}; expected a positive number of milliseconds`);
    return undefined;
  }
  return value;
}

const hasEnv = (...names: string[]): boolean => names.some((n) => (process.env[n] ?? '').trim() !== '');

function validate(options: ModelwatchOptions): void {
  const problems: string[] = [];
  if (options.serviceName !== undefined && (typeof options.serviceName !== 'string' || options.serviceName === '')) {
    problems.push(`serviceName: received ${JSON.stringify(options.serviceName)}, expected a non-empty string`);
  }
  if (options.model !== undefined && (typeof options.model?.name !== 'string' || options.model.name === '')) {
    problems.push(`model.name: received ${JSON.stringify(options.model?.name)}, expected a non-empty string`);
  }
  if (options.otlpEndpoint !== undefined && options.otlpEndpoint !== false) {
    if (typeof options.otlpEndpoint !== 'string' || !/^https?:\/\//.test(options.otlpEndpoint)) {
      problems.push(`otlpEndpoint: received ${JSON.stringify(options.otlpEndpoint)}, expected an http(s) URL or false`);
    }
  }
  if (options.temporality !== undefined && options.temporality !== 'delta' && options.temporality !== 'cumulative') {
    problems.push(`temporality: received ${JSON.stringify(options.temporality)}, expected "delta" or "cumulative"`);
  }
  if (options.exportIntervalMillis !== undefined && !(Number.isFinite(options.exportIntervalMillis) && options.exportIntervalMillis > 0)) {
    problems.push(`exportIntervalMillis: received ${String(options.exportIntervalMillis)}, expected a number > 0`);
  }
  const port = options.prometheus?.port;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    problems.push(`prometheus.port: received ${String(port)}, expected an integer 0..65535`);
  }
  if (problems.length > 0) throw new TypeError(`Invalid startModelwatch options:\n  - ${problems.join('\n  - ')}`);
}

/**
 * Sets up a MeterProvider and a LoggerProvider for modelwatch: exponential
 * histograms for feature and regression values, delta temporality, OTLP/HTTP
 * protobuf export to the aggregator (or a Collector), optionally Prometheus,
 * host and Node runtime metrics, and a resource with `service.name`.
 * @throws TypeError naming every bad option
 */
export function startModelwatch(options: ModelwatchOptions = {}): ModelwatchHandle {
  validate(options);
  // Precedence as in the SDK's NodeSDK: defaults < environment < options in code.
  const own: Record<string, string | number | boolean> = { ...options.resourceAttributes };
  if (options.serviceName !== undefined) own['service.name'] = options.serviceName;
  if (options.model !== undefined) {
    own[ATTR_ML_MODEL_NAME] = options.model.name;
    if (options.model.version !== undefined) own[ATTR_ML_MODEL_VERSION] = options.model.version;
  }
  // host.name and a random service.instance.id tell one instance of a service from
  // another (the aggregator's resources view is per instance); the environment still wins.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [hostDetector, serviceInstanceIdDetector, envDetector] }))
    .merge(resourceFromAttributes(own));

  const readers: IMetricReader[] = [...(options.metricReaders ?? [])];
  const processors: LogRecordProcessor[] = [...(options.logRecordProcessors ?? [])];
  if (options.otlpEndpoint !== false) {
    // An explicit URL in code beats the environment inside the exporters, so pass
    // one only when asked to, or when no OTEL_EXPORTER_OTLP_* variable names one
    // (the exporters' own default is localhost, which may resolve to ::1 while
    // the aggregator listens on 127.0.0.1).
    const base = options.otlpEndpoint
      ?? (hasEnv('OTEL_EXPORTER_OTLP_ENDPOINT') ? undefined : DEFAULT_OTLP_ENDPOINT);
    const metricsUrl = options.otlpEndpoint !== undefined || !hasEnv('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT')
      ? (base === undefined ? undefined : `${base.replace(/\/$/, '')}/v1/metrics`)
      : undefined;
    const logsUrl = options.otlpEndpoint !== undefined || !hasEnv('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT')
      ? (base === undefined ? undefined : `${base.replace(/\/$/, '')}/v1/logs`)
      : undefined;
    const temporality = options.temporality
      ?? (hasEnv('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE') ? undefined : 'delta');
    const exporter = new OTLPMetricExporter({
      ...(metricsUrl !== undefined ? { url: metricsUrl } : {}),
      ...(temporality !== undefined
        ? { temporalityPreference: temporality === 'delta' ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE }
        : {}),
    });
    // PeriodicExportingMetricReader does not read OTEL_METRIC_EXPORT_* itself (NodeSDK does), so we do.
    const interval = options.exportIntervalMillis ?? envNumber('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
    const timeout = Math.min(envNumber('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, interval);
    readers.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: interval, exportTimeoutMillis: timeout }));
    processors.push(new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(logsUrl !== undefined ? { url: logsUrl } : {}) }));
  }
  let prometheus: PrometheusExporter | undefined;
  if (options.prometheus !== undefined) {
    // Loopback unless told otherwise: /metrics has no authentication.
    // The model's identity may be on the resource (one model per process), which the exporter would put
    // on target_info only: copy it onto every series, so rules and dashboards can select by model.
    prometheus = new PrometheusExporter({
      port: options.prometheus.port ?? 9464,
      host: options.prometheus.host ?? '127.0.0.1',
      withResourceConstantLabels: /^ml\.model\.(name|version)$/,
    });
    readers.push(prometheus);
  }

  const meterProvider = new MeterProvider({ resource, readers, views: [...modelwatchViews(), ...(options.views ?? [])] });
  const loggerProvider = new LoggerProvider({ resource, processors });

  let globalMetrics = false;
  let globalLogs = false;
  if (options.setGlobal ?? true) {
    globalMetrics = metrics.setGlobalMeterProvider(meterProvider);
    globalLogs = logs.setGlobalLoggerProvider(loggerProvider) === loggerProvider;
    if (!globalMetrics || !globalLogs) {
      diag.warn('modelwatch: a global OpenTelemetry provider was already registered; pass handle.meterProvider / handle.loggerProvider to ModelMonitor explicitly');
    }
  }
  if (options.hostMetrics ?? true) new HostMetrics({ meterProvider, name: 'modelwatch-host-metrics' }).start();
  let runtime: RuntimeNodeInstrumentation | undefined;
  if (options.runtimeMetrics ?? true) {
    runtime = new RuntimeNodeInstrumentation({ enabled: false });
    runtime.setMeterProvider(meterProvider);
    runtime.enable();
  }

  let stopped: Promise<void> | undefined;
  return {
    meterProvider,
    loggerProvider,
    resource,
    prometheus,
    monitor(monitorOptions) {
      const model = monitorOptions.model ?? options.model;
      if (model === undefined) {
        throw new TypeError('monitor options: model: received undefined, expected { name, version? } (here or in startModelwatch)');
      }
      const onResource = options.model !== undefined && model.name === options.model.name && model.version === options.model.version;
      return new ModelMonitor({
        modelIdentity: onResource ? 'resource' : 'attributes',
        ...monitorOptions,
        model,
        meterProvider,
        loggerProvider,
      });
    },
    async forceFlush() {
      await Promise.all([meterProvider.forceFlush(), loggerProvider.forceFlush()]);
    },
    shutdown() {
      stopped ??= (async () => {
        runtime?.disable();
        await Promise.all([meterProvider.shutdown(), loggerProvider.shutdown()]);
        if (globalMetrics) metrics.disable();
        if (globalLogs) logs.disable();
      })();
      return stopped;
    },
  };
}
