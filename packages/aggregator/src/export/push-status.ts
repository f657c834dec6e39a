/**
 * What became of the OTLP pushes of the aggregator's own metrics. The SDK's
 * periodic reader reports a failed export only to the global error handler,
 * which logs nothing by default, so a push endpoint that is down went
 * unnoticed. This wraps the exporter, counts each export's outcome, and tells
 * when pushing stops and starts working (for `/readyz` and `ml.aggregator.degraded`).
 *
 * Nothing is queued here: each export carries the latest values (the
 * aggregator's signals are gauges and running totals), so one that fails is
 * simply superseded by the next one, and memory stays flat however long the
 * endpoint is down.
 *
 * @module
 */
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core` (not a dependency of ours). */
const SUCCESS = 0;

type ExportResult = Parameters<Parameters<PushMetricExporter['export']>[1]>[0];

/** What `/readyz` shows of the OTLP push. */
export interface PushStatusView {
  endpoint: string;
  succeeded: number;
  failed: number;
  /** Whether the latest export failed. */
  failing: boolean;
  lastError: string | null;
  lastSuccess: string | null;
}

/** Counts the outcomes of an exporter's exports (see the module documentation). */
export class PushStatus {
  private succeeded = 0;
  private failed = 0;
  private failing = false;
  private lastError: string | null = null;
  private lastSuccess: string | null = null;

  constructor(
    private readonly endpoint: string,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Wraps `inner` so that every export's outcome is recorded here. */
  wrap(inner: PushMetricExporter): PushMetricExporter {
    const wrapped: PushMetricExporter = {
      export: (metrics: ResourceMetrics, done: (result: ExportResult) => void) => {
        inner.export(metrics, (result) => {
          this.record(result);
          done(result);
        });
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
    // Temporality and aggregation stay the exporter's own choices.
    if (inner.selectAggregationTemporality) wrapped.selectAggregationTemporality = (t) => inner.selectAggregationTemporality!(t);
    if (inner.selectAggregation) wrapped.selectAggregation = (t) => inner.selectAggregation!(t);
    return wrapped;
  }

  /** For `/readyz`. */
  view(): PushStatusView {
    return { endpoint: this.endpoint, succeeded: this.succeeded, failed: this.failed, failing: this.failing, lastError: this.lastError, lastSuccess: this.lastSuccess };
  }

  /** Whether the latest export failed. */
  get isFailing(): boolean {
    return this.failing;
  }

  private record(result: ExportResult): void {
    const at = new Date().toISOString();
    if (result.code === SUCCESS) {
      this.succeeded++;
      this.lastSuccess = at;
      if (this.failing) this.log(`OTLP push to ${this.endpoint} works again`);
      this.failing = false;
      return;
    }
    this.failed++;
    const cause = (result.error as { cause?: { code?: string } } | undefined)?.cause?.code;
    this.lastError = `${at} ${result.error?.message ?? 'export failed'}${cause !== undefined ? ` (${cause})` : ''}`;
    if (!this.failing) this.log(`OTLP push to ${this.endpoint} failed, the next export retries: ${this.lastError}`);
    this.failing = true;
  }
}
