// Fuzzing the baseline readers: edits of a valid CSV and JSON Lines file
// (deleted and inserted characters, stray quotes and separators, broken
// lines). Every outcome is a baseline or a BaselineInputError naming the
// problem; never any other exception.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { buildBaselineReport } from '../../src/baseline/build.js';
import { BaselineInputError } from '../../src/baseline/errors.js';

const CSV = `text_length,language,score,label,confidence
100,en,0.5,positive,0.9
120,pt,-1.5,negative,0.7
,es,NaN,positive,1.0
"95",en,np.float64(0.25),negative,0.55
`;
const JSONL = `{"text_length": 100, "language": "en", "score": 0.5, "label": "positive", "confidence": 0.9}
{"text_length": null, "language": "pt", "score": -1.5, "label": "negative", "confidence": 0.7}
{"text_length": 99.5, "language": ["x"], "score": {"a": 1}, "label": true, "confidence": 1.5}
`;

const EDITS = ['"', ',', '\n', '\r\n', '{', '}', '[', ':', '\\', '\u0000', 'null', '1e400', '""'];

describe('baseline readers under fuzzing', () => {
  for (const [format, text] of [['csv', CSV], ['jsonl', JSONL]] as const) {
    it(`${format}: any edit of a valid file gives a baseline or a BaselineInputError, never another exception`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mw-baseline-fuzz-'));
      const results = { built: 0, refused: 0 };
      let i = 0;
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: text.length - 1 }), fc.nat({ max: 6 }), fc.array(fc.constantFrom(...EDITS), { maxLength: 3 }), async (at, del, inserts) => {
          const path = join(dir, `${i++}.${format}`);
          writeFileSync(path, text.slice(0, at) + inserts.join('') + text.slice(at + del));
          try {
            await buildBaselineReport({ model: 'm', input: path });
            results.built++;
          } catch (e) {
            if (!(e instanceof BaselineInputError)) throw e;
            assert.ok(e.message.length > 0);
            results.refused++;
          }
        }),
        { numRuns: 400, seed: 3 },
      );
      assert.ok(results.built > 0, JSON.stringify(results));
    });
  }
});
