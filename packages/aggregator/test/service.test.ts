import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/load.js';
import { startService, type RunningService } from '../src/service.js';
import { LOCK_FILE } from '../src/store/lock.js';

const MODELS = 6;

/** An OTLP/JSON request of one ml.predictions point of `count` for model `model`. */
function predictions(model: string, count: number, t: number): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'ml.model.name', value: { stringValue: model } }] },
        scopeMetrics: [
          {
            scope: {},
            metrics: [
              {
                name: 'ml.predictions',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: String(count), timeUnixNano: String(t * 1e6), attributes: [{ key: 'ml.prediction.label', value: { stringValue: 'ok' } }] }] },
              },
            ],
          },
        ],
      },
    ],
  });
}

async function post(service: RunningService, body: string): Promise<number> {
  const r = await fetch(`${service.addresses.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await r.arrayBuffer();
  return r.status;
}

async function accepted(service: RunningService, model: string): Promise<number> {
  const r = await fetch(`${service.addresses.http}/api/v1/models/${model}`);
  return ((await r.json()) as { accepted: { dataPoints: number } }).accepted.dataPoints;
}

/** The sequence number of the committed checkpoint, read through a connection of its own (undefined: none yet). */
function checkpointSeq(dataDir: string): number | undefined {
  const db = new Database(join(dataDir, 'modelwatch.db'), { readonly: true });
  try {
    return (db.prepare('SELECT seq FROM checkpoint WHERE id = 1').get() as { seq: number } | undefined)?.seq;
  } finally {
    db.close();
  }
}

describe('startService', () => {
  describe('checkpoint cadence', () => {
    it('ends a tick with a checkpoint once checkpointInterval has passed or checkpointLogBytes were logged, and always on close', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'mw-service-'));
      const config = validateConfig(
        { dataDir, server: { otlpHttp: '127.0.0.1:0', otlpGrpc: false, http: '127.0.0.1:0' }, evaluation: { interval: '1h' }, storage: { checkpointInterval: '10m', checkpointLogBytes: '4KiB' } },
        dataDir,
        'test',
      );
      let clock = Date.now();
      const service = await startService(config, { now: () => clock });
      let requests = 0;
      let bytes = 0;
      const send = async (): Promise<void> => {
        const body = predictions('m', 1, clock);
        assert.equal(await post(service, body), 200);
        requests++;
        bytes += Buffer.byteLength(body);
      };
      try {
        await send();
        await service.evaluate();
        assert.equal(checkpointSeq(dataDir), undefined, 'neither bound reached: no checkpoint');
        while (bytes < 4096) await send();
        await service.evaluate();
        assert.equal(checkpointSeq(dataDir), requests, `${bytes} bytes logged: checkpoint`);
        await send();
        clock += 9 * 60_000;
        await service.evaluate();
        assert.equal(checkpointSeq(dataDir), requests - 1, '9 minutes later, one small request: none');
        clock += 60_000;
        await service.evaluate();
        assert.equal(checkpointSeq(dataDir), requests, '10 minutes after the last one: checkpoint');
        await send();
        await service.evaluate({ checkpoint: 'always' });
        assert.equal(checkpointSeq(dataDir), requests, 'forced');
        await send();
      } finally {
        await service.close();
      }
      assert.equal(checkpointSeq(dataDir), requests, 'close checkpoints what is left');
    });
  });

  describe('evaluation tick', () => {
    // A tick yields after every model (tickSliceMs 0), so requests land between the
    // steps of its evaluation and of its checkpoint's snapshot. The checkpoint must
    // hold each request exactly once: in the snapshot or in the log after it.
    // Under FULL the log's syncs run on the thread pool, so checkpoints also meet a sync in flight.
    for (const synchronous of ['NORMAL', 'FULL'] as const) {
      it(`keeps every request acknowledged during a tick exactly once across a restart (synchronous ${synchronous})`, async () => {
        const dataDir = mkdtempSync(join(tmpdir(), 'mw-service-'));
        const config = validateConfig(
          { dataDir, server: { otlpHttp: '127.0.0.1:0', otlpGrpc: false, http: '127.0.0.1:0' }, evaluation: { interval: '1h' }, storage: { synchronous } },
          dataDir,
          'test',
        );
        const t = Date.now();
        const sent = new Map<string, number>();
        const service = await startService(config, { tickSliceMs: 0 });
        const copy = mkdtempSync(join(tmpdir(), 'mw-service-copy-'));
        try {
          for (let m = 0; m < MODELS; m++) {
            assert.equal(await post(service, predictions(`m${m}`, 1, t)), 200);
            sent.set(`m${m}`, 1);
          }
          for (let round = 0; round < 3; round++) {
            const tick = service.evaluate({ checkpoint: 'always' });
            let done = false;
            void tick.then(() => (done = true));
            // Requests to every model, three at a time, until the tick (and its checkpoint) is over.
            for (let i = 0; !done && i < 500; i += 3) {
              const models = [0, 1, 2].map((k) => `m${(i + k) % MODELS}`);
              assert.deepEqual(await Promise.all(models.map((model) => post(service, predictions(model, 1, t)))), [200, 200, 200]);
              for (const model of models) sent.set(model, (sent.get(model) ?? 0) + 1);
            }
            await tick;
          }
          // The data directory as a crash now would leave it (close() would checkpoint the
          // live engine once more and hide a bad checkpoint): copied while the service is idle.
          // Covered segments are unlinked in the background: one may vanish mid-copy, so copy again.
          for (let attempt = 1; ; attempt++) {
            try {
              rmSync(copy, { recursive: true, force: true });
              cpSync(dataDir, copy, { recursive: true, filter: (src) => !src.endsWith(LOCK_FILE) });
              break;
            } catch (err) {
              if ((err as { code?: string }).code !== 'ENOENT' || attempt === 5) throw err;
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        } finally {
          await service.close();
        }
        const again = await startService({ ...config, dataDir: copy });
        try {
          for (const [model, n] of sent) assert.equal(await accepted(again, model), n, model);
        } finally {
          await again.close();
        }
      });
    }
  });
});
