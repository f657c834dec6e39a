/**
 * The aggregator's own results as OpenTelemetry metrics: one MeterProvider
 * whose observable instruments read the latest evaluation. Prometheus text is
 * served on the HTTP port's `/metrics`; OTLP push happens only when the
 * standard OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT variable is set, because the
 * exporter's default endpoint would be the aggregator's own receiver, or, in
 * processor mode, to the downstream with the exporter it provides (`push`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, BatchObservableResult, Observable } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_ML_AGGREGATOR_COMPONENT, METRIC_ML_AGGREGATOR_DEGRADED, METRICS } from '@modelwatch/semconv';
import { PushStatus, type PushStatusView } from './push-status.js';

/** One value the aggregator reports: a gauge reading, or a counter's running total. */
export interface OutputSignal {
  /** Registry metric name, e.g. `ml.drift.ks.statistic`. */
  name: string;
  value: number;
  attributes: Attributes;
}

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** Returns the current signals; called on every collection (scrape or push). */
  signals: () => Iterable<OutputSignal>;
  /** Environment, for the OTEL_* variables. */
  env: Record<string, string | undefined>;
  /** service.name of the aggregator's resource. @default 'modelwatch-aggregator' */
  serviceName?: string;
  /** Push interval when OTLP export is on. @default 15000 (or OTEL_METRIC_EXPORT_INTERVAL) */
  exportIntervalMs?: number;
  /** Where the OTLP push's failing and recovering are told. @default nothing */
  log?: (message: string) => void;
  /**
   * Push with this exporter to this endpoint instead of the one the OTEL_*
   * variables name: processor mode's downstream (src/forward/own-signals.ts).
   * @default the OTEL_* variables decide
   */
  push?: { exporter: PushMetricExporter; endpoint: string };
}

/** The aggregator's telemetry pipeline. */
export interface Telemetry {
  /** Serves the Prometheus text format (for `GET /metrics`). */
  handleMetrics(req: IncomingMessage, res: ServerResponse): void;
  /** Whether OTLP push is configured. */
  readonly otlpPush: boolean;
  /** Outcomes of the OTLP pushes so far (for `/readyz`); null when push is not configured. */
  pushStatus(): PushStatusView | null;
  shutdown(): Promise<void>;
}

type MetricsTable = Record<string, { instrument: string; unit: string; brief: string }>;

/** Whether the environment asks for OTLP metric push. */
export function otlpPushRequested(env: Record<string, string | undefined>): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

/** Builds the MeterProvider, Prometheus serializer and optional OTLP push. */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const readers: MetricReader[] = [prometheus];
  const otlpPush = options.push !== undefined || otlpPushRequested(options.env);
  let push: PushStatus | undefined;
  const interval = Number(options.env.OTEL_METRIC_EXPORT_INTERVAL) || options.exportIntervalMs || 15_000;
  if (options.push !== undefined) {
    push = new PushStatus(options.push.endpoint, options.log);
    readers.push(new PeriodicExportingMetricReader({ exporter: push.wrap(options.push.exporter), exportIntervalMillis: interval }));
  } else if (otlpPush) {
    // The URL comes from the environment we were given, not process.env, so a
    // caller's env can never fall back to the exporter's default (our own receiver).
    const env = options.env;
    const base = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '');
    const url = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || `${base}/v1/metrics`;
    push = new PushStatus(url, options.log);
    readers.push(new PeriodicExportingMetricReader({ exporter: push.wrap(new OTLPMetricExporter({ url })), exportIntervalMillis: interval }));
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'modelwatch-aggregator' }),
    readers,
  });
  const meter = provider.getMeter('@modelwatch/aggregator');
  const table = METRICS as unknown as MetricsTable;
  const instruments = new Map<string, Observable>();
  for (const [name, def] of Object.entries(table)) {
    // Only what the aggregator itself produces: gauges, plus its own counters.
    if (def.instrument === 'gauge') {
      instruments.set(name, meter.createObservableGauge(name, { unit: def.unit, description: def.brief }));
    } else if (def.instrument === 'counter' && (name.startsWith('ml.aggregator.') || name.startsWith('ml.alerts.') || name.startsWith('ml.ground_truth.'))) {
      instruments.set(name, meter.createObservableCounter(name, { unit: def.unit, description: def.brief }));
    }
  }
  meter.addBatchObservableCallback((result: BatchObservableResult) => {
    for (const s of options.signals()) {
      const inst = instruments.get(s.name);
      if (inst !== undefined && Number.isFinite(s.value)) result.observe(inst, s.value, s.attributes);
    }
    const degraded = instruments.get(METRIC_ML_AGGREGATOR_DEGRADED);
    if (push !== undefined && degraded !== undefined) result.observe(degraded, push.isFailing ? 1 : 0, { [ATTR_ML_AGGREGATOR_COMPONENT]: 'telemetry_push' });
  }, [...instruments.values()]);

  return {
    otlpPush,
    pushStatus: () => push?.view() ?? null,
    handleMetrics: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    shutdown: () => provider.shutdown(),
  };
}
