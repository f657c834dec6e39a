/**
 * Sends bounded, seeded synthetic traffic to the example service, following a
 * scenario: a timeline of phases, each changing what the traffic looks like
 * from its start offset on (see `--list-scenarios`, or {@link SCENARIOS}).
 *
 * - inputs drift (suddenly or gradually: longer texts, Portuguese dominant),
 *   or a language the baseline never saw appears;
 * - the service is asked to be slow or to fail on a share of requests (the
 *   `x-simulate-delay-ms` and `x-simulate-error` headers it honours);
 * - ground truth arrives late, through POST /feedback some seconds after the
 *   prediction, and may start disagreeing with the model.
 *
 * Stops by itself after --duration seconds (at most 24 h) or on SIGINT/SIGTERM.
 * Phase changes are printed on stdout as JSON lines (`{"event":"phase",...}`)
 * for a harness to follow; progress goes to stderr.
 *
 *   node --import tsx src/traffic.ts --url http://127.0.0.1:PORT [--scenario tour] [--rate 20]
 *     [--start 45] [--duration 86400] [--seed 42]
 *   node --import tsx src/traffic.ts --list-scenarios
 *
 * `--drift-after S` (the generator's first option) still works: it runs
 * `sudden-drift` starting at S unless --scenario says otherwise.
 */
import { parseArgs } from 'node:util';

/** What the traffic looks like during one phase. Every field is optional: absent means "as in the baseline". */
interface Conditions {
  /** How far the inputs have moved from the baseline's, 0 (not at all) to 1 (fully drifted). */
  shift?: number;
  /** Seconds over which `shift` ramps linearly from the previous phase's value (gradual drift). */
  rampSeconds?: number;
  /** Share of requests in a language the baseline never saw. */
  newLanguage?: number;
  /** Share of requests the service is asked to delay, and the delay range (ms). */
  slow?: { share: number; minMs: number; maxMs: number };
  /** Share of requests the service is asked to fail. */
  errors?: number;
  /** Probability that a (late) ground-truth label agrees with the model. */
  agreement?: number;
}

/** One phase of a scenario, from `at` seconds after the start until the next phase. */
interface Phase extends Conditions {
  at: number;
  name: string;
  description: string;
}

/** A named scenario: its phases in time order (the first at 0). */
interface Scenario {
  summary: string;
  phases: Phase[];
}

/** The baseline's label agreement: a "human reviewer" agrees with the model 85% of the time. */
const BASE_AGREEMENT = 0.85;
/** Start offset of the scenarios' event (s): after the aggregator's first full 30 s window, its baseline. */
const DEFAULT_START = 45;

const STATIONARY = (description: string): Phase => ({ at: 0, name: 'stationary', description });
const WARMUP = STATIONARY('stationary traffic; the aggregator learns its baseline from the first full window (30 s)');

/**
 * The scenarios. `start` shifts every single scenario's event; the tour's
 * timeline is fixed so that it shows its four points within five minutes:
 * drift, an alert firing (with its runbook), the accuracy drop caught by
 * ADWIN, and alerts resolving.
 */
function scenarios(start: number): Record<string, Scenario> {
  return {
    tour: {
      summary: 'a drift that ends, late labels that disagree with the model, an error burst, then recovery',
      phases: [
        WARMUP,
        { at: 45, name: 'sudden-drift', shift: 1, description: 'texts get longer and Portuguese becomes the dominant language' },
        {
          at: 105,
          name: 'accuracy-drop',
          agreement: 0.4,
          description: 'inputs are back to normal (the drift alerts resolve); the late labels now disagree with the model',
        },
        { at: 180, name: 'error-burst', agreement: 0.4, errors: 0.25, description: 'the service fails 25% of its requests; labels still disagree' },
        { at: 225, name: 'recovered', description: 'no more errors, and the labels agree with the model again: the alerts resolve' },
      ],
    },
    stationary: {
      summary: 'the baseline\'s traffic, unchanged: no alert should fire',
      phases: [STATIONARY('stationary traffic, as in the baseline')],
    },
    'gradual-drift': {
      summary: `inputs drift slowly, over 3 minutes from ${start} s on`,
      phases: [WARMUP, { at: start, name: 'gradual-drift', shift: 1, rampSeconds: 180, description: 'texts lengthen and Portuguese grows, a little more every second for 3 minutes' }],
    },
    'sudden-drift': {
      summary: `inputs drift at once, at ${start} s`,
      phases: [WARMUP, { at: start, name: 'sudden-drift', shift: 1, description: 'texts get longer and Portuguese becomes the dominant language' }],
    },
    'new-category': {
      summary: `a language the baseline never saw appears, at ${start} s`,
      phases: [WARMUP, { at: start, name: 'new-category', newLanguage: 0.3, description: '30% of texts are in Japanese, a language the baseline never saw (and the model cannot read)' }],
    },
    'latency-spike': {
      summary: `the service slows down for a minute, at ${start} s`,
      phases: [
        WARMUP,
        { at: start, name: 'latency-spike', slow: { share: 0.3, minMs: 300, maxMs: 700 }, description: '30% of requests take 300-700 ms' },
        { at: start + 60, name: 'recovered', description: 'latency is back to normal' },
      ],
    },
    'error-burst': {
      summary: `the service fails a quarter of its requests for a minute, at ${start} s`,
      phases: [
        WARMUP,
        { at: start, name: 'error-burst', errors: 0.25, description: 'the service fails 25% of its requests' },
        { at: start + 60, name: 'recovered', description: 'no more errors' },
      ],
    },
    'accuracy-drop': {
      summary: `late labels start disagreeing with the model, at ${start} s`,
      phases: [WARMUP, { at: start, name: 'accuracy-drop', agreement: 0.4, description: 'ground truth (sent 5-15 s after each prediction) now agrees with the model only 40% of the time' }],
    },
  };
}

/** Bounds that keep the generator from becoming a load test. */
const MAX_RATE = 500;
const MAX_DURATION_S = 86_400;
const MAX_IN_FLIGHT = 64;
const MAX_PENDING_LABELS = 10_000;
/** Ground truth is sent this long after its prediction (s), uniformly. */
const LABEL_DELAY_S = [5, 15] as const;

function fail(message: string): never {
  console.error(`traffic: ${message}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    scenario: { type: 'string' },
    rate: { type: 'string', default: '20' },
    start: { type: 'string' },
    'drift-after': { type: 'string' },
    duration: { type: 'string', default: String(MAX_DURATION_S) },
    seed: { type: 'string', default: '42' },
    'list-scenarios': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const startText = values.start ?? values['drift-after'];
const start = startText === undefined ? DEFAULT_START : Number(startText);
if (!(Number.isFinite(start) && start >= 0 && start <= MAX_DURATION_S)) fail(`--start: expected seconds in [0, ${MAX_DURATION_S}], got ${JSON.stringify(startText)}`);
const SCENARIOS = scenarios(start);
const NAMES = Object.keys(SCENARIOS);

if (values['list-scenarios']) {
  process.stdout.write(`${JSON.stringify(NAMES.map((name) => ({ name, ...SCENARIOS[name]! })))}\n`);
  process.exit(0);
}
if (values.help || !values.url) {
  console.error(
    `usage: traffic --url http://127.0.0.1:PORT [--scenario NAME] [--rate N] [--start S] [--duration S] [--seed N]
       traffic --list-scenarios
scenarios: ${NAMES.join(', ')} (default tour; sudden-drift when --drift-after is given)`,
  );
  process.exit(values.help ? 0 : 2);
}
const scenarioName = values.scenario ?? (values['drift-after'] !== undefined ? 'sudden-drift' : 'tour');
const scenario = SCENARIOS[scenarioName] ?? fail(`unknown scenario ${JSON.stringify(scenarioName)}; expected one of: ${NAMES.join(', ')}`);
const rate = Number(values.rate);
if (!(rate > 0 && rate <= MAX_RATE)) fail(`--rate: expected requests/s in (0, ${MAX_RATE}], got ${JSON.stringify(values.rate)}`);
const durationS = Number(values.duration);
if (!(durationS > 0)) fail(`--duration: expected seconds > 0, got ${JSON.stringify(values.duration)}`);
const durationMs = Math.min(durationS, MAX_DURATION_S) * 1000;
const url = values.url;

// mulberry32: a small seeded generator, so a run is reproducible.
let state = Number(values.seed) >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function normal(mean: number, sd: number): number {
  const u = 1 - random();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
function pick<T>(items: readonly (readonly [T, number])[]): T {
  let r = random();
  for (const [item, w] of items) {
    r -= w;
    if (r <= 0) return item;
  }
  return items[items.length - 1]![0];
}

const BASE_LANGUAGES = [['en', 0.7], ['es', 0.2], ['de', 0.1]] as const;
const DRIFTED_LANGUAGES = [['pt', 0.6], ['en', 0.3], ['es', 0.1]] as const;
const WORDS = ['the', 'product', 'arrived', 'and', 'it', 'is', 'great', 'good', 'love', 'bad', 'slow', 'broken', 'service', 'was', 'fast', 'awful', 'happy'];
// Japanese: the model's tokenizer splits on \W, so it finds no word it knows and answers with confidence 0.5.
const JA_WORDS = ['商品', 'が', '届き', 'ました', 'とても', '良い', '悪い', '遅い', 'サービス', 'です'];
function text(words: readonly string[], length: number, separator: string): string {
  let s = '';
  while (s.length < length) s += `${words[Math.floor(random() * words.length)]}${separator}`;
  return s.slice(0, Math.max(1, Math.round(length)));
}

/** The phase at `elapsed` seconds, and the shift then (ramped when the phase ramps). */
function conditionsAt(elapsed: number): { phase: Phase; index: number; shift: number } {
  let index = 0;
  for (let i = 1; i < scenario.phases.length; i++) if (scenario.phases[i]!.at <= elapsed) index = i;
  const phase = scenario.phases[index]!;
  const target = phase.shift ?? 0;
  if (phase.rampSeconds === undefined || phase.rampSeconds <= 0) return { phase, index, shift: target };
  const from = scenario.phases[index - 1]?.shift ?? 0;
  return { phase, index, shift: from + (target - from) * Math.min(1, (elapsed - phase.at) / phase.rampSeconds) };
}

const started = Date.now();
let sent = 0;
let failed = 0;
let skipped = 0;
let labels = 0;
let inFlight = 0;
let stopping = false;
const pendingLabels = new Set<NodeJS.Timeout>();
const stop = (): void => {
  stopping = true;
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** One request; every random draw happens here, before any await, so a seed gives the same sequence whatever the response times. */
function one(elapsed: number): void {
  const { phase, shift } = conditionsAt(elapsed);
  const drifted = random() < shift;
  const newLanguage = random() < (phase.newLanguage ?? 0);
  const language = newLanguage ? 'ja' : pick<string>(drifted ? DRIFTED_LANGUAGES : BASE_LANGUAGES);
  const length = normal(100 + 40 * shift, 20);
  // 1% empty texts: the model rejects them (its normal, low error rate).
  const body = random() < 0.01 ? { text: '', language } : { text: newLanguage ? text(JA_WORDS, length, '') : text(WORDS, length, ' '), language };
  const headers: Record<string, string> = {};
  const slowRoll = random();
  if (phase.slow && slowRoll < phase.slow.share) headers['x-simulate-delay-ms'] = String(Math.round(phase.slow.minMs + random() * (phase.slow.maxMs - phase.slow.minMs)));
  if (random() < (phase.errors ?? 0)) headers['x-simulate-error'] = '1';
  const agrees = random() < (phase.agreement ?? BASE_AGREEMENT);
  const labelDelayMs = (LABEL_DELAY_S[0] + random() * (LABEL_DELAY_S[1] - LABEL_DELAY_S[0])) * 1000;

  inFlight++;
  void (async () => {
    try {
      const res = await fetch(`${url}/predict`, { method: 'POST', body: JSON.stringify(body), headers, signal: AbortSignal.timeout(10_000) });
      const out = (await res.json()) as { predictionId?: string; sampled?: boolean; label?: string };
      sent += 1;
      // `sampled` predictions go to a human reviewer, whose label comes back later.
      if (out.sampled && out.predictionId && out.label && !stopping && pendingLabels.size < MAX_PENDING_LABELS) {
        const truth = agrees ? out.label : out.label === 'positive' ? 'negative' : 'positive';
        const timer = setTimeout(() => {
          pendingLabels.delete(timer);
          void fetch(`${url}/feedback`, { method: 'POST', body: JSON.stringify({ predictionId: out.predictionId, label: truth }), signal: AbortSignal.timeout(10_000) })
            .then((r) => r.arrayBuffer())
            .then(() => (labels += 1), () => (failed += 1));
        }, labelDelayMs);
        pendingLabels.add(timer);
      }
    } catch {
      failed += 1;
    } finally {
      inFlight--;
    }
  })();
}

const intervalMs = 1000 / rate;
let lastPhase = -1;
let lastReport = started;
for (let i = 0; !stopping; i++) {
  const due = started + i * intervalMs;
  if (due - started >= durationMs) break;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  else if (wait < -1000) {
    // Fell behind by more than a second (a paused process): skip what was missed rather than burst.
    const missed = Math.floor(-wait / intervalMs);
    skipped += missed;
    i += missed;
  }
  if (stopping) break;
  const elapsed = (Date.now() - started) / 1000;
  const { phase, index } = conditionsAt(elapsed);
  if (index !== lastPhase) {
    lastPhase = index;
    process.stdout.write(`${JSON.stringify({ event: 'phase', scenario: scenarioName, at: phase.at, phase: phase.name, description: phase.description })}\n`);
  }
  if (inFlight >= MAX_IN_FLIGHT) skipped += 1;
  else one(elapsed);
  if (Date.now() - lastReport >= 60_000) {
    lastReport = Date.now();
    console.error(`traffic: ${sent} requests (${failed} failed, ${skipped} skipped, ${labels} labels), phase ${phase.name}`);
  }
}
// Labels not yet sent are dropped: the reviewer went home.
for (const t of pendingLabels) clearTimeout(t);
const deadline = Date.now() + 10_000;
while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
console.error(`traffic: done, ${sent} requests, ${failed} failed, ${skipped} skipped, ${labels} labels`);
