import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, progressBar } from '../../src/baseline/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 80, write: (s: string) => writes.push(s) } };
}

describe('progress', () => {
  describe('formatProgress', () => {
    it('shows percent, rows and MB/s within the width', () => {
      const s = formatProgress({ bytesRead: 50e6, totalBytes: 200e6, rows: 1234567 }, 2000, 80);
      assert.match(s, /^\[#{10}-{30}\] {2}25\.0% {2}1,234,567 rows {2}25\.0 MB\/s$/);
      assert.ok(s.length <= 80);
    });

    it('drops the bar on a narrow terminal and copes with an empty file', () => {
      assert.doesNotMatch(formatProgress({ bytesRead: 1, totalBytes: 2, rows: 1 }, 1000, 30), /\[/);
      assert.match(formatProgress({ bytesRead: 0, totalBytes: 0, rows: 0 }, 0, 80), /100\.0%/);
    });
  });

  describe('progressBar', () => {
    it('draws nothing when the stream is not a terminal', () => {
      const { writes, stream } = fakeStream(false);
      const bar = progressBar({ stream });
      bar.update({ bytesRead: 1, totalBytes: 1, rows: 1 });
      bar.done();
      assert.equal(bar.enabled, false);
      assert.deepEqual(writes, []);
    });

    it('redraws in place at most every minIntervalMs, always at 100%, and ends the line', () => {
      const { writes, stream } = fakeStream(true);
      let t = 0;
      const bar = progressBar({ stream, now: () => t, minIntervalMs: 100 });
      bar.update({ bytesRead: 10, totalBytes: 100, rows: 1 });
      t = 50;
      bar.update({ bytesRead: 20, totalBytes: 100, rows: 2 });
      t = 60;
      bar.update({ bytesRead: 100, totalBytes: 100, rows: 10 });
      bar.done();
      assert.equal(writes.length, 4);
      assert.ok(writes[0]?.startsWith('\r[') && writes[0].endsWith('\u001b[K'), JSON.stringify(writes[0]));
      assert.match(writes[0] ?? '', / 10\.0% /);
      assert.match(writes[1] ?? '', /100\.0% {2}10 rows/);
      assert.equal(writes[3], '\n');
    });
  });
});
