// `modelwatch` from the sources (through tsx), for benchmarks that run the real
// CLI process without a build (bench/soak.ts).
//
// With MW_BENCH_MEMORY=1 it also writes one `MW_MEMORY {json}` line a second to
// stderr: the V8 heap's committed and used bytes, and the heap used just after
// the last full (mark-compact) collection, i.e. about what is live. Resident
// memory alone cannot tell a leak from V8 sizing its heap: V8 lets the old
// generation grow to up to 4 times what survived the last full collection
// before it collects again (its heap-growing factor, dynamic between 1.1 and
// 4 when the heap limit is 2 GiB or more), and keeps those pages committed.
import { getHeapStatistics } from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { main } from '../src/cli/main.js';

if (process.env.MW_BENCH_MEMORY === '1') {
  let liveAfterGc = Number.NaN;
  let fullCollections = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (((e as { detail?: { kind?: number } }).detail)?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      liveAfterGc = getHeapStatistics().used_heap_size;
      fullCollections++;
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => {
    const h = getHeapStatistics();
    const report = { heapTotal: h.total_heap_size, heapUsed: h.used_heap_size, external: h.external_memory, liveAfterGc, fullCollections };
    process.stderr.write(`MW_MEMORY ${JSON.stringify(report)}\n`);
  }, 1000).unref();
}

process.exit(await main(process.argv.slice(2)));
