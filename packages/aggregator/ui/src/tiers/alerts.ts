/**
 * The alerts tier: firing, pending and recently resolved alerts, each with its
 * summary, description and runbook as the catalogue wrote them.
 *
 * @module
 */
import { get, paths, type Alert, type AlertsView } from '../api.js';
import { h } from '../dom.js';
import { ago } from '../format.js';
import { routeHref } from '../route.js';
import { badge, empty, section } from '../widgets.js';

function alertCard(a: Alert, withModel: boolean): HTMLElement {
  const sev = a.labels['severity'] ?? 'none';
  const model = a.labels['ml_model_name'];
  const runbook = (a.annotations['runbook'] ?? '')
    .split('\n')
    .map((l) => l.replace(/^\s*\d+[.)]\s*/, '').trim())
    .filter((l) => l !== '');
  const when =
    a.status === 'resolved' && a.resolvedAt !== undefined
      ? `resolved ${ago(a.resolvedAt)}`
      : a.status === 'firing' && a.firedAt !== undefined
        ? `firing since ${ago(a.firedAt)}`
        : `pending since ${ago(a.activeAt)}`;
  const identity = Object.entries(a.labels).filter(([k]) => k !== 'alertname' && k !== 'severity' && (withModel || k !== 'ml_model_name'));
  return h(
    'article',
    { class: `alert alert-${a.status} sev-${sev}`, data: { alert: a.labels['alertname'] ?? '', status: a.status } },
    h(
      'header',
      null,
      badge(`sev-${sev}`, sev),
      badge(`state-${a.status}`, a.status),
      h('strong', { class: 'alert-name' }, a.labels['alertname'] ?? '?'),
      withModel && model !== undefined ? h('a', { href: routeHref({ model, tier: 'alerts' }), class: 'alert-model' }, model) : null,
      h('span', { class: 'muted' }, when),
    ),
    h('p', { class: 'alert-summary' }, a.annotations['summary'] ?? ''),
    identity.length > 0 ? h('p', { class: 'labels' }, identity.map(([k, v]) => h('code', null, `${k}=${v}`))) : null,
    a.annotations['description'] ? h('p', { class: 'alert-description' }, a.annotations['description']) : null,
    runbook.length > 0
      ? h('div', { class: 'runbook' }, h('h3', null, 'Runbook'), h('ol', null, runbook.map((l) => h('li', null, l))))
      : null,
    a.annotations['runbook_url'] ? h('a', { href: a.annotations['runbook_url'], class: 'runbook-url', attrs: { rel: 'noopener noreferrer', target: '_blank' } }, 'Full runbook') : null,
  );
}

/** The alerts of one model, or of all when `model` is undefined. */
export function alertsPanel(view: AlertsView, model: string | undefined): HTMLElement {
  const firing = view.active.filter((a) => a.status === 'firing');
  const pending = view.active.filter((a) => a.status !== 'firing');
  const all = model === undefined;
  return h(
    'div',
    { class: 'alerts' },
    section(`Firing (${firing.length})`, firing.length ? firing.map((a) => alertCard(a, all)) : empty('Nothing is firing.')),
    section(`Pending (${pending.length})`, pending.length ? pending.map((a) => alertCard(a, all)) : empty('Nothing is pending.')),
    section(`Recently resolved (${view.resolved.length})`, view.resolved.length ? view.resolved.slice(0, 20).map((a) => alertCard(a, all)) : empty('Nothing resolved recently.')),
  );
}

/** The alerts tier of one model. */
export async function alertsTier(model: string): Promise<Node> {
  return alertsPanel(await get<AlertsView>(paths.modelAlerts(model)), model);
}

/** Every model's alerts (the overview). */
export async function allAlerts(): Promise<AlertsView> {
  return get<AlertsView>(paths.alerts());
}
