// Fuzzing of everything that reads outside input (issue 16): the OTLP
// protobuf and JSON decoders (metrics and logs), the baseline readers (CSV,
// JSON Lines, Parquet) and the configuration loader, 100,000 cases each by
// default, and the OTLP/gRPC and OTLP/HTTP receivers through real sockets
// (fewer: each case is a round trip). Seeds are valid inputs from real
// writers (the OpenTelemetry JS SDK's serializers, hyparquet-writer,
// fast-check values), mutated (bit flips, inserted/deleted/duplicated bytes,
// truncation, inflated varints and lengths, splices, duplicated and
// re-typed fields). Each case must be accepted with a sane result or refused
// with the project's own error naming what was wrong; each has a time bound
// and its heap growth is measured. test/fuzz/ holds the code, shared with
// the CI test (test/fuzz/fuzz.test.ts), which runs a few hundred cases each.
//
// Prints a table and writes bench/results/fuzz.json at the repository root;
// exits 1 when a case crashed or hung.
// Run: npm run bench:fuzz -w @modelwatch/aggregator [-- --cases 100000 --transport-cases 20000 --seed 1]
//      ... -- --replay "OTLP metrics JSON:1234"   re-runs one case in-process and prints it
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { caseSeed, runFuzz, type TargetReport } from '../test/fuzz/runner.js';
import { rng } from '../test/fuzz/mutate.js';
import { TARGETS, targetByName } from '../test/fuzz/targets.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    'transport-cases': { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    targets: { type: 'string' },
    'case-timeout': { type: 'string', default: '10000' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results', 'fuzz.json') },
    replay: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run bench:fuzz -w @modelwatch/aggregator -- [--cases N] [--transport-cases N] [--seed S] [--targets "a,b"] [--case-timeout ms] [--out path] [--replay "target:index"]
targets: ${TARGETS.map((t) => t.name).join(', ')}`);
  process.exit(0);
}
const seed = Number(values.seed);

if (values.replay !== undefined) {
  // One case, in this thread, with the full stack of whatever it throws.
  const at = values.replay.lastIndexOf(':');
  const target = targetByName(values.replay.slice(0, at));
  const index = Number(values.replay.slice(at + 1));
  const dir = join(tmpdir(), `mw-fuzz-replay-${process.pid}`);
  const instance = await target.setup({ dir, seed });
  const input = instance.input(rng(caseSeed(seed, target.name, index)), index);
  console.log(`input: ${instance.show(input)}`);
  console.log('outcome:', await instance.run(input));
  await instance.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

const decoderCases = Number(values.cases);
const transportCases = Number(values['transport-cases']);
const names = values.targets !== undefined ? values.targets.split(',').map((s) => s.trim()) : TARGETS.map((t) => t.name);
const cases = Object.fromEntries(names.map((n) => [n, targetByName(n).kind === 'transport' ? transportCases : decoderCases]));

const started = Date.now();
const reports = await runFuzz({
  targets: names,
  cases,
  seed,
  caseTimeoutMs: Number(values['case-timeout']),
  onProgress: (r, done) => {
    if (done || process.stderr.isTTY) process.stderr.write(`${done ? '' : '\r'}${r.target}: ${r.cases} cases, ${r.crashes} crashes, ${r.hangs} hangs${done ? `, ${(r.durationMs / 1000).toFixed(1)} s\n` : '   '}`);
  },
});

const mib = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const TOP_CLASSES = 15;
function summary(r: TargetReport): Record<string, unknown> {
  const classes = Object.entries(r.rejectedByClass).sort((a, b) => b[1] - a[1]);
  const top = Object.fromEntries(classes.slice(0, TOP_CLASSES));
  const rest = classes.slice(TOP_CLASSES).reduce((s, [, n]) => s + n, 0);
  return {
    target: r.target,
    kind: r.kind,
    cases: r.cases,
    accepted: r.accepted,
    rejected: r.rejected,
    rejectedByClass: rest > 0 ? { ...top, [`(${classes.length - TOP_CLASSES} other classes)`]: rest } : top,
    messageClasses: classes.length,
    crashes: r.crashes,
    hangs: r.hangs,
    unboundedAllocations: r.allocations,
    maxHeapGrowthMiB: mib(r.maxHeapGrowthBytes),
    maxCaseHeapGrowthMiB: mib(r.maxCaseHeapGrowthBytes),
    slowestCaseMs: Math.round(r.slowestCaseMs * 10) / 10,
    durationS: Math.round(r.durationMs / 100) / 10,
    casesPerSecond: Math.round(r.cases / Math.max(r.durationMs / 1000, 1e-3)),
    crashSamples: r.crashSamples,
    hangSamples: r.hangSamples,
  };
}

const decoders = reports.filter((r) => r.kind === 'decoder');
const transports = reports.filter((r) => r.kind === 'transport');
const result = {
  benchmark: 'fuzz',
  generatedAt: new Date().toISOString(),
  command: `npm run bench:fuzz -w @modelwatch/aggregator -- --cases ${decoderCases} --transport-cases ${transportCases} --seed ${seed}${values.targets !== undefined ? ` --targets "${values.targets}"` : ''}`,
  machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
  seed,
  caseTimeoutMs: Number(values['case-timeout']),
  /** The fewest cases any in-process decoder ran (OTLP x4, CSV, JSONL, Parquet, config). */
  fuzzCasesPerDecoder: decoders.length > 0 ? Math.min(...decoders.map((r) => r.cases)) : 0,
  /** Cases through a real socket, per receiver (counted apart: each is a round trip). */
  fuzzCasesPerTransport: Object.fromEntries(transports.map((r) => [r.target, r.cases])),
  fuzzCrashes: reports.reduce((s, r) => s + r.crashes, 0),
  fuzzHangs: reports.reduce((s, r) => s + r.hangs, 0),
  durationS: Math.round((Date.now() - started) / 1000),
  targets: reports.map(summary),
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);

const pad = (s: unknown, n: number): string => String(s).padStart(n);
console.log(`\n${'target'.padEnd(24)}${pad('cases', 9)}${pad('accepted', 10)}${pad('rejected', 10)}${pad('classes', 8)}${pad('crashes', 8)}${pad('hangs', 6)}${pad('heap+MiB', 9)}${pad('slowest ms', 11)}${pad('s', 7)}`);
for (const r of reports) {
  console.log(
    `${r.target.padEnd(24)}${pad(r.cases, 9)}${pad(r.accepted, 10)}${pad(r.rejected, 10)}${pad(Object.keys(r.rejectedByClass).length, 8)}${pad(r.crashes, 8)}${pad(r.hangs, 6)}${pad(mib(r.maxHeapGrowthBytes), 9)}${pad(r.slowestCaseMs.toFixed(1), 11)}${pad((r.durationMs / 1000).toFixed(1), 7)}`,
  );
  for (const c of [...r.crashSamples, ...r.hangSamples].slice(0, 5)) console.log(`  case ${c.index} (replay: --replay "${r.target}:${c.index}"): ${c.error.split('\n')[0]}`);
}
console.log(`\nfuzzCasesPerDecoder ${result.fuzzCasesPerDecoder}, fuzzCrashes ${result.fuzzCrashes}, fuzzHangs ${result.fuzzHangs}; wrote ${values.out}`);
process.exit(result.fuzzCrashes + result.fuzzHangs > 0 ? 1 : 0);
