// The long fuzz run of the OTLP decoders: 100,000 mutated SDK payloads per
// decoder by default (the CI test runs 2,000). Prints one line per decoder
// and every crash with the seed that replays it; exits 1 if any crashed.
//   npx tsx packages/aggregator/scripts/fuzz-decoders.ts [--cases N] [--seed S]
import { parseArgs } from 'node:util';
import { fuzz, isDecodeError, seeds, TARGETS } from '../test/receiver/otlp/fuzz-cases.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '100000' }, seed: { type: 'string', default: '7' } } });
const cases = Number(values.cases);
const seed = Number(values.seed);
const inputs = await seeds();
let crashed = 0;
for (const target of TARGETS) {
  const t0 = performance.now();
  const r = fuzz(target, inputs, cases, seed, isDecodeError);
  crashed += r.crashes.length;
  console.log(`${target.name.padEnd(36)} ${r.cases} cases: ${r.decoded} decoded, ${r.rejected} rejected (${r.unnamed} without a field), ${r.crashes.length} crashes; slowest ${r.slowestMs.toFixed(1)} ms; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const c of r.crashes.slice(0, 5)) console.log(`  crash (case seed ${c.caseSeed}): ${c.error}\n    input: ${c.input}`);
}
process.exit(crashed > 0 ? 1 : 0);
