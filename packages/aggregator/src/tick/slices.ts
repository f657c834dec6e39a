/**
 * A tick's long work in slices of the event loop: the evaluation and the
 * checkpoint's snapshot step model by model, and yield to waiting requests
 * (HTTP, gRPC, timers) once a slice has run for about `sliceMs`, so a tick
 * over thousands of models adds about one slice to the latency of the
 * requests that arrive meanwhile.
 *
 * @module
 */

/**
 * Resolves in a later turn of the event loop, after the I/O callbacks that
 * are waiting (`setImmediate`): requests are served in between.
 */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Calls `step` until it returns true, in slices: once a slice has run for
 * `sliceMs` ms or more it yields a turn ({@link nextTurn}) before the next one.
 * It does not yield after the last step; each slice runs at least one step,
 * so `sliceMs` 0 yields after every step.
 */
export async function runInSlices(step: () => boolean, sliceMs: number): Promise<void> {
  for (;;) {
    const start = performance.now();
    let done: boolean;
    do done = step();
    while (!done && performance.now() - start < sliceMs);
    if (done) return;
    await nextTurn();
  }
}
