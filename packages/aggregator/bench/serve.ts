import { main } from '../src/cli/main.js';
import { getHeapStatistics } from 'node:v8';
setInterval(() => { const m = process.memoryUsage(); const h = getHeapStatistics(); process.stderr.write(`MEM ${new Date().toISOString().slice(11,19)} rss ${(m.rss/2**20).toFixed(0)} heapTotal ${(m.heapTotal/2**20).toFixed(0)} heapUsed ${(m.heapUsed/2**20).toFixed(0)} external ${(m.external/2**20).toFixed(0)} ab ${(m.arrayBuffers/2**20).toFixed(0)} malloced ${(h.malloced_memory/2**20).toFixed(1)} peakMalloc ${(h.peak_malloced_memory/2**20).toFixed(1)}\n`); }, 10000).unref();
process.exit(await main(process.argv.slice(2)));
