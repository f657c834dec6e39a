/**
 * Faults of the storage under a real `modelwatch serve`, each ending with a
 * restart on the same data directory that compares what was acknowledged
 * (answered 200) with what the model holds:
 *
 * - A full disk: a 4 MiB tmpfs as the data directory, filled by the test.
 *   Below `storage.minFreeSpace` the service refuses with 503 and Retry-After,
 *   says so on /readyz and in its metrics, and takes data again as soon as
 *   space is freed. With the guard off, the write itself fails (ENOSPC): the
 *   request is refused and the service stops (fail-stop, exit 1).
 * - A read-only data directory: at start (a tmpfs mounted read-only), and
 *   while running: ext4 on a loop device, turned read-only by a file-system
 *   error, as the kernel does after an I/O error of the disk. (The tests run
 *   as root, which ignores file permissions, so chmod would not do; and
 *   `mount -o remount,ro` refuses while files are open for writing.)
 * - A slow disk: strace's fault injection, attached to the running process,
 *   delays every fsync/fdatasync by 300 ms, then is detached.
 * - SQLite busy: another process holds the database's write lock for 8 s.
 *
 * Mounting needs root (or CAP_SYS_ADMIN) and loop devices, the slow disk
 * strace and ptrace: without them those cases are skipped, saying why.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { collectFigures } from '../helpers/figures.js';
import { canMountTmpfs, mountExt4, mountTmpfs, postMetrics, predictionRequest, quantile, rssBytes, sleep, type Attempt } from '../helpers/traffic.js';

const MODEL = 'fraud';
const MiB = 1024 * 1024;
const ROOT_FS = canMountTmpfs();
const NO_MOUNT = 'mounting a file system needs root (or CAP_SYS_ADMIN) here';

/** No evaluation tick unless asked: the log is the only writer. */
const config = (storage: string, evaluation = '1h'): string => `evaluation: { interval: ${evaluation} }\nstorage: ${storage}\nmodels:\n  - { name: ${MODEL}, task: classification }\n`;

interface Readyz {
  store: {
    disk: { freeBytes: number | null; minFreeBytes: number; refusing: boolean } | null;
    refusedRequests: number;
    checkpoints: { committed: number; deferred: number; failing: boolean; lastError: string | null };
  };
}

/** The value of the Prometheus sample `name{labels...}` in `text`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const metricsOf = async (a: RunningAggregator): Promise<string> => (await fetch(`${a.addresses.http}/metrics`)).text();
const readyzOf = (a: RunningAggregator): Promise<Readyz> => getJson<Readyz>(`${a.addresses.http}/readyz`);

/** Data points the model holds after a restart on `dataDir` (before any new data). */
async function acceptedAfterRestart(configYaml: string, dataDir: string): Promise<number> {
  const again = await startAggregator(configYaml, { dataDir });
  try {
    return (await getJson<{ accepted: { dataPoints: number } }>(`${again.addresses.http}/api/v1/models/${MODEL}`)).accepted.dataPoints;
  } finally {
    await again.stop();
  }
}

/** Sends `n` requests one after another; all must be acknowledged. */
async function sendAcknowledged(a: RunningAggregator, n: number, padding: number): Promise<number> {
  for (let i = 0; i < n; i++) {
    const r = await postMetrics(a.addresses.otlpHttp, predictionRequest(MODEL, padding));
    assert.equal(r.status, 200, r.body);
  }
  return n;
}

const freeBytes = (dir: string): number => {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
};

const figures = collectFigures('faults-storage', 'storage faults');

describe('modelwatch serve under storage faults', () => {
  describe('a full disk (a 4 MiB tmpfs as the data directory)', { skip: ROOT_FS ? false : NO_MOUNT }, () => {
    it('refuses with 503 and Retry-After below storage.minFreeSpace, reports it on /readyz and as metrics, and takes data again once space is freed', async () => {
      const fs = mountTmpfs(4 * MiB)!;
      try {
        const dataDir = join(fs.dir, 'data');
        const yaml = config('{ minFreeSpace: 1MiB }');
        const agg = await startAggregator(yaml, { dataDir });
        let acknowledged = 0;
        const refused: Attempt[] = [];
        try {
          acknowledged += await sendAcknowledged(agg, 20, 8192);
          const filler = join(fs.dir, 'filler');
          writeFileSync(filler, Buffer.alloc(freeBytes(fs.dir) - 768 * 1024));
          // Another process filled the disk: /readyz shows it within the guard's refresh (250 ms).
          await waitFor('/readyz to report the disk', async () => ((await readyzOf(agg)).store.disk?.refusing === true ? true : undefined), 5000, 50);
          for (let i = 0; i < 5; i++) refused.push(await postMetrics(agg.addresses.otlpHttp, predictionRequest(MODEL, 8192)));
          for (const r of refused) {
            assert.equal(r.status, 503, r.body);
            assert.equal(r.retryAfter, '5');
            assert.match(r.body, /has \d+\.\d KiB free, less than storage\.minFreeSpace \(1\.0 MiB\); new data is refused until space is freed/);
          }
          assert.equal(agg.process.exitCode, null, 'the service keeps running');
          const ready = await readyzOf(agg);
          assert.equal(ready.store.refusedRequests, 5);
          assert.equal(ready.store.disk?.minFreeBytes, MiB);
          let m = await metricsOf(agg);
          assert.equal(sample(m, 'ml_aggregator_degraded', { ml_aggregator_component: 'storage' }), 1);
          assert.equal(sample(m, 'ml_aggregator_refused_total', { ml_signal: 'metrics', ml_refusal_reason: 'disk_space' }), 5);
          // The API still answers meanwhile.
          assert.equal((await fetch(`${agg.addresses.http}/api/v1/models/${MODEL}`)).status, 200);

          rmSync(filler);
          // A refusal is decided on a free-space reading at most 250 ms old: a sender that waits that long (Retry-After says 5 s) is taken.
          await sleep(300);
          const back = await postMetrics(agg.addresses.otlpHttp, predictionRequest(MODEL, 8192));
          assert.equal(back.status, 200, back.body);
          acknowledged++;
          assert.equal((await readyzOf(agg)).store.disk?.refusing, false);
          m = await metricsOf(agg);
          assert.equal(sample(m, 'ml_aggregator_degraded', { ml_aggregator_component: 'storage' }), 0);
          assert.match(agg.stderr(), /less than storage\.minFreeSpace[\s\S]*free space is back above storage\.minFreeSpace: taking data again/);
        } finally {
          await agg.stop();
        }
        const held = await acceptedAfterRestart(yaml, dataDir);
        assert.equal(held, acknowledged, 'every acknowledged point, and nothing of the refused requests');
        figures.add('fullDiskGuarded', `full disk, guard on: ${acknowledged} acknowledged, ${refused.length} refused with 503 Retry-After 5 while full, the next request after freeing space taken, ${held} held after restart (lost ${acknowledged - held})`, { acknowledged, refused: refused.length, held, lost: acknowledged - held });
      } finally {
        fs.unmount();
      }
    });

    it('with the guard off, a write that fails for want of space is refused (503) and the service stops (exit 1); the restart holds exactly what was acknowledged', async () => {
      const fs = mountTmpfs(4 * MiB)!;
      try {
        const dataDir = join(fs.dir, 'data');
        const yaml = config('{ minFreeSpace: 0 }');
        const agg = await startAggregator(yaml, { dataDir });
        let acknowledged = 0;
        let failure: Attempt | undefined;
        try {
          acknowledged += await sendAcknowledged(agg, 5, 8192);
          writeFileSync(join(fs.dir, 'filler'), Buffer.alloc(freeBytes(fs.dir) - 16 * 1024));
          for (let i = 0; i < 20 && failure === undefined; i++) {
            const r = await postMetrics(agg.addresses.otlpHttp, predictionRequest(MODEL, 16 * 1024));
            if (r.status === 200) acknowledged++;
            else failure = r;
          }
          assert.ok(failure !== undefined, 'a write past the free space fails');
          assert.equal(failure.status, 503, failure.body);
          assert.ok(Number(failure.retryAfter) > 0);
          assert.match(failure.body, /cannot store the request durably: .*(ENOSPC|no space left|short write)/i);
          await waitFor('the aggregator to stop by itself', async () => agg.process.exitCode ?? undefined, 20_000);
          assert.equal(await agg.stop(), 1, agg.stderr());
          assert.match(agg.stderr(), /store failure/);
        } finally {
          await agg.stop('SIGKILL');
        }
        rmSync(join(fs.dir, 'filler'));
        const held = await acceptedAfterRestart(yaml, dataDir);
        assert.equal(held, acknowledged);
        figures.add('fullDiskUnguarded', `full disk, guard off (minFreeSpace 0): ${acknowledged} acknowledged, the write past the free space answered 503 and the process exited 1 (fail-stop); after space was freed the restart held ${held} (lost ${acknowledged - held})`, { acknowledged, held, lost: acknowledged - held, exitCode: 1 });
      } finally {
        fs.unmount();
      }
    });
  });

  describe('a read-only data directory', { skip: ROOT_FS ? false : NO_MOUNT }, () => {
    it('at start: exits 1, naming the directory and the read-only file system', async () => {
      const fs = mountTmpfs(MiB)!;
      try {
        const dataDir = join(fs.dir, 'data');
        mkdirSync(dataDir);
        fs.readOnly(true);
        await assert.rejects(startAggregator(config('{}'), { dataDir }), (e: Error) => {
          assert.match(e.message, /exited with 1 before ready/);
          assert.ok(e.message.includes(dataDir), e.message);
          assert.match(e.message, /EROFS: read-only file system/);
          return true;
        });
        figures.add('readOnlyAtStart', 'read-only data directory at start: exit 1, "cannot create <dir>/modelwatch.pid: EROFS: read-only file system"', { exitCode: 1 });
      } finally {
        fs.unmount();
      }
    });

    for (const synchronous of ['FULL', 'NORMAL'] as const) {
      it(`while running (storage.synchronous ${synchronous}): 503 and exit 1, restarts refused naming it until it is repaired, then ${synchronous === 'FULL' ? 'every acknowledged point is there' : 'what the last checkpoint covers is there'}`, async (t) => {
        const fs = mountExt4(32 * MiB);
        if (fs === undefined) return t.skip('needs loop devices, ext4 and its trigger_fs_error');
        try {
          const dataDir = join(fs.dir, 'data');
          // A checkpoint at every tick (1 s): NORMAL syncs only those.
          const yaml = config(`{ synchronous: ${synchronous}, minFreeSpace: 1MiB, checkpointInterval: 1s }`, '1s');
          const agg = await startAggregator(yaml, { dataDir });
          let acknowledged = 0;
          let checkpointed = 0;
          try {
            acknowledged += await sendAcknowledged(agg, 20, 1024);
            // The second checkpoint from now surely began after those requests.
            const committed = (await readyzOf(agg)).store.checkpoints.committed;
            await waitFor('a checkpoint after the first requests', async () => ((await readyzOf(agg)).store.checkpoints.committed >= committed + 2 ? true : undefined), 10_000, 100);
            checkpointed = acknowledged;
            acknowledged += await sendAcknowledged(agg, 20, 1024);
            fs.fail();
            const r = await postMetrics(agg.addresses.otlpHttp, predictionRequest(MODEL, 1024));
            assert.equal(r.status, 503, r.body);
            assert.match(r.body, /cannot store the request durably: .*EROFS: read-only file system/);
            await waitFor('the aggregator to stop by itself', async () => agg.process.exitCode ?? undefined, 20_000);
            assert.equal(await agg.stop(), 1, agg.stderr());
          } finally {
            await agg.stop('SIGKILL');
          }
          // The lock file could not be removed: the restart names the cause (it once said "being taken by another process; try again").
          await assert.rejects(startAggregator(yaml, { dataDir }), (e: Error) => {
            assert.match(e.message, /exited with 1 before ready/);
            assert.match(e.message, /cannot take over .*modelwatch\.pid, left by a process that no longer runs: EROFS: read-only file system/);
            return true;
          });
          fs.repair();
          const held = await acceptedAfterRestart(yaml, dataDir);
          if (synchronous === 'FULL') assert.equal(held, acknowledged, 'every acknowledged point survives the file system going read-only');
          else assert.ok(held >= checkpointed && held <= acknowledged, `held ${held}: at least the ${checkpointed} the last checkpoint covered, at most the ${acknowledged} acknowledged`);
          figures.add(
            `readOnlyWhileRunning${synchronous === 'FULL' ? 'Full' : 'Normal'}`,
            `read-only while running (ext4 error, synchronous ${synchronous}): 503 then exit 1; restart refused naming EROFS until repaired; after e2fsck ${held} of ${acknowledged} acknowledged held` +
              (synchronous === 'NORMAL' ? ` (lost ${acknowledged - held}: the journal abort dropped what was acknowledged but not yet synced, as a power loss would; ${checkpointed} covered by the last checkpoint survived)` : ` (lost ${acknowledged - held})`),
            { synchronous, acknowledged, checkpointed, held, lost: acknowledged - held },
          );
        } finally {
          fs.unmount();
        }
      });
    }
  });

  it('a slow disk (every fsync delayed 300 ms, synchronous FULL): latency grows and 429 with Retry-After engages, memory stays flat, and it recovers when the disk is fast again', async (t) => {
    const yaml = config('{ synchronous: FULL }').replace('models:', 'limits: { maxInFlightRequests: 32 }\nmodels:');
    const dataDir = tempDir();
    const agg = await startAggregator(yaml, { dataDir });
    const pid = agg.process.pid as number;
    type Result = { phase: string; status: number; ms: number; retryAfter: string | null; at: number };
    const results: Result[] = [];
    const rss: Record<string, number[]> = {};
    let phase = 'warm-up';
    let outstanding = 0;
    let running = true;
    // Open loop, as many independent senders are: 200 requests/s whatever the answers, at most 400 outstanding.
    const generator = (async () => {
      let next = performance.now();
      for (let i = 0; i < 10_000 && running; i++) {
        if (outstanding < 400) {
          const p = phase;
          outstanding++;
          void postMetrics(agg.addresses.otlpHttp, predictionRequest(MODEL, 2048)).then((r) => {
            outstanding--;
            results.push({ phase: p, status: r.status, ms: r.ms, retryAfter: r.retryAfter, at: performance.now() });
          });
        }
        next += 5;
        await sleep(Math.max(0, next - performance.now()));
      }
    })();
    const sampler = setInterval(() => (rss[phase] ??= []).push(rssBytes(pid)), 100);
    let strace: ReturnType<typeof spawn> | undefined;
    let recoveredAt = 0;
    try {
      await sleep(1000);
      phase = 'normal';
      await sleep(2000);
      // Requests sent while strace attaches are counted in no phase.
      phase = 'attaching';
      strace = spawn('strace', ['-f', '-qq', '-p', String(pid), '-o', '/dev/null', '-e', 'trace=fsync,fdatasync', '-e', 'inject=fsync,fdatasync:delay_exit=300000'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let straceErr = '';
      strace.stderr?.on('data', (d: Buffer) => (straceErr += d.toString()));
      const early = await Promise.race([new Promise<number | null>((r) => strace!.once('exit', r)), sleep(300).then(() => 'attached' as const)]);
      if (early !== 'attached') {
        running = false;
        return t.skip(`strace could not attach (ptrace not allowed here?): ${straceErr.trim()}`);
      }
      phase = 'slow';
      await sleep(4000);
      strace.kill('SIGINT');
      await new Promise((r) => strace!.once('exit', r));
      strace = undefined;
      phase = 'recovered';
      recoveredAt = performance.now();
      await sleep(2500);
    } finally {
      running = false;
      strace?.kill('SIGKILL');
      await generator;
      clearInterval(sampler);
      for (let i = 0; i < 600 && outstanding > 0; i++) await sleep(50);
      await agg.stop();
    }
    const stats = (p: string) => {
      const rs = results.filter((r) => r.phase === p);
      const ok = rs.filter((r) => r.status === 200).map((r) => r.ms);
      return { sent: rs.length, ok: ok.length, throttled: rs.filter((r) => r.status === 429 || r.status === 503).length, other: rs.filter((r) => ![200, 429, 503].includes(r.status)).length, p50: quantile(ok, 0.5), p99: quantile(ok, 0.99), rssMax: Math.max(...(rss[p] ?? [0])) };
    };
    const normal = stats('normal');
    const slow = stats('slow');
    const recovered = stats('recovered');
    const line = (name: string, s: ReturnType<typeof stats>): string =>
      `${name}: ${s.sent} sent, ${s.ok} acknowledged (p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms), ${s.throttled} refused 429/503, RSS max ${(s.rssMax / MiB).toFixed(0)} MiB`;
    assert.equal(normal.other + slow.other + recovered.other, 0, 'every request answered 200, 429 or 503');
    assert.ok(normal.p50 < 50, `normal p50 ${normal.p50}`);
    assert.ok(slow.p50 >= 300, `a slow fsync shows in the latency (p50 ${slow.p50})`);
    assert.ok(slow.throttled > 0, 'backpressure engaged');
    assert.ok(results.filter((r) => r.status === 429 || r.status === 503).every((r) => Number(r.retryAfter) > 0), 'every refusal carries Retry-After');
    assert.ok(slow.rssMax < normal.rssMax + 64 * MiB, `memory stays bounded: ${slow.rssMax} vs ${normal.rssMax}`);
    // Recovered: once the slow phase's backlog drains (on a busy machine that can take a few
    // seconds), every request is taken and fast again.
    const late = results.filter((r) => r.phase === 'recovered' && r.at > recoveredAt + 1000);
    const lastRefused = Math.max(recoveredAt, ...late.filter((r) => r.status !== 200).map((r) => r.at));
    assert.ok(late.length > 100 && late.filter((r) => r.status !== 200).length <= late.length / 20, `recovered: ${JSON.stringify(stats('recovered'))}`);
    assert.ok(lastRefused < recoveredAt + 3000, `refusals stop within 3 s of recovery: ${JSON.stringify(stats('recovered'))}`);
    assert.ok(quantile(late.map((r) => r.ms), 0.5) < 50);
    const acknowledged = results.filter((r) => r.status === 200).length;
    const held = await acceptedAfterRestart(yaml, dataDir);
    figures.add('slowDisk', `slow disk (fsync +300 ms, FULL, 200 requests/s, maxInFlightRequests 32): ${line('normal', normal)}; ${line('slow', slow)}; ${line('recovered', recovered)}; ${held} of ${acknowledged} acknowledged held after restart (lost ${acknowledged - held})`, {
      acknowledged,
      held,
      lost: acknowledged - held,
      refusedWhileSlow: slow.throttled,
      p99MsNormal: Math.round(normal.p99),
      p99MsSlow: Math.round(slow.p99),
      p99MsRecovered: Math.round(recovered.p99),
      rssMaxBytesSlow: slow.rssMax,
    });
    assert.equal(held, acknowledged, 'every acknowledged point, none of the refused ones');
  });

  it('SQLite busy (another process holds the write lock 8 s): ingestion goes on unhindered, the checkpoint is deferred and reported, then commits; nothing is lost', async () => {
    const yaml = config('{ checkpointInterval: 1s }', '1s');
    const dataDir = tempDir();
    const agg = await startAggregator(yaml, { dataDir });
    const attempts: Array<Attempt & { locked: boolean }> = [];
    let locked = false;
    let running = true;
    const client = (async () => {
      for (let i = 0; i < 10_000 && running; i++) {
        const l = locked;
        attempts.push({ ...(await postMetrics(agg.addresses.otlpHttp, predictionRequest(MODEL))), locked: l });
        await sleep(10);
      }
    })();
    let during: Readyz | undefined;
    let degradedDuring: number | undefined;
    let afterLock: Readyz | undefined;
    try {
      await sleep(1500);
      // An sqlite3 shell in a transaction, a backup tool: in WAL mode EXCLUSIVE keeps every other writer out.
      const other = new Database(join(dataDir, 'modelwatch.db'));
      other.exec('BEGIN EXCLUSIVE');
      locked = true;
      try {
        // The worker waits 5 s for the lock, then defers the checkpoint.
        during = await waitFor('/readyz to report the deferred checkpoint', async () => {
          const r = await readyzOf(agg);
          return r.store.checkpoints.failing ? r : undefined;
        }, 7500, 100);
        degradedDuring = sample(await metricsOf(agg), 'ml_aggregator_degraded', { ml_aggregator_component: 'checkpoint' });
        await sleep(Math.max(0, 8000 - 5500));
      } finally {
        locked = false;
        other.exec('COMMIT');
        other.close();
      }
      afterLock = await waitFor('a checkpoint to commit after the lock', async () => {
        const r = await readyzOf(agg);
        return !r.store.checkpoints.failing && r.store.checkpoints.committed > (during?.store.checkpoints.committed ?? 0) ? r : undefined;
      }, 10_000, 100);
    } finally {
      running = false;
      await client;
    }
    assert.equal(agg.process.exitCode, null, `the service keeps running; stderr:\n${agg.stderr()}`);
    await agg.stop();
    assert.match(during?.store.checkpoints.lastError ?? '', /database is locked/);
    assert.equal(degradedDuring, 1);
    assert.ok(afterLock !== undefined);
    assert.match(agg.stderr(), /checkpoint deferred, the database is locked by another connection[\s\S]*checkpoint committed after \d+ deferred/);
    assert.ok(attempts.every((a) => a.status === 200), `every request acknowledged: ${JSON.stringify(attempts.filter((a) => a.status !== 200).slice(0, 3))}`);
    const underLock = attempts.filter((a) => a.locked).map((a) => a.ms);
    const maxLocked = Math.max(...underLock);
    // Before the fix, each write of the alert state held the event loop 5 s under the lock, and the deferred checkpoint stopped the service.
    assert.ok(maxLocked < 1000, `longest request under the lock ${maxLocked.toFixed(0)} ms`);
    const held = await acceptedAfterRestart(yaml, dataDir);
    assert.equal(held, attempts.length);
    figures.add(
      'sqliteBusy',
      `SQLite busy (8 s EXCLUSIVE lock): ${attempts.length} requests all acknowledged, ${underLock.length} under the lock (p50 ${quantile(underLock, 0.5).toFixed(0)} ms, max ${maxLocked.toFixed(0)} ms); ` +
        `${during?.store.checkpoints.deferred ?? 0} checkpoint(s) deferred, then committed; ${held} held after restart (lost ${attempts.length - held})`,
      { acknowledged: attempts.length, held, lost: attempts.length - held, maxMsUnderLock: Math.round(maxLocked), checkpointsDeferred: during?.store.checkpoints.deferred ?? 0 },
    );
  });
});
