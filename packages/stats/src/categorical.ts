/**
 * Counts of a categorical feature with a bounded number of categories.
 *
 * @module
 */

/** Options of {@link CategoricalDistribution}. */
export interface CategoricalOptions {
  /** Distinct named categories kept; later new ones are counted under `otherCategory`. @default 100 */
  maxCategories?: number;
  /** Name of the overflow category (matches the `ml.feature.category` overflow value). @default '__other__' */
  otherCategory?: string;
}

/** Serialised form of a {@link CategoricalDistribution} (entries as pairs, so no category name can clash with object keys). */
export interface CategoricalJSON {
  maxCategories: number;
  otherCategory: string;
  counts: [string, number][];
}

function checkCount(fn: string, count: unknown): asserts count is number {
  if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
    throw new RangeError(`${fn}: count must be a finite non-negative number, got ${String(count)}`);
  }
}

/**
 * Category counts where the first `maxCategories` distinct categories are kept
 * by name and any further one is counted in the "other" category — the same
 * first-come rule as the OTel SDK's cardinality limit, so memory stays bounded
 * whatever a client sends. Merging is exact below the bound; past it, which
 * names survive depends on the order of merges.
 */
export class CategoricalDistribution {
  /** Distinct named categories kept. */
  readonly maxCategories: number;
  /** Name of the overflow category. */
  readonly otherCategory: string;
  private readonly _counts = new Map<string, number>();
  private _total = 0;

  /** @throws RangeError when `maxCategories` is not a positive integer or `otherCategory` is not a string. */
  constructor(opts: CategoricalOptions = {}) {
    const maxCategories = opts.maxCategories ?? 100;
    const otherCategory = opts.otherCategory ?? '__other__';
    if (!Number.isInteger(maxCategories) || maxCategories < 1) {
      throw new RangeError(`CategoricalDistribution: maxCategories must be a positive integer, got ${String(maxCategories)}`);
    }
    if (typeof otherCategory !== 'string') throw new RangeError(`CategoricalDistribution: otherCategory must be a string, got ${String(otherCategory)}`);
    this.maxCategories = maxCategories;
    this.otherCategory = otherCategory;
  }

  /**
   * Adds `count` observations of `category` (to the other category once
   * `maxCategories` named categories exist).
   * @throws RangeError for a non-string category or a negative/non-finite count.
   */
  add(category: string, count = 1): void {
    if (typeof category !== 'string') throw new RangeError(`add: category must be a string, got ${String(category)}`);
    checkCount('add', count);
    if (count === 0) return;
    let key = category;
    if (!this._counts.has(key) && key !== this.otherCategory && this.namedCategories() >= this.maxCategories) key = this.otherCategory;
    this._counts.set(key, (this._counts.get(key) ?? 0) + count);
    this._total += count;
  }

  private namedCategories(): number {
    return this._counts.size - (this._counts.has(this.otherCategory) ? 1 : 0);
  }

  /** Adds every count of `other` (a distribution or a plain map) into this one. */
  merge(other: CategoricalDistribution | Map<string, number>): void {
    const entries = other instanceof CategoricalDistribution ? other.counts() : other;
    for (const [category, count] of entries) {
      // The other side's overflow bucket is overflow here too, whatever its name.
      const key = other instanceof CategoricalDistribution && category === other.otherCategory ? this.otherCategory : category;
      this.add(key, count);
    }
  }

  /** Total number of observations. */
  get total(): number {
    return this._total;
  }

  /** A copy of the counts, in first-seen order. */
  counts(): Map<string, number> {
    return new Map(this._counts);
  }

  /** Plain JSON-safe form. */
  toJSON(): CategoricalJSON {
    return { maxCategories: this.maxCategories, otherCategory: this.otherCategory, counts: [...this._counts] };
  }

  /**
   * Rebuilds a distribution from {@link CategoricalDistribution.toJSON} output.
   * @throws RangeError/TypeError naming the bad field.
   */
  static fromJSON(json: CategoricalJSON): CategoricalDistribution {
    if (json === null || typeof json !== 'object') throw new TypeError('CategoricalDistribution.fromJSON: expected an object');
    if (!Array.isArray(json.counts)) throw new TypeError('CategoricalDistribution.fromJSON: counts must be an array of [category, count] pairs');
    const d = new CategoricalDistribution({ maxCategories: json.maxCategories, otherCategory: json.otherCategory });
    json.counts.forEach((entry, i) => {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
        throw new TypeError(`CategoricalDistribution.fromJSON: counts[${i}] must be a [category, count] pair`);
      }
      checkCount(`CategoricalDistribution.fromJSON: counts[${i}]`, entry[1]);
      d.add(entry[0], entry[1]);
    });
    return d;
  }
}

/**
 * Puts two category count sets on the same categories (their union, sorted by
 * code unit so the order is deterministic; a category missing on one side
 * counts 0 there), ready for {@link chiSquareTest}, {@link psi} or
 * {@link jensenShannonDistance}.
 */
export function alignCategories(
  reference: CategoricalDistribution | Map<string, number>,
  current: CategoricalDistribution | Map<string, number>,
): { categories: string[]; expected: number[]; actual: number[] } {
  const ref = reference instanceof CategoricalDistribution ? reference.counts() : reference;
  const cur = current instanceof CategoricalDistribution ? current.counts() : current;
  const categories = [...new Set([...ref.keys(), ...cur.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    categories,
    expected: categories.map((c) => ref.get(c) ?? 0),
    actual: categories.map((c) => cur.get(c) ?? 0),
  };
}
