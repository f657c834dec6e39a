import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { DATABASE_FILE, SCHEMA_VERSION, StoreError, isBusyError, openStore } from '../../src/store/database.js';
import { IngestLog } from '../../src/store/ingest-log.js';

const SCHEMA1_DB = fileURLToPath(new URL('../fixtures/store/schema1/modelwatch.db', import.meta.url));

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
      const before = readFileSync(join(dir, DATABASE_FILE));
      assert.throws(() => openStore(dir), /another application/);
      // Not even switched to WAL mode (which would rewrite the header).
      assert.deepEqual(readFileSync(join(dir, DATABASE_FILE)), before);
    });

    it('refuses a SQLite file whose pages are garbage as corrupted, naming the file', () => {
      const dir = tmp();
      openStore(dir).close();
      const bytes = readFileSync(join(dir, DATABASE_FILE));
      // Keep the 100-byte header, overwrite the schema page and everything after it.
      for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff;
      writeFileSync(join(dir, DATABASE_FILE), bytes);
      assert.throws(
        () => openStore(dir),
        (e: unknown) => e instanceof StoreError && e.message.includes(join(dir, DATABASE_FILE)) && /corrupted/.test(e.message),
      );
    });

    it('applies the synchronous level asked for (NORMAL by default)', () => {
      const a = openStore(tmp());
      assert.equal(a.db.pragma('synchronous', { simple: true }), 1);
      a.close();
      const b = openStore(tmp(), { synchronous: 'FULL' });
      assert.equal(b.db.pragma('synchronous', { simple: true }), 2);
      b.close();
    });

    it('gives up a write within busyTimeoutMs when another process holds the database locked (regression: each write held the event loop for 5 s)', () => {
      const dir = tmp();
      const store = openStore(dir);
      assert.equal(store.db.pragma('busy_timeout', { simple: true }), 100);
      const other = new Database(join(dir, DATABASE_FILE));
      other.exec('BEGIN EXCLUSIVE');
      try {
        const started = performance.now();
        assert.throws(() => store.putState('alerts', '{}', 1), (e: unknown) => isBusyError(e) && /database is locked/.test((e as Error).message));
        const waited = performance.now() - started;
        assert.ok(waited >= 90 && waited < 1000, `waited ${waited.toFixed(0)} ms`);
        // Reads go on: WAL readers never wait for a writer.
        assert.equal(store.getState('alerts'), undefined);
      } finally {
        other.exec('COMMIT');
        other.close();
      }
      store.putState('alerts', '{}', 2);
      assert.equal(store.getState('alerts'), '{}');
      store.close();
      const patient = openStore(dir, { busyTimeoutMs: 2500 });
      assert.equal(patient.db.pragma('busy_timeout', { simple: true }), 2500);
      patient.close();
    });

    it('creates a new database with 16 KiB pages and leaves the page size of an existing one as it was', () => {
      const dir = tmp();
      const a = openStore(dir);
      assert.equal(a.db.pragma('page_size', { simple: true }), 16384);
      assert.equal(a.db.pragma('wal_autocheckpoint', { simple: true }), 256);
      a.close();
      const reopened = openStore(dir);
      assert.equal(reopened.db.pragma('page_size', { simple: true }), 16384);
      reopened.close();
      const old = tmp();
      copyFileSync(SCHEMA1_DB, join(old, DATABASE_FILE));
      const before = new Database(join(old, DATABASE_FILE), { readonly: true });
      const oldPageSize = before.pragma('page_size', { simple: true }) as number;
      before.close();
      const upgraded = openStore(old);
      assert.equal(upgraded.db.pragma('page_size', { simple: true }), oldPageSize);
      upgraded.close();
    });

    it('upgrades the committed schema-1 data directory to the current version, keeping its baselines and engine state', () => {
      const dir = tmp();
      copyFileSync(SCHEMA1_DB, join(dir, DATABASE_FILE));
      const v1 = new Database(join(dir, DATABASE_FILE), { readonly: true });
      assert.equal(v1.pragma('user_version', { simple: true }), 1);
      const v1Baseline = v1.prepare("SELECT json FROM baselines WHERE model = 'fraud' AND version = '3'").get() as { json: string };
      const v1State = v1.prepare("SELECT json, updated_at AS updatedAt FROM state WHERE key = 'engine'").get() as { json: string; updatedAt: number };
      v1.close();

      const s = openStore(dir);
      assert.equal(s.schemaVersion, SCHEMA_VERSION);
      assert.equal(s.getBaseline('fraud', '3')?.json, v1Baseline.json);
      const log = new IngestLog(s);
      // The schema-1 engine state is the checkpoint at sequence 0: nothing to replay after it.
      assert.deepEqual(log.lastCheckpoint(), { seq: 0, snapshotJson: v1State.json, updatedAt: v1State.updatedAt });
      assert.equal(s.getState('engine'), undefined);
      assert.deepEqual([...log.replay(0)], []);
      s.close();

      const again = openStore(dir);
      assert.equal(again.schemaVersion, SCHEMA_VERSION);
      assert.equal(new IngestLog(again).lastCheckpoint()?.snapshotJson, v1State.json);
      again.close();
    });

    it('writes an older schema when told to, and the ingest log refuses it', () => {
      const s = openStore(tmp(), { maxSchemaVersion: 1 });
      assert.equal(s.schemaVersion, 1);
      assert.throws(() => new IngestLog(s), (e: unknown) => e instanceof StoreError && /needs version 3/.test(e.message));
      s.close();
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
