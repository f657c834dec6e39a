// Seeded prediction / ground-truth scenarios for the quality tests, with the
// expected numbers computed here, independently of the tracker, from the
// same events and the documented rules.
import { rng } from '../helpers.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
/** An hour-aligned start time. */
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);

export type Case = 'normal' | 'early' | 'never' | 'late' | 'relabel' | 'orphan';

export interface Pred {
  id: string;
  t: number;
  label: string;
  value: number;
  confidence: number;
  segment: string | undefined;
  case: Case;
  /** Label arrivals, in order, with their truths. */
  labels: { at: number; label: string; value: number }[];
}

export type Arrival =
  | { at: number; kind: 'prediction'; pred: Pred }
  | { at: number; kind: 'label'; id: string; label: string; value: number };

export interface ScenarioOptions {
  seed: number;
  n: number;
  /** Predictions spread over this span after T0. */
  span: number;
  pendingTtl: number;
  grace: number;
}

const CLASSES = ['cat', 'dog', 'fox'];
const SEGMENTS = ['mobile', 'web', 'api', undefined];

/** Predictions and their label arrivals, each case by construction well away from any bound. */
export function scenario(o: ScenarioOptions): { preds: Pred[]; arrivals: Arrival[] } {
  const r = rng(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const preds: Pred[] = [];
  const arrivals: Arrival[] = [];
  for (let i = 0; i < o.n; i++) {
    const t = T0 + Math.floor(r() * o.span);
    const label = pick(CLASSES);
    const value = 100 * r();
    // Accuracy around 0.7, worse on mobile: per-segment numbers differ.
    const segment = pick(SEGMENTS);
    const pCorrect = segment === 'mobile' ? 0.55 : 0.75;
    const truth = (): { label: string; value: number } => ({
      label: r() < pCorrect ? label : pick(CLASSES.filter((c) => c !== label)),
      value: value + (r() - 0.3) * 10,
    });
    const u = r();
    const kind: Case = u < 0.55 ? 'normal' : u < 0.65 ? 'early' : u < 0.75 ? 'never' : u < 0.8 ? 'late' : u < 0.95 ? 'relabel' : 'orphan';
    const p: Pred = { id: `p${i}`, t, label, value, confidence: 0.3 + 0.7 * r(), segment, case: kind, labels: [] };
    switch (kind) {
      case 'normal':
        p.labels.push({ at: t + MIN + Math.floor(r() * 90 * MIN), ...truth() });
        break;
      case 'early':
        p.labels.push({ at: t - MIN - Math.floor(r() * (o.grace - 2 * MIN)), ...truth() });
        break;
      case 'never':
        break;
      case 'late':
        p.labels.push({ at: t + o.pendingTtl + 5 * MIN + Math.floor(r() * 25 * MIN), ...truth() });
        break;
      case 'relabel': {
        const first = t + MIN + Math.floor(r() * 60 * MIN);
        p.labels.push({ at: first, ...truth() });
        p.labels.push({ at: first + MIN + Math.floor(r() * 60 * MIN), ...truth() });
        break;
      }
      case 'orphan':
        // A label whose prediction never arrives (not sampled).
        p.id = `orphan${i}`;
        p.labels.push({ at: t, ...truth() });
        break;
    }
    preds.push(p);
    if (kind !== 'orphan') arrivals.push({ at: t, kind: 'prediction', pred: p });
    for (const l of p.labels) arrivals.push({ at: l.at, kind: 'label', id: p.id, label: l.label, value: l.value });
  }
  // Stable by time: events at the same millisecond keep their generation order.
  arrivals.sort((a, b) => a.at - b.at);
  return { preds, arrivals };
}

/** A prediction's final outcome when joined: its last label. */
export function finalLabel(p: Pred): { label: string; value: number } | null {
  if (p.case === 'never' || p.case === 'late' || p.case === 'orphan') return null;
  return p.labels[p.labels.length - 1] as { label: string; value: number };
}

/** When the outcome became known last: the last label's arrival, or the prediction's for a label that came first. */
export function knownAt(p: Pred): number {
  const last = p.labels[p.labels.length - 1] as { at: number };
  return Math.max(last.at, p.t);
}
