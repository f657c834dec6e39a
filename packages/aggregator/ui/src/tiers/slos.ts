/**
 * The SLO tier: compliance against objective, error budget left, and burn
 * rates per window against the multi-window page and ticket thresholds.
 *
 * @module
 */
import { get, paths, type ModelStatus } from '../api.js';
import { h } from '../dom.js';
import { num, pct } from '../format.js';
import { badge, empty, section, table } from '../widgets.js';
import { history, historyChart } from './history.js';

/** The burn-rate thresholds of the shipped SLO alerts, per long window (DESIGN.md). */
const BURN_THRESHOLD: Record<string, number> = { '5m': 14.4, '1h': 14.4, '30m': 6, '6h': 6, '2h': 3, '1d': 3, '3d': 1 };

/** The SLO tier of one model. */
export async function slosTier(model: string): Promise<Node> {
  const [status, burn, budget] = await Promise.all([get<ModelStatus>(paths.status(model)), history(model, 'ml.slo.burn_rate'), history(model, 'ml.slo.error_budget.remaining')]);
  if (status.slos.length === 0) return section('SLOs', empty('This model has no SLO in the configuration (models[].slos).'));
  return h(
    'div',
    null,
    status.slos.map((s) =>
      section(
        `SLO ${s.name}`,
        h(
          'div',
          { class: 'stats', data: { slo: s.name } },
          badge(s.state === 'breached' ? 'col-red' : s.state === 'met' ? 'col-green' : 'col-grey', s.state.replace('_', ' ')),
          h('span', null, `${s.kind}${s.threshold !== undefined ? ` ≤ ${s.threshold}` : ''}, objective ${pct(s.objective, 2)} over ${Math.round(s.periodSeconds / 86_400)} d`),
          h('span', null, `compliance ${pct(s.compliance, 2)} (${s.good} good of ${s.total})`),
          h('span', null, `error budget left ${pct(s.errorBudgetRemaining)}`),
        ),
        h('meter', { class: 'budget', attrs: { min: '0', max: '1', low: '0.25', optimum: '1', value: String(Math.max(0, s.errorBudgetRemaining ?? 0)) }, title: 'error budget left' }),
        table(
          ['Window', 'Burn rate', 'Alert threshold'],
          s.burnRates.map((b) => {
            const t = BURN_THRESHOLD[b.window];
            const over = t !== undefined && b.value !== null && b.value >= t;
            return [b.window, h('span', { class: over ? 'col-red' : '' }, num(b.value, 2)), t === undefined ? '—' : `${t}×`];
          }),
        ),
        h(
          'div',
          { class: 'charts' },
          historyChart(`slo/${s.name}/burn`, 'Burn rate per window', burn.filter((x) => x.attributes['ml.slo.name'] === s.name).map((x) => ({ label: String(x.attributes['ml.slo.window'] ?? ''), points: x.points })), {
            rules: [
              { axis: 'y', value: 14.4, label: 'page 14.4×', colour: '--red' },
              { axis: 'y', value: 1, label: '1×', colour: '--muted' },
            ],
          }),
          historyChart(`slo/${s.name}/budget`, 'Error budget left', budget.filter((x) => x.attributes['ml.slo.name'] === s.name).map((x) => ({ label: 'budget left', points: x.points })), { yRange: [null, 1] }),
        ),
        s.note !== undefined ? h('p', { class: 'muted' }, s.note) : null,
      ),
    ),
  );
}
