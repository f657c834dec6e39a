import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SendWindow } from '../../src/forward/window.js';

describe('SendWindow', () => {
  describe('constructor', () => {
    it('names a bad argument', () => {
      assert.throws(() => new SendWindow(-1, 4), /cursor/);
      assert.throws(() => new SendWindow(0, 0), /maxInFlight/);
    });
  });

  describe('take', () => {
    it('bounds the records in flight', () => {
      const w = new SendWindow(0, 2);
      w.take(1, 10);
      w.take(2, 10);
      assert.equal(w.canTake, false);
      assert.throws(() => w.take(3, 10), /2 records are in flight/);
    });

    it('refuses a record that is not after the last one taken', () => {
      const w = new SendWindow(5, 2);
      assert.throws(() => w.take(5, 1), /not after the last one taken \(5\)/);
    });
  });

  describe('finish', () => {
    it('moves the cursor only over a contiguous run of finished records', () => {
      const w = new SendWindow(0, 4);
      for (const seq of [1, 2, 3]) w.take(seq, 100);
      assert.equal(w.finish(2), 0);
      assert.equal(w.cursor, 0);
      assert.equal(w.finish(1), 200);
      assert.equal(w.cursor, 2);
      assert.equal(w.inFlight, 1);
      assert.equal(w.finish(3), 100);
      assert.equal(w.cursor, 3);
    });

    it('follows gaps in the sequence numbers (appends whose write failed)', () => {
      const w = new SendWindow(10, 4);
      w.take(12, 5);
      w.take(15, 7);
      w.finish(15);
      w.finish(12);
      assert.equal(w.cursor, 15);
      assert.equal(w.last, 15);
    });

    it('refuses a record that is not in flight', () => {
      const w = new SendWindow(0, 4);
      w.take(1, 1);
      w.finish(1);
      assert.throws(() => w.finish(1), /not in flight/);
    });
  });
});
