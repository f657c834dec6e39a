/**
 * Small building blocks shared by the tiers: sections, badges, tables, stats.
 *
 * @module
 */
import { h, type Child } from './dom.js';
import type { Colour } from './health.js';

/** A severity or state word coloured by class (`sev-critical`, `col-red`...). */
export function badge(kind: string, text: string, title?: string): HTMLElement {
  return h('span', { class: `badge ${kind}`, ...(title !== undefined ? { title } : {}) }, text);
}

/** The colour class of a drift severity. */
export function severityColour(s: string): Colour {
  return s === 'critical' || s === 'error' ? 'red' : s === 'warning' ? 'yellow' : s === 'none' || s === 'info' ? 'green' : 'grey';
}

/** A titled section of a tier. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', null, title), ...children);
}

/** A big number with its caption. */
export function stat(label: string, value: string, opts: { colour?: Colour; detail?: string; key?: string } = {}): HTMLElement {
  return h(
    'div',
    { class: `stat ${opts.colour ? `col-${opts.colour}` : ''}`, ...(opts.detail !== undefined ? { title: opts.detail } : {}), ...(opts.key ? { data: { stat: opts.key } } : {}) },
    h('div', { class: 'stat-value' }, value),
    h('div', { class: 'stat-label' }, label),
    opts.detail !== undefined ? h('div', { class: 'stat-detail' }, opts.detail) : null,
  );
}

/** A plain table. */
export function table(headers: readonly Child[], rows: ReadonlyArray<readonly Child[]>, props: { class?: string } = {}): HTMLElement {
  return h(
    'table',
    { class: props.class ?? '' },
    h('thead', null, h('tr', null, headers.map((x) => h('th', null, x)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))),
  );
}

/** Text explaining that something has no data yet, and why. */
export function empty(text: string): HTMLElement {
  return h('p', { class: 'empty' }, text);
}
