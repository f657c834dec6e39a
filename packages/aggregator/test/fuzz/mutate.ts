/**
 * Mutations for fuzzing: of protobuf payloads (raw bytes, and a parsed field
 * tree re-encoded with consistent lengths so a mutation reaches past the
 * framing checks), of JSON documents (the parsed value and the text), and of
 * plain text files (CSV, JSON Lines, YAML). Every mutation draws from a
 * seeded generator, so a case is replayed from its seed alone.
 */
import { rng as seededRng } from '../engine/helpers.js';

/** A seeded uniform generator in [0, 1) (mulberry32): one per case. */
export type Rng = () => number;

/** mulberry32, the tests' seeded generator (test/engine/helpers.ts). */
export const rng: (seed: number) => Rng = seededRng;

export const int = (r: Rng, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[int(r, xs.length)] as T;

/** Mutated payloads are kept below this size: the fuzz looks for bad handling, not for slowness on big bodies. */
export const MAX_MUTATED_BYTES = 1 << 20;

// ---- raw bytes -----------------------------------------------------------

/** Bytes protobuf and Parquet give meaning to: tags of common fields, varint continuation, wire types 6/7. */
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x39, 0x41, 0x0e, 0x0f, 0x15, 0x19];
/** Varints a length or count field might be inflated to: 2^31, 2^32-1 (a 4 GB claim), 2^63, an endless one. */
const HUGE_VARINTS = [
  [0x80, 0x80, 0x80, 0x80, 0x08],
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
];

/**
 * A few random edits of `seed`: bit flips, boundary bytes, inserted, deleted
 * and duplicated runs, truncation, huge varints, and a splice of `other`.
 * @param focus when set, edits land in the last `focus` bytes half the time (Parquet's footer).
 */
export function mutateBytes(seed: Uint8Array, r: Rng, other?: Uint8Array, focus = 0): Uint8Array {
  let b = Array.from(seed);
  const edits = 1 + int(r, 4);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = focus > 0 && r() < 0.5 ? Math.max(0, b.length - 1 - int(r, Math.min(focus, b.length))) : int(r, b.length);
    switch (int(r, 10)) {
      case 0:
        b[at] = (b[at] as number) ^ (1 << int(r, 8));
        break;
      case 1:
        b[at] = pick(r, BOUNDARY_BYTES);
        break;
      case 2:
        b.splice(at, 0, ...Array.from({ length: 1 + int(r, 8) }, () => int(r, 256)));
        break;
      case 3:
        b.splice(at, 1 + int(r, 8));
        break;
      case 4: {
        const len = 1 + int(r, 32);
        b.splice(at, 0, ...b.slice(at, at + len));
        break;
      }
      case 5:
        b = b.slice(0, at);
        break;
      case 6:
        b.splice(at, int(r, 2), ...pick(r, HUGE_VARINTS));
        break;
      case 7:
        if (other !== undefined && other.length > 0) {
          // Splice: a run of another valid payload in place of a run of this one.
          const from = int(r, other.length);
          b.splice(at, int(r, 16), ...other.subarray(from, from + 1 + int(r, 64)));
        }
        break;
      case 8: {
        // A little-endian 32-bit word set to a boundary value (Parquet's footer length, Thrift i32s).
        const v = pick(r, [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, b.length, b.length + 1]);
        for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = (v >>> (8 * k)) & 0xff;
        break;
      }
      default:
        b[at] = int(r, 256);
    }
  }
  if (b.length > MAX_MUTATED_BYTES) b.length = MAX_MUTATED_BYTES;
  return Uint8Array.from(b);
}

// ---- protobuf field trees -----------------------------------------------

/** One field of a protobuf message as found on the wire, with the edits a mutation made to its encoding. */
export interface PbField {
  field: number;
  wireType: number;
  /** VARINT value. */
  varint?: bigint;
  /** I64/I32 bytes, or LEN bytes that do not parse as a message. */
  bytes?: Uint8Array;
  /** LEN bytes that parse as a message. */
  children?: PbField[];
  /** Added to the true length when writing the length prefix; `huge` claims 4 GB. */
  lengthDelta?: number | 'huge';
  /** The tag written in more bytes than needed. */
  overlongTag?: boolean;
}

function readVarint(buf: Uint8Array, pos: number, end: number): [bigint, number] | undefined {
  let v = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return undefined;
    const b = buf[pos++] as number;
    v |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return [v, pos];
  }
  return undefined;
}

/** Parses `buf[start, end)` as a message; undefined when it is not one (then it stays bytes). */
export function parseFields(buf: Uint8Array, start = 0, end = buf.length, depth = 0): PbField[] | undefined {
  const out: PbField[] = [];
  let pos = start;
  while (pos < end) {
    const t = readVarint(buf, pos, end);
    if (t === undefined) return undefined;
    pos = t[1];
    const field = Number(t[0] >> 3n);
    const wireType = Number(t[0] & 7n);
    if (field === 0 || field > 536870911) return undefined;
    if (wireType === 0) {
      const v = readVarint(buf, pos, end);
      if (v === undefined) return undefined;
      out.push({ field, wireType, varint: v[0] });
      pos = v[1];
    } else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (pos + n > end) return undefined;
      out.push({ field, wireType, bytes: buf.slice(pos, pos + n) });
      pos += n;
    } else if (wireType === 2) {
      const l = readVarint(buf, pos, end);
      if (l === undefined || l[1] + Number(l[0]) > end) return undefined;
      const s = l[1];
      const e = s + Number(l[0]);
      const children = depth < 24 && e > s ? parseFields(buf, s, e, depth + 1) : undefined;
      out.push(children !== undefined ? { field, wireType, children } : { field, wireType, bytes: buf.slice(s, e) });
      pos = e;
    } else return undefined;
  }
  return out;
}

function writeVarint(out: number[], v: bigint): void {
  let x = BigInt.asUintN(64, v);
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

function encodeInto(out: number[], fields: readonly PbField[]): void {
  for (const f of fields) {
    const tag = (BigInt(f.field) << 3n) | BigInt(f.wireType);
    if (f.overlongTag === true) {
      // Same value, one more byte: a legal but unusual encoding.
      const tmp: number[] = [];
      writeVarint(tmp, tag);
      tmp[tmp.length - 1] = (tmp[tmp.length - 1] as number) | 0x80;
      tmp.push(0);
      out.push(...tmp);
    } else writeVarint(out, tag);
    if (f.varint !== undefined) {
      writeVarint(out, f.varint);
      continue;
    }
    let payload: number[] | Uint8Array;
    if (f.children !== undefined) {
      const inner: number[] = [];
      encodeInto(inner, f.children);
      payload = inner;
    } else payload = f.bytes ?? new Uint8Array(0);
    if (f.wireType === 2 || f.children !== undefined) {
      const len = f.lengthDelta === 'huge' ? 0xffffffff : Math.max(0, payload.length + (f.lengthDelta ?? 0));
      writeVarint(out, BigInt(len));
    }
    for (const x of payload) out.push(x);
    if (out.length > MAX_MUTATED_BYTES) return;
  }
}

export function encodeFields(fields: readonly PbField[]): Uint8Array {
  const out: number[] = [];
  encodeInto(out, fields);
  return Uint8Array.from(out.length > MAX_MUTATED_BYTES ? out.slice(0, MAX_MUTATED_BYTES) : out);
}

function clone(f: PbField): PbField {
  return { ...f, ...(f.children !== undefined ? { children: f.children.map(clone) } : {}) };
}

/** Every field of a tree with the array that holds it. */
function allFields(fields: PbField[], out: { f: PbField; parent: PbField[] }[] = []): { f: PbField; parent: PbField[] }[] {
  for (const f of fields) {
    out.push({ f, parent: fields });
    if (f.children !== undefined) allFields(f.children, out);
  }
  return out;
}

const VARINT_EDGES = [0n, 1n, 2n, 127n, 128n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, -1n];
const F64_EDGES = [NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -1, 1e308];

function f64Bytes(v: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return b;
}

function u64Bytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

/**
 * A few structural edits of a parsed message: duplicated, deleted, reordered
 * and spliced-in fields (from `donor`), values set to edges, wire types and
 * field numbers changed, lengths inflated, fields repeated many times.
 */
export function mutateTree(tree: PbField[], r: Rng, donor: PbField[]): PbField[] {
  const root = tree.map(clone);
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits; e++) {
    const nodes = allFields(root);
    if (nodes.length === 0) break;
    const { f, parent } = pick(r, nodes);
    const i = parent.indexOf(f);
    switch (int(r, 12)) {
      case 0:
        parent.splice(i + 1 + int(r, Math.max(1, parent.length - i)), 0, clone(f));
        break;
      case 1:
        parent.splice(i, 1);
        break;
      case 2: {
        // Splice: a field of another payload (any depth) into this parent.
        const d = allFields(donor);
        if (d.length > 0) parent.splice(int(r, parent.length + 1), 0, clone(pick(r, d).f));
        break;
      }
      case 3:
        if (f.varint !== undefined) f.varint = pick(r, VARINT_EDGES);
        else if (f.wireType === 1) f.bytes = r() < 0.5 ? f64Bytes(pick(r, F64_EDGES)) : u64Bytes(pick(r, VARINT_EDGES));
        else if (f.wireType === 5) f.bytes = Uint8Array.of(0xff, 0xff, 0xff, int(r, 256));
        else f.lengthDelta = pick(r, [1, 2, 7, 8, 100, -1, 'huge'] as const);
        break;
      case 4:
        f.lengthDelta = pick(r, [1, 9, 1000, -1, -2, 'huge'] as const);
        if (f.wireType !== 2 && f.children === undefined) {
          f.wireType = 2;
          delete f.varint;
          f.bytes ??= new Uint8Array(0);
        }
        break;
      case 5: {
        // Another wire type for the same field number (the bytes stay; the decoder must skip or refuse).
        const wt = pick(r, [0, 1, 2, 3, 4, 5, 6, 7]);
        f.wireType = wt;
        if (wt === 0 && f.varint === undefined) {
          f.varint = BigInt(int(r, 1000));
          delete f.bytes;
          delete f.children;
        }
        break;
      }
      case 6:
        f.field = pick(r, [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 100, 536870911]);
        break;
      case 7:
        f.overlongTag = true;
        break;
      case 8: {
        // Many copies: a repeated field (data points, buckets, attributes) grown large.
        const n = pick(r, [10, 100, 1000]);
        for (let k = 0; k < n; k++) parent.splice(i, 0, clone(f));
        break;
      }
      case 9:
        if (i + 1 < parent.length) [parent[i], parent[i + 1]] = [parent[i + 1] as PbField, f];
        break;
      case 10:
        if (f.bytes !== undefined && f.bytes.length > 0) f.bytes = f.bytes.slice(0, int(r, f.bytes.length));
        else if (f.children !== undefined) f.children.length = int(r, f.children.length + 1);
        break;
      default: {
        // Nest a field in itself a few times (AnyValue depth, recursion bounds).
        let inner = clone(f);
        for (let k = 0, n = 1 + int(r, 40); k < n; k++) inner = { field: f.field, wireType: 2, children: [inner] };
        parent.splice(i, 1, inner);
      }
    }
  }
  return root;
}

// ---- JSON ----------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const JSON_EDGE_VALUES: Json[] = [
  null, true, false, 0, -1, -0, 1.5, 1e308, -1e308, 2 ** 53 + 2, 2 ** 64, 'x', '', 'NaN', 'Infinity', '-Infinity', '-1', '1e400',
  '18446744073709551616', '-9223372036854775809', '9'.repeat(400), '0x10', ' 1', 'AAAA', 'zz', [], {}, [1, 2, 3], { a: 1 }, { stringValue: 's' },
  { intValue: '99999999999999999999' }, { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [] } } }] } },
];
const KEY_EDITS = ['resourceMetrics', 'scopeMetrics', 'metrics', 'dataPoints', 'bucketCounts', 'explicitBounds', 'positive', 'negative', 'scale', 'count', 'sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary', 'attributes', 'value', 'timeUnixNano', 'asInt', 'asDouble', 'body', 'logRecords', 'traceId', 'spanId', 'severityNumber', 'zero_count', 'aggregation_temporality', '__proto__', 'constructor', 'x'];

function jsonNodes(v: Json, out: { holder: Json[] | { [k: string]: Json }; key: string | number }[] = []): typeof out {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push({ holder: v, key: i });
      jsonNodes(x, out);
    });
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      out.push({ holder: v, key: k });
      jsonNodes(v[k] as Json, out);
    }
  }
  return out;
}

/** A few edits of a parsed JSON document: values of other types or at edges, keys renamed or dropped, elements repeated, deep nesting. */
export function mutateJsonValue(doc: Json, r: Rng): Json {
  const root = structuredClone(doc);
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits; e++) {
    const nodes = jsonNodes(root);
    if (nodes.length === 0) break;
    const { holder, key } = pick(r, nodes);
    const h = holder as Record<string | number, Json>;
    switch (int(r, 8)) {
      case 0:
      case 1:
        h[key] = structuredClone(pick(r, JSON_EDGE_VALUES));
        break;
      case 2:
        if (Array.isArray(holder)) holder.splice(key as number, 1);
        else delete h[key];
        break;
      case 3:
        if (!Array.isArray(holder)) {
          const v = h[key] as Json;
          delete h[key];
          // defineProperty: a plain assignment to "__proto__" would set the prototype, not a key.
          Object.defineProperty(h, pick(r, KEY_EDITS), { value: v, enumerable: true, writable: true, configurable: true });
        } else holder.splice(key as number, 0, structuredClone(holder[key as number] as Json));
        break;
      case 4:
        if (Array.isArray(holder)) {
          const n = pick(r, [10, 100, 1000]);
          for (let k = 0; k < n; k++) holder.push(structuredClone(holder[key as number] as Json));
        } else h[key] = [h[key] as Json];
        break;
      case 5: {
        // An AnyValue nested past any sane depth.
        let v: Json = { stringValue: 'deep' };
        for (let k = 0, n = 20 + int(r, 40); k < n; k++) v = r() < 0.5 ? { arrayValue: { values: [v] } } : { kvlistValue: { values: [{ key: 'k', value: v }] } };
        h[key] = v;
        break;
      }
      case 6: {
        const v = h[key];
        if (typeof v === 'number') h[key] = String(v);
        else if (typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))) h[key] = Number(v);
        else h[key] = pick(r, [-5, '-5', 4294967296, 2 ** 31, -(2 ** 31) - 1]);
        break;
      }
      default:
        if (Array.isArray(h[key])) (h[key] as Json[]).push(pick(r, JSON_EDGE_VALUES));
        else h[key] = { [pick(r, KEY_EDITS)]: h[key] as Json };
    }
  }
  return root;
}

const JSON_TEXT_SNIPPETS = ['null', 'true', '"x"', '-1', '1e309', '-0', '18446744073709551616', '"NaN"', '{}', '[]', '[[[[[[[[[[1]]]]]]]]]]', '"\\u0000"', '{"a":', '1.5', '"9007199254740993"', '"\\ud800"', ',', '}', ']', '"'];

/** A few edits of JSON text: deleted and inserted snippets, values of another type, truncation, deep nesting, stray characters. */
export function mutateJsonText(seed: string, r: Rng): string {
  let s = seed;
  const edits = 1 + int(r, 3);
  for (let e = 0; e < edits && s.length > 0; e++) {
    const at = int(r, s.length);
    switch (int(r, 6)) {
      case 0: {
        const colon = s.indexOf(':', at);
        if (colon < 0) break;
        const end = s.slice(colon + 1).search(/[,}\]]/);
        if (end < 0) break;
        s = s.slice(0, colon + 1) + pick(r, JSON_TEXT_SNIPPETS) + s.slice(colon + 1 + end);
        break;
      }
      case 1:
        s = s.slice(0, at) + s.slice(at + 1 + int(r, 10));
        break;
      case 2:
        s = s.slice(0, at) + pick(r, JSON_TEXT_SNIPPETS) + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at);
        break;
      case 4:
        s = `${'['.repeat(1 + int(r, 5000))}${s}`;
        break;
      default:
        s = s.slice(0, at) + String.fromCharCode(int(r, 128)) + s.slice(at + 1);
    }
  }
  return s;
}

/** A JSON document mutated as a value (60%) or as text (40%). */
export function mutateJson(seed: string, r: Rng): string {
  if (r() < 0.6) return JSON.stringify(mutateJsonValue(JSON.parse(seed) as Json, r));
  return mutateJsonText(seed, r);
}

// ---- text files ----------------------------------------------------------

/**
 * A few edits of a text file (lines kept as lines): characters deleted or
 * inserted from `specials`, lines duplicated, dropped or swapped, a very long
 * line, truncation, invalid UTF-8. Returned as bytes.
 */
export function mutateText(seed: string, r: Rng, specials: readonly string[]): Uint8Array {
  let s = seed;
  let rawTail: Uint8Array | undefined;
  const edits = 1 + int(r, 4);
  for (let e = 0; e < edits && s.length > 0; e++) {
    const at = int(r, s.length);
    switch (int(r, 9)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1 + int(r, 12));
        break;
      case 1:
      case 2:
        s = s.slice(0, at) + pick(r, specials) + s.slice(at);
        break;
      case 3: {
        const lines = s.split('\n');
        const i = int(r, lines.length);
        lines.splice(i, 0, ...Array.from({ length: 1 + int(r, 3) }, () => lines[i] as string));
        s = lines.join('\n');
        break;
      }
      case 4: {
        const lines = s.split('\n');
        const i = int(r, lines.length);
        const j = int(r, lines.length);
        [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
        if (r() < 0.5) lines.splice(int(r, lines.length), 1);
        s = lines.join('\n');
        break;
      }
      case 5: {
        // A long run (a very long line or field), at most 64 KiB of it.
        const special = pick(r, specials);
        s = s.slice(0, at) + special.repeat(1 + int(r, Math.max(1, Math.floor(65_536 / special.length)))) + s.slice(at);
        break;
      }
      case 6:
        s = s.slice(0, at);
        break;
      case 7:
        rawTail = Uint8Array.from({ length: 1 + int(r, 6) }, () => pick(r, [0xff, 0xfe, 0xc3, 0x80, 0xed, 0xa0, 0x00, 0xef, 0xbb, 0xbf]));
        break;
      default:
        s = s.slice(0, at) + String.fromCharCode(int(r, 0x3000)) + s.slice(at + 1);
    }
  }
  const text = Buffer.from(s.length > MAX_MUTATED_BYTES ? s.slice(0, MAX_MUTATED_BYTES) : s, 'utf8');
  if (rawTail === undefined) return new Uint8Array(text);
  // Invalid UTF-8 spliced in somewhere, not only at the end.
  const cut = int(r, text.length + 1);
  return Uint8Array.from([...text.subarray(0, cut), ...rawTail, ...text.subarray(cut)]);
}
