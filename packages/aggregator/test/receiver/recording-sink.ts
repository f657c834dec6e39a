// A sink that records what the receivers hand it and answers as told.
import type { LogsRequest, MetricsRequest } from '../../src/receiver/otlp/types.js';
import type { OtlpSink, ReceiveContext, SinkResult } from '../../src/receiver/sink.js';

export class RecordingSink implements OtlpSink {
  metrics: { req: MetricsRequest; ctx: ReceiveContext }[] = [];
  logs: { req: LogsRequest; ctx: ReceiveContext }[] = [];
  /** What to answer (or do) next; defaults to accepting everything. */
  answer: () => SinkResult | Promise<SinkResult> = () => ({ rejected: 0 });

  consumeMetrics(req: MetricsRequest, ctx: ReceiveContext): SinkResult | Promise<SinkResult> {
    this.metrics.push({ req, ctx });
    return this.answer();
  }

  consumeLogs(req: LogsRequest, ctx: ReceiveContext): SinkResult | Promise<SinkResult> {
    this.logs.push({ req, ctx });
    return this.answer();
  }
}
