import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetMetadata } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { parquetWriteBuffer } from 'hyparquet-writer';
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

/**
 * A file of 40 INT32 values, some null, uncompressed, whose definition levels
 * start with an RLE run claiming 2^30 values: every page header is right, so
 * the plausibility checks pass it, and hyparquet writes the run's values one by
 * one into an array that grows to 8 GiB.
 */
function hugeRunFile(): string {
  const bytes = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'x', type: 'INT32', data: Array.from({ length: 40 }, (_, i) => (i % 7 === 3 ? null : i)) }], codec: 'UNCOMPRESSED' }));
  const column = parquetMetadata(bytes.buffer).row_groups[0]?.columns[0]?.meta_data;
  assert.ok(column !== undefined);
  const reader = { view: new DataView(bytes.buffer), offset: Number(column.data_page_offset) };
  const header = parquetHeader(reader);
  // hyparquet-writer writes v2 pages: the levels start the page, without the length prefix of v1 pages.
  assert.equal(header.type, 'DATA_PAGE_V2');
  let at = reader.offset;
  // The run header, a varint: the count shifted left once (the low bit 0 says RLE); then the run's value (bit width 1: one byte).
  for (let v = 2 ** 31; ; v = Math.floor(v / 128)) {
    bytes[at++] = v >= 0x80 ? (v & 0x7f) | 0x80 : v;
    if (v < 0x80) break;
  }
  bytes[at] = 1;
  const path = join(DIR, 'huge-run.parquet');
  writeFileSync(path, bytes);
  return path;
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

    it('regression (Node 20 aborted the whole process): an RLE run claiming 2^30 values outgrows the heap bound, fails the read naming the bound, and a good file reads after it', async () => {
      const path = hugeRunFile();
      // A long deadline: the heap bound is what this is about, and a busy machine must not reach the deadline first.
      const decoding = readParquet({ path, totalBytes: (await stat(path)).size, acc: new BaselineAccumulator(), explicit: {}, progress: () => {}, signal: undefined, parquetBounds: { deadlineMs: 120_000 } });
      await assert.rejects(decoding, (e: unknown) => {
        assert.ok(e instanceof BaselineInputError, String(e));
        assert.equal(e.code, 'parse');
        assert.match(e.message, /huge-run\.parquet: decoding needed more than 256 MiB of heap: the file is corrupt/);
        assert.match(String((e.cause as Error).message), /heap out of memory/);
        return true;
      });
      assert.equal((await read()).rows, 2000);
    });

    it('stops the decoding process when the signal aborts, rejecting with its reason', async () => {
      const path = hugeRunFile();
      const controller = new AbortController();
      const reason = new Error('stopped by the test');
      setTimeout(() => controller.abort(reason), 300);
      const t0 = Date.now();
      await assert.rejects(readParquet({ path, totalBytes: (await stat(path)).size, acc: new BaselineAccumulator(), explicit: {}, progress: () => {}, signal: controller.signal }), (e: unknown) => e === reason);
      assert.ok(Date.now() - t0 < 1500, `stopped after ${Date.now() - t0} ms`);
      assert.equal((await read()).rows, 2000);
    });

    it('regression (fuzzing, case 51165): a dictionary claiming more values than its page has bytes is refused before hyparquet allocates them (4 GiB)', async () => {
      const path = await fuzzCase(51165);
      await rejectsWithin(readFile(path), 2000, /the dictionary claims \d+ values in \d+ bytes/);
    });

  });
});

