// Fuzzing the configuration loader: arbitrary YAML-shaped values in every
// place of modelwatch.yaml, and mutations of a valid file's text. Every
// outcome is a valid configuration or one ConfigError naming the keys; never
// any other exception.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, loadConfig, validateConfig } from '../../src/config/load.js';

const VALID = `evaluation: { interval: 30s }
alerting: { alertmanagers: [ "http://127.0.0.1:9093" ], webhooks: [ { url: "http://127.0.0.1:8080/hook" } ] }
defaults:
  window: 1h
  driftWindows: [1m, 10m]
  alerts: { HighLowConfidencePredictions: { threshold: 0.3 } }
models:
  - name: sentiment
    task: classification
    features: { text_length: numeric, language: categorical }
    slos: [ { name: p95, kind: latency, objective: 0.95, threshold: 0.25 }, { name: c, kind: cost, objective: 0.9, threshold: 0.05, costPerHour: 2 } ]
    alerts: { DataDriftDetected: { for: 0s }, HighErrorRate: { enabled: false } }
`;

/** Any JSON-like value, as YAML can hold. */
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, Number.POSITIVE_INFINITY, Number.NaN, '', '30s', '1m', 'numeric', 'latency', 'http://127.0.0.1:1', '127.0.0.1:0', 'off'),
    fc.string({ maxLength: 10 }),
    fc.double(),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('name', 'kind', 'for', 'threshold', 'window', 'slot', 'features', 'alerts', 'slos', 'interval', 'x'), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const KEYS = ['evaluation', 'server', 'dataDir', 'storage', 'limits', 'discovery', 'defaults', 'alerting', 'models', 'extra'] as const;

function outcome(run: () => unknown): 'valid' | 'config-error' {
  try {
    run();
    return 'valid';
  } catch (e) {
    if (e instanceof ConfigError) {
      assert.ok(e.problems.length > 0 && e.problems.every((p) => p.length > 0), 'a ConfigError lists its problems');
      return 'config-error';
    }
    throw e;
  }
}

describe('config under fuzzing', () => {
  it('validateConfig turns any value in any section into a configuration or a ConfigError, never another exception', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 5 }), (raw) => {
        outcome(() => validateConfig(raw, '/srv'));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('loadConfig turns any edit of a valid file into a configuration or a ConfigError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-config-fuzz-'));
    const path = join(dir, 'modelwatch.yaml');
    const results = { valid: 0, 'config-error': 0 };
    fc.assert(
      fc.property(fc.nat({ max: VALID.length - 1 }), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }), (at, del, insert) => {
        writeFileSync(path, VALID.slice(0, at) + insert + VALID.slice(at + del));
        results[outcome(() => loadConfig({ path }))]++;
      }),
      { numRuns: 1000, seed: 7 },
    );
    assert.ok(results['config-error'] > 100 && results.valid > 10, JSON.stringify(results));
  });
});
