import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load.js';
import { toEngineConfig } from '../../src/config/engine-config.js';
import { Engine } from '../../src/engine/index.js';
import { DeltaConverter } from '../../src/receiver/delta.js';
import { decodeLogsJson, decodeMetricsJson } from '../../src/receiver/otlp/decode-json.js';
import { metricsPoints } from '../../src/receiver/otlp/types.js';
import { EngineIngest, ingestStreamed } from '../../src/receiver/engine-ingest.js';

const T = 1_700_000_000_000;
const config = validateConfig({ models: [{ name: 'm' }] }, '/tmp', 'test');
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const modelAttrs = (model: string | undefined): unknown[] => (model === undefined ? [] : [{ key: 'ml.model.name', value: { stringValue: model } }]);

/** One `ml.predictions` point of label `ok` per entry: `temporality` 1 delta, 2 cumulative, 0 unspecified. */
function predictions(...points: Array<{ model?: string; temporality: number; count: number; at?: number }>) {
  return metricsPoints(
    decodeMetricsJson(
      encode({
        resourceMetrics: points.map(({ model, temporality, count, at = 0 }) => ({
          resource: { attributes: modelAttrs(model) },
          scopeMetrics: [
            {
              scope: {},
              metrics: [
                {
                  name: 'ml.predictions',
                  sum: {
                    aggregationTemporality: temporality,
                    isMonotonic: true,
                    dataPoints: [{ asInt: String(count), startTimeUnixNano: String(T * 1e6), timeUnixNano: String((T + at) * 1e6), attributes: [{ key: 'ml.prediction.label', value: { stringValue: 'ok' } }] }],
                  },
                },
              ],
            },
          ],
        })),
      }),
    ),
  );
}

function predictionEvent(model: string | undefined) {
  return decodeLogsJson(
    encode({
      resourceLogs: [
        {
          resource: { attributes: modelAttrs(model) },
          scopeLogs: [
            {
              scope: {},
              logRecords: [
                {
                  timeUnixNano: String(T * 1e6),
                  eventName: 'ml.prediction',
                  attributes: [
                    { key: 'ml.prediction.id', value: { stringValue: 'p1' } },
                    { key: 'ml.prediction.label', value: { stringValue: 'ok' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
}

const okCount = (engine: Engine): number | undefined => engine.predictionDistributions('m')?.labels?.current[0];
const counters = (ingest: EngineIngest): number[] => ingest.outputs().map((s) => s.value);

describe('ingestStreamed', () => {
  it('turns cumulative points into deltas before the engine counts them', () => {
    const engine = new Engine(toEngineConfig(config));
    const delta = new DeltaConverter();
    ingestStreamed(engine, delta, predictions({ model: 'm', temporality: 2, count: 10, at: 1 }), T + 1);
    const first = okCount(engine);
    const { result, deltaRejections } = ingestStreamed(engine, delta, predictions({ model: 'm', temporality: 2, count: 15, at: 2 }), T + 2);
    assert.equal(result.acceptedDataPoints, 1);
    assert.equal(deltaRejections.count, 0);
    assert.equal(okCount(engine), (first ?? 0) + 5, 'the second cumulative point adds its difference, not its total');
  });
});

describe('EngineIngest', () => {
  describe('metrics', () => {
    it('takes the points into the engine and counts them as accepted', () => {
      const engine = new Engine(toEngineConfig(config));
      const ingest = new EngineIngest(engine, new DeltaConverter());
      assert.deepEqual(ingest.metrics(predictions({ model: 'm', temporality: 1, count: 3 }), T), { rejected: 0 });
      assert.equal(okCount(engine), 3);
      assert.deepEqual(counters(ingest), [1, 0, 0, 0]);
    });

    it("counts the converter's and the engine's refusals together, the converter's reasons first", () => {
      const ingest = new EngineIngest(new Engine(toEngineConfig(config)), new DeltaConverter());
      const result = ingest.metrics(predictions({ model: 'm', temporality: 1, count: 3 }, { temporality: 1, count: 1 }, { model: 'm', temporality: 0, count: 1 }), T);
      assert.deepEqual(result, {
        rejected: 2,
        errorMessage: '1 data point: aggregation temporality is unspecified; data point of ml.predictions has no ml.model.name (data point, scope or resource attribute)',
      });
      assert.deepEqual(counters(ingest), [1, 0, 2, 0]);
    });
  });

  describe('logs', () => {
    it('counts accepted and rejected log records, with the reason', () => {
      const ingest = new EngineIngest(new Engine(toEngineConfig(config)), new DeltaConverter());
      assert.deepEqual(ingest.logs(predictionEvent('m'), T), { rejected: 0 });
      assert.deepEqual(ingest.logs(predictionEvent(undefined), T), { rejected: 1, errorMessage: 'log record has no ml.model.name (record, scope or resource attribute)' });
      assert.deepEqual(counters(ingest), [0, 1, 0, 1]);
    });
  });

  describe('outputs', () => {
    it('names the counters by signal, the rejections with reason refused, metrics before logs', () => {
      const ingest = new EngineIngest(new Engine(toEngineConfig(config)), new DeltaConverter());
      ingest.metrics(predictions({ model: 'm', temporality: 1, count: 3 }, { temporality: 1, count: 1 }), T);
      ingest.logs(predictionEvent('m'), T);
      assert.deepEqual(ingest.outputs(), [
        { name: 'ml.aggregator.accepted', value: 1, attributes: { 'ml.signal': 'metrics' } },
        { name: 'ml.aggregator.accepted', value: 1, attributes: { 'ml.signal': 'logs' } },
        { name: 'ml.aggregator.rejected', value: 1, attributes: { 'ml.signal': 'metrics', 'ml.rejection.reason': 'refused' } },
        { name: 'ml.aggregator.rejected', value: 0, attributes: { 'ml.signal': 'logs', 'ml.rejection.reason': 'refused' } },
      ]);
    });
  });
});
