// Where the generator reads and writes, relative to this package.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The repository root (generated paths are relative to it). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** The registry YAML. */
export const REGISTRY_PATH = resolve(REPO_ROOT, 'packages/semconv/model/registry.yaml');
/** The seed-name mapping YAML. */
export const SEED_MAPPING_PATH = resolve(REPO_ROOT, 'packages/semconv/model/seed-mapping.yaml');
