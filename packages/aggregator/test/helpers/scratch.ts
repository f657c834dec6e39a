// A scratch directory for one describe block: made before its tests, removed
// after them, with a way to write a named file into it.
import { after, before } from 'node:test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Scratch {
  /** The path of `name` inside the directory. */
  path(name: string): string;
  /** Writes `text` to `name` inside the directory; resolves to its path. */
  write(name: string, text: string): Promise<string>;
}

/** Registers before/after hooks in the enclosing describe block. */
export function scratchDir(prefix: string): Scratch {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const path = (name: string): string => join(dir, name);
  return {
    path,
    write: async (name, text) => {
      await writeFile(path(name), text);
      return path(name);
    },
  };
}
