/**
 * Arithmetic on onnxruntime tensors: rows, row statistics, argmax/softmax.
 * Pure functions over `dims` and `data`, so they are tested without the runtime.
 */
import type { OnnxInputStatistic } from './types.js';

/**
 * A tensor's numeric data seen as rows: `rows * width` values, row-major.
 * `values` is the tensor's own typed array (no copy); int64 tensors hold bigints.
 */
export interface RowView {
  readonly rows: number;
  readonly width: number;
  readonly values: ArrayLike<number | bigint>;
}

// Element types whose typed array holds the numeric value itself. float16 is
// absent on purpose: onnxruntime stores it as raw bits in a Uint16Array.
const NUMERIC_TYPES = new Set([
  'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool',
]);

/**
 * The numeric data of an onnxruntime tensor as rows, or `undefined` when it is
 * not a numeric tensor held in CPU memory. Rank >= 2: the first dimension is
 * the batch; rank 1 (or 0): one row.
 */
export function rowView(tensor: unknown): RowView | undefined {
  if (typeof tensor !== 'object' || tensor === null) return undefined;
  const t = tensor as { type?: unknown; dims?: unknown; location?: unknown };
  if (typeof t.type !== 'string' || !NUMERIC_TYPES.has(t.type) || !Array.isArray(t.dims)) return undefined;
  // Reading `data` of a GPU-resident tensor throws (and would download it).
  if (t.location !== undefined && t.location !== 'cpu' && t.location !== 'cpu-pinned') return undefined;
  const dims = t.dims as unknown[];
  let size = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return undefined;
    size *= d;
  }
  const values = (tensor as { data?: unknown }).data;
  if (!ArrayBuffer.isView(values) || (values as unknown as ArrayLike<unknown>).length !== size) return undefined;
  const rows = dims.length >= 2 ? (dims[0] as number) : 1;
  const width = rows === 0 ? 0 : size / rows;
  return { rows, width, values: values as unknown as ArrayLike<number | bigint> };
}

/**
 * One statistic of row `row`. NaN anywhere in the row gives NaN, which the
 * monitor counts as a missing value rather than a silently skewed statistic.
 */
export function rowStatistic(view: RowView, row: number, statistic: OnnxInputStatistic): number {
  const start = row * view.width;
  const end = start + view.width;
  if (view.width === 0) return Number.NaN;
  let acc = statistic === 'min' ? Number.POSITIVE_INFINITY : statistic === 'max' ? Number.NEGATIVE_INFINITY : 0;
  for (let i = start; i < end; i++) {
    const v = Number(view.values[i]);
    if (Number.isNaN(v)) return Number.NaN;
    switch (statistic) {
      case 'mean': acc += v; break;
      case 'min': if (v < acc) acc = v; break;
      case 'max': if (v > acc) acc = v; break;
    }
  }
  return statistic === 'mean' ? acc / view.width : acc;
}

/** Element `index` of row `row`, or NaN when the row is shorter. */
export function rowElement(view: RowView, row: number, index: number): number {
  if (index >= view.width) return Number.NaN;
  return Number(view.values[row * view.width + index]);
}

/** A classification read from one row: the class index and its confidence. */
export interface RowClass {
  readonly classIndex: number;
  readonly confidence: number;
}

/**
 * Classifies row `row` (see `OnnxPredictionConfig.scores`). Returns
 * `undefined` for an empty row or one with no comparable (non-NaN) score.
 */
export function classifyRow(view: RowView, row: number, scores: 'probabilities' | 'logits'): RowClass | undefined {
  const start = row * view.width;
  if (view.width === 1) {
    const s = Number(view.values[start]);
    if (Number.isNaN(s)) return undefined;
    const p = scores === 'logits' ? 1 / (1 + Math.exp(-s)) : s;
    return p >= 0.5 ? { classIndex: 1, confidence: p } : { classIndex: 0, confidence: 1 - p };
  }
  let best = -1;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < view.width; j++) {
    const v = Number(view.values[start + j]);
    // Strict `>` keeps the first of tied maxima, as numpy's argmax does.
    if (v > max || (best === -1 && v === max)) {
      max = v;
      best = j;
    }
  }
  if (best === -1) return undefined;
  if (scores === 'probabilities') return { classIndex: best, confidence: max };
  // Softmax at the argmax is 1 / sum(exp(x_j - max)); subtracting the max keeps exp from overflowing.
  let sum = 0;
  for (let j = 0; j < view.width; j++) {
    const v = Number(view.values[start + j]);
    if (!Number.isNaN(v)) sum += Math.exp(v - max);
  }
  return { classIndex: best, confidence: max === Number.POSITIVE_INFINITY ? 1 : 1 / sum };
}
