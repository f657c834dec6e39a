#!/usr/bin/env node
// The npm registry reachable here serves only the Linux builds of some
// platform-specific optional packages (e.g. @turbo/darwin-64 answers 404), so
// `npm install` leaves them out of package-lock.json, and `npm ci` then refuses
// the lock ("Missing: @turbo/darwin-64@ from lock file"). This adds the missing
// optional entries with their os/cpu, so `npm ci` skips them on every machine
// without fetching. Run after `npm install`; `npm test` checks it is not needed.
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const check = process.argv.includes('--check');

/** os and cpu from a platform package's name, e.g. "darwin-arm64", "windows-64". */
function platformOf(name) {
  const os = /darwin/.test(name) ? 'darwin' : /win(dows|32)/.test(name) ? 'win32' : /linux/.test(name) ? 'linux' : undefined;
  const cpu = /arm64/.test(name) ? 'arm64' : /(x64|-64)$/.test(name) ? 'x64' : undefined;
  return os && cpu ? { os, cpu } : undefined;
}

const missing = [];
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const depKey = `node_modules/${dep}`;
    if (lock.packages[depKey] !== undefined || lock.packages[`${key}/${depKey}`] !== undefined) continue;
    const p = platformOf(dep);
    if (!p) continue;
    missing.push(dep);
    lock.packages[depKey] = { version, cpu: [p.cpu], dev: entry.dev ?? undefined, license: entry.license, optional: true, os: [p.os] };
  }
}
if (check) {
  if (missing.length > 0) {
    console.error(`package-lock.json lacks optional platform entries (${missing.join(', ')}): run node scripts/fix-lockfile.mjs`);
    process.exit(1);
  }
  process.exit(0);
}
const sorted = {};
for (const k of Object.keys(lock.packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0))) sorted[k] = lock.packages[k];
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(missing.length > 0 ? `added ${missing.join(', ')}` : 'package-lock.json complete');
