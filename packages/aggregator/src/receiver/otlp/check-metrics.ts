/**
 * The checking pass of the streaming metrics decoder: proves that a
 * protobuf `ExportMetricsServiceRequest` decodes without error, without
 * decoding it.
 *
 * The receiver visits a request's points straight from its bytes into the
 * engine (see `scanMetricsRequest`), so a fault found halfway through would
 * leave the first half ingested under a 400 answer. This pass runs first and
 * fails exactly where the decoder would: it walks the same messages, skips
 * every scalar by its wire type (which checks what decoding it would check:
 * truncation, varints longer than 10 bytes, wire types 6 and 7, unterminated
 * groups), and checks the few things only a decoder looks into: packed
 * varints and fixed64/double runs, and the nesting of attribute values. It
 * builds no strings and no objects, so it costs a fraction of a decode.
 *
 * The schema is a table of the length-delimited fields the decoder reads, by
 * tag; a field absent from the table is skipped, as the decoder skips unknown
 * fields and known fields of an unexpected wire type. A property test checks
 * that this pass and `decodeMetricsRequest` accept and refuse the same bytes.
 *
 * @module
 */
import { ProtoReader } from './proto-reader.js';
import { cachedAttributes, findAttributes, skipAttributeRun } from './attribute-cache.js';
import type { Attributes } from './types.js';

/** Bound on AnyValue nesting (arrays/kvlists inside each other), as in the decoder. */
export const MAX_ANY_DEPTH = 32;

/** What a length-delimited field holds. */
type Content =
  | { kind: 'message'; message: Message; field: string }
  | { kind: 'packedVarint'; field: string }
  | { kind: 'packed8'; field: string; what: 'fixed64' | 'double' };

/** A message: its name (for errors) and its length-delimited fields by tag. */
interface Message {
  name: string;
  /** Indexed by tag (every tag here is below 128): an array read per field, not a hash lookup. */
  fields: (Content | undefined)[];
  /** A data point: counted. */
  point?: boolean;
  /** A data point's attributes tag (one byte): its runs go through the attribute cache. */
  attrTag?: number;
  /** AnyValue: its nesting is bounded. */
  anyValue?: boolean;
  /** ArrayValue / KeyValueList: one nesting level deeper. */
  nests?: boolean;
  /**
   * Metric: its data fields are a oneof and the decoder reads only the last
   * one, so only that one is checked (after the loop) and counted.
   */
  lastDataWins?: boolean;
}

function message(name: string, extra: Partial<Omit<Message, 'name' | 'fields'>> = {}): Message {
  return { name, fields: new Array<Content | undefined>(128).fill(undefined), ...extra };
}

/** A LEN field's tag: (field << 3) | 2. */
const len = (field: number): number => (field << 3) | 2;

function sub(parent: Message, field: number, fieldName: string, child: Message): void {
  parent.fields[len(field)] = { kind: 'message', message: child, field: `${parent.name}.${fieldName}` };
}

const anyValue = message('AnyValue', { anyValue: true });
const keyValue = message('KeyValue');
const arrayValue = message('ArrayValue', { nests: true });
const kvList = message('KeyValueList', { nests: true });
sub(keyValue, 2, 'value', anyValue);
sub(anyValue, 5, 'array_value', arrayValue);
sub(anyValue, 6, 'kvlist_value', kvList);
sub(arrayValue, 1, 'values', anyValue);
sub(kvList, 1, 'values', keyValue);

const resource = message('Resource');
sub(resource, 1, 'attributes', keyValue);
const scope = message('InstrumentationScope');
sub(scope, 3, 'attributes', keyValue);

const numberPoint = message('NumberDataPoint', { point: true, attrTag: len(7) });
sub(numberPoint, 7, 'attributes', keyValue);
const histogramPoint = message('HistogramDataPoint', { point: true, attrTag: len(9) });
sub(histogramPoint, 9, 'attributes', keyValue);
histogramPoint.fields[len(6)] = { kind: 'packed8', field: 'HistogramDataPoint.bucket_counts', what: 'fixed64' };
histogramPoint.fields[len(7)] = { kind: 'packed8', field: 'HistogramDataPoint.explicit_bounds', what: 'double' };
const buckets = (side: string): Message => {
  const m = message(`ExponentialHistogramDataPoint.${side}`);
  m.fields[len(2)] = { kind: 'packedVarint', field: `ExponentialHistogramDataPoint.${side}.bucket_counts` };
  return m;
};
const expPoint = message('ExponentialHistogramDataPoint', { point: true, attrTag: len(1) });
sub(expPoint, 1, 'attributes', keyValue);
sub(expPoint, 8, 'positive', buckets('positive'));
sub(expPoint, 9, 'negative', buckets('negative'));
const summaryPoint = message('SummaryDataPoint', { point: true, attrTag: len(7) });
sub(summaryPoint, 7, 'attributes', keyValue);
sub(summaryPoint, 6, 'quantile_values', message('ValueAtQuantile'));

const container = (name: string, point: Message): Message => {
  const m = message(name);
  sub(m, 1, 'data_points', point);
  return m;
};
const metric = message('Metric', { lastDataWins: true });
sub(metric, 5, 'gauge', container('Gauge', numberPoint));
sub(metric, 7, 'sum', container('Sum', numberPoint));
sub(metric, 9, 'histogram', container('Histogram', histogramPoint));
sub(metric, 10, 'exponential_histogram', container('ExponentialHistogram', expPoint));
sub(metric, 11, 'summary', container('Summary', summaryPoint));
sub(metric, 12, 'metadata', keyValue);
const scopeMetrics = message('ScopeMetrics');
sub(scopeMetrics, 1, 'scope', scope);
sub(scopeMetrics, 2, 'metrics', metric);
const resourceMetrics = message('ResourceMetrics');
sub(resourceMetrics, 1, 'resource', resource);
sub(resourceMetrics, 2, 'scope_metrics', scopeMetrics);
const request = message('ExportMetricsServiceRequest');
sub(request, 1, 'resource_metrics', resourceMetrics);

/**
 * Checks that `buf` decodes as an `ExportMetricsServiceRequest` and returns
 * its number of data points.
 *
 * A point's run of attribute fields whose bytes are in the attribute cache
 * was checked when first decoded and is skipped. With `attrLog`, each run's
 * cached set (or `undefined`) is pushed in order, for the decoder's walk to
 * take instead of looking the run up again.
 *
 * @throws {OtlpDecodeError} where the decoder would.
 */
export function checkMetricsRequest(buf: Uint8Array, attrLog: (Attributes | undefined)[] | null = null): number {
  const r = new ProtoReader(buf);
  return checkMessage(r, buf.length, request, 0, attrLog);
}

function checkMessage(r: ProtoReader, end: number, m: Message, depth: number, log: (Attributes | undefined)[] | null): number {
  if (m.anyValue === true && depth > MAX_ANY_DEPTH) r.fail('AnyValue', `nested deeper than ${MAX_ANY_DEPTH} levels`);
  let points = 0;
  const fields = m.fields;
  let data: Message | undefined;
  let dataStart = 0;
  let dataEnd = 0;
  while (r.pos < end) {
    const tag = r.uint32(m.name);
    const content = tag < 128 ? fields[tag] : undefined;
    if (content === undefined) {
      r.skip(tag & 7, m.name, end);
      continue;
    }
    // The decoder's rule for attribute runs (see readPointAttributes): one-byte tags only.
    if (tag === m.attrTag && r.buf[r.pos - 1] === tag) {
      const start = r.pos - 1;
      const stop = skipAttributeRun(r, end, tag, content.field);
      const found = findAttributes(r.view, start, stop);
      log?.push(found >= 0 ? cachedAttributes(found) : undefined);
      if (found < 0) {
        r.pos = start;
        while (r.pos < stop) {
          r.pos++; // the one-byte tag
          checkMessage(r, r.lengthEnd(content.field, stop), keyValue, depth, log);
        }
      }
      continue;
    }
    const e = r.lengthEnd(content.field, end);
    switch (content.kind) {
      case 'message': {
        const child = content.message;
        if (m.lastDataWins === true && child !== keyValue) {
          data = child;
          dataStart = r.pos;
          dataEnd = e;
          r.pos = e;
          break;
        }
        points += checkMessage(r, e, child, child.nests === true ? depth + 1 : depth, log) + (child.point === true ? 1 : 0);
        break;
      }
      case 'packedVarint':
        checkPackedVarints(r, e, content.field);
        break;
      case 'packed8':
        if ((e - r.pos) % 8 !== 0) r.fail(content.field, `packed ${content.what} length is not a multiple of 8`);
        r.pos = e;
        break;
    }
  }
  r.expectEnd(end, m.name);
  if (data !== undefined) {
    r.pos = dataStart;
    points += checkMessage(r, dataEnd, data, depth, log);
    r.pos = end;
  }
  return points;
}

/**
 * Checks packed varints ending at `end` without decoding them: no varint
 * longer than 10 bytes, and the last one ends exactly at `end`.
 */
export function checkPackedVarints(r: ProtoReader, end: number, field: string): void {
  const buf = r.buf;
  const view = r.view;
  let run = 0;
  let i = r.pos;
  for (; i < end; i++) {
    // Eight, then four one-byte varints at a time: counts are mostly small.
    // Not right after continuation bytes: the next byte ends that varint and is checked below.
    while (run === 0 && i + 8 <= end && ((view.getUint32(i, true) | view.getUint32(i + 4, true)) & 0x80808080) === 0) i += 8;
    while (run === 0 && i + 4 <= end && (view.getUint32(i, true) & 0x80808080) === 0) i += 4;
    if (i >= end) break;
    const b = buf[i] as number;
    if (b < 0x80) {
      // The tenth byte holds bit 63 only (as ProtoReader.uint64Number checks).
      if (run === 9 && b > 1) {
        r.pos = i + 1;
        r.fail(field, 'varint overflows 64 bits');
      }
      run = 0;
    } else if (++run >= 10) {
      r.pos = i;
      r.fail(field, 'varint longer than 10 bytes');
    }
  }
  if (run > 0) {
    r.pos = end;
    r.fail(field, 'packed varint runs past its length');
  }
  r.pos = end;
}
