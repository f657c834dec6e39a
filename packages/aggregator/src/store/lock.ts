/**
 * One aggregator per data directory. Two processes appending to one ingest
 * log would hand out the same sequence numbers and delete each other's
 * acknowledged rows at checkpoints, so the second one must refuse to start.
 *
 * A pid file (like PostgreSQL's postmaster.pid): created exclusively; a file
 * left by a process that no longer runs (kill -9, power loss) is taken over.
 * Node has no flock(2), and SQLite's exclusive locking mode would also lock out
 * read-only inspection, hence this.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './database.js';

/** File name of the lock inside the data directory. */
export const LOCK_FILE = 'modelwatch.pid';

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else — still running.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory for this process.
 * @returns a function that releases it
 * @throws StoreError when another running process holds it
 */
export function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // already gone: nothing to release
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`cannot create ${path}: ${(err as Error).message}`, { cause: err });
      }
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && running(pid)) {
        throw new StoreError(
          `the data directory ${dataDir} is in use by another modelwatch (pid ${pid}); stop it or use another --data-dir`,
        );
      }
      // Left by a process that is gone (or unreadable): take it over.
      try {
        unlinkSync(path);
      } catch (unlinkErr) {
        // ENOENT: another starter removed it first; the next attempt decides. Anything else (a
        // read-only file system, EROFS, once answered "being taken by another process") is why.
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new StoreError(`cannot take over ${path}, left by a process that no longer runs: ${(unlinkErr as Error).message}`, { cause: unlinkErr });
        }
      }
    }
  }
  throw new StoreError(`the data directory ${dataDir} is being taken by another process; try again`);
}
