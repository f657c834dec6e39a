#!/usr/bin/env node
// The first step of `npm test`: makes this machine ready for the test suite, so
// that `npm ci && npm test` passes on a fresh clone with nothing done by hand.
//   1. System packages (scripts/system-deps.tsv): when one is missing, run
//      scripts/install-system-deps.sh if we are root, else stop and print the
//      exact command to run.
//   2. The project's Python environment, .venv/ (git ignores it): created when
//      absent (or with --fresh, recreated), then brought up to date from
//      requirements.txt by pip on every run. There is deliberately no "already
//      importable" shortcut: a wrong pin must fail here, on every machine.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const fresh = process.argv.includes('--fresh');

/** The venv's interpreter; tests that run Python use this one (see venvPython in test helpers). */
export const VENV_PYTHON = join(root, '.venv', 'bin', 'python');

/** @param {string} cmd @param {string[]} args @param {import('node:child_process').SpawnSyncOptions} [opts] */
function run(cmd, args, opts = {}) {
  console.log(`setup: $ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) {
    console.error(`setup: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  if (r.status !== 0) {
    console.error(`setup: \`${cmd} ${args.join(' ')}\` failed with status ${r.status ?? r.signal}`);
    process.exit(r.status ?? 1);
  }
}

/** Debian packages whose probe fails. */
function missingSystemPackages() {
  const lines = readFileSync(join(root, 'scripts', 'system-deps.tsv'), 'utf8').split('\n');
  const missing = [];
  for (const line of lines) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [probe, pkg] = line.split('\t');
    if (probe === undefined || pkg === undefined) throw new Error(`scripts/system-deps.tsv: expected "probe<TAB>package", got ${JSON.stringify(line)}`);
    const r = spawnSync('bash', ['-c', probe], { stdio: 'ignore', cwd: root });
    if (r.status !== 0) missing.push(pkg);
  }
  return missing;
}

const missing = missingSystemPackages();
if (missing.length > 0) {
  if (process.getuid?.() === 0) {
    run('bash', ['scripts/install-system-deps.sh']);
  } else {
    console.error(`setup: system packages missing: ${missing.join(', ')}\nsetup: run this once, then npm test again:\n\n  sudo bash scripts/install-system-deps.sh\n`);
    process.exit(1);
  }
}

if (fresh) rmSync(join(root, '.venv'), { recursive: true, force: true });
if (!existsSync(VENV_PYTHON)) run('python3', ['-m', 'venv', '.venv']);
run(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', 'requirements.txt']);
console.log('setup: ready');
