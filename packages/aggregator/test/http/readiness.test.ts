import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readiness, type ReadinessSources } from '../../src/http/readiness.js';
import type { MemoryReadiness } from '../../src/admission/stage.js';
import type { ForwardReadiness } from '../../src/forward/stage.js';
import { StoreHealth } from '../../src/store/health.js';

const memory = (residentBytes: number): MemoryReadiness => ({ residentBytes, limitBytes: 1024, refusing: false, refusedRequests: 0 });

const forwardReadiness: ForwardReadiness = {
  endpoint: 'http://collector:4318',
  protocol: 'http/protobuf',
  queueBytes: 0,
  maxQueueBytes: 1024,
  refusing: false,
  failing: false,
  lastError: null,
  lastSuccess: null,
  forwardedSeq: 3,
  loggedSeq: 3,
  sent: { metrics: 2, logs: 1 },
  rejected: { metrics: 0, logs: 0 },
  refusedRequests: 0,
};

function sources(forward?: ReadinessSources['forward']): ReadinessSources & { resident: { bytes: number } } {
  const resident = { bytes: 100 };
  return {
    resident,
    alerts: { receivers: () => [{ kind: 'webhook' as const, url: 'http://hook', queued: 0, sent: 1, failed: 0, dropped: 0, lastError: null, lastSuccess: null }] },
    admission: { readiness: () => memory(resident.bytes) },
    storeHealth: new StoreHealth(),
    telemetry: { pushStatus: () => null },
    ...(forward ? { forward } : {}),
  };
}

describe('readiness', () => {
  it("reports each stage's part under its key, in the order /readyz shows them", () => {
    const s = sources({ readiness: () => forwardReadiness });
    const r = readiness(s);
    assert.deepEqual(Object.keys(r), ['alerting', 'memory', 'store', 'otlpPush', 'forward']);
    assert.deepEqual(r.alerting, s.alerts.receivers());
    assert.deepEqual(r.memory, memory(100));
    assert.deepEqual(r.store, new StoreHealth().readiness());
    assert.equal(r.otlpPush, null);
    assert.deepEqual(r.forward, forwardReadiness);
  });

  it('reports forward as null without processor mode', () => {
    assert.equal(readiness(sources()).forward, null);
  });

  it('reads the stages afresh on every call', () => {
    const s = sources();
    assert.equal(readiness(s).memory.residentBytes, 100);
    s.resident.bytes = 250;
    assert.equal(readiness(s).memory.residentBytes, 250);
  });

  it('tells a deferred checkpoint as the store reports it', () => {
    const s = sources();
    const health = new StoreHealth();
    health.checkpointFailed(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    const r = readiness({ ...s, storeHealth: health });
    assert.equal(r.store.checkpoints.failing, true);
    assert.equal(r.store.checkpoints.deferred, 1);
  });
});
