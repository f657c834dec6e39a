import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../../src/store/database.js';
import { LOCK_FILE, lockDataDir } from '../../src/store/lock.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mw-lock-'));

/** Mounts a small tmpfs on a new directory; undefined when this process may not mount (not root). */
function tmpfs(): string | undefined {
  const dir = tmp();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmdirSync(dir);
    return undefined;
  }
}

const mountable = tmpfs();
if (mountable !== undefined) execFileSync('umount', [mountable]);

describe('lockDataDir', () => {
  it('takes a free data directory and releases it', () => {
    const dir = tmp();
    const release = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
    release();
    // Held by a process that runs (pid 1): refused.
    writeFileSync(join(dir, LOCK_FILE), '1\n');
    assert.throws(() => lockDataDir(dir), /in use by another modelwatch \(pid 1\)/);
  });

  it('takes over a lock file left by a process that no longer runs', () => {
    const dir = tmp();
    // Pid 2^22 + 1 is above Linux's pid_max: no process has it.
    writeFileSync(join(dir, LOCK_FILE), `${2 ** 22 + 1}\n`);
    const release = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
    release();
  });

  it(
    'names the read-only file system when a stale lock file cannot be removed (regression: "being taken by another process; try again")',
    { skip: mountable === undefined ? 'needs to mount a tmpfs (root)' : false },
    () => {
      const dir = tmpfs() as string;
      try {
        writeFileSync(join(dir, LOCK_FILE), `${2 ** 22 + 1}\n`);
        execFileSync('mount', ['-o', 'remount,ro', dir]);
        assert.throws(
          () => lockDataDir(dir),
          (e: unknown) => e instanceof StoreError && e.message.includes(join(dir, LOCK_FILE)) && /EROFS|read-only file system/.test(e.message) && !/another process/.test(e.message),
        );
      } finally {
        execFileSync('umount', [dir]);
      }
    },
  );
});
