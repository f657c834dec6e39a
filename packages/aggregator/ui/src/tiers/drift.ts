/**
 * The drift tier: every feature's verdict, sortable; a feature's reference
 * and current distributions overlaid with the statistic drawn where it
 * occurs; and its drift over time, per nested window.
 *
 * @module
 */
import { get, paths, type DriftReport, type FeatureDistributions } from '../api.js';
import { chart, type Rule } from '../charts.js';
import { h } from '../dom.js';
import { num, pct, pValue, severityText } from '../format.js';
import { routeHref } from '../route.js';
import { badge, empty, section, severityColour, table } from '../widgets.js';
import { history, historyChart } from './history.js';

type Feature = DriftReport['features'][number];

const SEVERITY_RANK: Record<string, number> = { error: 5, critical: 4, warning: 3, info: 2, none: 1, insufficient_data: 0 };

interface Column {
  key: string;
  title: string;
  value: (f: Feature) => number | string;
  show: (f: Feature, model: string) => Node | string;
}

const effect = (f: Feature): number => f.ks?.statistic ?? f.psi ?? f.jensenShannon ?? -1;

const COLUMNS: Column[] = [
  {
    key: 'name',
    title: 'Feature',
    value: (f) => f.name,
    show: (f, model) => h('a', { href: routeHref({ model, tier: 'drift', feature: f.name }), class: 'feature-link' }, f.name),
  },
  { key: 'severity', title: 'Severity', value: (f) => SEVERITY_RANK[f.severity] ?? 0, show: (f) => badge(`col-${severityColour(f.severity)}`, severityText(f.severity), f.reason ?? f.note) },
  { key: 'type', title: 'Type', value: (f) => f.type, show: (f) => f.type },
  {
    key: 'ks',
    title: 'KS D (bound)',
    value: (f) => f.ks?.statistic ?? -1,
    show: (f) => (f.ks ? `${num(f.ks.statistic)} (≤ ${num(f.ks.bound)})` : '—'),
  },
  { key: 'psi', title: 'PSI', value: (f) => f.psi ?? -1, show: (f) => num(f.psi) },
  { key: 'p', title: 'p-value', value: (f) => f.ks?.pValue ?? f.chiSquare?.pValue ?? f.psiPValue ?? 2, show: (f) => pValue(f.ks?.pValue ?? f.chiSquare?.pValue ?? f.psiPValue) },
  { key: 'window', title: 'Deciding window', value: (f) => f.decidingWindow ?? '', show: (f) => f.decidingWindow ?? '—' },
  { key: 'samples', title: 'Samples (ref / cur)', value: (f) => f.currentCount, show: (f) => `${f.referenceCount} / ${f.currentCount}` },
  { key: 'missing', title: 'Missing', value: (f) => f.missingRate ?? -1, show: (f) => pct(f.missingRate) },
];

/** The table's sort, kept across refreshes. */
const sort = { key: 'severity', descending: true };

function featureTable(report: DriftReport, model: string, rerender: () => void): HTMLElement {
  const col = COLUMNS.find((c) => c.key === sort.key) ?? (COLUMNS[1] as Column);
  const rows = [...report.features].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return (sort.descending ? -c : c) || effect(b) - effect(a) || a.name.localeCompare(b.name);
  });
  const headers = COLUMNS.map((c) =>
    h(
      'button',
      {
        class: `sort ${c.key === sort.key ? (sort.descending ? 'desc' : 'asc') : ''}`,
        data: { sort: c.key },
        onclick: () => {
          sort.descending = c.key === sort.key ? !sort.descending : c.key !== 'name';
          sort.key = c.key;
          rerender();
        },
      },
      c.title,
    ),
  );
  const t = table(headers, rows.map((f) => COLUMNS.map((c) => c.show(f, model))), { class: 'drift-table' });
  // Rows carry the feature and its colour, for styling and for tests.
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    const f = rows[i] as Feature;
    (tr as HTMLElement).dataset['feature'] = f.name;
    (tr as HTMLElement).dataset['colour'] = severityColour(f.severity);
    tr.classList.add(`row-${severityColour(f.severity)}`);
  });
  return t;
}

function predictionRows(report: DriftReport): HTMLElement | null {
  const p = report.prediction;
  const rows: Array<Array<Node | string>> = [];
  if (p.labels) rows.push(['Predicted labels', badge(`col-${severityColour(p.labels.severity)}`, severityText(p.labels.severity)), num(p.labels.psi), pValue(p.labels.chiSquare?.pValue ?? p.labels.psiPValue), p.labels.decidingWindow ?? '—', `${p.labels.referenceCount} / ${p.labels.currentCount}`]);
  if (p.confidence)
    rows.push(['Confidence', badge(`col-${severityColour(p.confidence.severity)}`, severityText(p.confidence.severity)), num(p.confidence.psi), pValue(p.confidence.psiPValue), p.confidence.decidingWindow ?? '—', `${p.confidence.referenceCount} / ${p.confidence.currentCount}`]);
  if (p.value) rows.push(['Predicted value', badge(`col-${severityColour(p.value.severity)}`, severityText(p.value.severity)), num(p.value.psi), pValue(p.value.ks?.pValue ?? p.value.psiPValue), p.value.decidingWindow ?? '—', `${p.value.referenceCount} / ${p.value.currentCount}`]);
  return rows.length ? table(['Prediction', 'Severity', 'PSI', 'p-value', 'Deciding window', 'Samples (ref / cur)'], rows) : null;
}

/** Proportions of counts (all zero stays zero). */
function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/** The overlaid distributions of one feature, with where the statistic occurs. */
function distributionCharts(d: FeatureDistributions, f: Feature | undefined): HTMLElement[] {
  const ref = shares(d.reference);
  const cur = shares(d.current);
  if (d.type === 'categorical') {
    // PSI's contribution per category: where the shift is.
    const floor = 1e-4;
    const contrib = ref.map((e, i) => {
      const a = Math.max(cur[i] ?? 0, floor);
      const b = Math.max(e, floor);
      return (a - b) * Math.log(a / b);
    });
    return [
      chart({ key: `${d.model}/${d.feature}/dist`, title: 'Share per category: reference vs current', time: false, categories: d.categories, lines: [{ label: 'reference', bars: true, colour: '--series-2' }, { label: 'current', bars: true, colour: '--series-1' }], data: [d.categories.map((_, i) => i), ref, cur], yRange: [0, null] }),
      chart({ key: `${d.model}/${d.feature}/contrib`, title: 'PSI contribution per category (where the shift is)', time: false, categories: d.categories, lines: [{ label: 'PSI term', bars: true, colour: '--red' }], data: [d.categories.map((_, i) => i), contrib] }),
    ];
  }
  // Numeric: bins (lower, upper]; open-ended outer bins are drawn one bin wide.
  const bins = d.bins.map((b, i) => {
    const lower = b.lower ?? (b.upper !== null ? b.upper - Math.abs((d.bins[i + 1]?.upper ?? b.upper + 1) - b.upper) : 0);
    const upper = b.upper ?? lower + Math.abs(lower - (d.bins[i - 1]?.lower ?? lower - 1));
    return { lower, upper, width: Math.max(upper - lower, Number.EPSILON) };
  });
  const xs = bins.map((b) => b.lower);
  const density = (p: number[]): number[] => p.map((v, i) => v / (bins[i]?.width ?? 1));
  const cdf = (p: number[]): number[] => {
    let s = 0;
    return p.map((v) => (s += v));
  };
  const cr = cdf(ref);
  const cc = cdf(cur);
  let at = 0;
  for (let i = 1; i < cr.length; i++) if (Math.abs((cr[i] ?? 0) - (cc[i] ?? 0)) > Math.abs((cr[at] ?? 0) - (cc[at] ?? 0))) at = i;
  const edges = bins.map((b) => b.upper);
  const rules: Rule[] =
    // No gap to draw while either side is empty.
    d.reference.some((v) => v > 0) && d.current.some((v) => v > 0)
      ? [{ axis: 'x', value: edges[at] ?? 0, from: cr[at] ?? 0, to: cc[at] ?? 0, label: `D = ${num(Math.abs((cr[at] ?? 0) - (cc[at] ?? 0)))}${f?.ks ? ` (reported ${num(f.ks.statistic)})` : ''}`, colour: '--red' }]
      : [];
  return [
    chart({ key: `${d.model}/${d.feature}/dist`, title: 'Density: reference vs current', time: false, lines: [{ label: 'reference', stepped: true, fill: true, colour: '--series-2' }, { label: 'current', stepped: true, fill: true, colour: '--series-1' }], data: [xs, density(ref), density(cur)], yRange: [0, null] }),
    chart({ key: `${d.model}/${d.feature}/cdf`, title: 'Cumulative: KS D is the widest gap, drawn where it occurs', time: false, lines: [{ label: 'reference', colour: '--series-2' }, { label: 'current', colour: '--series-1' }], data: [edges, cr, cc], yRange: [0, 1], rules }),
  ];
}

async function featureDetail(model: string, feature: string, report: DriftReport): Promise<Node> {
  const f = report.features.find((x) => x.name === feature);
  const [dist, ks, psi, js] = await Promise.all([
    get<FeatureDistributions>(paths.feature(model, feature)),
    history(model, 'ml.drift.ks.statistic', (s) => s.attributes['ml.feature.name'] === feature),
    history(model, 'ml.drift.psi', (s) => s.attributes['ml.feature.name'] === feature),
    history(model, 'ml.drift.jensen_shannon', (s) => s.attributes['ml.feature.name'] === feature),
  ]);
  const windowOf = (s: { attributes: Record<string, unknown> }): string => String(s.attributes['ml.drift.window'] ?? 'verdict');
  const overTime = f?.type === 'categorical' || dist.type === 'categorical' ? (psi.length > 0 ? { name: 'PSI', s: psi, rules: [0.1, 0.2, 0.25] } : { name: 'Jensen-Shannon', s: js, rules: [] }) : { name: 'KS D', s: ks, rules: [0.1, 0.15, 0.25] };
  const ruleNames = ['info', 'warning', 'critical'];
  return h(
    'div',
    { class: 'feature-detail', data: { feature } },
    h('p', null, h('a', { href: routeHref({ model, tier: 'drift' }) }, '← all features')),
    section(
      `Feature ${feature}`,
      f
        ? h(
            'div',
            { class: 'stats' },
            badge(`col-${severityColour(f.severity)}`, severityText(f.severity), f.reason ?? f.note),
            h('span', null, f.ks ? `KS D ${num(f.ks.statistic)} ≤ ${num(f.ks.bound)}, p ${pValue(f.ks.pValue)}` : ''),
            h('span', null, f.psi !== undefined ? `PSI ${num(f.psi)}` : ''),
            h('span', null, `samples ${f.referenceCount} reference / ${f.currentCount} current`),
            h('span', null, `decided by ${f.decidingWindow ?? 'no window'}`),
          )
        : null,
      f?.windows?.length
        ? table(
            ['Window', 'Severity', 'Statistic', 'p-value', 'Samples (cur)', 'Needs'],
            f.windows.map((w) => [
              w.window === f.decidingWindow ? h('strong', null, `${w.window} (decides)`) : w.window,
              badge(`col-${severityColour(w.severity)}`, severityText(w.severity)),
              w.ks ? `D ${num(w.ks.statistic)} ≤ ${num(w.ks.bound)}` : w.psi !== undefined ? `PSI ${num(w.psi)}` : w.jensenShannon !== undefined ? `JS ${num(w.jensenShannon)}` : '—',
              pValue(w.ks?.pValue ?? w.chiSquare?.pValue ?? w.psiPValue),
              String(w.currentCount),
              w.neededCount === null ? '—' : String(w.neededCount),
            ]),
          )
        : null,
      h('div', { class: 'charts' }, distributionCharts(dist, f)),
    ),
    section(
      `${overTime.name} over time, per window`,
      historyChart(
        `${model}/${feature}/overtime`,
        `${overTime.name} of ${feature}`,
        overTime.s.map((s) => ({ label: windowOf(s), points: s.points })),
        { rules: overTime.rules.map((v, i) => ({ axis: 'y' as const, value: v, label: ruleNames[i] ?? '', colour: i === 2 ? '--red' : i === 1 ? '--yellow' : '--muted' })) },
      ),
    ),
  );
}

/** The drift tier of one model (the table, or one feature when `feature` is set). */
export async function driftTier(model: string, feature: string | undefined, rerender: () => void): Promise<Node> {
  const report = await get<DriftReport>(paths.drift(model));
  if (feature !== undefined) return featureDetail(model, feature, report);
  const base = report.baseline;
  return h(
    'div',
    null,
    section(
      'Features',
      h(
        'p',
        { class: 'muted' },
        `Window ${report.window.seconds} s in slots of ${report.window.slotSeconds} s; baseline ${base.state}${base.source ? ` (${base.source})` : ''}${base.learnsAt ? `, learnt at ${base.learnsAt}` : ''}. Click a feature for its distributions; click a heading to sort.`,
      ),
      report.features.length > 0 ? featureTable(report, model, rerender) : empty('No feature data yet.'),
    ),
    section('Predictions', predictionRows(report) ?? empty('No prediction data yet.')),
  );
}
