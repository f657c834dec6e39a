/**
 * Charts of a signal's history (`GET /api/v1/models/{m}/history`).
 *
 * @module
 */
import { get, getOptional, paths, type HistoryIndex, type HistorySeries, type SignalHistory } from '../api.js';
import { alignSeries, chart, type Line, type Rule } from '../charts.js';
import { empty } from '../widgets.js';

/** One signal's series, filtered (undefined when there is no history yet). */
export async function history(model: string, signal: string, keep: (s: HistorySeries) => boolean = () => true): Promise<HistorySeries[]> {
  // Only signals in the index are asked for: a 404 would be a console error in the browser.
  const index = await getOptional<HistoryIndex>(paths.historyIndex(model));
  if (!index?.signals.some((s) => s.name === signal)) return [];
  const h = await get<SignalHistory>(paths.history(model, signal));
  return (h?.series ?? []).filter(keep);
}

/** A time chart of some series, one line each, or a note when there is nothing yet. */
export function historyChart(
  key: string,
  title: string,
  series: ReadonlyArray<{ label: string; points: HistorySeries['points']; colour?: string; dash?: number[] }>,
  opts: { rules?: Rule[]; yRange?: [number | null, number | null]; height?: number; yFormat?: (v: number) => string } = {},
): HTMLElement {
  const nonEmpty = series.filter((s) => s.points.length > 0);
  if (nonEmpty.length === 0) return empty(`${title}: no history yet (it fills at each history interval).`);
  const lines: Line[] = nonEmpty.map((s) => ({ label: s.label, ...(s.colour ? { colour: s.colour } : {}), ...(s.dash ? { dash: s.dash } : {}) }));
  return chart({ key, title, time: true, lines, data: alignSeries(nonEmpty.map((s) => s.points)), ...opts });
}
