/**
 * Traffic and fault tools for the fault tests: an OTLP request whose points
 * are counted exactly, a sender that times each attempt, the resident memory
 * of a process, and small tmpfs file systems (root only) to fill or make
 * read-only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tempDir } from './aggregator.js';

/**
 * An OTLP/JSON metrics request of one `ml.predictions` delta point of count 1
 * for `model`: each acknowledged request is one accepted data point.
 * `paddingBytes` adds a resource attribute of that size (the ingest log stores bodies whole).
 */
export function predictionRequest(model: string, paddingBytes = 0): string {
  const attributes = [{ key: 'ml.model.name', value: { stringValue: model } }];
  if (paddingBytes > 0) attributes.push({ key: 'padding', value: { stringValue: 'x'.repeat(paddingBytes) } });
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes },
        scopeMetrics: [
          {
            scope: {},
            metrics: [
              {
                name: 'ml.predictions',
                sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ asInt: '1', timeUnixNano: String(Date.now() * 1e6), attributes: [{ key: 'ml.prediction.label', value: { stringValue: 'ok' } }] }] },
              },
            ],
          },
        ],
      },
    ],
  });
}

/** One attempt: the HTTP status (0: no answer, the connection failed or the client timed out), its time, and what came back. */
export interface Attempt {
  status: number;
  ms: number;
  retryAfter: string | null;
  body: string;
  timedOut: boolean;
}

/** POSTs an OTLP/JSON metrics request to `otlpHttp`, giving up after `timeoutMs`. */
export async function postMetrics(otlpHttp: string, body: string, timeoutMs = 30_000): Promise<Attempt> {
  const started = performance.now();
  try {
    const r = await fetch(`${otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await r.text();
    return { status: r.status, ms: performance.now() - started, retryAfter: r.headers.get('retry-after'), body: text, timedOut: false };
  } catch (err) {
    return { status: 0, ms: performance.now() - started, retryAfter: null, body: String(err), timedOut: (err as Error).name === 'TimeoutError' };
  }
}

/** The q-quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Resident memory of process `pid`, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** A mounted tmpfs. */
export interface Tmpfs {
  readonly dir: string;
  /** Remounts it read-only (true) or read-write (false). */
  readOnly(on: boolean): void;
  unmount(): void;
}

/**
 * Mounts a tmpfs of `sizeBytes` on a new directory: a real file system that
 * fills up (ENOSPC) and can be made read-only (EROFS). Needs root (or
 * CAP_SYS_ADMIN); returns undefined when mounting is not allowed.
 */
export function mountTmpfs(sizeBytes: number): Tmpfs | undefined {
  const dir = tempDir();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmdirSync(dir);
    return undefined;
  }
  let mounted = true;
  return {
    dir,
    readOnly: (on) => void execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir]),
    unmount() {
      if (!mounted) return;
      mounted = false;
      // Lazily: a process still holding a file in it must not leave it mounted.
      execFileSync('umount', ['-l', dir]);
    },
  };
}

/** An ext4 file system on a loop device, mounted with `errors=remount-ro`. */
export interface Ext4 {
  readonly dir: string;
  /**
   * Raises a file-system error (ext4's `trigger_fs_error`, as after an I/O
   * error of the disk): the kernel aborts the journal and turns the file system
   * read-only under the processes that have files open in it, which a
   * `mount -o remount,ro` refuses to do (EBUSY).
   */
  fail(): void;
  /** Unmounts, repairs (e2fsck) and mounts it again, read-write. */
  repair(): void;
  unmount(): void;
}

/** Makes and mounts an ext4 file system of `sizeBytes` in a loop device; undefined when that is not allowed here (needs root and loop devices). */
export function mountExt4(sizeBytes: number): Ext4 | undefined {
  const image = join(tempDir(), 'fs.img');
  const dir = tempDir();
  let trigger = '';
  // The loop device may differ from one mount to the next: so may its sysfs directory.
  const mount = (): void => {
    execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, dir], { stdio: 'ignore' });
    const device = basename(realpathSync(execFileSync('findmnt', ['-n', '-o', 'SOURCE', dir], { encoding: 'utf8' }).trim()));
    trigger = `/sys/fs/ext4/${device}/trigger_fs_error`;
  };
  try {
    execFileSync('truncate', ['-s', String(sizeBytes), image]);
    execFileSync('mkfs.ext4', ['-q', '-F', image], { stdio: 'ignore' });
    mount();
    if (!existsSync(trigger)) {
      execFileSync('umount', [dir]);
      return undefined;
    }
  } catch {
    return undefined;
  }
  let mounted = true;
  return {
    dir,
    fail: () => writeFileSync(trigger, '1'),
    repair() {
      execFileSync('umount', [dir]);
      try {
        execFileSync('e2fsck', ['-fy', image], { stdio: 'ignore' });
      } catch (err) {
        // 1: errors were found and corrected (the error this file system was failed with).
        if ((err as { status?: number }).status !== 1) throw err;
      }
      mount();
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir]);
      rmSync(image, { force: true });
    },
  };
}

/** Whether this process may mount a tmpfs (the full-disk and read-only tests need to). */
export function canMountTmpfs(): boolean {
  const t = mountTmpfs(64 * 1024);
  t?.unmount();
  return t !== undefined;
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
