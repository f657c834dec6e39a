/**
 * The embedded store: one SQLite database (better-sqlite3, WAL mode) in the
 * data directory. Schema changes are numbered migrations; a database written
 * by a newer modelwatch is refused, never modified.
 */
import { mkdirSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/** The schema version this build writes. */
export const SCHEMA_VERSION = 4;
/** File name of the database inside the data directory. */
export const DATABASE_FILE = 'modelwatch.db';
const APPLICATION_ID = 0x6d77_6174; // "mwat": marks the file as ours (PRAGMA application_id)

/** Thrown when the data directory cannot be used; the message says why and what to do. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Thrown when the database is locked by another connection (SQLITE_BUSY,
 * SQLITE_LOCKED) for longer than the connection waits: a passing condition,
 * not damage. What was being written can be written again later.
 */
export class StoreBusyError extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreBusyError';
  }
}

/** Whether `err` is SQLite's "database is locked" (SQLITE_BUSY or SQLITE_LOCKED, extended codes included), or a {@link StoreBusyError}. */
export function isBusyError(err: unknown): boolean {
  if (err instanceof StoreBusyError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * How long a connection waits for another one's lock while the store is
 * opened (migrations), in ms: nothing is being served yet.
 */
const OPEN_BUSY_TIMEOUT_MS = 5000;

/** Each entry upgrades the schema from version index to index + 1. */
const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 0 -> 1: baselines per model version, and the engine's persisted state.
  (db) => {
    db.exec(`
      CREATE TABLE baselines (
        model TEXT NOT NULL,
        version TEXT NOT NULL DEFAULT '',
        json TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (model, version)
      );
      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `);
  },
  // 1 -> 2: the durable ingest log and the checkpoint it is replayed from
  // (see ingest-log.ts). The engine state of schema 1 becomes the checkpoint
  // at sequence 0, so an upgraded directory resumes where it stopped.
  (db) => {
    db.exec(`
      CREATE TABLE ingest_log (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('metrics', 'logs')),
        encoding TEXT NOT NULL CHECK (encoding IN ('protobuf', 'json')),
        received_at INTEGER NOT NULL,
        payload BLOB NOT NULL
      );
      CREATE TABLE checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        seq INTEGER NOT NULL,
        snapshot TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      INSERT INTO checkpoint (id, seq, snapshot, updated_at) SELECT 1, 0, json, updated_at FROM state WHERE key = 'engine';
      DELETE FROM state WHERE key = 'engine';
    `);
  },
  // 2 -> 3: the ingest log's request bodies move to segment files in
  // <dataDir>/ingest-log/ (see ingest-log.ts); the checkpoint stays here.
  // No table changes: rows that version 2 left in ingest_log are replayed
  // before the segment records and deleted by the next checkpoint. The version
  // is raised so that a modelwatch which knows only the table, and would not
  // see the segment files (losing what they hold and reusing their sequence
  // numbers), refuses this directory as newer instead.
  () => {},
  // 3 -> 4: the checkpoint's snapshot may be a BLOB in the binary checkpoint
  // format (checkpoint-format.ts) instead of JSON text. No table changes (the
  // column's TEXT affinity keeps a BLOB as it is); a JSON checkpoint of
  // schema 3 is still read. The version is raised so that a modelwatch that
  // reads only JSON refuses this directory as newer instead of failing on
  // the blob.
  () => {},
];

/** A stored baseline row. */
export interface StoredBaseline {
  model: string;
  version: string;
  json: string;
  updatedAt: number;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * SQLite `synchronous` level. NORMAL in WAL mode: a committed transaction
   * survives a process crash (`kill -9`); on power loss the last transactions
   * before the crash may roll back, the database stays consistent.
   * @default 'NORMAL'
   */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL';
  /**
   * Migrate no further than this schema version (fixture scripts and
   * migration tests write old schemas with it).
   * @default SCHEMA_VERSION
   */
  maxSchemaVersion?: number;
  /**
   * How long a statement of the open store waits for a lock that another
   * connection holds (SQLite `busy_timeout`), in ms, once the store is open.
   * The connection is used on the event loop, where every millisecond of
   * waiting holds every request: another process that keeps the database
   * locked for seconds (a backup, an `sqlite3` shell in a transaction) once
   * held ingestion for 5 s per write. A write that finds the lock held longer
   * fails with SQLITE_BUSY ({@link isBusyError}) and is retried by its caller.
   * Opening (migrations) waits up to 5 s.
   * @default 100
   */
  busyTimeoutMs?: number;
}

/** The open store. */
export interface Store {
  /** The database file. */
  readonly path: string;
  /** Schema version of the open database. */
  readonly schemaVersion: number;
  /** The connection, for the store's own modules (the ingest log); not for the rest of the service. */
  readonly db: Database.Database;
  putBaseline(model: string, version: string | undefined, json: string, now: number): void;
  getBaseline(model: string, version: string | undefined): StoredBaseline | undefined;
  deleteBaseline(model: string, version: string | undefined): void;
  listBaselines(): StoredBaseline[];
  putState(key: string, json: string, now: number): void;
  getState(key: string): string | undefined;
  close(): void;
}

function checkHeader(path: string): void {
  if (!existsSync(path) || statSync(path).size === 0) return;
  const header = readFileSync(path).subarray(0, 16).toString('latin1');
  if (header !== 'SQLite format 3\u0000') {
    throw new StoreError(
      `${path} is not a SQLite database (it may be corrupted or a foreign file). Move it away or point --data-dir to another directory.`,
    );
  }
}

/**
 * Opens (creating if needed) the store in `dataDir`, applying migrations.
 * @throws StoreError for a corrupted or foreign file, or a database from a newer version.
 */
export function openStore(dataDir: string, options: OpenStoreOptions = {}): Store {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new StoreError(`cannot create the data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  const path = join(dataDir, DATABASE_FILE);
  checkHeader(path);
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (err) {
    throw new StoreError(`cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    let version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (appId !== APPLICATION_ID && (appId !== 0 || tables > 0)) {
      throw new StoreError(`${path} is a SQLite database of another application (application_id ${appId}); refusing to modify it.`);
    }
    if (version > SCHEMA_VERSION) {
      throw new StoreError(
        `${path} has schema version ${version}, written by a newer modelwatch (this one knows up to ${SCHEMA_VERSION}). Upgrade modelwatch or use another --data-dir; the file was not modified.`,
      );
    }
    // Only now that the file is known to be ours (or new) may it be changed:
    // WAL mode is recorded in the file header.
    if (version === 0 && tables === 0) {
      // A new database: 16 KiB pages, because the ingest log stores whole
      // request bodies (up to MBs) as overflow-page chains. Measured on
      // 714 kB bodies: 30-40% less CPU per append than 4 KiB pages, 20% less
      // on 37 kB ones, the same on 2 kB ones (docs/durability.md). The page
      // size of an existing database stays as it was (changing it needs a VACUUM).
      db.pragma('page_size = 16384');
    }
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
    // After a checkpoint deletes the replayed log, keep the WAL file from staying at its peak size.
    db.pragma('journal_size_limit = 67108864');
    // Copy the WAL back into the database every 256 pages (4 MiB at 16 KiB
    // pages, as SQLite's default 1000 pages of 4 KiB): each copy-back blocks the
    // event loop, so larger ones raised the ingest p99 (67 ms -> 422 ms at 64 MiB).
    db.pragma('wal_autocheckpoint = 256');
    const target = Math.min(options.maxSchemaVersion ?? SCHEMA_VERSION, SCHEMA_VERSION);
    while (version < target) {
      const migrate = MIGRATIONS[version];
      if (migrate === undefined) throw new StoreError(`no migration from schema version ${version}`);
      const next = version + 1;
      db.transaction(() => {
        migrate(db);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${next}`);
      })();
      version = next;
    }
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 100))}`);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
      throw new StoreError(
        `${path} is corrupted (${(err as Error).message}). Restore it from a backup, or move it away to start with an empty data directory.`,
        { cause: err },
      );
    }
    throw new StoreError(`cannot use ${path}: ${(err as Error).message}`, { cause: err });
  }

  const putBaseline = db.prepare(
    'INSERT INTO baselines (model, version, json, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (model, version) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at',
  );
  const getBaseline = db.prepare('SELECT model, version, json, updated_at AS updatedAt FROM baselines WHERE model = ? AND version = ?');
  const deleteBaseline = db.prepare('DELETE FROM baselines WHERE model = ? AND version = ?');
  const listBaselines = db.prepare('SELECT model, version, json, updated_at AS updatedAt FROM baselines ORDER BY model, version');
  const putState = db.prepare(
    'INSERT INTO state (key, json, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at',
  );
  const getState = db.prepare('SELECT json FROM state WHERE key = ?');

  return {
    path,
    db,
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
    putBaseline: (model, version, json, now) => void putBaseline.run(model, version ?? '', json, now),
    getBaseline: (model, version) => getBaseline.get(model, version ?? '') as StoredBaseline | undefined,
    deleteBaseline: (model, version) => void deleteBaseline.run(model, version ?? ''),
    listBaselines: () => listBaselines.all() as StoredBaseline[],
    putState: (key, json, now) => void putState.run(key, json, now),
    getState: (key) => (getState.get(key) as { json: string } | undefined)?.json,
    close: () => db.close(),
  };
}
