/**
 * The health tier: every model at a glance (the overview), and one model's
 * RED signals over time.
 *
 * @module
 */
import { get, getOptional, paths, type Alert, type AlertsView, type ModelStatus, type ModelSummary, type QualityReport } from '../api.js';
import { h } from '../dom.js';
import { judgeHealth, type HealthCell } from '../health.js';
import { routeHref } from '../route.js';
import { empty, section } from '../widgets.js';
import { history, historyChart } from './history.js';
import { alertsPanel } from './alerts.js';

interface ModelHealth {
  summary: ModelSummary;
  status: ModelStatus;
  quality: QualityReport | undefined;
  alerts: Alert[];
  rates: Array<[number, number]>;
}

async function loadHealth(summary: ModelSummary, alerts: AlertsView): Promise<ModelHealth> {
  const [status, quality, rates] = await Promise.all([
    get<ModelStatus>(paths.status(summary.name)),
    getOptional<QualityReport>(paths.quality(summary.name)),
    history(summary.name, 'ml.inference.request_rate'),
  ]);
  return {
    summary,
    status,
    quality,
    alerts: alerts.active.filter((a) => a.labels['ml_model_name'] === summary.name),
    rates: rates[0]?.points ?? [],
  };
}

function cellView(c: HealthCell): HTMLElement {
  return h(
    'div',
    { class: `cell col-${c.colour}`, title: c.detail, data: { cell: c.key, colour: c.colour } },
    h('span', { class: 'cell-label' }, c.label),
    h('span', { class: 'cell-value' }, c.value),
  );
}

function modelCard(m: ModelHealth): HTMLElement {
  const judged = judgeHealth({ status: m.status, quality: m.quality, alerts: m.alerts, pastRequestRates: m.rates.map((p) => p[1]) });
  return h(
    'article',
    { class: `model-card col-${judged.colour}`, data: { model: m.summary.name, colour: judged.colour } },
    h(
      'header',
      null,
      h('span', { class: `dot col-${judged.colour}`, title: `overall: ${judged.colour}` }),
      h('a', { href: routeHref({ model: m.summary.name, tier: 'health' }), class: 'model-name' }, m.summary.name),
      m.status.version !== null ? h('span', { class: 'muted' }, `v${m.status.version}`) : null,
      m.summary.baseline === 'learning' ? h('span', { class: 'muted', title: 'waiting for the first full window to learn the baseline' }, 'learning baseline') : null,
    ),
    h('div', { class: 'cells' }, judged.cells.map(cellView)),
  );
}

/** The overview: one card per model, worst first, then every active alert. */
export async function overview(): Promise<Node> {
  const [{ models }, alerts] = await Promise.all([get<{ models: ModelSummary[] }>(paths.models()), get<AlertsView>(paths.alerts())]);
  if (models.length === 0) {
    return section('Models', empty('No model has sent telemetry yet. Point an OTLP exporter at this aggregator (see the README).'));
  }
  const healths = await Promise.all(models.map((s) => loadHealth(s, alerts)));
  const rank = { red: 0, yellow: 1, grey: 2, green: 3 } as const;
  const cards = healths
    .map((m) => ({ m, card: modelCard(m) }))
    .sort((a, b) => rank[(a.card.dataset['colour'] ?? 'grey') as keyof typeof rank] - rank[(b.card.dataset['colour'] ?? 'grey') as keyof typeof rank] || a.m.summary.name.localeCompare(b.m.summary.name));
  return h('div', null, section(`Models (${models.length})`, h('div', { class: 'model-grid' }, cards.map((c) => c.card))), alertsPanel(alerts, undefined));
}

/** One model's health: the cells, then request rate, errors and latency over time. */
export async function healthTier(model: string): Promise<Node> {
  const alerts = await get<AlertsView>(paths.modelAlerts(model));
  const summary = (await get<{ models: ModelSummary[] }>(paths.models())).models.find((m) => m.name === model);
  if (summary === undefined) return empty('This model is gone.');
  const m = await loadHealth(summary, alerts);
  const [errors, latency] = await Promise.all([history(model, 'ml.inference.error_ratio'), history(model, 'ml.inference.latency')]);
  const latSlo = m.status.slos.find((s) => s.kind === 'latency' && s.threshold !== undefined);
  const q = (s: { attributes: Record<string, unknown> }): string => String(s.attributes['ml.quantile'] ?? '');
  return h(
    'div',
    null,
    h('div', { class: 'model-grid single' }, modelCard(m)),
    section(
      'Over time',
      h(
        'div',
        { class: 'charts' },
        historyChart(`${model}/rate`, 'Requests per second', [{ label: 'requests/s', points: m.rates }]),
        historyChart(`${model}/errors`, 'Error ratio', [{ label: 'errors / requests', points: errors[0]?.points ?? [], colour: '--red' }], { yRange: [0, null] }),
        historyChart(
          `${model}/latency`,
          'Latency (s)',
          latency.map((s) => ({ label: `p${Math.round(Number(q(s)) * 100)}`, points: s.points })),
          latSlo?.threshold !== undefined ? { rules: [{ axis: 'y', value: latSlo.threshold, label: `SLO ${latSlo.name}`, colour: '--red' }] } : {},
        ),
      ),
    ),
  );
}
