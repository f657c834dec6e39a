#!/usr/bin/env node
// Runs Node's built-in test runner over every `*.test.ts` file below the given
// directories (default: every package's test/ and the root test/), with tsx
// so tests import TypeScript sources directly. Node 20's `--test` does not
// expand globs itself, hence this small walker. Tests make their temporary
// files under os.tmpdir(); the run points TMPDIR at a directory of its own and
// deletes it afterwards, so repeated runs do not fill /tmp (data directories,
// ingest-log segments, configs: ~1 MB to several MB per run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const dirs = args.length > 0
  ? args.map((d) => resolve(d))
  : [
      ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'test')),
      join(root, 'test'),
    ];

/** @param {string} dir @returns {string[]} */
function walk(dir) {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return dir.endsWith('.test.ts') ? [dir] : [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = dirs.flatMap(walk);
if (files.length === 0) {
  console.error(`no *.test.ts files under ${dirs.join(', ')}`);
  process.exit(1);
}
const reporter = process.env.TEST_REPORTER ?? 'spec';
const scratch = mkdtempSync(join(tmpdir(), 'modelwatch-tests-'));
let r;
try {
  r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-reporter=${reporter}`, ...files],
    { stdio: 'inherit', cwd: root, env: { ...process.env, TMPDIR: scratch } },
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(r.status ?? 1);
