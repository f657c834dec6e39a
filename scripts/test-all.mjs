#!/usr/bin/env node
// `npm test`: set the machine up (system packages, the project's Python
// environment), build every package (Turborepo), check lint and types, then run
// all unit and end-to-end tests in one Node test-runner invocation so the run
// ends with a single summary. Arguments go to scripts/setup.mjs (e.g. --fresh).
import { spawnSync } from 'node:child_process';

/** @param {string} cmd @param {string[]} args */
function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run(process.execPath, ['scripts/setup.mjs', ...process.argv.slice(2)]);
run(process.execPath, ['scripts/fix-lockfile.mjs', '--check']);
run('npx', ['turbo', 'run', 'build', 'typecheck', '--output-logs=errors-only']);
run('npx', ['tsc', '-p', 'test/tsconfig.json']);
run('npx', ['eslint', '.']);
run(process.execPath, ['scripts/run-tests.mjs']);
