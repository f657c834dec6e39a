/**
 * Deep links: the page's state lives in the URL fragment, so every model,
 * tier and feature has a link to share.
 *
 *   #/                                   every model's health, and all alerts
 *   #/models/{model}/{tier}              one tier of one model
 *   #/models/{model}/drift/{feature}     one feature's distributions and drift over time
 *
 * Names are percent-encoded in the fragment.
 *
 * @module
 */

/** The tiers of a model's page, in order. */
export const TIERS = ['health', 'quality', 'drift', 'alerts', 'slos', 'resources'] as const;
export type Tier = (typeof TIERS)[number];

/** Titles of the tiers. */
export const TIER_TITLES: Record<Tier, string> = {
  health: 'Health',
  quality: 'Quality',
  drift: 'Drift',
  alerts: 'Alerts',
  slos: 'SLOs',
  resources: 'Resources',
};

/** Where the page is. */
export interface Route {
  model?: string;
  tier: Tier;
  feature?: string;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Reads a fragment such as `#/models/m/drift/f`; anything else is the overview. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  if (parts[0] !== 'models' || parts[1] === undefined) return { tier: 'health' };
  const model = decode(parts[1]);
  if (model === undefined) return { tier: 'health' };
  const tier = (TIERS as readonly string[]).includes(parts[2] ?? '') ? (parts[2] as Tier) : 'health';
  const feature = tier === 'drift' && parts[3] !== undefined ? decode(parts[3]) : undefined;
  return { model, tier, ...(feature !== undefined ? { feature } : {}) };
}

/** The fragment of a route. */
export function routeHref(r: Route): string {
  if (r.model === undefined) return '#/';
  const base = `#/models/${encodeURIComponent(r.model)}/${r.tier}`;
  return r.feature !== undefined ? `${base}/${encodeURIComponent(r.feature)}` : base;
}
