import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nextTurn, runInSlices } from '../../src/tick/slices.js';

/** `steps` steps; each schedules an I/O-like callback, so the events show where the loop yielded. */
function recorder(steps: number, fail?: { at: number; error: Error }) {
  const events: string[] = [];
  let n = 0;
  const step = (): boolean => {
    n++;
    events.push(`step ${n}`);
    const k = n;
    setImmediate(() => events.push(`served ${k}`));
    if (fail?.at === n) throw fail.error;
    return n === steps;
  };
  return { events, step };
}

describe('nextTurn', () => {
  it('resolves after the callbacks already waiting for the event loop', async () => {
    const events: string[] = [];
    setImmediate(() => events.push('served'));
    await nextTurn();
    assert.deepEqual(events, ['served']);
  });
});

describe('runInSlices', () => {
  it('yields a turn between slices, not after the last step; slices of 0 ms hold one step each', async () => {
    const { events, step } = recorder(3);
    await runInSlices(step, 0);
    assert.deepEqual(events, ['step 1', 'served 1', 'step 2', 'served 2', 'step 3']);
  });

  it('runs every step in the caller’s turn while the slice lasts', async () => {
    const { events, step } = recorder(3);
    const done = runInSlices(step, 60_000);
    assert.deepEqual(events, ['step 1', 'step 2', 'step 3']);
    await done;
  });

  it('yields once a slice has run its time', async (t) => {
    let clock = 0;
    t.mock.method(performance, 'now', () => clock);
    const events: string[] = [];
    let n = 0;
    const step = (): boolean => {
      const k = ++n;
      events.push(`step ${k}`);
      setImmediate(() => events.push(`served ${k}`));
      clock += 3; // each step takes 3 ms: two fit a 5-ms slice
      return k === 4;
    };
    await runInSlices(step, 5);
    assert.deepEqual(events, ['step 1', 'step 2', 'served 1', 'served 2', 'step 3', 'step 4']);
  });

  it('rejects with the failure of a step, and takes no further step', async () => {
    const error = new Error('boom');
    const { events, step } = recorder(5, { at: 2, error });
    await assert.rejects(runInSlices(step, 0), (err) => err === error);
    await nextTurn();
    assert.deepEqual(events.filter((e) => e.startsWith('step')), ['step 1', 'step 2']);
  });
});
