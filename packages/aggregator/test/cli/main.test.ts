import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { main, type CliIo } from '../../src/cli/main.js';
import { numpyReprCsv } from '../baseline/numpy-repr-csv.js';
import { scratchDir } from '../helpers/scratch.js';

/** An {@link CliIo} that keeps every line. */
function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (l) => out.push(l), stderr: (l) => err.push(l) };
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

describe('cli', () => {
  const scratch = scratchDir('mw-cli-baseline-');
  const write = scratch.write;
  const config = (name: string, yaml: string): Promise<string> => write(name, yaml);

  describe('main', () => {
    it('baseline prints the column summary and the numbers-in-disguise warning to stderr, and exits 0', async () => {
      const input = await write('numpy.csv', numpyReprCsv(2000));
      const out = scratch.path('numpy.json');
      const io = capture();
      const code = await main(['baseline', '--model', 'sentiment_classifier', '--input', input, '--out', out], {}, io);
      assert.equal(code, 0, io.err.join('\n'));
      assert.match(io.err[0] ?? '', /^column\s+type\s+values\s+distinct\s+missing\s+non-numeric$/);
      assert.match(io.err[1] ?? '', /^language\s+categorical \(inferred\)\s+2000\s+4\s+0\s+100%$/);
      assert.match(io.err[2] ?? '', /^sentiment_score\s+categorical \(inferred\)\s+2000\s+100\s+0\s+100%$/);
      assert.match(io.err[3] ?? '', /^text_length\s+categorical \(inferred\)\s+2000\s+\d+\s+0\s+100%$/);
      const warnings = io.err.filter((l) => l.startsWith('warning: '));
      assert.ok(
        warnings.some((l) => /^warning: column "text_length": 2000 of 2000 values are numbers written as text, e\.g\. "np\.float64\(/.test(l)),
        warnings.join('\n'),
      );
      const status = JSON.parse(io.out.at(-1) ?? '{}') as Record<string, unknown>;
      assert.deepEqual(status, { status: 'written', out, model: 'sentiment_classifier', features: 3, rows: 2000, warnings: warnings.length });
      assert.ok(warnings.length >= 3, warnings.join('\n')); // two columns in disguise, text_length past 100 categories
      assert.ok(await exists(out));
    });

    it('baseline --max-categories warns about the surplus, naming the column and an example', async () => {
      const input = await write('merchants.csv', `merchant,amount\n${Array.from({ length: 30 }, (_, i) => `m${i},${i}.5`).join('\n')}\n`);
      const io = capture();
      const code = await main(['baseline', '--model', 'm', '--input', input, '--out', scratch.path('merchants.json'), '--max-categories', '5'], {}, io);
      assert.equal(code, 0, io.err.join('\n'));
      assert.match(io.err.join('\n'), /^amount\s+numeric \(inferred\)\s+30\s+30\s+0\s+0%$/m);
      assert.match(io.err.join('\n'), /^warning: column "merchant" has 30 distinct values, more than the 5 kept \(the first one past the bound: "m5"\); 25 values past the bound counted as "__other__"/m);
    });

    it('baseline --config exits 1 and writes nothing when a column declared numeric reads as categorical', async () => {
      const input = await write('numpy-config.csv', numpyReprCsv(2000));
      const cfg = await config('modelwatch.yaml', [
        'models:',
        '  - name: sentiment_classifier',
        '    task: classification',
        '    features: { text_length: numeric, language: categorical }',
        '',
      ].join('\n'));
      const out = scratch.path('rejected.json');
      const io = capture();
      const code = await main(['baseline', '--model', 'sentiment_classifier', '--input', input, '--config', cfg, '--out', out], {}, io);
      assert.equal(code, 1);
      const err = io.err.join('\n');
      assert.match(err, /column "text_length" is declared numeric in the config, but 2000 of its 2000 values are not numbers: they read as categorical, e\.g\. "np\.float64\(/);
      assert.deepEqual(io.out, []);
      assert.equal(await exists(out), false);
    });

    it('baseline --config accepts a declared categorical column of numeric codes, the summary showing they read as numeric', async () => {
      const rows = Array.from({ length: 300 }, (_, i) => `${i % 12},${(40 + (i % 50) * 1.5).toFixed(1)},${['en', 'de'][i % 2] ?? 'en'}`);
      const input = await write('codes.csv', `country_code,text_length,language\n${rows.join('\n')}\n`);
      const cfg = await config('codes.yaml', 'models:\n  - name: m\n    task: classification\n    features: { country_code: categorical, text_length: numeric, language: categorical }\n');
      const io = capture();
      const code = await main(['baseline', '--model', 'm', '--input', input, '--config', cfg, '--out', scratch.path('codes.json')], {}, io);
      assert.equal(code, 0, io.err.join('\n'));
      assert.deepEqual(io.err.slice(1), [
        'country_code  categorical (declared; inferred: numeric)     300        12        0           0%',
        'language      categorical (declared)                        300         2        0         100%',
        'text_length   numeric (declared)                            300        50        0           0%',
      ]);
      assert.equal((JSON.parse(io.out[0] ?? '{}') as { warnings?: number }).warnings, 0);
      const written = JSON.parse(await readFile(scratch.path('codes.json'), 'utf8')) as { features: Record<string, { type: string }> };
      assert.equal(written.features.country_code?.type, 'categorical');
    });

    it('baseline --config keeps as many categories as limits.maxCategories when --max-categories is absent', async () => {
      const input = await write('limits.csv', `merchant\n${Array.from({ length: 12 }, (_, i) => `m${i}`).join('\n')}\n`);
      const cfg = await config('limits.yaml', 'limits: { maxCategories: 10 }\nmodels:\n  - name: m\n    features: { merchant: categorical }\n');
      const io = capture();
      assert.equal(await main(['baseline', '--model', 'm', '--input', input, '--config', cfg, '--out', scratch.path('limits.json')], {}, io), 0);
      assert.match(io.err.join('\n'), /column "merchant" has 12 distinct values, more than the 10 kept/);
      const flag = capture();
      assert.equal(await main(['baseline', '--model', 'm', '--input', input, '--config', cfg, '--out', scratch.path('limits.json'), '--max-categories', '20'], {}, flag), 0);
      assert.equal(flag.err.some((l) => l.startsWith('warning: ')), false);
    });

    it('baseline --help describes the summary and the exit status', async () => {
      const io = capture();
      assert.equal(await main(['baseline', '--help'], {}, io), 0);
      assert.match(io.out.join('\n'), /summary goes to stderr/);
      assert.match(io.out.join('\n'), /Exit status: 0 baseline written/);
    });
  });
});
