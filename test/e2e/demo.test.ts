/**
 * `npm run demo` as a newcomer runs it: the aggregator, the example service
 * and its traffic start, the model shows up with data, and SIGTERM stops
 * everything with exit 0 and no process left behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, getJson, waitFor } from '../helpers/aggregator.js';

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

describe('npm run demo', () => {
  it('runs the aggregator, the example service and traffic, then stops cleanly on SIGTERM', async () => {
    const demo = spawn(
      process.execPath,
      ['scripts/demo.mjs', '--skip-build', '--http', '127.0.0.1:0', '--otlp', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    demo.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    const api = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`demo did not start in 60 s:\n${out}`)), 60_000);
      createInterface({ input: demo.stdout }).on('line', (line) => {
        out += `${line}\n`;
        const m = /model status\s+(\S+)/.exec(line);
        if (m?.[1]) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    try {
      const status = await waitFor(
        'the example service to report requests',
        async () => {
          const s = await getJson<{ red: { requests: number }; liveness: { lastSeen: string | null } }>(api);
          return s.liveness.lastSeen !== null ? s : undefined;
        },
        40_000,
        500,
      );
      assert.ok(status.liveness.lastSeen);
      const kids = childrenOf(demo.pid!);
      assert.equal(kids.length, 3, `aggregator, service and traffic run under the demo: ${kids.join(', ')}`);
      demo.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(kids.filter(alive), [], 'no process is left behind');
      assert.match(out, /demo: stopped/);
    } finally {
      if (demo.exitCode === null) demo.kill('SIGKILL');
    }
  });
});
