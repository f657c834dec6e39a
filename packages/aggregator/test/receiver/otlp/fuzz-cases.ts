/**
 * Mutations of valid, SDK-encoded OTLP payloads for fuzzing the decoders: the
 * seeds come from the OpenTelemetry JS SDK's own serializers (metrics of every
 * point kind the SDK makes, and log records), and each case is one seed with a
 * few random mutations: flipped bits, bytes set to boundary values, inserted,
 * deleted or duplicated runs, truncation, and for JSON, edits of the text
 * (values of the wrong type, deep nesting, huge numbers). Shared by the short
 * fuzz test in CI and the long run of scripts/fuzz-decoders.ts.
 */
import { ValueType } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { expView, sdkLogger, sdkMeter } from '../sdk-data.js';
import { decodeLogsRequest, decodeMetricsRequest, scanMetricsRequest } from '../../../src/receiver/otlp/decode-protobuf.js';
import { decodeLogsJson, decodeMetricsJson } from '../../../src/receiver/otlp/decode-json.js';
import { OtlpDecodeError } from '../../../src/receiver/otlp/errors.js';
import { rng } from '../../engine/helpers.js';

// A case is replayed from its seed with the same seeded generator.
export { rng };

/** Valid payloads: the SDK's encodings of metrics and of log records, protobuf and JSON. */
export interface Seeds {
  metricsProtobuf: Uint8Array[];
  metricsJson: string[];
  logsProtobuf: Uint8Array[];
  logsJson: string[];
}

export async function seeds(): Promise<Seeds> {
  const metrics: ResourceMetrics[] = [];
  {
    const sdk = sdkMeter({ resource: { 'service.name': 'svc', 'ml.model.name': 'm' } });
    sdk.meter.createCounter('ml.predictions').add(3, { 'ml.prediction.label': 'a' });
    const h = sdk.meter.createHistogram('ml.inference.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
    h.record(0.05);
    h.record(2, { 'error.type': 'Error' });
    sdk.meter.createUpDownCounter('ml.inference.active_requests', { valueType: ValueType.INT }).add(-2);
    sdk.meter.createGauge('g').record(1.5, { big: 2 ** 60, arr: 'x' });
    metrics.push(await sdk.collect());
    await sdk.shutdown();
  }
  {
    const sdk = sdkMeter({ views: [expView('ml.feature.value')], temporality: 'cumulative' });
    const f = sdk.meter.createHistogram('ml.feature.value');
    for (let i = 0; i < 50; i++) f.record(i * 1.7 + 0.1, { 'ml.feature.name': 'x' });
    f.record(0, { 'ml.feature.name': 'z' });
    metrics.push(await sdk.collect());
    await sdk.shutdown();
  }
  const sdk = sdkLogger({ 'service.name': 'svc', 'ml.model.name': 'm' });
  sdk.logger.emit({ eventName: 'ml.prediction', attributes: { 'ml.prediction.id': 'p1', 'ml.prediction.label': 'a', 'ml.prediction.confidence': 0.9 }, body: { nested: [1, 'two', { three: true }] } });
  sdk.logger.emit({ eventName: 'ml.ground_truth', attributes: { 'ml.prediction.id': 'p1', 'ml.ground_truth.label': 'b' }, body: 'text' });
  const records = sdk.records();
  await sdk.shutdown();
  const decoder = new TextDecoder();
  return {
    metricsProtobuf: metrics.map((m) => ProtobufMetricsSerializer.serializeRequest(m) as Uint8Array),
    metricsJson: metrics.map((m) => decoder.decode(JsonMetricsSerializer.serializeRequest(m) as Uint8Array)),
    logsProtobuf: [ProtobufLogsSerializer.serializeRequest(records) as Uint8Array],
    logsJson: [decoder.decode(JsonLogsSerializer.serializeRequest(records) as Uint8Array)],
  };
}

const BOUNDARY = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x39, 0x41];

/** One mutation of a binary payload: a few random edits of `seed`. */
export function mutateBytes(seed: Uint8Array, r: () => number): Uint8Array {
  let b = Array.from(seed);
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = Math.floor(r() * b.length);
    switch (Math.floor(r() * 8)) {
      case 0:
        b[at] = (b[at] as number) ^ (1 << Math.floor(r() * 8));
        break;
      case 1:
        b[at] = BOUNDARY[Math.floor(r() * BOUNDARY.length)] as number;
        break;
      case 2:
        b.splice(at, 0, ...Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256)));
        break;
      case 3:
        b.splice(at, 1 + Math.floor(r() * 8));
        break;
      case 4: {
        const len = 1 + Math.floor(r() * 32);
        b.splice(at, 0, ...b.slice(at, at + len));
        break;
      }
      case 5:
        b = b.slice(0, at);
        break;
      case 6:
        // A varint that never ends, or a huge length.
        b.splice(at, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f);
        break;
      default:
        b[at] = Math.floor(r() * 256);
    }
  }
  return Uint8Array.from(b);
}

const JSON_VALUES = ['null', 'true', '"x"', '-1', '1e309', '-0', '18446744073709551616', '"NaN"', '{}', '[]', '[[[[[[[[[[1]]]]]]]]]]', '"\\u0000"', '{"a":', '1.5', '"9007199254740993"'];

/** One mutation of a JSON payload: a few random edits of the text. */
export function mutateJson(seed: string, r: () => number): string {
  let s = seed;
  const edits = 1 + Math.floor(r() * 3);
  for (let e = 0; e < edits && s.length > 0; e++) {
    const at = Math.floor(r() * s.length);
    switch (Math.floor(r() * 6)) {
      case 0: {
        // Replace the value after a key with one of another type.
        const colon = s.indexOf(':', at);
        if (colon < 0) break;
        const end = s.slice(colon + 1).search(/[,}\]]/);
        if (end < 0) break;
        s = s.slice(0, colon + 1) + (JSON_VALUES[Math.floor(r() * JSON_VALUES.length)] as string) + s.slice(colon + 1 + end);
        break;
      }
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 10));
        break;
      case 2:
        s = s.slice(0, at) + (JSON_VALUES[Math.floor(r() * JSON_VALUES.length)] as string) + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4:
        s = `${'['.repeat(1 + Math.floor(r() * 3000))}${s}`;
        break;
      default:
        s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + s.slice(at + 1);
    }
  }
  return s;
}

/** One decoder under fuzzing: its name, its input kind and how to run it to the end. */
export interface FuzzTarget {
  name: string;
  kind: 'protobuf' | 'json';
  signal: 'metrics' | 'logs';
  run: (input: Uint8Array | string) => unknown;
}

/** What a fuzz run found for one target. */
export interface FuzzReport {
  target: string;
  cases: number;
  decoded: number;
  rejected: number;
  /** Rejections whose message names no field (they must name what was wrong). */
  unnamed: number;
  /** Cases that threw anything but the decoder's own error: each is a bug. */
  crashes: Array<{ caseSeed: number; error: string; input: string }>;
  slowestMs: number;
}

/**
 * Runs `cases` mutated inputs through `target`: every case must decode or be
 * rejected with the decoder's error naming the field; anything else is a crash.
 * @param isDecodeError tells the decoder's own error from any other.
 */
export function fuzz(target: FuzzTarget, inputs: Seeds, cases: number, seed: number, isDecodeError: (e: unknown) => e is Error & { field: string }): FuzzReport {
  const pool = target.kind === 'protobuf' ? (target.signal === 'metrics' ? inputs.metricsProtobuf : inputs.logsProtobuf) : target.signal === 'metrics' ? inputs.metricsJson : inputs.logsJson;
  const report: FuzzReport = { target: target.name, cases, decoded: 0, rejected: 0, unnamed: 0, crashes: [], slowestMs: 0 };
  for (let i = 0; i < cases; i++) {
    const caseSeed = seed * 1_000_003 + i;
    const r = rng(caseSeed);
    const base = pool[Math.floor(r() * pool.length)] as Uint8Array | string;
    const input = typeof base === 'string' ? mutateJson(base, r) : mutateBytes(base, r);
    const t0 = performance.now();
    try {
      target.run(input);
      report.decoded++;
    } catch (e) {
      if (isDecodeError(e)) {
        report.rejected++;
        if (!e.field || !e.message) report.unnamed++;
      } else if (report.crashes.length < 20) {
        const text = typeof input === 'string' ? input : Buffer.from(input).toString('base64');
        report.crashes.push({ caseSeed, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e), input: text.length > 400 ? `${text.slice(0, 400)}...` : text });
      } else report.crashes.length++;
    }
    report.slowestMs = Math.max(report.slowestMs, performance.now() - t0);
  }
  return report;
}

/** The decoders' own error: the one kind of failure a case may end in. */
export const isDecodeError = (e: unknown): e is OtlpDecodeError => e instanceof OtlpDecodeError;

/** The decoders, each run to the end as the service does (the streaming scan walks every point). */
export const TARGETS: FuzzTarget[] = [
  { name: 'decodeMetricsRequest', kind: 'protobuf', signal: 'metrics', run: (b) => decodeMetricsRequest(b as Uint8Array) },
  { name: 'scanMetricsRequest + forEachPoint', kind: 'protobuf', signal: 'metrics', run: (b) => scanMetricsRequest(b as Uint8Array).forEachPoint(() => {}) },
  { name: 'decodeLogsRequest', kind: 'protobuf', signal: 'logs', run: (b) => decodeLogsRequest(b as Uint8Array) },
  { name: 'decodeMetricsJson', kind: 'json', signal: 'metrics', run: (s) => decodeMetricsJson(s) },
  { name: 'decodeLogsJson', kind: 'json', signal: 'logs', run: (s) => decodeLogsJson(s) },
];

