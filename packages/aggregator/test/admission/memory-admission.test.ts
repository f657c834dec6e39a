import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIT_BELOW, ADMITTING, memoryAdmission, REFUSE_FROM, SETTLE_MS, type MemoryAdmissionState } from '../../src/admission/memory-admission.js';

const LIMIT = 1000;
const REFUSING: MemoryAdmissionState = { refusing: true, underSince: null };

/** The verdicts of a sequence of readings [rss, ms], from admitting. */
function run(readings: ReadonlyArray<readonly [number, number]>, limit: number | undefined = LIMIT): boolean[] {
  let state = ADMITTING;
  return readings.map(([rss, t]) => (state = memoryAdmission(rss, limit, state, t)).refusing);
}

describe('memory admission', () => {
  describe('memoryAdmission', () => {
    it('never refuses without a limit', () => {
      assert.equal(memoryAdmission(1e12, undefined, ADMITTING, 0).refusing, false);
      assert.equal(memoryAdmission(1e12, undefined, REFUSING, 0).refusing, false);
    });

    it('starts refusing at REFUSE_FROM of the limit, before the limit itself', () => {
      assert.equal(REFUSE_FROM, 0.8);
      assert.equal(memoryAdmission(799, LIMIT, ADMITTING, 0).refusing, false);
      assert.deepEqual(memoryAdmission(800, LIMIT, ADMITTING, 0), REFUSING);
      assert.equal(memoryAdmission(1500, LIMIT, ADMITTING, 0).refusing, true);
    });

    it('admits again at once when memory falls under ADMIT_BELOW of the limit', () => {
      assert.equal(ADMIT_BELOW, 0.7);
      assert.equal(memoryAdmission(700, LIMIT, REFUSING, 0).refusing, true);
      assert.deepEqual(memoryAdmission(699, LIMIT, REFUSING, 0), ADMITTING);
    });

    it('admits again once memory has stayed under the refusal threshold for SETTLE_MS (V8 keeps freed pages)', () => {
      assert.equal(SETTLE_MS, 2000);
      assert.deepEqual(run([[950, 0], [780, 100], [770, 1000], [760, 2099], [760, 2100]]), [true, true, true, true, false]);
    });

    it('starts the settling time again whenever memory is back at the refusal threshold', () => {
      assert.deepEqual(run([[950, 0], [780, 100], [805, 1500], [780, 2000], [780, 3999], [780, 4000]]), [true, true, true, true, true, false]);
    });

    it('does not flip on each reading while memory hovers around the threshold', () => {
      const verdicts = run([750, 805, 780, 799, 801, 795, 799, 790].map((rss, i) => [rss, i * 250] as const));
      assert.deepEqual(verdicts, [false, true, true, true, true, true, true, true]);
    });

    it('keeps the state on a failed reading (NaN, infinity)', () => {
      const settling = { refusing: true, underSince: 5 };
      assert.equal(memoryAdmission(Number.NaN, LIMIT, settling, 10_000), settling);
      assert.equal(memoryAdmission(Number.NaN, LIMIT, ADMITTING, 0), ADMITTING);
      assert.equal(memoryAdmission(Number.POSITIVE_INFINITY, LIMIT, ADMITTING, 0), ADMITTING);
    });

    it('returns the same state object when nothing changed', () => {
      const settling = memoryAdmission(780, LIMIT, REFUSING, 100);
      assert.deepEqual(settling, { refusing: true, underSince: 100 });
      assert.equal(memoryAdmission(770, LIMIT, settling, 200), settling);
      assert.equal(memoryAdmission(950, LIMIT, REFUSING, 300), REFUSING);
    });
  });
});
