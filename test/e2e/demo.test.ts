/**
 * `npm run demo` as a newcomer runs it: the dashboard's URL comes first, the
 * aggregator, the example service and its traffic start, the default tour
 * shows drift on a feature and an alert firing with its runbook, a bad
 * `--scenario` is refused with the list of names, and SIGTERM or Ctrl-C
 * stops everything with exit 0 and no process left behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, getJson, waitFor } from '../helpers/aggregator.js';

const SCENARIOS = ['tour', 'stationary', 'gradual-drift', 'sudden-drift', 'new-category', 'latency-spike', 'error-burst', 'accuracy-drop'];

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running demo, its stdout lines as they come, and everything it printed. */
interface Demo {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  output(): string;
  exited: Promise<number | null>;
  /** The first stdout line matching `re`, waiting up to `timeoutMs`. */
  line(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
}

/** `group`: the demo leads its own process group, as in a terminal, where Ctrl-C signals the whole group. */
function startDemo(args: string[], group = false): Demo {
  const child = spawn(
    process.execPath,
    ['scripts/demo.mjs', '--skip-build', '--http', '127.0.0.1:0', '--otlp', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0', ...args],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], detached: group },
  );
  const lines: string[] = [];
  let all = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (all += d));
  createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    all += `${l}\n`;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    process: child,
    lines,
    output: () => all,
    exited,
    line: (re, timeoutMs) =>
      waitFor(`a demo line matching ${re}`, async () => {
        for (const l of lines) {
          const m = re.exec(l);
          if (m) return m;
        }
        if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode})`);
        return undefined;
      }, timeoutMs, 250).catch((err: Error) => {
        throw new Error(`${err.message}; it printed:\n${all}`);
      }),
  };
}

/** Sends `signal` to the demo (or its whole process group) and checks the exit and that no child is left. */
async function stopsCleanly(demo: Demo, signal: NodeJS.Signals, group = false): Promise<void> {
  const kids = childrenOf(demo.process.pid!);
  assert.equal(kids.length, 3, `aggregator, service and traffic run under the demo: ${kids.join(', ')}`);
  if (group) process.kill(-demo.process.pid!, signal);
  else demo.process.kill(signal);
  assert.equal(await demo.exited, 0, demo.output());
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(kids.filter(alive), [], 'no process is left behind');
  assert.match(demo.output(), /demo: stopped/);
}

describe('npm run demo', () => {
  it('prints the dashboard URL first, runs the aggregator, the example service and traffic, then stops cleanly on SIGTERM', async () => {
    const demo = startDemo([]);
    try {
      const [, dashboard] = await demo.line(/dashboard (\S+)/, 60_000);
      assert.match(demo.lines[0] ?? '', /^modelwatch demo: dashboard http:\/\/127\.0\.0\.1:\d+\/$/, 'the first line printed');
      const [, api] = await demo.line(/model status\s+(\S+)/, 30_000);
      assert.ok(api?.startsWith(dashboard!), `${api} is on the dashboard's server ${dashboard}`);
      const status = await waitFor(
        'the example service to report requests',
        async () => {
          const s = await getJson<{ liveness: { lastSeen: string | null } }>(api!);
          return s.liveness.lastSeen !== null ? s : undefined;
        },
        40_000,
        500,
      );
      assert.ok(status.liveness.lastSeen);
      await stopsCleanly(demo, 'SIGTERM');
    } finally {
      if (demo.process.exitCode === null) demo.process.kill('SIGKILL');
    }
  });

  it('refuses an unknown --scenario with the list of names, before starting anything', () => {
    const r = spawnSync(process.execPath, ['scripts/demo.mjs', '--skip-build', '--scenario', 'bogus'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /unknown scenario "bogus"/);
    for (const name of SCENARIOS) assert.match(r.stderr, new RegExp(`^  ${name} `, 'm'), `${name} is listed:\n${r.stderr}`);
    assert.doesNotMatch(r.stdout, /dashboard/, 'nothing was started');
  });

  it('the tour shows drift on a feature and an alert firing with its runbook, then stops on Ctrl-C', async () => {
    // The tour drifts at 45 s; --duration bounds the run if the drift never shows.
    const demo = startDemo(['--duration', '150s'], true);
    try {
      const [, dashboard] = await demo.line(/dashboard (\S+)/, 60_000);
      await demo.line(/ phase sudden-drift: /, 70_000);
      const [, feature] = await demo.line(/baseline ready;.* (language|text_length)=(?:warning|critical)/, 60_000);
      await demo.line(/ ALERT (?:warning|critical) DataDriftDetected: /, 30_000);
      const out = demo.lines.join('\n');
      assert.match(out, / ALERT \w+ DataDriftDetected: .*\n {4}runbook:\n {6}1\. Compare the current and baseline distributions/, 'the runbook follows the alert');
      assert.ok(
        demo.lines.findIndex((l) => / ALERT /.test(l)) > demo.lines.findIndex((l) => / phase sudden-drift: /.test(l)),
        `no alert fires on the stationary traffic before the drift:\n${out}`,
      );
      // The same alert through the API, as the dashboard shows it.
      const alerts = await getJson<{ active: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[] }>(`${dashboard}api/v1/alerts`);
      const firing = alerts.active.find((a) => a.status === 'firing' && a.labels['alertname'] === 'DataDriftDetected' && a.labels['ml_feature_name'] === feature);
      assert.ok(firing, `DataDriftDetected fires for ${feature}: ${JSON.stringify(alerts.active)}`);
      assert.match(firing.annotations['runbook'] ?? '', /^1\. /);
      // Ctrl-C in a terminal: SIGINT to the demo and its children at once.
      await stopsCleanly(demo, 'SIGINT', true);
      assert.match(demo.output(), /demo: seen: drift on [^;]*(language|text_length)[^;]*; fired [^;]*DataDriftDetected/);
    } finally {
      if (demo.process.exitCode === null) process.kill(-demo.process.pid!, 'SIGKILL');
    }
  });
});
