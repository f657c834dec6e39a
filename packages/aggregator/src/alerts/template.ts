/**
 * Renders alert annotations: the subset of Prometheus' Go templates the
 * catalogue uses (`{{ $labels.NAME }}`, `{{ $value }}`, `{{ $context.NAME }}`,
 * each optionally piped to `humanize` or `humanizePercentage`), so one text
 * reads the same from the embedded evaluator and from Prometheus. Written by
 * hand: a full Go-template engine is far more than these five forms need.
 *
 * @module
 */

/** Formats like Go's `%.4g`, without an exponent for ordinary magnitudes. */
function g4(x: number): string {
  return String(Number(x.toPrecision(4)));
}

const UP = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const DOWN = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Prometheus' `humanize`: four significant digits with an SI prefix (1234 -> 1.234k, 0.0012 -> 1.2m). */
export function humanize(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  let x = v;
  let i = 0;
  if (Math.abs(x) >= 1) {
    while (Math.abs(x) >= 1000 && i < UP.length - 1) {
      x /= 1000;
      i++;
    }
    return `${g4(x)}${UP[i] ?? ''}`;
  }
  while (Math.abs(x) < 1 && i < DOWN.length - 1) {
    x *= 1000;
    i++;
  }
  return `${g4(x)}${DOWN[i] ?? ''}`;
}

/** Prometheus' `humanizePercentage`: 0.1234 -> 12.34%. */
export function humanizePercentage(v: number): string {
  return Number.isFinite(v) ? `${g4(v * 100)}%` : String(v);
}

/** What a template can refer to. */
export interface TemplateData {
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Values of the rule's context series (or label values); absent ones render as `n/a`. */
  context?: Readonly<Record<string, number | string | undefined>>;
}

const EXPR = /\{\{\s*\$(labels|value|context)(?:\.([A-Za-z_][A-Za-z0-9_]*))?\s*(?:\|\s*(humanize|humanizePercentage)\s*)?\}\}/g;

/** Renders one annotation; unknown labels render empty, as in Prometheus. */
export function renderTemplate(text: string, data: TemplateData): string {
  return text.replace(EXPR, (_m, what: string, name: string | undefined, pipe: string | undefined) => {
    if (what === 'labels') return name === undefined ? '' : (data.labels[name] ?? '');
    const v = what === 'value' ? data.value : name === undefined ? undefined : data.context?.[name];
    if (v === undefined) return 'n/a';
    if (typeof v === 'string') return v;
    if (pipe === 'humanize') return humanize(v);
    if (pipe === 'humanizePercentage') return humanizePercentage(v);
    return g4(v);
  });
}
