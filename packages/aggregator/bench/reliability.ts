// The reliability report: gathers the figures of the hardening work into
// bench/results/reliability.json, which docs/reliability.md quotes.
//
// Each figure comes from a run, never from a constant:
// - the kills, the faults and the overload from their end-to-end tests with
//   real processes (test/e2e/crash, faults-storage, faults-delivery, overload),
//   which this script runs (unless --from-artifacts) and which write what they
//   measured to test-artifacts/*.json (test/helpers/figures.ts);
// - fuzzing from bench/results/fuzz.json (npm run bench:fuzz, about 100,000
//   cases per decoder: too long to run here every time);
// - the soak from bench/results/soak.json (npm run bench:soak, 10 minutes).
//
// Run: npm run bench:reliability -w @modelwatch/aggregator [-- --from-artifacts] [--out path]
// The storage faults need root (tmpfs, loop devices, strace): without it they
// are skipped and the report says which figures are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const RESULTS = join(ROOT, 'bench', 'results');
const ARTIFACTS = join(ROOT, 'test-artifacts');

/** The end-to-end test files whose figures the report holds, by the artifact each writes. */
const TESTS: Record<string, string> = {
  crash: 'test/e2e/crash.test.ts',
  'faults-storage': 'test/e2e/faults-storage.test.ts',
  'faults-delivery': 'test/e2e/faults-delivery.test.ts',
  overload: 'test/e2e/overload.test.ts',
};

type Values = Record<string, number | string | boolean | null>;
interface FigureFile {
  date: string;
  figures: Record<string, { line: string; values: Values }>;
}
interface OverloadFile {
  date: string;
  overloadMaxRssBytes: number;
  maxResidentMemoryBytes: number;
  acceptedRequestsPerSecond: number;
  refusedRequestsPerSecond: number;
  latencyMs: Record<string, { p50Ms: number; p99Ms: number }>;
  recoveryReadyMs: number;
  acknowledged: { dataPoints: number; logRecords: number };
  acknowledgedLost: { dataPoints: number; logRecords: number };
}

const readJson = <T>(path: string): T | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function main(): void {
  const { values } = parseArgs({
    options: {
      'from-artifacts': { type: 'boolean', default: false },
      out: { type: 'string', default: join(RESULTS, 'reliability.json') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench:reliability -w @modelwatch/aggregator -- [--from-artifacts] [--out bench/results/reliability.json]');
    return;
  }
  if (!values['from-artifacts']) {
    // One file at a time: the faults and the overload measure latency and memory, which a neighbour would disturb.
    for (const file of Object.values(TESTS)) {
      console.log(`running ${file} ...`);
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', file], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status !== 0) throw new Error(`${file} failed (exit ${r.status}): its figures would not be trustworthy; fix it first`);
    }
  }

  const missing: string[] = [];
  const figures = (name: string): FigureFile['figures'] => {
    const f = readJson<FigureFile>(join(ARTIFACTS, `${name}.json`));
    if (f === undefined) missing.push(`test-artifacts/${name}.json (${TESTS[name]})`);
    return f?.figures ?? {};
  };
  const crash = Object.values(figures('crash')).map((f) => f.values);
  const storage = figures('faults-storage');
  const delivery = figures('faults-delivery');
  const overload = readJson<OverloadFile>(join(ARTIFACTS, 'overload.json'));
  if (overload === undefined) missing.push(`test-artifacts/overload.json (${TESTS['overload']})`);
  const fuzz = readJson<{ generatedAt?: string; fuzzCasesPerDecoder: number; fuzzCrashes: number; fuzzHangs?: number; targets?: unknown }>(join(RESULTS, 'fuzz.json'));
  if (fuzz === undefined) missing.push('bench/results/fuzz.json (npm run bench:fuzz -w @modelwatch/aggregator)');
  const soak = readJson<{ date?: string; durationSeconds: number; loadRequestsPerSecond: number; soakRssSlopeBytesPerMinute: number; soakMaxRssBytes: number; latencyP99Ms: number; flat: boolean; verdicts: unknown }>(join(RESULTS, 'soak.json'));
  if (soak === undefined) missing.push('bench/results/soak.json (npm run bench:soak -w @modelwatch/aggregator)');

  // Faults within the durability promise; the read-only case under NORMAL is outside it (docs/durability.md) and reported apart.
  const faults = { ...storage, ...delivery };
  const withinPromise = Object.entries(faults).filter(([k]) => k !== 'readOnlyWhileRunningNormal');
  const faultLost = withinPromise.reduce((s, [, f]) => s + num(f.values['lost']), 0);
  const crashLostPoints = crash.reduce((s, v) => s + num(v['lostPoints']) + num(v['lostObservations']), 0);
  const crashLostRecords = crash.reduce((s, v) => s + num(v['lostRecords']), 0);
  const overloadLost = overload ? overload.acknowledgedLost.dataPoints + overload.acknowledgedLost.logRecords : 0;

  const report = {
    report: 'modelwatch reliability',
    date: new Date().toISOString(),
    node: process.version,
    fuzzCasesPerDecoder: fuzz?.fuzzCasesPerDecoder ?? null,
    fuzzCrashes: fuzz?.fuzzCrashes ?? null,
    fuzzHangs: fuzz?.fuzzHangs ?? null,
    killsSurvived: crash.reduce((s, v) => s + num(v['kills']), 0),
    killCases: crash.map((v) => `${v['transport']}/${v['temporality']}`),
    killsAcknowledgedPoints: crash.reduce((s, v) => s + num(v['acknowledgedPoints']), 0),
    killsAcknowledgedRecords: crash.reduce((s, v) => s + num(v['acknowledgedRecords']), 0),
    killsDuplicates: crash.reduce((s, v) => s + num(v['duplicates']), 0),
    acknowledgedPointsLost: crashLostPoints + faultLost + (overload?.acknowledgedLost.dataPoints ?? 0),
    acknowledgedRecordsLost: crashLostRecords + (overload?.acknowledgedLost.logRecords ?? 0),
    faultsSurvived: withinPromise.map(([k]) => k),
    faults: Object.fromEntries(Object.entries(faults).map(([k, f]) => [k, { ...f.values, line: f.line }])),
    readOnlyUnderNormalLost: storage['readOnlyWhileRunningNormal']?.values['lost'] ?? null,
    overloadMaxRssBytes: overload?.overloadMaxRssBytes ?? null,
    overloadLimitBytes: overload?.maxResidentMemoryBytes ?? null,
    overloadAcceptedRequestsPerSecond: overload?.acceptedRequestsPerSecond ?? null,
    overloadRefusedRequestsPerSecond: overload?.refusedRequestsPerSecond ?? null,
    overloadP99MsHttp: overload?.latencyMs['http']?.p99Ms ?? null,
    overloadP99MsGrpc: overload?.latencyMs['grpc']?.p99Ms ?? null,
    overloadRecoveryMs: overload?.recoveryReadyMs ?? null,
    overloadLost,
    soakDurationSeconds: soak?.durationSeconds ?? null,
    soakLoadRequestsPerSecond: soak?.loadRequestsPerSecond ?? null,
    soakRssSlopeBytesPerMinute: soak?.soakRssSlopeBytesPerMinute ?? null,
    soakMaxRssBytes: soak?.soakMaxRssBytes ?? null,
    soakLatencyP99Ms: soak?.latencyP99Ms ?? null,
    soakFlat: soak?.flat ?? null,
    sources: {
      kills: TESTS['crash'],
      faults: [TESTS['faults-storage'], TESTS['faults-delivery']],
      overload: TESTS['overload'],
      fuzz: `bench/results/fuzz.json (${fuzz?.generatedAt ?? 'absent'})`,
      soak: `bench/results/soak.json (${soak?.date ?? 'absent'})`,
    },
    missing,
  };
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  const rows: Array<[string, unknown]> = [
    ['fuzz cases per decoder (least)', report.fuzzCasesPerDecoder],
    ['fuzz crashes', report.fuzzCrashes],
    ['kills survived', report.killsSurvived],
    ['acknowledged points lost', report.acknowledgedPointsLost],
    ['acknowledged records lost', report.acknowledgedRecordsLost],
    ['faults survived', report.faultsSurvived.length],
    ['overload max RSS / limit (MiB)', overload ? `${(overload.overloadMaxRssBytes / 2 ** 20).toFixed(0)} / ${(overload.maxResidentMemoryBytes / 2 ** 20).toFixed(0)}` : null],
    ['soak RSS slope (MiB/min)', soak ? (soak.soakRssSlopeBytesPerMinute / 2 ** 20).toFixed(2) : null],
    ['soak flat', report.soakFlat],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(34)} ${String(v)}`);
  if (missing.length > 0) console.log(`missing: ${missing.join('; ')}`);
  console.log(`wrote ${values.out}`);
}

main();
