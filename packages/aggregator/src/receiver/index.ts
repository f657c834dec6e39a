/**
 * The OTLP receiver: decoders for OTLP protobuf and JSON, the HTTP and gRPC
 * servers that feed a {@link OtlpSink}, and cumulative-to-delta conversion.
 *
 * @packageDocumentation
 */
export type {
  AnyValue,
  Attributes,
  BucketCounts,
  DataPoint,
  ExpBuckets,
  ExpHistogramMetric,
  ExpHistogramPoint,
  GaugeMetric,
  HistogramMetric,
  HistogramPoint,
  LogRecord,
  LogsRequest,
  Metric,
  MetricBase,
  MetricHeader,
  MetricType,
  MetricsPoints,
  MetricsRequest,
  NumberPoint,
  PointBase,
  PointVisitor,
  QuantileValue,
  Resource,
  ResourceLogs,
  ResourceMetrics,
  Scope,
  ScopeLogs,
  ScopeMetrics,
  SumMetric,
  SummaryMetric,
  SummaryPoint,
  Temporality,
} from './otlp/types.js';
export { countDataPoints, countLogRecords, createAttributes, metricsPoints, nanosToMillis } from './otlp/types.js';
export { OtlpDecodeError } from './otlp/errors.js';
export { decodeLogsRequest, decodeMetricsRequest, scanMetricsRequest } from './otlp/decode-protobuf.js';
export { decodeLogsJson, decodeMetricsJson } from './otlp/decode-json.js';
export {
  encodeExportResponse,
  encodeStatus,
  exportResponseJson,
  RpcCode,
  statusJson,
  type PartialSuccess,
  type Signal,
} from './otlp/encode-response.js';
export { OverloadedError, type OtlpSink, type ReceiveContext, type SinkResult } from './sink.js';
export { createHttpReceiver, type HttpReceiver, type HttpReceiverOptions } from './http.js';
export { createGrpcReceiver, type GrpcReceiver, type GrpcReceiverOptions } from './grpc.js';
export {
  attributesKey,
  DeltaConverter,
  DeltaRejections,
  subtractExpHistogram,
  subtractHistogram,
  type DeltaConversion,
  type DeltaConverterOptions,
  type DeltaConverterStats,
} from './delta.js';
