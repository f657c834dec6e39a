// Writes the committed schema-1 data directory used by the migration test
// (test/fixtures/store/schema1/modelwatch.db): a baseline and an engine state
// row, as modelwatch 0.1 (schema version 1) stored them. Deterministic input;
// `maxSchemaVersion: 1` keeps the output at schema 1 whatever this build's
// current version is.
// Run: npx tsx packages/aggregator/scripts/make-schema1-fixture.ts
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { openStore } from '../src/store/database.js';

const dir = fileURLToPath(new URL('../test/fixtures/store/schema1/', import.meta.url));
for (const f of ['modelwatch.db', 'modelwatch.db-wal', 'modelwatch.db-shm']) rmSync(join(dir, f), { force: true });

const T0 = Date.UTC(2026, 0, 1);
const baseline = {
  format: 'modelwatch.baseline/v1',
  model: 'fraud',
  modelVersion: '3',
  createdAt: new Date(T0).toISOString(),
  features: {
    amount: { type: 'numeric', histogram: { count: 4, sum: 10, scale: 0, zeroCount: 0, positive: { offset: 0, bucketCounts: [1, 1, 2] }, negative: { offset: 0, bucketCounts: [] } }, missing: 0 },
    country: { type: 'categorical', counts: { fr: 3, de: 1 }, missing: 0 },
  },
};
// An engine state row as the service persisted it (its content is opaque to the store).
const engineState = { format: 'modelwatch.engine-snapshot/v1', models: [], rejected: 7 };

const store = openStore(dir, { maxSchemaVersion: 1 });
store.putBaseline('fraud', '3', JSON.stringify(baseline), T0);
store.putState('engine', JSON.stringify(engineState), T0 + 1000);
store.close();
