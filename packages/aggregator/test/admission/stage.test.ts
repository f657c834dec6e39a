import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAdmissionStage, type AdmissionStage } from '../../src/admission/stage.js';
import { OverloadedError, type OtlpSink, type ReceiveContext } from '../../src/receiver/sink.js';
import type { LogsRequest, MetricsPoints } from '../../src/receiver/otlp/types.js';

const MIB = 1024 ** 2;
const LIMIT = 300 * MIB;

/**
 * A stage whose resident memory is whatever `rss.bytes` says, sampled only when
 * the test asks, at the time `rss.at`; collections asked for are counted in `rss.collections`.
 */
function stageWith(rss: { bytes: number; at?: number; collections?: number }, limit: number | null = LIMIT, log?: (m: string) => void): AdmissionStage {
  return createAdmissionStage({
    maxResidentMemory: limit ?? undefined,
    ...(log ? { log } : {}),
    now: () => rss.at ?? 0,
    collectGarbage: async () => {
      rss.collections = (rss.collections ?? 0) + 1;
    },
    sampler: { readRss: () => rss.bytes, rssIntervalMs: 3_600_000, delayPeriodMs: 3_600_000 },
  });
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A sink that counts what reaches it. */
function countingSink(): OtlpSink & { taken: number } {
  const sink = {
    taken: 0,
    consumeMetrics() {
      sink.taken++;
      return { rejected: 0 };
    },
    consumeLogs() {
      sink.taken++;
      return { rejected: 0 };
    },
  };
  return sink;
}

const ctx = { transport: 'http', encoding: 'protobuf', receivedAtMs: 0, bodyBytes: 0, body: new Uint8Array(0) } satisfies ReceiveContext;
const NO_POINTS = {} as MetricsPoints;
const NO_LOGS = {} as LogsRequest;

const refused = (stage: AdmissionStage, signal: string, reason: string): number | undefined =>
  stage.outputs().find((s) => s.name === 'ml.aggregator.refused' && s.attributes['ml.signal'] === signal && s.attributes['ml.refusal.reason'] === reason)?.value;

describe('admission stage', () => {
  describe('guard', () => {
    it('admits while resident memory is under 80% of the limit', () => {
      const rss = { bytes: 200 * MIB };
      const stage = stageWith(rss);
      try {
        const sink = countingSink();
        const guarded = stage.guard(sink);
        guarded.admit?.('metrics', 'http');
        guarded.consumeMetrics(NO_POINTS, ctx);
        guarded.consumeLogs(NO_LOGS, ctx);
        assert.equal(sink.taken, 2);
      } finally {
        stage.shutdown();
      }
    });

    it("refuses with an 'unavailable' OverloadedError naming the memory and the limit", () => {
      const rss = { bytes: 100 * MIB };
      const stage = stageWith(rss);
      try {
        const guarded = stage.guard(countingSink());
        rss.bytes = 280 * MIB;
        assert.equal(stage.sample(), true);
        assert.throws(() => guarded.admit?.('metrics', 'grpc'), (err: unknown) => {
          assert.ok(err instanceof OverloadedError);
          assert.equal(err.kind, 'unavailable');
          assert.equal(err.retryAfterMs, 5000);
          assert.match(err.message, /resident memory is 280\.0 MiB, past 80% of its limit limits\.maxResidentMemory = 300\.0 MiB/);
          return true;
        });
        assert.throws(() => guarded.admit?.('metrics', 'http'), OverloadedError);
        assert.throws(() => guarded.admit?.('logs', 'http'), OverloadedError);
        assert.equal(refused(stage, 'metrics', 'memory'), 2);
        assert.equal(refused(stage, 'logs', 'memory'), 1);
      } finally {
        stage.shutdown();
      }
    });

    it('admits again once memory is under 70% of the limit, or under 80% for 2 s', () => {
      const rss = { bytes: 290 * MIB, at: 0 };
      const stage = stageWith(rss);
      try {
        const guarded = stage.guard(countingSink());
        assert.equal(stage.sample(), true);
        rss.bytes = 250 * MIB;
        assert.equal(stage.sample(), true, '83%: still refusing');
        rss.bytes = 220 * MIB;
        assert.equal(stage.sample(), true, '73%: still refusing');
        assert.throws(() => guarded.admit?.('logs', 'http'), OverloadedError);
        rss.bytes = 200 * MIB;
        assert.equal(stage.sample(), false, 'under 70%');
        assert.doesNotThrow(() => guarded.admit?.('logs', 'http'));
        rss.bytes = 280 * MIB;
        assert.equal(stage.sample(), true);
        rss.bytes = 230 * MIB;
        rss.at = 1000;
        assert.equal(stage.sample(), true, 'under 80% for 0 s');
        rss.at = 3000;
        assert.equal(stage.sample(), false, 'under 80% for 2 s');
      } finally {
        stage.shutdown();
      }
    });

    it('reads memory afresh on each request, not only on the timer', () => {
      const rss = { bytes: 100 * MIB };
      const stage = stageWith(rss);
      try {
        const guarded = stage.guard(countingSink());
        rss.bytes = 290 * MIB;
        assert.throws(() => guarded.admit?.('metrics', 'http'), OverloadedError, 'no timer sample since memory rose');
      } finally {
        stage.shutdown();
      }
    });

    it("asks the wrapped sink's own admit after its own check", () => {
      const rss = { bytes: 10 * MIB };
      const stage = stageWith(rss);
      try {
        const asked: string[] = [];
        const guarded = stage.guard({ ...countingSink(), admit: (signal, transport) => void asked.push(`${signal}/${transport}`) });
        guarded.admit?.('logs', 'grpc');
        assert.deepEqual(asked, ['logs/grpc']);
      } finally {
        stage.shutdown();
      }
    });

    it('never refuses without a limit', () => {
      const rss = { bytes: 64 * 1024 * MIB };
      const stage = stageWith(rss, null);
      try {
        assert.equal(stage.sample(), false);
        assert.doesNotThrow(() => stage.guard(countingSink()).admit?.('metrics', 'http'));
        assert.deepEqual(stage.readiness(), { residentBytes: 64 * 1024 * MIB, limitBytes: null, refusing: false, refusedRequests: 0 });
        assert.equal(stage.outputs().some((s) => s.name === 'ml.aggregator.memory.limit'), false);
      } finally {
        stage.shutdown();
      }
    });
  });

  describe('garbage collection', () => {
    it('asks for a full collection when it starts refusing, then at most once a second while it refuses', async () => {
      const rss = { bytes: 100 * MIB, at: 0, collections: 0 };
      const stage = stageWith(rss);
      try {
        stage.sample();
        assert.equal(rss.collections, 0, 'none while admitting');
        rss.bytes = 280 * MIB;
        stage.sample();
        await settle();
        assert.equal(rss.collections, 1);
        rss.at = 500;
        stage.sample();
        await settle();
        assert.equal(rss.collections, 1, 'not again within a second');
        rss.at = 1000;
        stage.sample();
        await settle();
        assert.equal(rss.collections, 2);
        rss.bytes = 200 * MIB;
        rss.at = 5000;
        assert.equal(stage.sample(), false);
        await settle();
        assert.equal(rss.collections, 2, 'none once admitting again');
      } finally {
        stage.shutdown();
      }
    });

    it('samples memory again once the collection is done, so what it gave back ends the refusal at once', async () => {
      const rss = { bytes: 280 * MIB, at: 0 };
      const stage = createAdmissionStage({
        maxResidentMemory: LIMIT,
        now: () => rss.at,
        collectGarbage: async () => {
          rss.bytes = 150 * MIB;
        },
        sampler: { readRss: () => rss.bytes, rssIntervalMs: 3_600_000, delayPeriodMs: 3_600_000 },
      });
      try {
        assert.equal(stage.readiness().refusing, true, 'refusing from the first reading');
        await settle();
        await settle();
        assert.equal(stage.readiness().refusing, false);
        assert.equal(stage.readiness().residentBytes, 150 * MIB);
      } finally {
        stage.shutdown();
      }
    });
  });

  describe('readiness', () => {
    it('shows resident memory, the limit, whether requests are refused and how many were', () => {
      const rss = { bytes: 275 * MIB };
      const stage = stageWith(rss);
      try {
        stage.sample();
        assert.throws(() => stage.guard(countingSink()).admit?.('metrics', 'http'));
        assert.deepEqual(stage.readiness(), { residentBytes: 275 * MIB, limitBytes: LIMIT, refusing: true, refusedRequests: 1 });
      } finally {
        stage.shutdown();
      }
    });
  });

  describe('outputs', () => {
    it('reports memory, its limit and every refusal counter, zeros included', () => {
      const rss = { bytes: 123 * MIB };
      const stage = stageWith(rss);
      try {
        stage.countRefusal('logs', 'in_flight');
        stage.countRefusal('logs', 'in_flight');
        const out = stage.outputs();
        assert.deepEqual(out.find((s) => s.name === 'ml.aggregator.memory.rss'), { name: 'ml.aggregator.memory.rss', value: 123 * MIB, attributes: {} });
        assert.deepEqual(out.find((s) => s.name === 'ml.aggregator.memory.limit'), { name: 'ml.aggregator.memory.limit', value: LIMIT, attributes: {} });
        assert.equal(refused(stage, 'logs', 'in_flight'), 2);
        assert.equal(refused(stage, 'metrics', 'in_flight'), 0);
        assert.equal(refused(stage, 'metrics', 'memory'), 0);
        assert.equal(refused(stage, 'metrics', 'forward_queue'), 0);
        // Two signals by three reasons (forward_queue: processor mode's full queue, counted by src/forward/).
        assert.equal(out.filter((s) => s.name === 'ml.aggregator.refused').length, 6);
      } finally {
        stage.shutdown();
      }
    });

    it('reports the event-loop delay of the last complete period', async () => {
      const stage = createAdmissionStage({ maxResidentMemory: undefined, sampler: { delayPeriodMs: 100 } });
      try {
        assert.equal(stage.outputs().some((s) => s.name === 'ml.aggregator.eventloop.delay.p99'), false, 'no complete period yet');
        // Block the loop for ~60 ms, then let a period end.
        const until = performance.now() + 60;
        while (performance.now() < until);
        await new Promise((r) => setTimeout(r, 250));
        const max = stage.outputs().find((s) => s.name === 'ml.aggregator.eventloop.delay.max')?.value;
        const p99 = stage.outputs().find((s) => s.name === 'ml.aggregator.eventloop.delay.p99')?.value;
        assert.ok(max !== undefined && p99 !== undefined, 'both gauges once a period ended');
        assert.ok(max >= 0 && max < 10 && p99 >= 0 && p99 <= max, `delay in seconds: p99 ${p99}, max ${max}`);
      } finally {
        stage.shutdown();
      }
    });
  });

  describe('log', () => {
    it('tells each change between admitting and refusing, once', () => {
      const rss = { bytes: 100 * MIB, at: 0 };
      const lines: string[] = [];
      const stage = stageWith(rss, LIMIT, (m) => lines.push(m));
      try {
        for (const [mib, at] of [[280, 0], [285, 0], [250, 0], [200, 0], [210, 0], [275, 0], [230, 10], [230, 2010]] as const) {
          Object.assign(rss, { bytes: mib * MIB, at });
          stage.sample();
        }
        assert.equal(lines.length, 4);
        assert.match(lines[0] ?? '', /resident memory 280\.0 MiB reached 80% of limits\.maxResidentMemory \(300\.0 MiB\): refusing new OTLP requests/);
        assert.match(lines[1] ?? '', /resident memory 200\.0 MiB is under 70% of limits\.maxResidentMemory \(300\.0 MiB\): admitting OTLP requests again/);
        assert.match(lines[3] ?? '', /resident memory 230\.0 MiB stayed under 80% of limits\.maxResidentMemory \(300\.0 MiB\) for 2 s: admitting OTLP requests again/);
      } finally {
        stage.shutdown();
      }
    });
  });
});
