import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CategoricalDistribution, alignCategories } from '../src/categorical.js';
import { chiSquareTest } from '../src/chi-square.js';

describe('CategoricalDistribution', () => {
  describe('add', () => {
    it('counts past the cardinality bound under the other category', () => {
      const d = new CategoricalDistribution({ maxCategories: 2 });
      for (const c of ['a', 'b', 'c', 'a', 'd']) d.add(c);
      assert.deepEqual([...d.counts()], [['a', 2], ['b', 1], ['__other__', 2]]);
      assert.equal(d.total, 5);
    });

    it('never holds more than maxCategories named categories plus other', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ maxLength: 3 }), { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (cats, max) => {
          const d = new CategoricalDistribution({ maxCategories: max });
          cats.forEach((c) => d.add(c));
          assert.ok(d.counts().size <= max + 1);
          assert.equal(d.total, cats.length);
        }),
      );
    });

    it('rejects bad counts and options, naming them', () => {
      assert.throws(() => new CategoricalDistribution().add('a', -1), /count must be a finite non-negative number, got -1/);
      assert.throws(() => new CategoricalDistribution().add('a', NaN), /got NaN/);
      assert.throws(() => new CategoricalDistribution({ maxCategories: 0 }), /maxCategories must be a positive integer, got 0/);
    });
  });

  describe('merge', () => {
    it('adds counts exactly below the bound, in any order', () => {
      const a = new CategoricalDistribution();
      const b = new CategoricalDistribution();
      a.add('x', 3);
      a.add('y');
      b.add('y', 2);
      b.add('z');
      const ab = new CategoricalDistribution();
      ab.merge(a);
      ab.merge(b);
      const ba = new CategoricalDistribution();
      ba.merge(b);
      ba.merge(a);
      const sorted = (d: CategoricalDistribution): [string, number][] => [...d.counts()].sort();
      assert.deepEqual(sorted(ab), [['x', 3], ['y', 3], ['z', 1]]);
      assert.deepEqual(sorted(ab), sorted(ba));
    });

    it("maps the other side's overflow category onto ours", () => {
      const theirs = new CategoricalDistribution({ otherCategory: 'OTHER' });
      theirs.add('OTHER', 4);
      const ours = new CategoricalDistribution();
      ours.merge(theirs);
      assert.equal(ours.counts().get('__other__'), 4);
    });
  });

  describe('toJSON / fromJSON', () => {
    it('round-trips, including names like __proto__', () => {
      const d = new CategoricalDistribution({ maxCategories: 3 });
      ['__proto__', 'constructor', 'a', 'b', 'b'].forEach((c) => d.add(c));
      const back = CategoricalDistribution.fromJSON(JSON.parse(JSON.stringify(d)));
      assert.deepEqual([...back.counts()], [...d.counts()]);
      assert.equal(back.maxCategories, 3);
    });

    it('rejects malformed JSON, naming the entry', () => {
      assert.throws(() => CategoricalDistribution.fromJSON({ maxCategories: 5, otherCategory: 'o', counts: [['a', -2]] }), /counts\[0\]: count must be a finite non-negative number, got -2/);
    });
  });
});

describe('alignCategories', () => {
  it('aligns on the sorted union with zeros for missing categories, ready for chi-square', () => {
    const ref = new Map([['b', 5], ['a', 10]]);
    const cur = new CategoricalDistribution();
    cur.add('c', 2);
    cur.add('a', 8);
    const aligned = alignCategories(ref, cur);
    assert.deepEqual(aligned, { categories: ['a', 'b', 'c'], expected: [10, 5, 0], actual: [8, 0, 2] });
    assert.equal(chiSquareTest(aligned.expected, aligned.actual).dof, 2);
  });
});
