// Fuzzing of everything that reads outside input, short and seeded (issue
// 16): the same targets and oracle as bench/fuzz.ts (100,000 cases per
// decoder), a few hundred cases each. Every case is accepted with a sane
// result or refused with the project's own error naming what was wrong; none
// crashes, hangs or allocates without bound. Crashes the long run found are
// named regression tests beside each decoder's own tests.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { runFuzz, type TargetReport } from './runner.js';
import { SELF_TEST_TARGET, TARGETS } from './targets.js';

const CASES = Number(process.env['MODELWATCH_FUZZ_CASES'] ?? 300);
const TRANSPORT_CASES = Math.ceil(CASES / 2);

/**
 * Targets allowed to hang, with why. None: the Parquet reader used to hang on
 * hyparquet decoding corrupt run lengths; it now checks page headers first and
 * stops decoding past a deadline (src/baseline/readers/parquet.ts).
 */
const KNOWN_HANGS: Readonly<Record<string, string>> = {};

describe('fuzzing', () => {
  let reports: Map<string, TargetReport>;
  before(async () => {
    const all = await runFuzz({
      targets: TARGETS.map((t) => t.name),
      cases: Object.fromEntries(TARGETS.map((t) => [t.name, t.kind === 'transport' ? TRANSPORT_CASES : CASES])),
      seed: 16,
      caseTimeoutMs: 3000,
    });
    reports = new Map(all.map((r) => [r.target, r]));
  });

  for (const target of TARGETS) {
    it(`${target.name}: mutated valid inputs are accepted sanely or refused with a message naming what was wrong`, (t) => {
      const r = reports.get(target.name) as TargetReport;
      const expected = target.kind === 'transport' ? TRANSPORT_CASES : CASES;
      assert.equal(r.cases, expected, 'every case is accounted for');
      assert.equal(r.accepted + r.rejected + r.crashes + r.hangs, r.cases);
      assert.deepEqual(r.crashSamples, [], `${target.name} crashed`);
      assert.equal(r.crashes, 0);
      if (KNOWN_HANGS[target.name] !== undefined) {
        if (r.hangs > 0) t.diagnostic(`${r.hangs} known hangs (${KNOWN_HANGS[target.name]}): ${r.hangSamples.map((h) => h.index).join(', ')}`);
      } else assert.deepEqual(r.hangSamples, [], `${target.name} hung`);
      assert.equal(r.allocations, 0, 'no case grew the heap without bound');
      // The mutations reach both sides: some inputs still decode, most do not.
      assert.ok(r.accepted > 0, `some mutated inputs are accepted (${JSON.stringify(r)})`);
      assert.ok(r.rejected > r.cases / 5, `the error paths are reached (${r.rejected} rejected)`);
      assert.ok(Object.keys(r.rejectedByClass).length >= 3, `rejections of several kinds: ${Object.keys(r.rejectedByClass).join(' | ')}`);
    });
  }

  it('the harness counts a case past its time bound as a hang and goes on, and flags a case that allocates 300 MB', async () => {
    const [r] = await runFuzz({ targets: [SELF_TEST_TARGET.name], cases: 8, seed: 1, caseTimeoutMs: 2500 });
    assert.ok(r);
    assert.equal(r.cases, 8, JSON.stringify(r));
    assert.deepEqual(r.hangSamples.map((h) => h.index), [2], 'case 2 never returns');
    assert.equal(r.allocations, 1, 'case 4 keeps 300 MB');
    assert.deepEqual(r.crashSamples.map((c) => c.index), [4, 6]);
    assert.match(r.crashSamples[1]?.error ?? '', /^TypeError: boom/);
    assert.equal(r.accepted, 5, 'the cases after the hang ran');
  });
});
