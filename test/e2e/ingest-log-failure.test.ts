/**
 * The ingest log failing under a running `modelwatch serve`: the process is
 * started with a file-size limit (RLIMIT_FSIZE), so the write of a request's
 * body into the log fails part-way, as on a full disk. The request must be
 * refused with 503 and Retry-After (never 200), the service must stop with
 * exit 1, and a restart must hold exactly what was acknowledged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startAggregator, tempDir, waitFor } from '../helpers/aggregator.js';

// No evaluation tick during the test: the log is the only writer that grows.
const CONFIG = `
evaluation: { interval: 1h }
models:
  - { name: fraud, task: classification }
`;

/** An OTLP/JSON request of one ml.predictions point (count 1) for model fraud, padded to about 32 KiB. */
function request(i: number): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: {
          attributes: [
            { key: 'ml.model.name', value: { stringValue: 'fraud' } },
            { key: 'padding', value: { stringValue: 'x'.repeat(32 * 1024) } },
          ],
        },
        scopeMetrics: [
          {
            scope: {},
            metrics: [
              {
                name: 'ml.predictions',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano: String((Date.now() + i) * 1e6), attributes: [{ key: 'ml.prediction.label', value: { stringValue: 'ok' } }] }] },
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('modelwatch serve when its ingest log cannot be written', () => {
  it('answers 503 with Retry-After, stops with exit 1, and keeps exactly what it acknowledged', async () => {
    const dataDir = tempDir();
    // 512 KiB: the database and its WAL stay far below; the log's segment reaches it after ~15 requests.
    const agg = await startAggregator(CONFIG, { dataDir, fileSizeLimitBytes: 512 * 1024 });
    let acknowledged = 0;
    let refused: Response | undefined;
    let refusedBody = '';
    try {
      for (let i = 0; i < 100 && refused === undefined; i++) {
        const r = await fetch(`${agg.addresses.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request(i) });
        if (r.status === 200) {
          await r.arrayBuffer();
          acknowledged++;
        } else {
          refused = r;
          refusedBody = await r.text();
        }
      }
      assert.ok(refused !== undefined, 'a request past the file-size limit is refused');
      assert.ok(acknowledged >= 5, `requests before the limit are acknowledged (${acknowledged})`);
      assert.equal(refused.status, 503, refusedBody);
      assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After is set');
      assert.match(refusedBody, /cannot store the request durably/);
      assert.match(refusedBody, /File too large|EFBIG|short write/);
      await waitFor('the aggregator to stop by itself', async () => agg.process.exitCode ?? undefined, 20_000);
      assert.equal(await agg.stop(), 1, agg.stderr());
      assert.match(agg.stderr(), /store failure/);
    } finally {
      await agg.stop('SIGKILL');
    }
    const again = await startAggregator(CONFIG, { dataDir });
    try {
      const s = await getJson<{ accepted: { dataPoints: number } }>(`${again.addresses.http}/api/v1/models/fraud`);
      assert.equal(s.accepted.dataPoints, acknowledged, 'every acknowledged request, and nothing of the refused one');
    } finally {
      await again.stop();
    }
  });
});
