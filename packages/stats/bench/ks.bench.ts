/**
 * Benchmark: ks2Samp beside scipy's ks_2samp on the same data, for n = m in
 * {1e3, 1e4, 1e5, 1e6}; run with `npm run bench -w @modelwatch/stats`.
 *
 * Samples are generated here (seeded), written as float64 files, and read by
 * ks_scipy.py, so both sides see identical data. Each side is timed
 * in-process (performance.now / time.perf_counter) after one untimed warm-up
 * call (several for V8's JIT), with the data already in memory; the median of
 * at least 7 calls is kept.
 * Writes bench/results/stats.json at the repository root:
 * { "ks": [{ "n", "modelwatchMs", "scipyMs", "ratio" }], "histogramKs1000x160Ms" }.
 * If bench/histogram-ks.bench.ts exists, its `run()` supplies histogramKs1000x160Ms.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ks2Samp } from '../src/ks.js';

const SIZES = [1_000, 10_000, 100_000, 1_000_000];
/** Timed calls per size (median kept); small sizes are noisier, so more calls. */
const runsFor = (n: number): number => (n <= 10_000 ? 21 : 7);
/**
 * Untimed calls before timing, so V8 has optimised the code (the steady state
 * of a long-running aggregator): up to 30 calls, stopping after 2 s.
 */
const WARMUP_CALLS = 30;
const WARMUP_MS = 2000;
const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = resolve(here, '../../../bench/results/stats.json');

/** Seeded standard normals (mulberry32 + Box-Muller). */
function normals(n: number, seed: number, shift: number): Float64Array {
  let a = seed | 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    out[i] = r * Math.cos(th) + shift;
    if (i + 1 < n) out[i + 1] = r * Math.sin(th) + shift;
  }
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((p, q) => p - q);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

interface ScipyResult {
  n: number;
  scipyMs: number;
  statistic: number;
  pValue: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-ks-bench-'));
  try {
    const data = new Map<number, [Float64Array, Float64Array]>();
    for (const n of SIZES) {
      // A small shift: the two samples differ slightly, as in a drift check.
      const x = normals(n, 1000 + n, 0);
      const y = normals(n, 2000 + n, 0.01);
      data.set(n, [x, y]);
      writeFileSync(join(dir, `x-${n}.f64`), new Uint8Array(x.buffer));
      writeFileSync(join(dir, `y-${n}.f64`), new Uint8Array(y.buffer));
    }

    const py = spawnSync('python3', [join(here, 'ks_scipy.py'), dir, ...SIZES.map((n) => `${n}:${runsFor(n)}`)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (py.status !== 0) {
      throw new Error(`ks_scipy.py failed (needs python3 with numpy and scipy): ${py.stderr || py.error?.message}`);
    }
    const scipy = JSON.parse(py.stdout) as { scipy: string; results: ScipyResult[] };

    const rows: { n: number; modelwatchMs: number; scipyMs: number; ratio: number }[] = [];
    for (const ref of scipy.results) {
      const [x, y] = data.get(ref.n)!;
      let r = ks2Samp(x, y);
      const warmStart = performance.now();
      for (let k = 1; k < WARMUP_CALLS && performance.now() - warmStart < WARMUP_MS; k++) r = ks2Samp(x, y);
      const times: number[] = [];
      for (let k = 0; k < runsFor(ref.n); k++) {
        const t0 = performance.now();
        r = ks2Samp(x, y);
        times.push(performance.now() - t0);
      }
      // The comparison is only meaningful if both compute the same thing.
      const pRel = Math.abs(r.pValue - ref.pValue) / Math.max(ref.pValue, 1e-300);
      if (Math.abs(r.statistic - ref.statistic) > 1e-12 || (ref.pValue > 1e-6 ? pRel > 1e-6 : Math.abs(r.pValue - ref.pValue) > 1e-12)) {
        throw new Error(`n=${ref.n}: ks2Samp (${r.statistic}, ${r.pValue}) disagrees with scipy (${ref.statistic}, ${ref.pValue})`);
      }
      const modelwatchMs = median(times);
      rows.push({ n: ref.n, modelwatchMs, scipyMs: ref.scipyMs, ratio: modelwatchMs / ref.scipyMs });
    }

    let histogramKs1000x160Ms: number | null = null;
    const histogramBench = join(here, 'histogram-ks.bench.ts');
    if (existsSync(histogramBench)) {
      const mod = (await import(pathToFileURL(histogramBench).href)) as {
        run?: () => Promise<{ histogramKs1000x160Ms: number }>;
      };
      if (typeof mod.run === 'function') histogramKs1000x160Ms = (await mod.run()).histogramKs1000x160Ms;
    }

    const round = (v: number): number => Math.round(v * 1000) / 1000;
    const out = {
      ks: rows.map((r) => ({ n: r.n, modelwatchMs: round(r.modelwatchMs), scipyMs: round(r.scipyMs), ratio: round(r.ratio) })),
      histogramKs1000x160Ms: histogramKs1000x160Ms === null ? null : round(histogramKs1000x160Ms),
    };
    mkdirSync(dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);

    console.log(`ks2Samp vs scipy ${scipy.scipy} ks_2samp (two-sided, method auto, median of ${runsFor(1e6)}-${runsFor(1)} runs)`);
    console.log('n'.padStart(9) + 'modelwatch ms'.padStart(15) + 'scipy ms'.padStart(11) + 'ratio'.padStart(8));
    for (const r of out.ks) {
      console.log(String(r.n).padStart(9) + r.modelwatchMs.toFixed(3).padStart(15) + r.scipyMs.toFixed(3).padStart(11) + r.ratio.toFixed(3).padStart(8));
    }
    console.log(`histogram KS, 1000 features x 160 buckets: ${out.histogramKs1000x160Ms ?? 'n/a (no histogram-ks.bench.ts)'} ms`);
    console.log(`wrote ${resultsFile}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
