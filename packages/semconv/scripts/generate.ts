// Regenerates src/generated/*.ts and the docs from model/*.yaml:
//   npm run generate -w @modelwatch/semconv
// The test suite fails when the committed files differ from what this produces.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadModel } from './model.js';
import { renderAll } from './render.js';
import { REGISTRY_PATH, REPO_ROOT, SEED_MAPPING_PATH } from './paths.js';
import { loadSeedMapping } from './seed-mapping.js';

const model = loadModel(readFileSync(REGISTRY_PATH, 'utf8'));
const seed = existsSync(SEED_MAPPING_PATH) ? loadSeedMapping(readFileSync(SEED_MAPPING_PATH, 'utf8'), model) : undefined;
for (const [path, content] of renderAll(model, seed)) {
  const target = resolve(REPO_ROOT, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
  console.log(`wrote ${path}`);
}
