import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIDENCE_BUCKETS, OTHER_CATEGORY } from '@modelwatch/semconv';
import { BaselineAccumulator, type AccumulatorOptions } from '../../src/baseline/accumulator.js';
import { parseBaseline, type CategoricalFeatureBaseline, type ExpHistogramData, type NumericFeatureBaseline } from '../../src/engine/baseline.js';

const META = { model: 'm', createdAt: '2024-01-01T00:00:00.000Z' };

function fromRows(columns: string[], rows: unknown[][], opts: AccumulatorOptions = {}) {
  const acc = new BaselineAccumulator(opts);
  acc.declareColumns(columns);
  rows.forEach((r, i) => acc.addArrayRow(r, i + 2));
  const result = acc.finish(META);
  parseBaseline(result.baseline);
  return result;
}

function numeric(b: { features: Record<string, unknown> }, name: string): NumericFeatureBaseline & { histogram: ExpHistogramData } {
  const f = b.features[name] as NumericFeatureBaseline;
  assert.equal(f.type, 'numeric', `${name} should be numeric`);
  assert.ok(f.histogram, `${name} should have an exponential histogram`);
  return { ...f, histogram: f.histogram };
}

function categorical(b: { features: Record<string, unknown> }, name: string): CategoricalFeatureBaseline {
  const f = b.features[name] as CategoricalFeatureBaseline;
  assert.equal(f.type, 'categorical', `${name} should be categorical`);
  return f;
}

describe('BaselineAccumulator', () => {
  describe('constructor', () => {
    it('names a bad option', () => {
      assert.throws(() => new BaselineAccumulator({ maxSize: 1 }), /maxSize must be an integer >= 2, got 1/);
      assert.throws(() => new BaselineAccumulator({ maxCategories: 0 }), /maxCategories/);
      assert.throws(() => new BaselineAccumulator({ features: { a: 'text' as 'numeric' } }), /features\.a: expected "numeric" or "categorical", got "text"/);
    });
  });

  describe('type inference', () => {
    it('types a column numeric when its first values are all numbers, else categorical', () => {
      const { baseline } = fromRows(['x', 'lang', 'code'], [['1', 'en', '10'], ['2.5', 'de', '20'], ['-3', 'fr', 'X9']]);
      const x = numeric(baseline, 'x');
      assert.equal(x.histogram.count, 3);
      assert.equal(x.histogram.sum, 0.5);
      assert.deepEqual(categorical(baseline, 'lang').counts, { de: 1, en: 1, fr: 1 });
      // '10' and '20' were numbers, then 'X9' made the column categorical: the numbers keep their text.
      assert.deepEqual(categorical(baseline, 'code').counts, { '10': 1, '20': 1, X9: 1 });
    });

    it('decides on the first inferenceSample values; later text in a numeric column is missing and reported with its line', () => {
      const rows = [['1'], ['2'], ['3'], ['oops'], ['4'], ['n/a'], ['bad']];
      const { baseline, warnings } = fromRows(['x'], rows, { inferenceSample: 3 });
      const x = numeric(baseline, 'x');
      assert.equal(x.histogram.count, 4);
      assert.equal(x.missing, 3);
      assert.equal(warnings.length, 1);
      assert.deepEqual({ ...warnings[0], message: undefined }, { column: 'x', kind: 'non_numeric', count: 2, firstRow: 4, firstLine: 5, example: 'oops', message: undefined });
      assert.match(warnings[0]?.message ?? '', /2 non-numeric values in numeric column "x" counted as missing; first at line 5 \("oops"\)/);
    });

    it('types a column with only missing values categorical and says so', () => {
      const { baseline, warnings } = fromRows(['x', 'y'], [['', '1'], ['NA', '2']]);
      assert.deepEqual(categorical(baseline, 'x'), { type: 'categorical', counts: {}, missing: 2 });
      assert.equal(warnings[0]?.kind, 'no_values');
    });
  });

  describe('configured features', () => {
    it('uses the configured types over inference and ignores other columns', () => {
      const { baseline } = fromRows(['zip', 'score', 'other'], [['10115', '1', 'a'], ['80331', 'x', 'b']], {
        features: { zip: 'categorical', score: 'numeric' },
      });
      assert.deepEqual(Object.keys(baseline.features), ['score', 'zip']);
      assert.deepEqual(categorical(baseline, 'zip').counts, { '10115': 1, '80331': 1 });
      assert.equal(numeric(baseline, 'score').missing, 1);
    });

    it('names every configured column absent from the file', () => {
      const acc = new BaselineAccumulator({ features: { a: 'numeric', b: 'categorical', c: 'numeric' } });
      assert.throws(() => acc.checkColumns(['a', 'x']), /not in the file: feature "b" \(from the config\), feature "c" \(from the config\); the file has columns "a", "x"/);
    });

    it('requires explicitly named prediction columns but not the defaults', () => {
      assert.doesNotThrow(() => new BaselineAccumulator({ labelColumn: 'y' }).checkColumns(['a']));
      const acc = new BaselineAccumulator({ labelColumn: 'y', valueColumn: 'v' });
      assert.throws(() => acc.checkColumns(['a'], { labelColumn: true }), /label column "y".*value column "v"/);
    });
  });

  describe('missing values', () => {
    it('counts null, empty, NaN and NA texts as missing in both column types', () => {
      const { baseline } = fromRows(['n', 'c'], [[null, ''], [Number.NaN, 'NaN'], ['', 'a'], ['1', undefined], [Infinity, 'b']]);
      const n = numeric(baseline, 'n');
      assert.equal(n.missing, 4);
      assert.equal(n.histogram.count, 1);
      assert.equal(categorical(baseline, 'c').missing, 3);
    });

    it('counts keys a JSON row lacks as missing, including rows before a key first appears', () => {
      const acc = new BaselineAccumulator({ inferenceSample: 2 });
      acc.addObjectRow({ a: 1 }, 1);
      acc.addObjectRow({ a: 2 }, 2);
      acc.addObjectRow({ a: 3, late: 'x' }, 3);
      acc.addObjectRow({ late: 'y' }, 4);
      const { baseline } = acc.finish(META);
      assert.equal(numeric(baseline, 'a').missing, 1);
      assert.deepEqual(categorical(baseline, 'late'), { type: 'categorical', counts: { x: 1, y: 1 }, missing: 2 });
      assert.deepEqual(acc.columns.sort(), ['a', 'late']);
    });
  });

  describe('categories bound', () => {
    it('keeps the first maxCategories values and counts the rest as __other__', () => {
      const rows = ['a', 'b', 'a', 'c', 'd', 'b', 'e'].map((v) => [v]);
      const { baseline, warnings } = fromRows(['c'], rows, { maxCategories: 2 });
      assert.deepEqual(categorical(baseline, 'c').counts, { a: 2, b: 2, [OTHER_CATEGORY]: 3 });
      assert.equal(warnings[0]?.kind, 'categories_capped');
      assert.equal(warnings[0]?.count, 3);
    });
  });

  describe('prediction columns', () => {
    it('counts labels, buckets confidence like OTLP explicit buckets and keeps them out of the features', () => {
      const conf = [0, 0.05, 0.050001, 0.7, 0.999, 1, 0.99];
      const rows = conf.map((c, i) => [String(i), i % 2 === 0 ? 'pos' : 'neg', String(c)]);
      const { baseline } = fromRows(['x', 'label', 'confidence'], rows);
      assert.deepEqual(Object.keys(baseline.features), ['x']);
      assert.deepEqual(baseline.prediction?.labels, { neg: 3, pos: 4 });
      const c = baseline.prediction?.confidence;
      assert.deepEqual(c?.bounds, [...CONFIDENCE_BUCKETS]);
      // Bucket i covers (bounds[i-1], bounds[i]]: recompute it independently by a linear scan.
      const expected = new Array<number>(CONFIDENCE_BUCKETS.length + 1).fill(0);
      for (const v of conf) {
        let i = 0;
        while (i < CONFIDENCE_BUCKETS.length && v > (CONFIDENCE_BUCKETS[i] ?? 0)) i++;
        expected[i] = (expected[i] ?? 0) + 1;
      }
      assert.deepEqual(c?.counts, expected);
      assert.equal(c?.counts[0], 2); // 0 and exactly 0.05
      assert.equal(c?.counts[CONFIDENCE_BUCKETS.length], 1); // 1 is past 0.999
    });

    it('reports rows without a usable label or confidence and confidences outside [0, 1]', () => {
      const { baseline, warnings } = fromRows(['label', 'confidence'], [['a', '0.5'], ['', 'high'], ['b', '1.5']]);
      assert.deepEqual(baseline.prediction?.labels, { a: 1, b: 1 });
      assert.equal(baseline.prediction?.confidence?.counts.reduce((s, n) => s + n, 0), 2);
      assert.deepEqual(warnings.map((w) => `${w.column}:${w.kind}:${w.count}`).sort(), ['confidence:missing_prediction:1', 'confidence:out_of_range:1', 'label:missing_prediction:1']);
    });

    it('puts the regression output into an exponential histogram', () => {
      const { baseline } = fromRows(['x', 'y_hat'], [['1', '10'], ['2', '-20'], ['3', '0']], { valueColumn: 'y_hat' });
      const v = baseline.prediction?.value;
      assert.equal(v?.count, 3);
      assert.equal(v?.zeroCount, 1);
      assert.equal(v?.min, -20);
      assert.deepEqual(Object.keys(baseline.features), ['x']);
    });

    it('omits the prediction baseline when the file has no prediction column', () => {
      const { baseline } = fromRows(['x'], [['1']]);
      assert.equal(baseline.prediction, undefined);
    });
  });

  describe('declareColumns', () => {
    it('rejects empty and duplicated column names', () => {
      assert.throws(() => new BaselineAccumulator().declareColumns(['a', ' ']), /column 2 has an empty name/);
      assert.throws(() => new BaselineAccumulator().declareColumns(['a', 'b', 'a']), /column "a" appears twice \(columns 1 and 3\)/);
    });
  });

  describe('finish', () => {
    it('keeps histograms within maxSize buckets per sign', () => {
      const acc = new BaselineAccumulator({ maxSize: 8 });
      acc.declareColumns(['x']);
      for (let i = 1; i <= 1000; i++) acc.addArrayRow([String(i * 1.37)]);
      const h = numeric(acc.finish(META).baseline, 'x').histogram;
      assert.ok(h.positive.bucketCounts.length <= 8);
      assert.equal(h.count, 1000);
      assert.equal(acc.rows, 1000);
    });

    it('summarises each feature column: values, missing, distinct, non-numeric share and the first text', () => {
      const rows = [['1', 'en', 'a'], ['2', 'de', '1'], ['2', 'en', 'b'], ['', 'NA', '1'], ['abc', 'fr', '2']];
      const { baseline, columns } = fromRows(['n', 'lang', 'label'], rows, { inferenceSample: 3 });
      assert.deepEqual(columns, [
        { column: 'lang', type: 'categorical', inferred: 'categorical', values: 4, missing: 1, distinct: 3, distinctCapped: false, nonNumericShare: 1, disguisedNumbers: 0, example: 'en' },
        // 'abc' is a value here (a quarter of them) though the baseline counts it as missing.
        { column: 'n', type: 'numeric', inferred: 'numeric', values: 4, missing: 1, distinct: 3, distinctCapped: false, nonNumericShare: 0.25, disguisedNumbers: 0, example: 'abc' },
      ]);
      assert.equal(numeric(baseline, 'n').missing, 2);
    });

    it('shows the declared type beside what inference says of the values', () => {
      const { columns } = fromRows(['code', 'score', 'late'], [['1', '0.5', '1'], ['2', 'x', '2'], ['3', '0.7', 'z']], {
        features: { code: 'categorical', score: 'numeric', late: 'categorical' },
        inferenceSample: 2,
      });
      const byName = new Map(columns.map((c) => [c.column, c]));
      assert.deepEqual([byName.get('code')?.type, byName.get('code')?.declared, byName.get('code')?.inferred], ['categorical', 'categorical', 'numeric']);
      assert.deepEqual([byName.get('score')?.type, byName.get('score')?.declared, byName.get('score')?.inferred], ['numeric', 'numeric', 'categorical']);
      // Two numbers filled the inference sample before 'z': inference says numeric, as it would without a config.
      assert.equal(byName.get('late')?.inferred, 'numeric');
      assert.equal(byName.get('score')?.nonNumericShare, 1 / 3);
    });

    it('infers the same type for a declared column as the type an undeclared one gets', () => {
      const samples = [['1', '2', 'x'], ['1', 'x', '2'], ['1', '2', '3', '4'], ['x'], ['', '1'], ['', '']];
      for (const values of samples) {
        const rows = values.map((v) => [v]);
        const free = fromRows(['c'], rows, { inferenceSample: 2 });
        const declared = fromRows(['c'], rows, { inferenceSample: 2, features: { c: 'categorical' } });
        const expected = free.columns[0]?.values === 0 ? undefined : free.baseline.features.c?.type;
        assert.equal(declared.columns[0]?.inferred, expected, values.join(','));
        assert.equal(free.columns[0]?.inferred, expected, values.join(','));
      }
    });

    it('counts distinct values exactly up to max(maxCategories, 1000), then as a lower bound', () => {
      const cols = (n: number, maxCategories: number) => {
        const acc = new BaselineAccumulator({ maxCategories });
        acc.declareColumns(['num', 'cat']);
        for (let i = 0; i < n; i++) acc.addArrayRow([String(i % 1500), `v${i % 1500}`]);
        return acc.finish(META).columns.map((c) => [c.column, c.distinct, c.distinctCapped]);
      };
      assert.deepEqual(cols(1000, 2), [['cat', 1000, false], ['num', 1000, false]]);
      assert.deepEqual(cols(3000, 2), [['cat', 1001, true], ['num', 1001, true]]);
      assert.deepEqual(cols(3000, 1200), [['cat', 1201, true], ['num', 1201, true]]);
      assert.deepEqual(cols(3000, 1500), [['cat', 1500, false], ['num', 1500, false]]);
    });
  });

  describe('finish warnings', () => {
    it('warns about numbers in disguise when at least half the values are, naming the column, count, example and fix', () => {
      const rows = [['np.float64(1.5)', "'1'", 'a'], ['np.float64(2.25)', '2', 'np.float64(1)'], ['3', '3', 'b']];
      const { warnings, columns } = fromRows(['x', 'half', 'few'], rows);
      const disguised = warnings.filter((w) => w.kind === 'disguised_numbers');
      assert.deepEqual(disguised.map((w) => w.column), ['x']);
      const w = disguised[0];
      assert.deepEqual({ count: w?.count, example: w?.example, firstRow: w?.firstRow, firstLine: w?.firstLine }, { count: 2, example: 'np.float64(1.5)', firstRow: 1, firstLine: 2 });
      assert.match(w?.message ?? '', /^column "x": 2 of 3 values are numbers written as text, e\.g\. "np\.float64\(1\.5\)" \(first at line 2\); the column was therefore inferred categorical/);
      assert.match(w?.message ?? '', /Fix: write plain numbers, e\.g\. convert with float\(\) or \.astype\(float\) before writing the file, or declare the type with --config/);
      assert.deepEqual(columns.map((c) => [c.column, c.disguisedNumbers]), [['few', 1], ['half', 1], ['x', 2]]);
    });

    it('warns about numbers in disguise at exactly half the values, and says a declared categorical column keeps them as categories', () => {
      const { warnings } = fromRows(['x'], [["'1.5'"], ['2']], { features: { x: 'categorical' } });
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.kind, 'disguised_numbers');
      assert.match(warnings[0]?.message ?? '', /1 of 2 values .*"'1\.5'".*declared categorical, so each distinct text is a category/);
      assert.doesNotMatch(warnings[0]?.message ?? '', /--config/);
    });

    it('names the column, distinct count, bound and first surplus value when categories are capped, and the fixes', () => {
      const rows = ['shop1', 'shop2', 'shop1', 'shop3', 'shop4', 'shop2', 'shop5'].map((v) => [v]);
      const { warnings } = fromRows(['merchant'], rows, { maxCategories: 2 });
      assert.equal(warnings.length, 1);
      const w = warnings[0];
      assert.deepEqual({ kind: w?.kind, column: w?.column, count: w?.count, example: w?.example }, { kind: 'categories_capped', column: 'merchant', count: 3, example: 'shop3' });
      assert.match(w?.message ?? '', /column "merchant" has 5 distinct values, more than the 2 kept \(the first one past the bound: "shop3"\); 3 values past the bound counted as "__other__"/);
      assert.match(w?.message ?? '', /declare it numeric with --config.*--max-categories.*limits\.maxCategories/);
    });

    it('says "at least" when the distinct count was capped', () => {
      const rows = Array.from({ length: 1200 }, (_, i) => [`id${i}`]);
      const { warnings } = fromRows(['id'], rows, { maxCategories: 10 });
      assert.match(warnings[0]?.message ?? '', /has at least 1001 distinct values, more than the 10 kept \(the first one past the bound: "id10"\)/);
    });
  });
});
