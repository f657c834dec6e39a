import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { toEngineConfig } from '../../src/config/engine-config.js';

const baseline = (features: Record<string, unknown>): string =>
  JSON.stringify({ format: 'modelwatch.baseline/v1', model: 'm', createdAt: '2026-12-01T00:00:00Z', features });

describe('config/engine-config', () => {
  describe('toEngineConfig', () => {
    it('reads a baseline file that matches the configured types', () => {
      const dir = mkdtempSync(join(tmpdir(), 'mw-engine-config-'));
      writeFileSync(join(dir, 'ok.json'), baseline({ lang: { type: 'categorical', counts: { en: 3 }, missing: 0 } }));
      writeFileSync(join(dir, 'modelwatch.yaml'), 'models:\n  - { name: m, task: classification, baseline: ok.json, features: { lang: categorical } }\n');
      const cfg = toEngineConfig(loadConfig({ path: join(dir, 'modelwatch.yaml') }));
      assert.deepEqual(cfg.models[0]?.baseline?.features['lang'], { type: 'categorical', counts: { en: 3 }, missing: 0 });
    });

    it('passes the fine slot on, from the defaults and per model, as ms (unset: the engine\'s default)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'mw-engine-config-'));
      writeFileSync(join(dir, 'modelwatch.yaml'), 'models:\n  - { name: m, task: classification, fineSlot: 20s }\n  - { name: n, task: classification }\n');
      const cfg = toEngineConfig(loadConfig({ path: join(dir, 'modelwatch.yaml') }));
      assert.equal(cfg.defaults.fineSlot, undefined);
      assert.equal(cfg.models[0]?.fineSlot, 20_000);
      assert.equal(cfg.models[1]?.fineSlot, undefined);
      writeFileSync(join(dir, 'modelwatch.yaml'), 'defaults: { fineSlot: 15s }\n');
      assert.equal(toEngineConfig(loadConfig({ path: join(dir, 'modelwatch.yaml') })).defaults.fineSlot, 15_000);
    });

    it('lists every bad baseline file in one ConfigError: unreadable, invalid, and types that contradict the config', () => {
      const dir = mkdtempSync(join(tmpdir(), 'mw-engine-config-'));
      writeFileSync(join(dir, 'conflict.json'), baseline({ text_length: { type: 'categorical', counts: { 'np.float64(1.5)': 3 }, missing: 0 } }));
      writeFileSync(join(dir, 'invalid.json'), '{"format":"nope"}');
      writeFileSync(join(dir, 'modelwatch.yaml'), [
        'models:',
        '  - { name: a, task: classification, baseline: conflict.json, features: { text_length: numeric } }',
        '  - { name: b, task: classification, baseline: invalid.json }',
        '  - { name: c, task: classification, baseline: absent.json }',
        '',
      ].join('\n'));
      const config = loadConfig({ path: join(dir, 'modelwatch.yaml') });
      assert.throws(() => toEngineConfig(config), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 3, err.message);
        assert.match(err.problems[0] ?? '', /^models\.a\.baseline: model "a": feature "text_length" is categorical in the baseline \(.*conflict\.json\) but numeric in the config/);
        assert.match(err.problems[1] ?? '', /^models\.b\.baseline: invalid baseline .*invalid\.json/);
        assert.match(err.problems[2] ?? '', /^models\.c\.baseline: cannot read .*absent\.json/);
        return true;
      });
    });
  });
});
