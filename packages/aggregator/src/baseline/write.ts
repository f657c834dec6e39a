/**
 * Writing a baseline file: validated, then atomically replaced, so a reader
 * (the aggregator loading `baseline:` from its config) never sees half a file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseBaseline, type Baseline } from '../engine/baseline.js';

/**
 * Writes `baseline` as JSON to `outPath`, creating missing directories: the
 * JSON goes to a temporary file beside the target, which is then renamed over
 * it (atomic on POSIX file systems). The baseline is validated first.
 * @throws BaselineFormatError when the baseline is invalid; the file system's error otherwise.
 */
export async function writeBaseline(baseline: Baseline, outPath: string): Promise<void> {
  const json = `${JSON.stringify(parseBaseline(baseline), null, 2)}\n`;
  await mkdir(dirname(outPath), { recursive: true });
  // Same directory as the target: rename is only atomic within one file system.
  const tmp = `${outPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(json);
      // Flushed before the rename, so a crash leaves the old file or the whole new one.
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, outPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
