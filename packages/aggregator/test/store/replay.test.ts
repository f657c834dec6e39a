import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { replayIngestLog, type ReplayTarget } from '../../src/store/replay.js';
import type { LoggedRequest } from '../../src/store/ingest-log.js';
import type { LogsRequest, MetricsPoints } from '../../src/receiver/index.js';

const T = 1_700_000_000_000;
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

const onePoint = json({
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'ml.model.name', value: { stringValue: 'm' } }] },
      scopeMetrics: [{ scope: {}, metrics: [{ name: 'ml.predictions', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '2', timeUnixNano: String(T * 1e6) }] } }] }],
    },
  ],
});
const oneRecord = json({ resourceLogs: [{ resource: {}, scopeLogs: [{ scope: {}, logRecords: [{ timeUnixNano: String(T * 1e6), eventName: 'ml.prediction' }] }] }] });

const row = (seq: number, kind: LoggedRequest['kind'], encoding: LoggedRequest['encoding'], payload: Uint8Array): LoggedRequest => ({ seq, kind, encoding, payload, receivedAt: T + seq });

/** Records what is replayed into it, as `kind@t:items`. */
function recorder(): ReplayTarget & { seen: string[] } {
  const seen: string[] = [];
  const points = (req: MetricsPoints): number => {
    let n = 0;
    req.forEachPoint(() => n++);
    return n;
  };
  const records = (req: LogsRequest): number => req.resourceLogs.reduce((n, rl) => n + rl.scopeLogs.reduce((k, sl) => k + sl.logRecords.length, 0), 0);
  return {
    seen,
    metrics: (req, t) => seen.push(`metrics@${t - T}:${points(req)}`),
    logs: (req, t) => seen.push(`logs@${t - T}:${records(req)}`),
  };
}

describe('replayIngestLog', () => {
  it('decodes each request in its own encoding and ingests it at the time it was received, in log order', () => {
    const target = recorder();
    const rows = [row(1, 'metrics', 'json', onePoint), row(2, 'logs', 'json', oneRecord), row(3, 'metrics', 'protobuf', new Uint8Array()), row(4, 'logs', 'protobuf', new Uint8Array())];
    const count = replayIngestLog(rows, target, () => assert.fail('nothing is damaged'));
    assert.deepEqual(target.seen, ['metrics@1:1', 'logs@2:1', 'metrics@3:0', 'logs@4:0']);
    assert.deepEqual(count, { replayed: 4, bytes: onePoint.byteLength + oneRecord.byteLength });
  });

  it('tells a damaged request by its sequence number and goes on; its bytes still count', () => {
    const target = recorder();
    const said: string[] = [];
    const damaged = new TextEncoder().encode('{"resourceMetrics": [');
    const count = replayIngestLog([row(1, 'metrics', 'json', damaged), row(2, 'metrics', 'json', onePoint)], target, (m) => said.push(m));
    assert.deepEqual(target.seen, ['metrics@2:1']);
    assert.equal(said.length, 1);
    assert.match(said[0] ?? '', /^cannot replay logged request 1: /);
    assert.deepEqual(count, { replayed: 1, bytes: damaged.byteLength + onePoint.byteLength });
  });

  it('does not count a request the target refused by throwing', () => {
    const said: string[] = [];
    const count = replayIngestLog([row(7, 'logs', 'json', oneRecord)], { metrics: () => undefined, logs: () => { throw new Error('engine full'); } }, (m) => said.push(m));
    assert.deepEqual(said, ['cannot replay logged request 7: engine full']);
    assert.equal(count.replayed, 0);
  });
});
