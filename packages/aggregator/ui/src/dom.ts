/**
 * Building DOM nodes without HTML strings. Every string from telemetry (model,
 * feature, label, segment and category names, annotations) becomes a text node
 * or an attribute value through the DOM API, never markup: a feature named
 * `<img src=x onerror=alert(1)>` shows as those characters. Nothing here
 * assigns `innerHTML`, and links are limited to in-page routes and http(s).
 *
 * @module
 */

/** What may be a child: nodes, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Attributes and event handlers of {@link h}. */
export interface Props {
  class?: string | undefined;
  title?: string | undefined;
  href?: string | undefined;
  id?: string | undefined;
  role?: string | undefined;
  /** `data-*` attributes (tests select on them). */
  data?: Record<string, string> | undefined;
  attrs?: Record<string, string> | undefined;
  onclick?: ((ev: MouseEvent) => void) | undefined;
  onchange?: ((ev: Event) => void) | undefined;
  onsubmit?: ((ev: SubmitEvent) => void) | undefined;
}

function append(el: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(el, c);
    return;
  }
  el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

/** Whether `href` is safe to put in a link: an in-page route, or http(s). */
export function safeHref(href: string): boolean {
  if (href.startsWith('#')) return true;
  try {
    const u = new URL(href);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Creates an element with text-only children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class !== undefined) el.className = props.class;
    if (props.title !== undefined) el.title = props.title;
    if (props.id !== undefined) el.id = props.id;
    if (props.role !== undefined) el.setAttribute('role', props.role);
    if (props.href !== undefined && safeHref(props.href)) el.setAttribute('href', props.href);
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
    for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
    if (props.onclick) el.addEventListener('click', props.onclick as EventListener);
    if (props.onchange) el.addEventListener('change', props.onchange);
    if (props.onsubmit) el.addEventListener('submit', props.onsubmit as EventListener);
  }
  for (const c of children) append(el, c);
  return el;
}
