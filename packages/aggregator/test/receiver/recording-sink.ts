// A sink that records what the receivers hand it and answers as told.
import { decodeMetricsJson } from '../../src/receiver/otlp/decode-json.js';
import { decodeMetricsRequest } from '../../src/receiver/otlp/decode-protobuf.js';
import type { LogsRequest, MetricsPoints, MetricsRequest } from '../../src/receiver/otlp/types.js';
import type { OtlpSink, ReceiveContext, SinkResult } from '../../src/receiver/sink.js';

export class RecordingSink implements OtlpSink {
  metrics: { req: MetricsRequest; points: MetricsPoints; ctx: ReceiveContext }[] = [];
  logs: { req: LogsRequest; ctx: ReceiveContext }[] = [];
  /** What to answer (or do) next; defaults to accepting everything. */
  answer: () => SinkResult | Promise<SinkResult> = () => ({ rejected: 0 });

  consumeMetrics(points: MetricsPoints, ctx: ReceiveContext): SinkResult | Promise<SinkResult> {
    // The receiver hands over points to stream; keep the request as a tree to inspect.
    const req = ctx.encoding === 'json' ? decodeMetricsJson(ctx.body) : decodeMetricsRequest(ctx.body);
    this.metrics.push({ req, points, ctx });
    return this.answer();
  }

  consumeLogs(req: LogsRequest, ctx: ReceiveContext): SinkResult | Promise<SinkResult> {
    this.logs.push({ req, ctx });
    return this.answer();
  }
}
