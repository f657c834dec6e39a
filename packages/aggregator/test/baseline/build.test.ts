import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIDENCE_BUCKETS } from '@modelwatch/semconv';
import { buildBaseline, buildBaselineReport, type BaselineProgress } from '../../src/baseline/build.js';
import { BaselineInputError } from '../../src/baseline/errors.js';
import { formatFromPath } from '../../src/baseline/format.js';
import { parseBaseline, type Baseline, type CategoricalFeatureBaseline, type NumericFeatureBaseline } from '../../src/engine/baseline.js';
import { numpyReprCsv } from './numpy-repr-csv.js';
import { scratchDir } from '../helpers/scratch.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/baseline/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

interface Expected {
  rows: number;
  numeric: Record<string, { count: number; missing: number; sum: number; min: number; max: number; zeros: number; negatives: number }>;
  categorical: Record<string, { missing: number; counts: Record<string, number> }>;
}

/** Everything but when and from which file it was built. */
function comparable(b: Baseline): unknown {
  return { ...b, createdAt: undefined, source: { ...b.source, path: undefined } };
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof BaselineInputError, `expected a BaselineInputError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('build', () => {
  const scratch = scratchDir('mw-baseline-');
  const write = scratch.write;

  describe('buildBaseline', () => {
    it('gives the same baseline from the Parquet (snappy, dictionary, 4 row groups), CSV and JSON Lines of one table', async () => {
      const [pq, csv, jsonl] = await Promise.all(
        ['rows.parquet', 'rows.csv', 'rows.jsonl'].map((f) => buildBaseline({ model: 'fraud', modelVersion: '2', input: fixture(f) })),
      );
      assert.ok(pq && csv && jsonl);
      parseBaseline(pq);
      assert.deepEqual(comparable(pq), comparable(csv));
      assert.deepEqual(comparable(pq), comparable(jsonl));
      assert.equal(pq.model, 'fraud');
      assert.equal(pq.modelVersion, '2');
      assert.deepEqual(pq.source, { kind: 'file', rows: 2000, path: fixture('rows.parquet') });
      assert.ok(!Number.isNaN(Date.parse(pq.createdAt)));
    });

    it('matches counts, sums and extremes computed by pyarrow, and buckets recomputed here', async () => {
      const expected = JSON.parse(await readFile(fixture('expected.json'), 'utf8')) as Expected;
      const b = await buildBaseline({ model: 'fraud', input: fixture('rows.parquet') });
      assert.equal(b.source?.rows, expected.rows);
      assert.deepEqual(Object.keys(b.features).sort(), ['age', 'balance_delta', 'is_premium', 'language', 'merchant', 'text_length']);
      for (const [name, e] of Object.entries(expected.numeric)) {
        const f = b.features[name] as NumericFeatureBaseline;
        assert.equal(f.type, 'numeric', name);
        const h = f.histogram;
        assert.ok(h, name);
        assert.equal(f.missing, e.missing, `${name} missing`);
        assert.equal(h.count, e.count, `${name} count`);
        assert.equal(h.min, e.min, `${name} min`);
        assert.equal(h.max, e.max, `${name} max`);
        assert.ok(Math.abs((h.sum ?? Number.NaN) - e.sum) <= 1e-9 * Math.max(1, Math.abs(e.sum)), `${name} sum ${h.sum} vs ${e.sum}`);
        assert.equal(h.zeroCount, e.zeros, `${name} zeros`);
        assert.equal(h.negative.bucketCounts.reduce((s, n) => s + n, 0), e.negatives, `${name} negatives`);
        assert.ok(h.positive.bucketCounts.length <= 160 && h.negative.bucketCounts.length <= 160);
      }
      for (const [name, e] of Object.entries(expected.categorical)) {
        if (name === 'label') {
          assert.deepEqual(b.prediction?.labels, e.counts);
          continue;
        }
        const f = b.features[name] as CategoricalFeatureBaseline;
        assert.equal(f.type, 'categorical', name);
        assert.equal(f.missing, e.missing, `${name} missing`);
        const distinct = Object.keys(e.counts).length;
        if (distinct <= 100) {
          assert.deepEqual(f.counts, e.counts, name);
        } else {
          // merchant: 150 distinct values, bounded at 100 (the first seen) plus __other__.
          assert.equal(Object.keys(f.counts).length, 101);
          const kept = Object.entries(f.counts).filter(([k]) => k !== '__other__');
          for (const [k, n] of kept) assert.equal(n, e.counts[k], `${name}.${k}`);
          const total = Object.values(e.counts).reduce((s, n) => s + n, 0);
          assert.equal(f.counts.__other__, total - kept.reduce((s, [, n]) => s + n, 0));
        }
      }

      // Independent recomputation from the raw rows: bucket index = ceil(log2(|v|) * 2^scale) - 1,
      // and confidence bucket = first bound >= v.
      const rows = (await readFile(fixture('rows.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | null>);
      for (const name of Object.keys(expected.numeric)) {
        const h = (b.features[name] as NumericFeatureBaseline).histogram;
        assert.ok(h);
        const pos = new Map<number, number>();
        const neg = new Map<number, number>();
        for (const r of rows) {
          const v = r[name];
          if (v === null || v === undefined || v === 0) continue;
          const idx = Math.ceil(Math.log2(Math.abs(v)) * 2 ** h.scale) - 1;
          const m = v > 0 ? pos : neg;
          m.set(idx, (m.get(idx) ?? 0) + 1);
        }
        for (const [side, m] of [[h.positive, pos], [h.negative, neg]] as const) {
          const dense = side.bucketCounts.map((n, i) => [side.offset + i, n] as const).filter(([, n]) => n > 0);
          assert.deepEqual(new Map(dense), m, `${name} buckets at scale ${h.scale}`);
        }
      }
      const conf = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
      for (const r of rows) {
        const v = r.confidence as number;
        const i = CONFIDENCE_BUCKETS.findIndex((bound) => v <= bound);
        conf[i === -1 ? CONFIDENCE_BUCKETS.length : i]! += 1;
      }
      assert.deepEqual(b.prediction?.confidence, { bounds: [...CONFIDENCE_BUCKETS], counts: conf });
    });

    it('uses the configured types, and reads only the configured columns of a Parquet file', async () => {
      const b = await buildBaseline({ model: 'm', input: fixture('rows.parquet'), features: { text_length: 'categorical', age: 'numeric' } });
      assert.deepEqual(Object.keys(b.features), ['age', 'text_length']);
      assert.equal(b.features.text_length?.type, 'categorical');
      const csv = await buildBaseline({ model: 'm', input: fixture('rows.csv'), features: { text_length: 'categorical', age: 'numeric' } });
      assert.deepEqual(comparable(b), comparable(csv));
    });

    it('names configured and explicitly named columns absent from the file, in every format', async () => {
      for (const f of ['rows.csv', 'rows.jsonl', 'rows.parquet']) {
        await rejectsWith(buildBaseline({ model: 'm', input: fixture(f), features: { age: 'numeric', height: 'numeric' } }), 'missing_column', /feature "height" \(from the config\)/);
        await rejectsWith(buildBaseline({ model: 'm', input: fixture(f), labelColumn: 'y' }), 'missing_column', /label column "y"/);
      }
    });

    it('reports progress, ending with every byte and row', async () => {
      const seen: BaselineProgress[] = [];
      const p = await write('progress.csv', `x\n${Array.from({ length: 10_000 }, (_, i) => i).join('\n')}\n`);
      await buildBaseline({ model: 'm', input: p, onProgress: (e) => seen.push(e) });
      assert.ok(seen.length >= 3, `${seen.length} progress calls`);
      const last = seen.at(-1);
      assert.deepEqual(last, { bytesRead: last?.totalBytes, totalBytes: last?.totalBytes, rows: 10_000 });
      for (let i = 1; i < seen.length; i++) {
        assert.ok((seen[i]?.rows ?? 0) >= (seen[i - 1]?.rows ?? 0));
        assert.ok((seen[i]?.bytesRead ?? 0) <= (seen[i]?.totalBytes ?? 0));
      }
      const pq: BaselineProgress[] = [];
      await buildBaseline({ model: 'm', input: fixture('rows.parquet'), onProgress: (e) => pq.push(e) });
      assert.deepEqual(pq.map((e) => e.rows), [500, 1000, 1500, 2000, 2000]); // one per row group, then the end
    });

    it('returns and reports warnings', async () => {
      const p = await write('warn.csv', `x,c\n${Array.from({ length: 20 }, (_, i) => `${i},${i}`).join('\n')}\nabc,z\n`);
      const got: string[] = [];
      const r = await buildBaselineReport({ model: 'm', input: p, inferenceSample: 10, onWarning: (w) => got.push(w.kind) });
      assert.deepEqual(got, ['non_numeric', 'non_numeric']);
      const x = r.warnings.find((w) => w.column === 'x');
      assert.equal(x?.firstRow, 21);
      assert.match(x?.message ?? '', /first at row 21 \("abc"\)/);
      assert.equal(r.rows, 21);
      assert.equal(r.format, 'csv');
    });

    it('stops when the signal aborts', async () => {
      const controller = new AbortController();
      const p = await write('abort.jsonl', `${'{"x":1}\n'.repeat(50_000)}`);
      const run = buildBaseline({ model: 'm', input: p, signal: controller.signal, onProgress: () => controller.abort(new Error('stop here')) });
      await assert.rejects(run, /stop here/);
      const csv = await write('abort.csv', `x\n${'1\n'.repeat(50_000)}`);
      const c2 = new AbortController();
      await assert.rejects(buildBaseline({ model: 'm', input: csv, signal: c2.signal, onProgress: () => c2.abort() }), { name: 'AbortError' });
      const c3 = new AbortController();
      await assert.rejects(buildBaseline({ model: 'm', input: csv, signal: c3.signal, onProgress: () => c3.abort(new Error('csv stop')) }), /csv stop/);
      const c4 = new AbortController();
      c4.abort(new Error('before start'));
      await assert.rejects(buildBaseline({ model: 'm', input: fixture('rows.parquet'), signal: c4.signal }), /before start/);
    });

    it('reads JSON Lines with CRLF, blank lines and keys in any order', async () => {
      const p = await write('crlf.jsonl', '{"a":1,"b":"x"}\r\n\r\n{"b":"y","a":2}\r\n{"a":3}');
      const b = await buildBaseline({ model: 'm', input: p });
      assert.equal((b.features.a as NumericFeatureBaseline).histogram?.count, 3);
      assert.deepEqual(b.features.b, { type: 'categorical', counts: { x: 1, y: 1 }, missing: 1 });
    });

    it('reads quoted CSV fields with commas and newlines, a BOM and CRLF', async () => {
      const p = await write('quoted.csv', '\uFEFFx,"city, name"\r\n1,"Paris, FR"\r\n2,"multi\nline"\r\n');
      const r = await buildBaselineReport({ model: 'm', input: p });
      assert.deepEqual(r.baseline.features['city, name'], { type: 'categorical', counts: { 'Paris, FR': 1, 'multi\nline': 1 }, missing: 0 });
      assert.equal(r.rows, 2);
    });
  });

  describe('buildBaselineReport', () => {
    it('summarises each feature column of a small CSV', async () => {
      const p = await write('summary.csv', 'age,lang,zip,label\n31,en,10115,pos\n,de,80331,neg\n42,en,NA,pos\nx7,fr,10115,pos\n');
      const r = await buildBaselineReport({ model: 'm', input: p });
      assert.deepEqual(r.columns, [
        { column: 'age', type: 'categorical', inferred: 'categorical', values: 3, missing: 1, distinct: 3, distinctCapped: false, nonNumericShare: 1 / 3, disguisedNumbers: 0, example: 'x7' },
        { column: 'lang', type: 'categorical', inferred: 'categorical', values: 4, missing: 0, distinct: 3, distinctCapped: false, nonNumericShare: 1, disguisedNumbers: 0, example: 'en' },
        { column: 'zip', type: 'numeric', inferred: 'numeric', values: 3, missing: 1, distinct: 2, distinctCapped: false, nonNumericShare: 0, disguisedNumbers: 0 },
      ]);
    });

    it('regression: numpy 2 repr floats (np.float64(100.02)) are reported as numbers in disguise, not silently made categories', async () => {
      const p = await write('numpy.csv', numpyReprCsv(2000));
      const r = await buildBaselineReport({ model: 'm', input: p });
      const byName = new Map(r.columns.map((c) => [c.column, c]));
      assert.equal(byName.get('text_length')?.type, 'categorical');
      assert.equal(byName.get('text_length')?.disguisedNumbers, 2000);
      assert.equal(byName.get('language')?.disguisedNumbers, 0);
      const disguised = r.warnings.filter((w) => w.kind === 'disguised_numbers');
      assert.deepEqual(disguised.map((w) => w.column), ['sentiment_score', 'text_length']);
      const tl = disguised.find((w) => w.column === 'text_length');
      assert.match(tl?.example ?? '', /^np\.float64\(\d+(\.\d+)?\)$/);
      assert.match(tl?.message ?? '', /column "text_length": 2000 of 2000 values are numbers written as text, e\.g\. "np\.float64\(20\)" \(first at row 1\); the column was therefore inferred categorical/);
      assert.match(tl?.message ?? '', /float\(\).*astype\(float\).*--config/);
      // Past the 100 kept, text_length's values fold into __other__: said too, with an example.
      const capped = r.warnings.find((w) => w.kind === 'categories_capped' && w.column === 'text_length');
      assert.match(capped?.message ?? '', /column "text_length" has \d+ distinct values, more than the 100 kept \(the first one past the bound: "np\.float64\(/);
      assert.equal(r.warnings.some((w) => w.column === 'language'), false);
    });

    it('reads the same file written with plain numbers as numeric, without warnings', async () => {
      const r = await buildBaselineReport({ model: 'm', input: await write('plain.csv', numpyReprCsv(2000, { plain: true })) });
      assert.deepEqual(r.columns.map((c) => [c.column, c.type]), [['language', 'categorical'], ['sentiment_score', 'numeric'], ['text_length', 'numeric']]);
      assert.deepEqual(r.warnings, []);
    });

    it('warns when a column has more distinct values than maxCategories, naming it with an example', async () => {
      const p = await write('merchants.csv', `merchant\n${Array.from({ length: 30 }, (_, i) => `m${i}`).join('\n')}\n`);
      const r = await buildBaselineReport({ model: 'm', input: p, maxCategories: 5 });
      assert.equal(r.warnings.length, 1);
      assert.deepEqual({ kind: r.warnings[0]?.kind, column: r.warnings[0]?.column, example: r.warnings[0]?.example, count: r.warnings[0]?.count }, { kind: 'categories_capped', column: 'merchant', example: 'm5', count: 25 });
      assert.match(r.warnings[0]?.message ?? '', /column "merchant" has 30 distinct values, more than the 5 kept/);
    });

    it('rejects a column declared numeric whose values are mostly not numbers, naming column, types, count and example', async () => {
      const p = await write('numpy-config.csv', numpyReprCsv(2000));
      const seen: string[] = [];
      await rejectsWith(
        buildBaselineReport({ model: 'm', input: p, features: { text_length: 'numeric', language: 'categorical' }, onWarning: (w) => seen.push(w.kind) }),
        'type_mismatch',
        /column "text_length" is declared numeric in the config, but 2000 of its 2000 values are not numbers: they read as categorical, e\.g\. "np\.float64\(20\)"; 2000 of them are numbers written as text: write plain numbers/,
      );
      assert.deepEqual(seen, []);
    });

    it('names every column that contradicts its declared type at once', async () => {
      const p = await write('numpy-two.csv', numpyReprCsv(50));
      const e = await buildBaselineReport({ model: 'm', input: p, features: { text_length: 'numeric', sentiment_score: 'numeric', language: 'numeric' } }).catch((x: unknown) => x);
      assert.ok(e instanceof BaselineInputError);
      assert.equal(e.code, 'type_mismatch');
      assert.match(e.message, /3 columns contradict the types declared in the config/);
      for (const c of ['language', 'sentiment_score', 'text_length']) assert.match(e.message, new RegExp(`column "${c}" is declared numeric`));
      assert.match(e.message, /column "language" .*e\.g\. "en"; if it holds categories, declare it categorical/);
    });

    it('keeps a declared numeric column with at most half its values text, counting the text as missing', async () => {
      const p = await write('half.csv', 'x\n1\nabc\n2\ndef\n');
      const r = await buildBaselineReport({ model: 'm', input: p, features: { x: 'numeric' } });
      assert.equal((r.baseline.features.x as NumericFeatureBaseline).missing, 2);
      assert.deepEqual(r.warnings.map((w) => w.kind), ['non_numeric']);
      await rejectsWith(buildBaselineReport({ model: 'm', input: await write('more.csv', 'x\n1\nabc\ndef\n'), features: { x: 'numeric' } }), 'type_mismatch', /column "x" is declared numeric in the config, but 2 of its 3 values are not numbers: they read as categorical, e\.g\. "abc"/);
    });

    it('accepts a declared categorical column of numeric codes and reports that its values read as numeric', async () => {
      const p = await write('codes.csv', `country_code,language\n${Array.from({ length: 40 }, (_, i) => `${i % 7},en`).join('\n')}\n`);
      const r = await buildBaselineReport({ model: 'm', input: p, features: { country_code: 'categorical', language: 'categorical' } });
      const code = r.columns.find((c) => c.column === 'country_code');
      assert.deepEqual([code?.type, code?.declared, code?.inferred, code?.distinct], ['categorical', 'categorical', 'numeric', 7]);
      assert.equal(r.baseline.features.country_code?.type, 'categorical');
      assert.deepEqual(r.warnings, []);
    });
  });

  describe('bad input', () => {
    it('rejects an unknown format and an unknown extension', async () => {
      await rejectsWith(buildBaseline({ model: 'm', input: fixture('rows.csv'), format: 'xlsx' as 'csv' }), 'unknown_format', /format: expected one of csv, jsonl, parquet, got "xlsx"/);
      await rejectsWith(buildBaseline({ model: 'm', input: 'data.txt' }), 'unknown_format', /cannot tell the format of data\.txt from its extension "\.txt"/);
      assert.equal(formatFromPath('A.NDJSON'), 'jsonl');
      assert.equal(formatFromPath('x/y.pq'), 'parquet');
    });

    it('rejects a missing file, a directory and an empty file', async () => {
      await rejectsWith(buildBaseline({ model: 'm', input: scratch.path('nope.csv') }), 'not_found', /input file not found: .*nope\.csv/);
      await mkdir(scratch.path('d.csv'));
      await rejectsWith(buildBaseline({ model: 'm', input: scratch.path('d.csv') }), 'not_a_file', /is not a regular file/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('empty.csv', '') }), 'empty', /is empty/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('blank.jsonl', '\n\n') }), 'empty', /no JSON rows/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('header.csv', 'a,b\n') }), 'empty', /a CSV header but no data rows/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('blank.csv', '\n\n') }), 'empty', /no CSV header/);
    });

    it('names the line of an unparseable row', async () => {
      await rejectsWith(buildBaseline({ model: 'm', input: await write('ragged.csv', 'a,b\n1,2\n3,4\n5\n') }), 'parse', /line 4/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('quote.csv', 'a,b\n1,2\n"3,4\n') }), 'parse', /cannot parse CSV/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('bad.jsonl', '{"a":1}\n{"a":2}\n{"a":\n') }), 'parse', /line 3: not valid JSON/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('arr.jsonl', '{"a":1}\n[1,2]\n') }), 'parse', /line 2: expected a JSON object \(one row\), got an array/);
      const e = await buildBaseline({ model: 'm', input: await write('ragged2.csv', 'a,b\n1,2\n5\n') }).catch((x: unknown) => x);
      assert.ok(e instanceof BaselineInputError);
      assert.equal(e.line, 3);
    });

    it('rejects a bad CSV header and a file that is not Parquet', async () => {
      await rejectsWith(buildBaseline({ model: 'm', input: await write('dup.csv', 'a,b,a\n1,2,3\n') }), 'parse', /header: column "a" appears twice/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('fake.parquet', 'a,b\n1,2\n') }), 'parse', /not a readable Parquet file/);
    });

    it('regression (fuzzing): a JSON Lines row with an empty or blank key is refused, naming the line, not built into a baseline that does not load', async () => {
      await rejectsWith(buildBaseline({ model: 'm', input: await write('empty-key.jsonl', '{"a":1}\n{"a":2,"":3}\n') }), 'parse', /line 2: a key is empty/);
      await rejectsWith(buildBaseline({ model: 'm', input: await write('blank-key.jsonl', '{" ":1}\n') }), 'parse', /line 1: a key is empty/);
    });

    it('regression (fuzzing): a Parquet footer whose schema claims more columns than it lists is a BaselineInputError, not a TypeError', async () => {
      await rejectsWith(buildBaseline({ model: 'm', input: fixture('malformed-schema.parquet') }), 'parse', /not a readable Parquet file: its schema is malformed/);
    });

    it('names a bad model or option', async () => {
      await rejectsWith(buildBaseline({ model: ' ', input: fixture('rows.csv') }), 'bad_option', /model: expected a non-empty model name/);
      await rejectsWith(buildBaseline({ model: 'm', input: fixture('rows.csv'), maxCategories: 0 }), 'bad_option', /maxCategories/);
    });
  });
});
