// The dependency rule of DESIGN.md, enforced in CI: this package speaks only
// the OpenTelemetry API, so an application chooses (and upgrades) its own SDK.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SCOPE_NAME, SCOPE_VERSION } from '../src/index.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** OpenTelemetry packages that belong to an SDK setup, never to an instrumentation. */
const SDK_PACKAGE = /^@opentelemetry\/(sdk-|exporter-|resources$|core$|context-async-hooks$|auto-instrumentations)/;

describe('package.json', () => {
  describe('dependencies', () => {
    it('contains no OpenTelemetry SDK, exporter or resource package', () => {
      const offending = Object.keys(pkg.dependencies ?? {}).filter((name) => SDK_PACKAGE.test(name));
      assert.deepEqual(offending, [], `move ${offending.join(', ')} to devDependencies`);
    });
    it('takes @opentelemetry/api as a peer dependency only', () => {
      assert.ok(pkg.peerDependencies?.['@opentelemetry/api'], 'peerDependencies must list @opentelemetry/api');
      assert.equal(pkg.dependencies?.['@opentelemetry/api'], undefined, 'two copies of the API would split the global providers');
    });
    it('has a pattern that catches the packages it is meant to catch', () => {
      for (const name of ['@opentelemetry/sdk-metrics', '@opentelemetry/exporter-metrics-otlp-proto', '@opentelemetry/resources']) {
        assert.ok(SDK_PACKAGE.test(name), name);
      }
      assert.ok(!SDK_PACKAGE.test('@opentelemetry/api-logs'));
    });
  });
  describe('version', () => {
    it('matches the instrumentation scope version', () => {
      assert.equal(SCOPE_NAME, pkg.name);
      assert.equal(SCOPE_VERSION, pkg.version);
    });
  });
});
