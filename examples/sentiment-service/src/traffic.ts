/**
 * Sends bounded synthetic traffic to the example service: stationary at first,
 * then (after --drift-after seconds) longer texts and a new dominant language,
 * so the aggregator has a drift to find. Stops by itself after --duration
 * seconds (default: until SIGINT/SIGTERM, at most 24 h).
 *
 *   node --import tsx src/traffic.ts --url http://127.0.0.1:PORT [--rate 20] [--drift-after 60] [--duration 300]
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    rate: { type: 'string', default: '20' },
    'drift-after': { type: 'string', default: '60' },
    duration: { type: 'string', default: '86400' },
    seed: { type: 'string', default: '42' },
  },
});
if (!values.url) {
  console.error('usage: traffic --url http://127.0.0.1:PORT [--rate N] [--drift-after S] [--duration S]');
  process.exit(2);
}
const rate = Number(values.rate);
const driftAfterMs = Number(values['drift-after']) * 1000;
const durationMs = Math.min(Number(values.duration), 86_400) * 1000;

// mulberry32: a small seeded generator, so a demo run is reproducible.
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
function pick<T>(items: readonly [T, number][]): T {
  let r = random();
  for (const [item, w] of items) {
    r -= w;
    if (r <= 0) return item;
  }
  return items[items.length - 1]![0];
}

const WORDS = ['the', 'product', 'arrived', 'and', 'it', 'is', 'great', 'good', 'love', 'bad', 'slow', 'broken', 'service', 'was', 'fast', 'awful', 'happy'];
function text(length: number): string {
  let s = '';
  while (s.length < length) s += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return s.slice(0, Math.max(1, Math.round(length)));
}

const started = Date.now();
let sent = 0;
let failed = 0;
let feedback = 0;
let stopping = false;
const stop = (): void => {
  stopping = true;
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

async function one(): Promise<void> {
  const drifted = Date.now() - started >= driftAfterMs;
  const length = drifted ? normal(140, 20) : normal(100, 20);
  const language = drifted
    ? pick<string>([['pt', 0.6], ['en', 0.3], ['es', 0.1]])
    : pick<string>([['en', 0.7], ['es', 0.2], ['de', 0.1]]);
  const body = random() < 0.01 ? { text: '', language } : { text: text(length), language };
  try {
    const res = await fetch(`${values.url}/predict`, { method: 'POST', body: JSON.stringify(body) });
    const out = (await res.json()) as { predictionId?: string; sampled?: boolean; label?: string };
    sent += 1;
    if (out.sampled && out.predictionId) {
      // A "human reviewer" agrees with the model 85% of the time.
      const truth = random() < 0.85 ? out.label : out.label === 'positive' ? 'negative' : 'positive';
      await fetch(`${values.url}/feedback`, { method: 'POST', body: JSON.stringify({ predictionId: out.predictionId, label: truth }) });
      feedback += 1;
    }
  } catch {
    failed += 1;
  }
}

const interval = 1000 / rate;
let lastReport = Date.now();
while (!stopping && Date.now() - started < durationMs) {
  const t0 = Date.now();
  await one();
  if (Date.now() - lastReport >= 10_000) {
    lastReport = Date.now();
    const phase = Date.now() - started >= driftAfterMs ? 'drifted' : 'stationary';
    console.error(`traffic: ${sent} requests (${failed} failed, ${feedback} labels), phase ${phase}`);
  }
  const wait = interval - (Date.now() - t0);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
console.error(`traffic: done, ${sent} requests, ${failed} failed`);
