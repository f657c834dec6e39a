/**
 * The built-in dashboard: the page's frame (model picker, tiers, refresh,
 * theme) and the render loop. Each render fetches what its view needs and
 * swaps the view in one step; charts are updated in place (see charts.ts),
 * so auto-refresh does not flicker.
 *
 * @module
 */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiFailure, get, newRender, paths, setToken, type ModelSummary } from './api.js';
import { beginCharts, resetCharts, sweepCharts } from './charts.js';
import { h } from './dom.js';
import { parseRoute, routeHref, TIER_TITLES, TIERS, type Route, type Tier } from './route.js';
import { alertsTier } from './tiers/alerts.js';
import { driftTier } from './tiers/drift.js';
import { healthTier, overview } from './tiers/health.js';
import { qualityTier } from './tiers/quality.js';
import { resourcesTier } from './tiers/resources.js';
import { slosTier } from './tiers/slos.js';

/** Seconds between refreshes; `?refresh=N` in the page's URL changes it (0: never). */
const REFRESH_S = (() => {
  const v = Number(new URLSearchParams(location.search).get('refresh') ?? '5');
  return Number.isFinite(v) && v >= 0 ? v : 5;
})();

const picker = h('select', { id: 'model-picker', attrs: { 'aria-label': 'Model' } });
const nav = h('nav', { class: 'tiers', attrs: { 'aria-label': 'Tiers' } });
const updated = h('span', { class: 'updated muted', attrs: { 'aria-live': 'polite' } });
const banner = h('div', { class: 'banner', role: 'alert' });
const view = h('main', { id: 'view' });
let models: ModelSummary[] = [];
let rendering: Promise<void> | null = null;
let again = false;

const THEME_KEY = 'modelwatch.theme';
function applyTheme(theme: string | null): void {
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset['theme'] = theme;
  else delete document.documentElement.dataset['theme'];
}
applyTheme(localStorage.getItem(THEME_KEY));
const themeButton = h(
  'button',
  {
    class: 'theme',
    title: 'Switch between light and dark (default: the system setting)',
    onclick: () => {
      const dark = document.documentElement.dataset['theme'] === 'dark' || (document.documentElement.dataset['theme'] === undefined && matchMedia('(prefers-color-scheme: dark)').matches);
      const next = dark ? 'light' : 'dark';
      localStorage.setItem(THEME_KEY, next);
      applyTheme(next);
      resetCharts();
      void refresh();
    },
  },
  '◐',
);

picker.addEventListener('change', () => {
  const r = parseRoute(location.hash);
  location.hash = picker.value === '' ? '#/' : routeHref({ model: picker.value, tier: r.model !== undefined ? r.tier : 'health' });
});

document.body.replaceChildren(
  h(
    'header',
    { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, 'modelwatch'),
    picker,
    nav,
    h('span', { class: 'spacer' }),
    updated,
    themeButton,
  ),
  banner,
  view,
);

function drawFrame(route: Route): void {
  const options = [h('option', { attrs: { value: '' } }, 'All models'), ...models.map((m) => h('option', { attrs: { value: m.name } }, m.name))];
  picker.replaceChildren(...options);
  picker.value = route.model ?? '';
  nav.replaceChildren(
    ...(route.model === undefined
      ? []
      : TIERS.map((t) => h('a', { href: routeHref({ model: route.model as string, tier: t }), class: t === route.tier ? 'active' : '', data: { tier: t } }, TIER_TITLES[t]))),
  );
}

function tokenForm(message: string): HTMLElement {
  const input = h('input', { attrs: { type: 'password', autocomplete: 'current-password', 'aria-label': 'API token' } });
  return h(
    'form',
    {
      class: 'token',
      onsubmit: (ev) => {
        ev.preventDefault();
        setToken(input.value);
        void refresh();
      },
    },
    h('p', null, message),
    input,
    h('button', { attrs: { type: 'submit' } }, 'Open'),
  );
}

/** Each tier's view of one model. */
const TIER_VIEWS: Record<Tier, (model: string, feature: string | undefined) => Promise<Node>> = {
  health: healthTier,
  quality: qualityTier,
  drift: (m, feature) => driftTier(m, feature, () => void refresh()),
  alerts: alertsTier,
  slos: slosTier,
  resources: resourcesTier,
};

async function renderOnce(): Promise<void> {
  const route = parseRoute(location.hash);
  newRender();
  try {
    models = (await get<{ models: ModelSummary[] }>(paths.models())).models;
    drawFrame(route);
    beginCharts();
    let content: Node;
    if (route.model === undefined) content = await overview();
    else if (!models.some((m) => m.name === route.model)) content = h('p', { class: 'empty' }, `No model named ${JSON.stringify(route.model)} here.`);
    else content = await TIER_VIEWS[route.tier](route.model, route.feature);
    // The route may have changed while fetching: the newer render wins.
    if (routeHref(parseRoute(location.hash)) !== routeHref(route)) return;
    view.replaceChildren(content);
    sweepCharts();
    banner.replaceChildren();
    updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) {
      view.replaceChildren(tokenForm('This aggregator requires a token. It is kept in this tab only.'));
      return;
    }
    // Keep the last good view and say what failed.
    banner.replaceChildren(h('p', null, `Could not refresh: ${err instanceof Error ? err.message : String(err)}`));
  }
}

/** Renders now, or once more after the render under way. */
async function refresh(): Promise<void> {
  if (rendering !== null) {
    again = true;
    return rendering;
  }
  rendering = (async () => {
    do {
      again = false;
      await renderOnce();
    } while (again);
  })().finally(() => (rendering = null));
  return rendering;
}

window.addEventListener('hashchange', () => {
  window.scrollTo(0, 0);
  void refresh();
});
void refresh();
if (REFRESH_S > 0) {
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_S * 1000);
}
