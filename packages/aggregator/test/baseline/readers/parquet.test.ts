import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaselineAccumulator } from '../../../src/baseline/accumulator.js';
import { BaselineInputError } from '../../../src/baseline/errors.js';
import { parquetBounds, readParquet } from '../../../src/baseline/readers/parquet.js';
import { caseSeed } from '../../fuzz/runner.js';
import { rng } from '../../fuzz/mutate.js';
import { targetByName } from '../../fuzz/targets.js';

const FILE = fileURLToPath(new URL('../../fixtures/baseline/rows.parquet', import.meta.url));
const META = { model: 'm', createdAt: '2024-01-01T00:00:00.000Z' };

async function read(rowsPerRead?: number) {
  const acc = new BaselineAccumulator();
  const progress: number[] = [];
  const ctx = { path: FILE, totalBytes: (await stat(FILE)).size, acc, explicit: {}, progress: (b: number) => progress.push(b), signal: undefined };
  await readParquet(rowsPerRead === undefined ? ctx : { ...ctx, parquetRowsPerRead: rowsPerRead });
  return { baseline: acc.finish(META).baseline, rows: acc.rows, progress, totalBytes: ctx.totalBytes };
}

const DIR = mkdtempSync(join(tmpdir(), 'mw-parquet-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));

/** Case `index` of the fuzz run with seed 1 (bench/fuzz.ts --replay "baseline Parquet:<index>"), as a file. */
async function fuzzCase(index: number): Promise<string> {
  const target = targetByName('baseline Parquet');
  const instance = await target.setup({ dir: join(DIR, 'fuzz'), seed: 1 });
  const bytes = instance.input(rng(caseSeed(1, target.name, index)), index) as Uint8Array;
  await instance.close();
  const path = join(DIR, `fuzz-${index}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

async function readFile(path: string): Promise<void> {
  await readParquet({ path, totalBytes: (await stat(path)).size, acc: new BaselineAccumulator(), explicit: {}, progress: () => {}, signal: undefined });
}

async function rejectsWithin(p: Promise<unknown>, ms: number, message: RegExp): Promise<void> {
  const t0 = Date.now();
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BaselineInputError, String(e));
    assert.equal(e.code, 'parse');
    assert.match(e.message, message);
    return true;
  });
  assert.ok(Date.now() - t0 < ms, `refused after ${Date.now() - t0} ms`);
}

describe('readers/parquet', () => {
  describe('parquetBounds', () => {
    it('grows the heap bound and the deadline with the file size, between a floor and a cap', () => {
      assert.deepEqual(parquetBounds(68_457), { heapMiB: 256, youngMiB: 16, deadlineMs: 3065 });
      assert.deepEqual(parquetBounds(200 * 2 ** 20), { heapMiB: 1024, youngMiB: 64, deadlineMs: 203_000 });
      assert.equal(parquetBounds(100 * 2 ** 30).heapMiB, 4096);
    });
  });


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

    it('regression (fuzzing, case 182): a page header hyparquet read as a huge run and decoded for minutes is refused at once, naming the column chunk', async () => {
      const path = await fuzzCase(182);
      await rejectsWithin(readFile(path), 2000, /row group \d+, column "[^"]+": page \d+: unreadable page header/);
    });

    it('regression (fuzzing, case 54318): a page claiming more uncompressed bytes than Snappy can expand to is refused before hyparquet allocates them (1 GiB)', async () => {
      const path = await fuzzCase(54318);
      await rejectsWithin(readFile(path), 2000, /page \d+: claims \d+ uncompressed bytes from \d+ Snappy-compressed ones/);
    });

    it('regression (fuzzing, case 51165): a dictionary claiming more values than its page has bytes is refused before hyparquet allocates them (4 GiB)', async () => {
      const path = await fuzzCase(51165);
      await rejectsWithin(readFile(path), 2000, /the dictionary claims \d+ values in \d+ bytes/);
    });

  });
});

