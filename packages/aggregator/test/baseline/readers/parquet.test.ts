import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BaselineAccumulator } from '../../../src/baseline/accumulator.js';
import { readParquet } from '../../../src/baseline/readers/parquet.js';

const FILE = fileURLToPath(new URL('../../fixtures/baseline/rows.parquet', import.meta.url));
const META = { model: 'm', createdAt: '2024-01-01T00:00:00.000Z' };

async function read(rowsPerRead?: number) {
  const acc = new BaselineAccumulator();
  const progress: number[] = [];
  const ctx = { path: FILE, totalBytes: (await stat(FILE)).size, acc, explicit: {}, progress: (b: number) => progress.push(b), signal: undefined };
  await readParquet(rowsPerRead === undefined ? ctx : { ...ctx, parquetRowsPerRead: rowsPerRead });
  return { baseline: acc.finish(META).baseline, rows: acc.rows, progress, totalBytes: ctx.totalBytes };
}

describe('readers/parquet', () => {
  describe('readParquet', () => {
    it('gives the same result reading each row group (500 rows) in ranges of 7 rows as in one read', async () => {
      const whole = await read();
      const ranged = await read(7);
      assert.equal(ranged.rows, 2000);
      assert.deepEqual(ranged.baseline, whole.baseline);
    });

    it('reports progress once per row group, ending at the file size', async () => {
      const r = await read();
      assert.equal(r.progress.length, 4);
      assert.equal(r.progress.at(-1), r.totalBytes);
    });
  });
});
