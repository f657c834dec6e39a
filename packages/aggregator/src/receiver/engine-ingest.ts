/**
 * The receivers' end of the data path: decoded OTLP requests go into the
 * engine, metrics through the cumulative-to-delta converter, and what was
 * accepted and rejected is counted as the aggregator's own
 * `ml.aggregator.accepted` and `ml.aggregator.rejected`. Live requests and
 * the replay of the ingest log after a restart run this same code, with the
 * same `now`.
 *
 * @module
 */
import type { Engine, IngestObserver, IngestResult, OutputSignal } from '../engine/index.js';
import { DeltaRejections, type DeltaConverter } from './delta.js';
import type { LogsRequest, MetricsPoints } from './otlp/types.js';
import type { SinkResult } from './sink.js';

/**
 * Streams the points of one metrics request through the cumulative-to-delta
 * converter into the engine, received at `t` (ms): the ingest path of live
 * requests and of replay after a restart alike. No decoded tree is built.
 * `observer` (the resources stage) sees the points the engine does not consume.
 */
export function ingestStreamed(
  engine: Engine,
  delta: DeltaConverter,
  req: MetricsPoints,
  t: number,
  observer?: IngestObserver,
): { result: IngestResult; deltaRejections: DeltaRejections } {
  delta.expire(t);
  const deltaRejections = new DeltaRejections();
  const result = engine.ingestPoints((sink) => {
    req.forEachPoint((resource, scope, metric, point) => {
      const d = delta.convertPoint(resource, scope, metric, point, t, deltaRejections);
      if (d !== undefined) sink(resource.attributes, scope.attributes, metric, d);
    });
  }, t, observer);
  return { result, deltaRejections };
}

/** Takes decoded requests into the engine and counts what it accepted and rejected since the start. */
export class EngineIngest {
  private readonly counts = { metrics: { accepted: 0, rejected: 0 }, logs: { accepted: 0, rejected: 0 } };

  /** @param observer sees the points the engine does not consume (the resources stage). */
  constructor(
    private readonly engine: Engine,
    private readonly delta: DeltaConverter,
    private readonly observer?: IngestObserver,
  ) {}

  /**
   * Ingests a metrics request received at `t` (ms), streamed ({@link ingestStreamed}).
   * The points the converter or the engine refused are counted together, with
   * the converter's reasons first in the message.
   */
  metrics(req: MetricsPoints, t: number): SinkResult {
    const { result: r, deltaRejections } = ingestStreamed(this.engine, this.delta, req, t, this.observer);
    const rejected = r.rejectedDataPoints + deltaRejections.count;
    this.counts.metrics.accepted += r.acceptedDataPoints;
    this.counts.metrics.rejected += rejected;
    const messages = [...deltaRejections.messages(), ...r.errors];
    return rejected > 0 || messages.length > 0 ? { rejected, errorMessage: messages.join('; ') } : { rejected: 0 };
  }

  /** Ingests a logs request received at `t` (ms). */
  logs(req: LogsRequest, t: number): SinkResult {
    const r = this.engine.ingestLogs(req, t);
    this.counts.logs.accepted += r.acceptedLogRecords;
    this.counts.logs.rejected += r.rejectedLogRecords;
    return r.rejectedLogRecords > 0 ? { rejected: r.rejectedLogRecords, errorMessage: r.errors.join('; ') } : { rejected: 0 };
  }

  /** `ml.aggregator.accepted` and `ml.aggregator.rejected` (reason `refused`) by signal, since the start. */
  outputs(): OutputSignal[] {
    const { metrics, logs } = this.counts;
    return [
      { name: 'ml.aggregator.accepted', value: metrics.accepted, attributes: { 'ml.signal': 'metrics' } },
      { name: 'ml.aggregator.accepted', value: logs.accepted, attributes: { 'ml.signal': 'logs' } },
      { name: 'ml.aggregator.rejected', value: metrics.rejected, attributes: { 'ml.signal': 'metrics', 'ml.rejection.reason': 'refused' } },
      { name: 'ml.aggregator.rejected', value: logs.rejected, attributes: { 'ml.signal': 'logs', 'ml.rejection.reason': 'refused' } },
    ];
  }
}
