import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBaseline } from '../../src/baseline/write.js';
import { BASELINE_FORMAT, parseBaseline, type Baseline } from '../../src/engine/baseline.js';

const BASELINE: Baseline = {
  format: BASELINE_FORMAT,
  model: 'm',
  createdAt: '2024-01-01T00:00:00.000Z',
  source: { kind: 'file', rows: 3, path: 'x.csv' },
  features: {
    lang: { type: 'categorical', counts: { de: 1, en: 2 }, missing: 0 },
    x: { type: 'numeric', missing: 1, histogram: { scale: 3, zeroCount: 0, positive: { offset: 0, bucketCounts: [2] }, negative: { offset: 0, bucketCounts: [] }, count: 2, sum: 2.1, min: 1.05, max: 1.05 } },
  },
};

describe('write', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mw-baseline-write-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('writeBaseline', () => {
    it('creates missing directories and writes JSON that parses back to the same baseline', async () => {
      const out = join(dir, 'a', 'b', 'm.json');
      await writeBaseline(BASELINE, out);
      assert.deepEqual(parseBaseline(JSON.parse(await readFile(out, 'utf8'))), BASELINE);
      assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['m.json']);
    });

    it('replaces an existing file whole and leaves no temporary file behind', async () => {
      const out = join(dir, 'replace.json');
      await writeFile(out, 'old contents');
      await writeBaseline({ ...BASELINE, model: 'other' }, out);
      assert.equal((JSON.parse(await readFile(out, 'utf8')) as Baseline).model, 'other');
      assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('replace')), ['replace.json']);
    });

    it('refuses an invalid baseline without touching the target', async () => {
      const out = join(dir, 'keep.json');
      await writeFile(out, 'previous');
      const bad = { ...BASELINE, features: { x: { type: 'numeric', missing: -1 } } } as unknown as Baseline;
      await assert.rejects(writeBaseline(bad, out), /features\.x/);
      assert.equal(await readFile(out, 'utf8'), 'previous');
    });

    it('cleans up its temporary file when the rename fails', async () => {
      const out = join(dir, 'is-a-dir.json');
      await mkdir(join(out, 'child'), { recursive: true });
      await assert.rejects(writeBaseline(BASELINE, out));
      assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('is-a-dir')), ['is-a-dir.json']);
    });
  });
});
