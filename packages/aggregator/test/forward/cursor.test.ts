import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORWARD_CURSOR_FILE, ForwardCursor, discardForwardCursor } from '../../src/forward/cursor.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mw-cursor-'));

describe('ForwardCursor', () => {
  describe('open', () => {
    it('has no cursor in a directory without one, and reads back a saved one', () => {
      const dir = tmp();
      assert.equal(ForwardCursor.open(dir).seq, undefined);
      ForwardCursor.open(dir).save(42);
      assert.equal(ForwardCursor.open(dir).seq, 42);
    });

    it('names a file that holds no cursor and says what to do', () => {
      const dir = tmp();
      writeFileSync(join(dir, FORWARD_CURSOR_FILE), 'garbage');
      assert.throws(() => ForwardCursor.open(dir), /forward-cursor\.json does not hold a sequence number.*Delete it/);
    });
  });

  describe('discardForwardCursor', () => {
    it('deletes the cursor, and does nothing without one', () => {
      const dir = tmp();
      ForwardCursor.open(dir).save(1);
      discardForwardCursor(dir);
      assert.equal(existsSync(join(dir, FORWARD_CURSOR_FILE)), false);
      discardForwardCursor(dir);
    });
  });
});
