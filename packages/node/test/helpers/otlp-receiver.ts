/**
 * A minimal OTLP/HTTP receiver for tests, on 127.0.0.1 and an ephemeral port,
 * plus a schema-less protobuf walker (protobufjs `Reader`) that is enough to
 * check a handful of OTLP fields by number without the .proto files.
 */
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

export interface ReceivedRequest {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves once `predicate` holds for the received requests (polls, bounded by `timeoutMs`). */
  waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      requests.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
      // An empty Export*ServiceResponse is a valid success reply.
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (${requests.length} requests)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** One decoded protobuf message: field number -> values in wire order (bytes for length-delimited fields). */
export type Fields = Map<number, (number | bigint | Uint8Array)[]>;

/** Decodes one message's fields without a schema. */
export function decode(bytes: Uint8Array): Fields {
  const reader = protobuf.Reader.create(bytes);
  const fields: Fields = new Map();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    let value: number | bigint | Uint8Array;
    switch (tag & 7) {
      case 0: value = BigInt(reader.uint64().toString()); break;
      case 1: { const lo = reader.fixed32(); const hi = reader.fixed32(); value = (BigInt(hi) << 32n) | BigInt(lo); break; }
      case 2: value = reader.bytes(); break;
      case 5: value = reader.fixed32(); break;
      default: throw new Error(`unsupported wire type ${tag & 7} at ${reader.pos}`);
    }
    const list = fields.get(field);
    if (list === undefined) fields.set(field, [value]);
    else list.push(value);
  }
  return fields;
}

/** Sub-messages of a field. */
export function messages(fields: Fields, field: number): Fields[] {
  return (fields.get(field) ?? []).map((v) => decode(v as Uint8Array));
}

export function string(fields: Fields, field: number): string | undefined {
  const v = fields.get(field)?.[0];
  return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : undefined;
}

export function varint(fields: Fields, field: number): bigint | undefined {
  const v = fields.get(field)?.[0];
  return typeof v === 'bigint' ? v : undefined;
}

/** OTLP KeyValue list (field 1 key, field 2 AnyValue{1 string, 2 bool, 3 int, 4 double}) as a plain object. */
export function keyValues(list: Fields[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list) {
    const key = string(kv, 1) ?? '';
    const any = messages(kv, 2)[0];
    if (any === undefined) continue;
    if (any.has(1)) out[key] = string(any, 1);
    else if (any.has(2)) out[key] = varint(any, 2) === 1n;
    else if (any.has(3)) out[key] = Number(varint(any, 3));
    else if (any.has(4)) out[key] = Buffer.from(new BigUint64Array([any.get(4)![0] as bigint]).buffer).readDoubleLE(0);
  }
  return out;
}

/** The parts of an ExportMetricsServiceRequest the tests check. */
export interface DecodedMetric {
  name: string;
  unit: string | undefined;
  /** OTLP data field: 5 gauge, 7 sum, 9 histogram, 10 exponential histogram, 11 summary. */
  kind: number;
  /** aggregation_temporality (1 delta, 2 cumulative) for sums and histograms. */
  temporality: number | undefined;
  points: { attributes: Record<string, unknown>; fields: Fields }[];
}

export function decodeMetricsRequest(body: Uint8Array): { resource: Record<string, unknown>; scope: string | undefined; metrics: DecodedMetric[] }[] {
  return messages(decode(body), 1).flatMap((rm) => {
    const resource = keyValues(messages(messages(rm, 1)[0] ?? new Map(), 1));
    return messages(rm, 2).map((sm) => ({
      resource,
      scope: string(messages(sm, 1)[0] ?? new Map(), 1),
      metrics: messages(sm, 2).map((m) => {
        const kind = [5, 7, 9, 10, 11].find((k) => m.has(k)) ?? 0;
        const data = messages(m, kind)[0] ?? new Map();
        const t = kind === 5 ? undefined : varint(data, kind === 7 ? 2 : 2);
        // NumberDataPoint / HistogramDataPoint attributes are field 7 in sums, gauges and histograms; 1 in exponential ones.
        const attrField = kind === 10 ? 1 : kind === 9 ? 9 : 7;
        return {
          name: string(m, 1) ?? '',
          unit: string(m, 3),
          kind,
          temporality: t === undefined ? undefined : Number(t),
          points: messages(data, 1).map((p) => ({ attributes: keyValues(messages(p, attrField)), fields: p })),
        };
      }),
    }));
  });
}

/** The parts of an ExportLogsServiceRequest the tests check. */
export function decodeLogsRequest(body: Uint8Array): { resource: Record<string, unknown>; eventName: string | undefined; attributes: Record<string, unknown>; traceId: string; spanId: string }[] {
  return messages(decode(body), 1).flatMap((rl) => {
    const resource = keyValues(messages(messages(rl, 1)[0] ?? new Map(), 1));
    return messages(rl, 2).flatMap((sl) => messages(sl, 2).map((lr) => ({
      resource,
      eventName: string(lr, 12),
      attributes: keyValues(messages(lr, 6)),
      traceId: Buffer.from((lr.get(9)?.[0] as Uint8Array | undefined) ?? []).toString('hex'),
      spanId: Buffer.from((lr.get(10)?.[0] as Uint8Array | undefined) ?? []).toString('hex'),
    })));
  });
}
