import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BASELINE_HELP, parseBaselineArgs } from '../../src/baseline/args.js';

describe('args', () => {
  describe('parseBaselineArgs', () => {
    it('defaults the output to baselines/NAME.json', () => {
      const a = parseBaselineArgs(['--model', 'sentiment_classifier', '--input', 'data.csv']);
      assert.deepEqual(a, { help: false, model: 'sentiment_classifier', input: 'data.csv', out: join('baselines', 'sentiment_classifier.json') });
    });

    it('reads every option, in both --flag value and --flag=value forms', () => {
      const a = parseBaselineArgs([
        '--model=m', '--input', 'x.data', '--out', 'o.json', '--config', 'mw.yaml', '--model-version', '3',
        '--format', 'jsonl', '--label-column', 'y', '--confidence-column', 'p', '--value-column', 'v',
        '--max-size=20', '--max-categories', '7',
      ]);
      assert.deepEqual(a, {
        help: false, model: 'm', input: 'x.data', out: 'o.json', config: 'mw.yaml', modelVersion: '3', format: 'jsonl',
        labelColumn: 'y', confidenceColumn: 'p', valueColumn: 'v', maxSize: 20, maxCategories: 7,
      });
    });

    it('returns help for --help and -h, whatever else is missing', () => {
      assert.deepEqual(parseBaselineArgs(['--help']), { help: true });
      assert.deepEqual(parseBaselineArgs(['-h', '--model', 'm']), { help: true });
      for (const flag of ['--model', '--input', '--out', '--config', '--format', '--label-column', '--max-size']) {
        assert.ok(BASELINE_HELP.includes(flag), flag);
      }
    });

    it('names a missing required flag', () => {
      assert.throws(() => parseBaselineArgs(['--input', 'a.csv']), /--model: required/);
      assert.throws(() => parseBaselineArgs(['--model', 'm']), /--input: required/);
    });

    it('names an unknown flag, a flag without its value and a stray argument', () => {
      assert.throws(() => parseBaselineArgs(['--model', 'm', '--input', 'a.csv', '--bogus']), /--bogus/);
      assert.throws(() => parseBaselineArgs(['--model', 'm', '--input']), /--input/);
      assert.throws(() => parseBaselineArgs(['--model', 'm', '--input', 'a.csv', 'extra']), /extra/);
    });

    it('names a bad format, number or empty value', () => {
      assert.throws(() => parseBaselineArgs(['--model', 'm', '--input', 'a', '--format', 'xlsx']), /--format: expected one of csv, jsonl, parquet, got "xlsx"/);
      assert.throws(() => parseBaselineArgs(['--model', 'm', '--input', 'a', '--max-size', '1']), /--max-size: expected a whole number >= 2, got "1"/);
      assert.throws(() => parseBaselineArgs(['--model', 'm', '--input', 'a', '--max-categories', '2.5']), /--max-categories: expected a whole number/);
      assert.throws(() => parseBaselineArgs(['--model', '', '--input', 'a']), /--model: expected a value/);
    });

    it('requires --out when the model name is not a safe file name', () => {
      assert.throws(() => parseBaselineArgs(['--model', '../etc/x', '--input', 'a.csv']), /--out: required when the model name/);
      assert.equal((parseBaselineArgs(['--model', '../etc/x', '--input', 'a.csv', '--out', 'b.json']) as { out: string }).out, 'b.json');
    });
  });
});
