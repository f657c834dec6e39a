/**
 * Processor mode's "forwarded up to" cursor: the sequence number of the
 * ingest log up to which every request has been taken by the downstream (or
 * refused by it for good), kept in `<dataDir>/forward-cursor.json`.
 *
 * A file, not a table of the store: it changes with every forwarded batch,
 * and a file replaced by `rename` costs one small write, with no WAL and no
 * schema version to raise (a table would make older modelwatch versions
 * refuse the directory for no reason). It is not fsynced: a cursor that a
 * crash or power loss leaves behind the truth only makes the forwarder send
 * some requests again (delivery is at least once anyway), while one that
 * ran ahead of the truth is impossible, since it is written only after the
 * downstream answered. The segment files behind it may be deleted, which is
 * safe for the same reason.
 *
 * @module
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the cursor file in the data directory. */
export const FORWARD_CURSOR_FILE = 'forward-cursor.json';

/** See the module documentation. */
export class ForwardCursor {
  private readonly path: string;
  private saved: number | undefined;

  private constructor(dataDir: string, seq: number | undefined) {
    this.path = join(dataDir, FORWARD_CURSOR_FILE);
    this.saved = seq;
  }

  /**
   * Reads the cursor of `dataDir`; `seq` is undefined when there is none (processor mode starts here).
   * @throws Error naming the file when it cannot be read or does not hold a cursor.
   */
  static open(dataDir: string): ForwardCursor {
    const path = join(dataDir, FORWARD_CURSOR_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return new ForwardCursor(dataDir, undefined);
      throw new Error(`cannot read processor mode's cursor ${path}: ${(err as Error).message}`, { cause: err });
    }
    let seq: unknown;
    try {
      seq = (JSON.parse(text) as { forwardedSeq?: unknown }).forwardedSeq;
    } catch {
      seq = undefined;
    }
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
      throw new Error(
        `processor mode's cursor ${path} does not hold a sequence number (${JSON.stringify(text.slice(0, 60))}). ` +
          'Delete it to start forwarding from the end of the ingest log (the requests logged and not yet forwarded are then not forwarded), ' +
          'or write {"forwardedSeq": 0} to forward everything the log still holds again.',
      );
    }
    return new ForwardCursor(dataDir, seq);
  }

  /** The saved cursor; undefined before the first {@link save}. */
  get seq(): number | undefined {
    return this.saved;
  }

  /** Replaces the file (write, then rename) with `seq`. @throws Error when it cannot be written. */
  save(seq: number): void {
    if (seq === this.saved) return;
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ forwardedSeq: seq })}\n`);
    renameSync(tmp, this.path);
    this.saved = seq;
  }
}

/**
 * Deletes the cursor of `dataDir`, if any: called when processor mode is
 * off, so that turning it on again starts at the end of the log instead of
 * sending what was logged meanwhile.
 */
export function discardForwardCursor(dataDir: string): void {
  rmSync(join(dataDir, FORWARD_CURSOR_FILE), { force: true });
}
