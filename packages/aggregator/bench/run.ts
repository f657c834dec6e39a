// `npm run bench -w @modelwatch/aggregator`: runs every aggregator benchmark
// module that exists, each in its own child process (memory figures need
// --expose-gc and a heap nobody else filled; the ingest bench pins processes
// to cores), prints a table against the goals and writes
// bench/results/aggregator.json at the repository root.
//
// Flags:
//   --only a,b                run only these modules (decode, engine, ingest, quality, durability)
//   --with-baseline-memory    also run the (slow, ~1 GB CSV) baseline memory bench
//   --child <file> <out>      internal: run one module and write its result to <out>
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
/** A module that takes longer than this is stopped (the whole run should stay under 3 minutes). */
const MODULE_TIMEOUT_MS = 150_000;

interface Module {
  name: string;
  file: string;
  /** Why this module is in the run (printed when it is absent). */
  provides: string;
}

const MODULES: Module[] = [
  { name: 'decode', file: 'decode.bench.ts', provides: 'decodeOnlyPointsPerSecond, jsonDecodePointsPerSecond' },
  { name: 'engine', file: 'engine.bench.ts', provides: 'evaluate10kStreamsMs, bytesPerStreamWindow' },
  { name: 'ingest', file: 'ingest.bench.ts', provides: 'ingestPointsPerSecond, p99LatencyMs, receiveOnlyPointsPerSecond, ingestGrpcPointsPerSecond' },
  { name: 'quality', file: 'quality.bench.ts', provides: 'joinsPerSecond' },
  { name: 'durability', file: 'durability.bench.ts', provides: 'appendsPerSecond, diskBytesPerPendingPrediction' },
];

type Result = Record<string, unknown>;

/** Child mode: import one module, await its run(), write the result as JSON. */
async function child(file: string, out: string): Promise<void> {
  const mod = (await import(pathToFileURL(join(HERE, file)).href)) as { run?: () => Promise<Result> };
  if (typeof mod.run !== 'function') throw new Error(`${file} does not export run()`);
  const result = await mod.run();
  await writeFile(out, JSON.stringify(result));
}

async function runModule(m: Module, dir: string): Promise<{ result: Result | null; seconds: number; error?: string }> {
  const out = join(dir, `${m.name}.json`);
  const t0 = performance.now();
  const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', m.file, out], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const timer = setTimeout(() => p.kill('SIGKILL'), MODULE_TIMEOUT_MS);
  const [code, signal] = (await once(p, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  const seconds = +((performance.now() - t0) / 1000).toFixed(1);
  if (code !== 0) return { result: null, seconds, error: signal === 'SIGKILL' ? `timed out after ${MODULE_TIMEOUT_MS / 1000} s` : `exited with ${code ?? signal}` };
  return { result: JSON.parse(await readFile(out, 'utf8')) as Result, seconds };
}

async function runBaselineMemory(): Promise<string | null> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(HERE, 'baseline-memory.bench.ts')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(p, 'exit')) as [number | null];
  return code === 0 ? null : `baseline-memory bench exited with ${code}`;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

interface Goal {
  metric: string;
  goal: string;
  met: (v: number) => boolean;
}

const GOALS: Goal[] = [
  { metric: 'ingestPointsPerSecond', goal: '>= 250000', met: (v) => v >= 250_000 },
  { metric: 'ratioIngestVsDecode', goal: '>= 0.5', met: (v) => v >= 0.5 },
  { metric: 'evaluate10kStreamsMs', goal: '< 1000', met: (v) => v < 1000 },
  { metric: 'bytesPerStreamWindow', goal: '<= 8192', met: (v) => v <= 8192 },
  { metric: 'ratioDurableVsVolatile', goal: '>= 0.8', met: (v) => v >= 0.8 },
];

const HEADLINE = [
  'ingestPointsPerSecond',
  'ingestPointsPerSecondWallClock',
  'ingestPointsPerSecondVolatile',
  'ratioDurableVsVolatile',
  'p99LatencyMs',
  'decodeOnlyPointsPerSecond',
  'jsonDecodePointsPerSecond',
  'ratioIngestVsDecode',
  'receiveOnlyPointsPerSecond',
  'ratioIngestVsReceiveOnly',
  'ratioServedMergeFloorVsDecode',
  'ingestGrpcPointsPerSecond',
  'ratioGrpcVsHttp',
  'ratioIngestVsDecodeInServer',
  'ratioEngineInProcessVsDecode',
  'ratioMergeFloorVsDecode',
  'evaluate10kStreamsMs',
  'bytesPerStreamWindow',
  'bytesPerStreamWindowScale',
  'joinsPerSecond',
  'appendsPerSecond',
  'appendRatioDurableVsVolatile',
  'diskBytesPerPendingPrediction',
];

function table(report: Result, goals: Result): string {
  const rows = HEADLINE.map((k) => {
    const v = report[k];
    const g = goals[k] as { goal: string; met: boolean | null } | undefined;
    return [k, v === undefined || v === null ? '-' : String(v), g?.goal ?? '', g === undefined ? '' : g.met === null ? 'n/a' : g.met ? 'met' : 'NOT met'];
  });
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length), ['metric', 'value', 'goal', ''][i]?.length ?? 0));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(['metric', 'value', 'goal', '']), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { only: { type: 'string' }, 'with-baseline-memory': { type: 'boolean', default: false }, child: { type: 'string' } },
  });
  if (values.child !== undefined) return child(values.child, positionals[0] ?? '');

  const only = values.only?.split(',').map((s) => s.trim());
  const dir = await mkdtemp(join(tmpdir(), 'mw-bench-'));
  const modules: Record<string, Result> = {};
  const notes: string[] = [];
  // A module that fails keeps its previous figures in the file (with a note) and fails the run.
  const failed: string[] = [];
  const t0 = performance.now();
  const load0 = +(loadavg()[0] ?? 0).toFixed(2);
  try {
    for (const m of MODULES) {
      if (only !== undefined && !only.includes(m.name)) continue;
      if (!existsSync(join(HERE, m.file))) {
        const note = `${m.name}: bench/${m.file} is not there yet (${m.provides} not measured)`;
        notes.push(note);
        console.error(note);
        continue;
      }
      console.error(`== ${m.name} (bench/${m.file})`);
      const r = await runModule(m, dir);
      if (r.result === null) {
        notes.push(`${m.name}: ${r.error ?? 'failed'}`);
        console.error(`${m.name}: ${r.error ?? 'failed'} after ${r.seconds} s`);
        failed.push(m.name);
        continue;
      }
      modules[m.name] = { ...r.result, benchSeconds: r.seconds };
      console.error(`${m.name}: done in ${r.seconds} s`);
    }
    if (values['with-baseline-memory']) {
      console.error('== baseline memory (bench/baseline-memory.bench.ts)');
      const err = await runBaselineMemory();
      if (err !== null) notes.push(err);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // Modules measured in this run replace the previous file's; the others keep their last values.
  const path = join(RESULTS, 'aggregator.json');
  const previous = await readFile(path, 'utf8').then(
    (t) => JSON.parse(t) as { modules?: Record<string, Result> },
    () => ({}) as { modules?: Record<string, Result> },
  );
  const all: Record<string, Result> = { ...(only !== undefined ? (previous.modules ?? {}) : {}), ...modules };
  const baseline = await readFile(join(RESULTS, 'baseline.json'), 'utf8').then((t) => JSON.parse(t) as Result, () => null);

  // Each headline figure comes from the module that owns it (durability's own
  // append-level ratio is kept apart from the end-to-end ingest ratio).
  const flat: Result = {};
  const take = (module: string, key: string, as = key): void => {
    const v = all[module]?.[key];
    if (v !== undefined && v !== null && flat[as] === undefined) flat[as] = v;
  };
  for (const k of ['decodeOnlyPointsPerSecond', 'jsonDecodePointsPerSecond']) take('decode', k);
  for (const k of ['evaluate10kStreamsMs', 'bytesPerStreamWindow', 'bytesPerStreamWindowScale']) take('engine', k);
  for (const k of ['ingestPointsPerSecond', 'ingestPointsPerSecondWallClock', 'ingestPointsPerSecondVolatile', 'ratioDurableVsVolatile', 'p99LatencyMs', 'receiveOnlyPointsPerSecond', 'ratioIngestVsReceiveOnly', 'ratioServedMergeFloorVsDecode', 'ingestGrpcPointsPerSecond', 'ratioGrpcVsHttp', 'ratioIngestVsDecodeInServer', 'ratioEngineInProcessVsDecode', 'ratioMergeFloorVsDecode']) {
    take('ingest', k);
  }
  take('quality', 'joinsPerSecond');
  take('durability', 'appendsPerSecond');
  take('durability', 'ratioDurableVsVolatile', 'appendRatioDurableVsVolatile');
  for (const m of ['durability', 'quality']) take(m, 'diskBytesPerPendingPrediction');
  if (flat.diskBytesPerPendingPrediction === undefined && all.quality?.snapshotBytesPerPendingPrediction !== undefined) {
    flat.diskBytesPerPendingPrediction = all.quality.snapshotBytesPerPendingPrediction;
    notes.push('diskBytesPerPendingPrediction: the quality bench measures the persisted snapshot (JSON) bytes per pending prediction');
  }
  if (flat.ratioDurableVsVolatile === undefined && flat.appendRatioDurableVsVolatile !== undefined) {
    notes.push('ratioDurableVsVolatile: no end-to-end volatile ingest run; see appendRatioDurableVsVolatile (durability bench, in-process)');
  }
  const ingest = num(flat.ingestPointsPerSecond);
  // Same payload on both sides of the ratio: the ingest module decodes its own payload.
  const decode = num(all.ingest?.decodeOnlySamePayloadPointsPerSecond ?? null) ?? num(flat.decodeOnlyPointsPerSecond);
  flat.ratioIngestVsDecode = ingest !== null && decode !== null && decode > 0 ? +(ingest / decode).toFixed(3) : null;

  const goals: Result = {};
  for (const g of GOALS) {
    const v = num(flat[g.metric]);
    goals[g.metric] = { goal: g.goal, value: v, met: v === null ? null : g.met(v) };
  }
  const report = {
    benchmark: 'modelwatch aggregator',
    date: new Date().toISOString(),
    node: process.version,
    // Other work on the machine slows wall-clock figures; the load average says how busy it was.
    machine: { cpus: availableParallelism(), loadAverage1mAtStart: load0, loadAverage1mAtEnd: +(loadavg()[0] ?? 0).toFixed(2) },
    ...flat,
    goals,
    notes,
    modules: all,
    ...(baseline !== null ? { baseline } : {}),
  };
  await mkdir(RESULTS, { recursive: true });
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  console.log(table(report, goals));
  console.log(`\nwrote ${path} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (failed.length > 0) {
    console.error(`FAILED: ${failed.join(', ')} (their previous figures were kept; see notes)`);
    process.exitCode = 1;
  }
}

await main();
