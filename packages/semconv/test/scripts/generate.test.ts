// The committed generated files must be exactly what the generator produces
// from the YAML now, so code and docs can never drift from the registry.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadModel } from '../../scripts/model.js';
import { renderAll } from '../../scripts/render.js';
import { loadSeedMapping } from '../../scripts/seed-mapping.js';
import { REGISTRY_PATH, REPO_ROOT, SEED_MAPPING_PATH } from '../../scripts/paths.js';

const model = loadModel(readFileSync(REGISTRY_PATH, 'utf8'));
const seed = loadSeedMapping(readFileSync(SEED_MAPPING_PATH, 'utf8'), model);
const files = renderAll(model, seed);

describe('generate', () => {
  describe('renderAll', () => {
    it('renders the generated sources and both docs', () => {
      assert.deepEqual([...files.keys()].sort(), [
        'docs/seed-name-mapping.md',
        'docs/semconv.md',
        'packages/semconv/src/generated/attributes.ts',
        'packages/semconv/src/generated/buckets.ts',
        'packages/semconv/src/generated/events.ts',
        'packages/semconv/src/generated/index.ts',
        'packages/semconv/src/generated/metrics.ts',
        'packages/semconv/src/generated/registry.ts',
      ]);
    });

    for (const [path, expected] of files) {
      it(`matches the committed ${path} (run npm run generate -w @modelwatch/semconv if not)`, () => {
        const committed = readFileSync(resolve(REPO_ROOT, path), 'utf8');
        assert.equal(committed, expected, `${path} is stale: regenerate it from the YAML`);
      });
    }

    it('lists every metric, with its unit, in the semconv reference table', () => {
      const docText = files.get('docs/semconv.md') ?? '';
      for (const m of model.metrics) {
        const row = docText.split('\n').find((l) => l.startsWith(`| \`${m.name}\` | ${m.instrument} |`));
        assert.ok(row !== undefined, `no reference row for ${m.name}`);
        assert.ok(row.includes(`\`${m.unit}\``), `row of ${m.name} lacks its unit`);
        for (const u of m.attributes) assert.ok(row.includes(`\`${u.name}\``), `row of ${m.name} lacks ${u.name}`);
      }
    });
  });
});
