/**
 * Charts drawn with uPlot (a small, fast canvas chart library, bundled at build
 * time). Each chart has a key: a refresh updates the existing chart's data in
 * place instead of rebuilding it, so auto-refresh neither flickers nor loses
 * the hover. Charts not drawn by a render are destroyed at its end.
 *
 * @module
 */
import uPlot from 'uplot';
import { h } from './dom.js';

/** One line of a chart. */
export interface Line {
  label: string;
  /** A CSS colour or custom property name (`--series-1`). */
  colour?: string;
  dash?: number[];
  /** Draw as steps (distributions), not straight segments. */
  stepped?: boolean;
  fill?: boolean;
  /** Draw as bars (categories). */
  bars?: boolean;
}

/** A horizontal rule (a threshold) or a vertical marker drawn over a chart. */
export interface Rule {
  /** y value of a horizontal rule, or x value of a vertical one. */
  value: number;
  axis: 'x' | 'y';
  label: string;
  colour: string;
  /** Vertical markers only: draw the segment between these y values (e.g. where KS D occurs). */
  from?: number;
  to?: number;
}

/** Options of {@link chart}. */
export interface ChartSpec {
  key: string;
  title: string;
  /** x as unix seconds (a time axis) or plain numbers. */
  time: boolean;
  lines: Line[];
  /** Column-aligned: [x, y1, y2, ...]; null where a line has no value. */
  data: Array<Array<number | null>>;
  height?: number;
  rules?: Rule[];
  yRange?: [number | null, number | null];
  /** Category names of a categorical x axis (x = 0, 1, 2...). */
  categories?: string[];
  xLabel?: string;
  yLabel?: string;
  /** How the y axis writes its values; default: three significant digits. */
  yFormat?: (v: number) => string;
}

interface Live {
  plot: uPlot;
  root: HTMLElement;
  shape: string;
  /** The spec of the last render: the draw hook reads its rules. */
  current: { spec: ChartSpec };
  used: boolean;
}

const live = new Map<string, Live>();
const PALETTE = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5', '--series-6'];

/** A colour for the canvas: a custom property resolved in the theme in force (the palette uses light-dark()). */
function css(name: string): string {
  if (!name.startsWith('--')) return name;
  const probe = document.createElement('span');
  probe.style.color = `var(${name})`;
  document.body.appendChild(probe);
  const colour = getComputedStyle(probe).color;
  probe.remove();
  return colour || '#888';
}

/** `rgb(r, g, b)` as `rgba(r, g, b, alpha)`; other forms unchanged. */
function withAlpha(colour: string, alpha: number): string {
  const m = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(colour);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : colour;
}

/** Call before a render: charts the render does not draw are dropped by {@link sweepCharts}. */
export function beginCharts(): void {
  for (const c of live.values()) c.used = false;
}

/** Destroys the charts the last render did not draw. */
export function sweepCharts(): void {
  for (const [key, c] of live) {
    if (c.used) continue;
    c.plot.destroy();
    live.delete(key);
  }
}

/** Forgets every chart (e.g. when the theme changes, so colours are read again). */
export function resetCharts(): void {
  for (const c of live.values()) c.plot.destroy();
  live.clear();
}

function drawRules(u: uPlot, spec: ChartSpec): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
  for (const r of spec.rules ?? []) {
    ctx.strokeStyle = css(r.colour);
    ctx.fillStyle = css(r.colour);
    ctx.beginPath();
    if (r.axis === 'y') {
      const y = u.valToPos(r.value, 'y', true);
      if (y < top || y > top + height) continue;
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
      ctx.fillText(r.label, left + 4 * devicePixelRatio, y - 3 * devicePixelRatio);
    } else {
      const x = u.valToPos(r.value, 'x', true);
      const y0 = r.from !== undefined ? u.valToPos(r.from, 'y', true) : top;
      const y1 = r.to !== undefined ? u.valToPos(r.to, 'y', true) : top + height;
      ctx.setLineDash([]);
      ctx.lineWidth = 3 * devicePixelRatio;
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
      ctx.stroke();
      ctx.fillText(r.label, x + 5 * devicePixelRatio, (y0 + y1) / 2);
    }
  }
  ctx.restore();
}

/** Seconds a time axis spans at least. */
const MIN_TIME_SPAN_S = 300;

/** The y range: the spec's fixed ends, else the data's, never empty (uPlot cannot draw an empty range). */
function yRange(fixed: ChartSpec['yRange'], min: number | null, max: number | null): uPlot.Range.MinMax {
  let lo = fixed?.[0] ?? min ?? 0;
  let hi = fixed?.[1] ?? max ?? 1;
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi)) hi = lo + 1;
  if (hi - lo <= 0) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    if (fixed?.[0] === undefined || fixed[0] === null) lo = hi - pad;
    else hi = lo + pad;
  } else if (fixed?.[1] === undefined || fixed[1] === null) hi += (hi - lo) * 0.05;
  return [lo, hi];
}

/** A chart's element: created on the first render, updated in place after. */
export function chart(spec: ChartSpec): HTMLElement {
  const shape = JSON.stringify([spec.lines, spec.time, spec.categories ?? null, spec.yRange ?? null, spec.height ?? 0]);
  const existing = live.get(spec.key);
  if (existing && existing.shape === shape) {
    existing.used = true;
    existing.current.spec = spec;
    existing.plot.setData(spec.data as uPlot.AlignedData);
    return existing.root;
  }
  existing?.plot.destroy();
  const root = h('figure', { class: 'chart', data: { chart: spec.key } }, h('figcaption', null, spec.title));
  const holder = h('div', { class: 'chart-canvas' });
  root.appendChild(holder);
  const current = { spec };
  const categories = spec.categories;
  const axisColour = css('--muted');
  const gridColour = css('--grid');
  const opts: uPlot.Options = {
    width: 480,
    height: spec.height ?? 180,
    scales: {
      x: categories
        ? { time: false, range: [-0.5, categories.length - 0.5] }
        : spec.time
          ? // A fresh history has one or two points: show the last minutes, not a span of years.
            { time: true, range: (_u, min, max): uPlot.Range.MinMax => (max - min < MIN_TIME_SPAN_S ? [max - MIN_TIME_SPAN_S, max + 5] : [min, max]) }
          : { time: false },
      y: { range: (_u, min, max): uPlot.Range.MinMax => yRange(spec.yRange, min, max) },
    },
    axes: [
      {
        stroke: axisColour,
        grid: { stroke: gridColour },
        ticks: { stroke: gridColour },
        ...(spec.xLabel ? { label: spec.xLabel } : {}),
        ...(categories ? { splits: () => categories.map((_, i) => i), values: (_u: uPlot, splits: number[]) => splits.map((i) => categories[i] ?? '') } : {}),
      },
      {
        stroke: axisColour,
        grid: { stroke: gridColour },
        ticks: { stroke: gridColour },
        size: 56,
        // Three significant digits: latencies of a millisecond and counts of thousands alike.
        values: (_u: uPlot, splits: number[]) => splits.map(spec.yFormat ?? ((v) => (v === 0 ? '0' : Math.abs(v) >= 1000 ? v.toExponential(1) : String(Number(v.toPrecision(3)))))),
        ...(spec.yLabel ? { label: spec.yLabel } : {}),
      },
    ],
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    series: [
      {},
      ...spec.lines.map((l, i): uPlot.Series => {
        const colour = css(l.colour ?? PALETTE[i % PALETTE.length] ?? '--series-1');
        return {
          label: l.label,
          stroke: colour,
          width: 2,
          ...(l.dash ? { dash: l.dash } : {}),
          ...(l.fill || l.bars ? { fill: withAlpha(colour, 0.2) } : {}),
          ...(l.stepped ? { paths: uPlot.paths.stepped?.({ align: 1 }) } : {}),
          ...(l.bars ? { paths: uPlot.paths.bars?.({ size: [0.35, 60], align: i === 0 ? -1 : 1 }) } : {}),
          spanGaps: false,
        };
      }),
    ],
    hooks: { draw: [(u) => drawRules(u, current.spec)] },
  };
  const plot = new uPlot(opts, spec.data as uPlot.AlignedData, holder);
  // Fill the column: uPlot needs a pixel width, known only once the element is laid out.
  new ResizeObserver(() => {
    const w = Math.max(200, holder.clientWidth);
    if (Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: spec.height ?? 180 });
  }).observe(holder);
  live.set(spec.key, { plot, root, shape, current, used: true });
  return root;
}

/** Aligns series sampled at different times on the union of their times, null where absent. */
export function alignSeries(series: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): Array<Array<number | null>> {
  const xs = [...new Set(series.flatMap((s) => s.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns: Array<Array<number | null>> = [xs];
  for (const s of series) {
    const col: Array<number | null> = new Array<number | null>(xs.length).fill(null);
    for (const [x, y] of s) col[index.get(x) as number] = y;
    columns.push(col);
  }
  return columns;
}
