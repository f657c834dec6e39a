import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AggregationTemporality, InstrumentType, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { PushStatus } from '../../src/export/push-status.js';

/** An exporter whose next results the test decides. */
function fakeExporter(): PushMetricExporter & { fail: boolean } {
  const e = {
    fail: true,
    export: (_m: ResourceMetrics, done: (r: { code: number; error?: Error }) => void) =>
      done(e.fail ? { code: 1, error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { cause: { code: 'ECONNREFUSED' } }) } : { code: 0 }),
    forceFlush: async () => {},
    shutdown: async () => {},
    selectAggregationTemporality: () => AggregationTemporality.DELTA,
  };
  return e;
}

const exportOnce = (x: PushMetricExporter): Promise<number> => new Promise((r) => x.export({} as ResourceMetrics, (res) => r(res.code)));

describe('PushStatus', () => {
  describe('wrap', () => {
    it('counts failed and successful exports, tells when pushing stops and starts working, and passes results on', async () => {
      const said: string[] = [];
      const status = new PushStatus('http://127.0.0.1:9/v1/metrics', (m) => said.push(m));
      const inner = fakeExporter();
      const wrapped = status.wrap(inner);
      assert.equal(await exportOnce(wrapped), 1);
      assert.equal(await exportOnce(wrapped), 1);
      let v = status.view();
      assert.equal(v.failing, true);
      assert.equal(v.failed, 2);
      assert.match(v.lastError ?? '', /ECONNREFUSED 127\.0\.0\.1:9 \(ECONNREFUSED\)$/);
      inner.fail = false;
      assert.equal(await exportOnce(wrapped), 0);
      v = status.view();
      assert.deepEqual([v.failing, v.succeeded, v.failed], [false, 1, 2]);
      assert.equal(said.length, 2);
      assert.match(said[0] ?? '', /^OTLP push to http:\/\/127\.0\.0\.1:9\/v1\/metrics failed/);
      assert.equal(said[1], 'OTLP push to http://127.0.0.1:9/v1/metrics works again');
    });

    it("keeps the exporter's temporality", () => {
      const wrapped = new PushStatus('x').wrap(fakeExporter());
      assert.equal(wrapped.selectAggregationTemporality?.(InstrumentType.COUNTER), AggregationTemporality.DELTA);
      assert.equal(wrapped.selectAggregation, undefined);
    });
  });
});
