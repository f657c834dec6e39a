/**
 * Proof that `modelwatch baseline` streams: generates a large CSV (1 GB by
 * default), a JSON Lines and a Parquet file in a temporary directory, builds a baseline
 * from each in a child process, and reports rows/s, MB/s and the child's peak
 * resident memory (getrusage maxRSS). The goal from the issue: a 1 GB CSV
 * within 200 MB of resident memory.
 *
 * Usage: node --import tsx packages/aggregator/bench/baseline-memory.bench.ts [--size-mb 1000] [--formats csv,jsonl,parquet]
 * (parquet needs python3 with pyarrow, to write the file.)
 * Writes bench/results/baseline.json at the repository root.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LIMIT_MB = 200;

/** Deterministic pseudo-random numbers (mulberry32), so every run reads the same file. */

const COLUMNS = ['age', 'income', 'balance_delta', 'text_length', 'score', 'latency_ms', 'language', 'country', 'device', 'label', 'confidence'];
const LANGS = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'ja'];
const DEVICES = ['ios', 'android', 'web'];

function row(r: () => number): (string | number)[] {
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return [
    r() < 0.02 ? '' : (20 + 50 * r()).toFixed(1),
    Math.round(Math.exp(10 + normal())),
    (normal() * 50).toFixed(4),
    1 + Math.floor(-120 * Math.log(1 - r())),
    r().toFixed(6),
    (5 + 40 * r() ** 2).toFixed(3),
    LANGS[Math.floor(r() * LANGS.length)] ?? 'en',
    `c${Math.floor(r() * 300)}`, // 300 distinct: past the 100-category bound
    DEVICES[Math.floor(r() * DEVICES.length)] ?? 'web',
    r() < 0.6 ? 'positive' : 'negative',
    (0.5 + 0.5 * r()).toFixed(4),
  ];
}

// Streams a CSV into a Parquet file with pyarrow (snappy, dictionary, 1M-row groups: pyarrow's defaults).
const CSV_TO_PARQUET = `
import sys, pyarrow.csv as pc, pyarrow.parquet as pq
reader = pc.open_csv(sys.argv[1], read_options=pc.ReadOptions(block_size=64 << 20))
writer = None
for batch in reader:
    if writer is None:
        writer = pq.ParquetWriter(sys.argv[2], batch.schema, compression='snappy', use_dictionary=True)
    writer.write_batch(batch, row_group_size=1 << 20)
writer.close()
`;
import { rng } from './simulate.js';

async function csvToParquet(csv: string, parquet: string): Promise<void> {
  const p = spawn('python3', ['-c', CSV_TO_PARQUET, csv, parquet], { stdio: 'inherit' });
  const [code] = (await once(p, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`pyarrow conversion exited with ${code} (pip install pyarrow)`);
}

/** Writes rows until the file reaches `bytes`; returns the number of rows. */
async function generate(path: string, format: 'csv' | 'jsonl', bytes: number): Promise<number> {
  const out = createWriteStream(path);
  const r = rng(42);
  let written = 0;
  let rows = 0;
  if (format === 'csv') {
    const header = `${COLUMNS.join(',')}\n`;
    out.write(header);
    written += header.length;
  }
  while (written < bytes) {
    let chunk = '';
    for (let i = 0; i < 2000; i++) {
      const v = row(r);
      chunk += format === 'csv'
        ? `${v.join(',')}\n`
        : `${JSON.stringify(Object.fromEntries(COLUMNS.map((c, j) => [c, typeof v[j] === 'string' && v[j] !== '' && !Number.isNaN(Number(v[j])) ? Number(v[j]) : v[j] === '' ? null : v[j]])))}\n`;
      rows++;
    }
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return rows;
}

interface ChildResult {
  rows: number;
  elapsedMs: number;
  maxRssMb: number;
  rssAtStartMb: number;
  cpuMs: number;
  features: number;
}

/** Child side: build the baseline and print rows, time and peak RSS as one JSON line. */
async function child(input: string): Promise<void> {
  const rssAtStartMb = process.memoryUsage().rss / 1e6;
  const { buildBaseline } = await import('../src/baseline/index.js');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const b = await buildBaseline({ model: 'bench', input });
  const elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const result: ChildResult = {
    rows: b.source?.rows ?? 0,
    elapsedMs,
    // resourceUsage().maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
    maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    rssAtStartMb,
    cpuMs: (cpu.user + cpu.system) / 1000,
    features: Object.keys(b.features).length,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function runChild(input: string): Promise<ChildResult> {
  const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', input], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(p, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`child exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'size-mb': { type: 'string', default: '1000' }, formats: { type: 'string', default: 'csv,jsonl' }, child: { type: 'string' } },
  });
  if (values.child !== undefined) return child(values.child);
  const sizeMb = Number(values['size-mb']);
  const formats = (values.formats ?? 'csv').split(',') as ('csv' | 'jsonl' | 'parquet')[];
  const dir = await mkdtemp(join(tmpdir(), 'mw-baseline-bench-'));
  const results: Record<string, unknown> = {};
  try {
    for (const format of formats) {
      const input = join(dir, `big.${format}`);
      const t0 = performance.now();
      let rows: number;
      if (format === 'parquet') {
        // The Parquet file holds the rows of a CSV of --size-mb (it is several times smaller).
        rows = await generate(join(dir, 'for-parquet.csv'), 'csv', sizeMb * 1e6);
        await csvToParquet(join(dir, 'for-parquet.csv'), input);
        await rm(join(dir, 'for-parquet.csv'));
      } else {
        rows = await generate(input, format, sizeMb * 1e6);
      }
      const bytes = (await stat(input)).size;
      console.error(`${format}: generated ${(bytes / 1e6).toFixed(0)} MB, ${rows} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const r = await runChild(input);
      if (r.rows !== rows) throw new Error(`${format}: baseline counted ${r.rows} rows, generated ${rows}`);
      results[format] = {
        fileMB: Math.round(bytes / 1e6),
        rows,
        columns: COLUMNS.length,
        seconds: +(r.elapsedMs / 1000).toFixed(2),
        rowsPerSecond: Math.round(rows / (r.elapsedMs / 1000)),
        mbPerSecond: +(bytes / 1e6 / (r.elapsedMs / 1000)).toFixed(1),
        // On a shared machine wall time depends on the load; CPU time does not.
        cpuSeconds: +(r.cpuMs / 1000).toFixed(2),
        rowsPerCpuSecond: Math.round(rows / (r.cpuMs / 1000)),
        peakRssMB: +r.maxRssMb.toFixed(1),
        rssBeforeReadingMB: +r.rssAtStartMb.toFixed(1),
        withinLimit: r.maxRssMb <= LIMIT_MB,
        date: new Date().toISOString(),
      };
      console.error(`${format}: ${JSON.stringify(results[format])}`);
      await rm(input, { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // Runs of single formats (e.g. --formats parquet) update their entry and keep the others'.
  const path = join(ROOT, 'bench', 'results', 'baseline.json');
  const previous = await readFile(path, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>, () => ({}));
  const report = {
    ...previous,
    benchmark: 'modelwatch baseline: streaming build from a large file in a child process',
    node: process.version,
    limitMB: LIMIT_MB,
    note: 'peakRssMB is the child process getrusage maxRSS, including Node and the tsx loader (rssBeforeReadingMB); the build runs on one thread; seconds/rowsPerSecond are wall time on a shared 2-core machine, rowsPerCpuSecond is independent of its load',
    ...results,
  };
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  const over = Object.entries(results).filter(([, v]) => !(v as { withinLimit: boolean }).withinLimit);
  if (over.length > 0) process.exitCode = 1;
}

await main();
