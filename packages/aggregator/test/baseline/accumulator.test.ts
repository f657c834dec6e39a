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
  });
});
