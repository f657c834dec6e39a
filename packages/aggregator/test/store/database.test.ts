import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DATABASE_FILE, SCHEMA_VERSION, StoreError, openStore } from '../../src/store/database.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mw-store-'));

describe('store', () => {
  describe('openStore', () => {
    it('creates a WAL database at the current schema version and keeps what was written across reopen', () => {
      const dir = tmp();
      const s = openStore(dir);
      assert.equal(s.schemaVersion, SCHEMA_VERSION);
      s.putBaseline('m', undefined, '{"a":1}', 1);
      s.putBaseline('m', 'v2', '{"a":2}', 2);
      s.putState('engine', '{"x":true}', 3);
      s.close();
      const raw = new Database(join(dir, DATABASE_FILE), { readonly: true });
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      raw.close();
      const t = openStore(dir);
      assert.equal(t.getBaseline('m', undefined)?.json, '{"a":1}');
      assert.equal(t.getBaseline('m', 'v2')?.json, '{"a":2}');
      assert.equal(t.listBaselines().length, 2);
      assert.equal(t.getState('engine'), '{"x":true}');
      t.putBaseline('m', undefined, '{"a":3}', 4);
      assert.equal(t.getBaseline('m', undefined)?.json, '{"a":3}');
      t.deleteBaseline('m', undefined);
      assert.equal(t.getBaseline('m', undefined), undefined);
      t.close();
    });

    it('refuses a file that is not SQLite, naming it', () => {
      const dir = tmp();
      writeFileSync(join(dir, DATABASE_FILE), 'this is not a database, just some text that is long enough');
      assert.throws(() => openStore(dir), (e: unknown) => e instanceof StoreError && /is not a SQLite database/.test(e.message));
    });

    it("refuses another application's SQLite database without modifying it", () => {
      const dir = tmp();
      const other = new Database(join(dir, DATABASE_FILE));
      other.exec('CREATE TABLE t (x)');
      other.close();
      assert.throws(() => openStore(dir), /another application/);
    });

    it('refuses a database from a newer modelwatch and leaves it unmodified', () => {
      const dir = tmp();
      openStore(dir).close();
      const db = new Database(join(dir, DATABASE_FILE));
      db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      db.close();
      assert.throws(() => openStore(dir), /written by a newer modelwatch/);
      const check = new Database(join(dir, DATABASE_FILE), { readonly: true });
      assert.equal(check.pragma('user_version', { simple: true }), SCHEMA_VERSION + 1);
      check.close();
    });
  });
});
