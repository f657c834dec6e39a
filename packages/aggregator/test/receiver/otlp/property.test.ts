// Property-based round trips: arbitrary SDK-shaped metric data, encoded by
// the SDK's own serializers, must decode to exactly that data.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { decodeMetricsRequest, scanMetricsRequest } from '../../../src/receiver/otlp/decode-protobuf.js';
import { checkMetricsRequest } from '../../../src/receiver/otlp/check-metrics.js';
import { countDataPoints } from '../../../src/receiver/otlp/types.js';
import { decodeMetricsJson } from '../../../src/receiver/otlp/decode-json.js';
import { expectedMetrics } from '../sdk-data.js';
import { resourceMetrics } from './arbitraries.js';

describe('OTLP decoders (property)', () => {
  it('decodeMetricsRequest inverts ProtobufMetricsSerializer on arbitrary data, NaN and infinities included', () => {
    fc.assert(
      fc.property(resourceMetrics(false), (rm) => {
        const bytes = ProtobufMetricsSerializer.serializeRequest(rm)!;
        assert.deepStrictEqual(decodeMetricsRequest(bytes), expectedMetrics(rm));
      }),
      { numRuns: 150 },
    );
  });

  it('decodeMetricsJson agrees with decodeMetricsRequest on the JSON serialization of finite data', () => {
    fc.assert(
      fc.property(resourceMetrics(true), (rm) => {
        const fromJson = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(rm)!);
        assert.deepStrictEqual(fromJson, decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(rm)!));
      }),
      { numRuns: 150 },
    );
  });

  // The streaming receiver checks a request before visiting its points: the
  // check must refuse exactly what a decode refuses, or a visit could fail
  // halfway (half a request ingested) or good data be refused.
  it('checkMetricsRequest refuses exactly the bytes decodeMetricsRequest refuses, and counts the same points', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    const outcome = (f: () => number): string => {
      try {
        return `ok ${f()}`;
      } catch (err) {
        // Both name a fault, not always the same one when there are several:
        // the decoder reads an envelope's own fields before its children.
        return `error ${(err as Error).name}`;
      }
    };
    fc.assert(
      fc.property(resourceMetrics(false), fc.array(mutation, { minLength: 0, maxLength: 4 }), (rm, mutations) => {
        let bytes = ProtobufMetricsSerializer.serializeRequest(rm)!;
        for (const m of mutations) {
          if (bytes.length === 0) break;
          const at = m.at % bytes.length;
          if (m.kind === 'flip') bytes[at] = m.value;
          else if (m.kind === 'truncate') bytes = bytes.slice(0, at);
          else bytes = new Uint8Array([...bytes.subarray(0, at), m.value, ...bytes.subarray(at)]);
        }
        const decoded = outcome(() => countDataPoints(decodeMetricsRequest(bytes)));
        assert.equal(outcome(() => checkMetricsRequest(bytes)), decoded);
        if (decoded.startsWith('ok')) {
          // And a visit of checked bytes never throws.
          let n = 0;
          scanMetricsRequest(bytes).forEachPoint(() => n++);
          assert.equal(`ok ${n}`, decoded);
        }
      }),
      { numRuns: 400 },
    );
  });
});
