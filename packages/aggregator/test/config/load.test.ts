import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_MAX_BYTES, ConfigError, loadConfig, validateConfig } from '../../src/config/load.js';
import { parseDuration, parseListenAddress, parseSize } from '../../src/config/duration.js';

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-config-'));
  const path = join(dir, 'modelwatch.yaml');
  writeFileSync(path, text);
  return path;
}

describe('config', () => {
  describe('loadConfig', () => {
    it('gives the documented defaults with no file', () => {
      const c = loadConfig({ cwd: '/srv' });
      assert.equal(c.evaluation.interval, 30_000);
      assert.deepEqual(c.server.otlpHttp, { host: '127.0.0.1', port: 4318 });
      assert.deepEqual(c.server.otlpGrpc, { host: '127.0.0.1', port: 4317 });
      assert.deepEqual(c.server.http, { host: '127.0.0.1', port: 9470 });
      assert.equal(c.dataDir, '/srv/modelwatch-data');
      assert.equal(c.defaults.window, 3_600_000);
      assert.equal(c.defaults.slot, 60_000);
      assert.equal(c.defaults.alpha, 0.01);
      assert.deepEqual(c.defaults.thresholds.ks, { info: 0.1, warning: 0.15, critical: 0.25 });
      assert.deepEqual(c.defaults.thresholds.psi, { info: 0.1, warning: 0.2, critical: 0.25 });
      assert.equal(c.limits.maxBodyBytes, 16 * 1024 * 1024);
      assert.deepEqual(c.models, []);
    });

    it('reads the minimal form from the issue and resolves paths relative to the file', () => {
      const path = writeConfig(`
evaluation: { interval: 30s }
models:
  - name: sentiment_classifier
    task: classification
    baseline: ./baselines/sentiment_classifier.json
    window: 1h
    features: { text_length: numeric, language: categorical }
`);
      const c = loadConfig({ path });
      const m = c.models[0];
      assert.ok(m);
      assert.equal(m.name, 'sentiment_classifier');
      assert.equal(m.window, 3_600_000);
      assert.equal(m.baseline, join(path, '..', 'baselines/sentiment_classifier.json'));
      assert.deepEqual(m.features, { text_length: 'numeric', language: 'categorical' });
    });

    it('accepts empty models and features and an interval of 1s', () => {
      const c = loadConfig({ path: writeConfig('evaluation: { interval: 1s }\nmodels: []\n') });
      assert.equal(c.evaluation.interval, 1000);
      const d = loadConfig({ path: writeConfig('models: [{ name: m, features: {} }]\n') });
      assert.deepEqual(d.models[0]?.features, {});
    });

    it('lets flags win over the environment, and the environment over the file', () => {
      const path = writeConfig('server: { http: "127.0.0.1:1000" }\n');
      const c = loadConfig({
        path,
        env: { MODELWATCH_HTTP: '127.0.0.1:2000', MODELWATCH_OTLP_HTTP: '127.0.0.1:0' },
        overrides: { http: '127.0.0.1:0', dataDir: 'here' },
        cwd: '/work/x',
      });
      assert.deepEqual(c.server.http, { host: '127.0.0.1', port: 0 });
      assert.deepEqual(c.server.otlpHttp, { host: '127.0.0.1', port: 0 });
      assert.equal(c.dataDir, '/work/x/here');
    });

    it('lists every problem in one error, naming the key, what was received and what was expected', () => {
      const path = writeConfig(`
evaluation: { interval: soon }
colour: blue
models:
  - name: m
    task: clustering
    features: { a: numberish }
`);
      assert.throws(
        () => loadConfig({ path }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          const text = err.problems.join('\n');
          assert.match(text, /evaluation\.interval: expected a duration like .* got "soon"/);
          assert.match(text, /unknown key "colour"/);
          assert.match(text, /models\.0\.task: .*"clustering"/);
          assert.match(text, /models\.0\.features\.a: .*"numberish"/);
          assert.equal(err.problems.length, 4);
          return true;
        },
      );
    });

    it('reads ground-truth settings as durations, per model and as defaults, and refuses unknown ones', () => {
      const c = validateConfig(
        {
          defaults: { groundTruth: { pendingTtl: '2d', rollingSize: 500 } },
          models: [{ name: 'm', groundTruth: { earlyLabelGrace: '30s', changeDetection: { delta: 0.001 } } }],
        },
        '/',
      );
      assert.deepEqual(c.defaults.groundTruth, { pendingTtl: 172_800_000, rollingSize: 500 });
      assert.equal(c.models[0]?.groundTruth?.earlyLabelGrace, 30_000);
      assert.equal(c.models[0]?.groundTruth?.changeDetection?.delta, 0.001);
      assert.throws(() => validateConfig({ models: [{ name: 'm', groundTruth: { ttl: '1h' } }] }, '/'), /models\.0\.groundTruth: unknown key "ttl"/);
    });

    it('reads limits.maxResidentMemory as a size, unset by default, and refuses one under 64MiB', () => {
      assert.equal(validateConfig({}, '/').limits.maxResidentMemory, undefined);
      assert.equal(validateConfig({ limits: { maxResidentMemory: '1GiB' } }, '/').limits.maxResidentMemory, 1024 ** 3);
      assert.equal(validateConfig({ limits: { maxResidentMemory: '300MB' } }, '/').limits.maxResidentMemory, 300e6);
      assert.equal(validateConfig({ limits: { maxResidentMemory: 67_108_864 } }, '/').limits.maxResidentMemory, 67_108_864);
      assert.throws(() => validateConfig({ limits: { maxResidentMemory: '16MiB' } }, '/'), /limits\.maxResidentMemory: must be at least 64MiB/);
      assert.throws(() => validateConfig({ limits: { maxResidentMemory: 'lots' } }, '/'), /limits\.maxResidentMemory: expected a size like/);
    });

    it('refuses a non-loopback bind without an auth token', () => {
      assert.throws(() => validateConfig({ server: { http: '0.0.0.0:9470' } }, '/'), /requires server.authToken/);
      const ok = validateConfig({ server: { http: '0.0.0.0:9470', authToken: 'x'.repeat(16) } }, '/');
      assert.equal(ok.server.http.host, '0.0.0.0');
      assert.doesNotThrow(() => validateConfig({ server: { http: '0.0.0.0:9470', insecure: true } }, '/'));
    });

    it('names a missing file and invalid YAML', () => {
      assert.throws(() => loadConfig({ path: '/nonexistent/modelwatch.yaml' }), /cannot read the configuration file/);
      assert.throws(() => loadConfig({ path: writeConfig('models: [\n') }), /not valid YAML/);
    });

    it('regression (fuzzing, config (YAML) case 2612): complex keys nested 400 deep on one line (`? ? ? ...`) are refused at once, naming the key, instead of taking 18 s', () => {
      const path = writeConfig(`evaluation: { interval: 30s }\ndefaults:\n  alerts:\n    ${'? '.repeat(400)}x: 1\n`);
      const t0 = Date.now();
      assert.throws(
        () => loadConfig({ path }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.problems.length === 1 &&
          /^defaults\.alerts\.\(complex key\)\.\(complex key\)\.\.\.: mappings and sequences nested more than 32 levels deep at line 4, column \d+; expected at most 32/.test(err.problems[0] ?? ''),
      );
      assert.ok(Date.now() - t0 < 1000, `refused after ${Date.now() - t0} ms`);
    });

    it('regression (fuzzing, config (YAML) case 20306): thousands of nested levels closing at once are refused by depth, not as a stack overflow inside the YAML parser', () => {
      const path = writeConfig(`limits:\n  ${'? '.repeat(20_000)}x: 1\nmodels: []\n`);
      assert.throws(() => loadConfig({ path }), (err: unknown) => err instanceof ConfigError && /^limits\.\(complex key\).*nested more than 32 levels deep at line 2/.test(err.problems[0] ?? '') && !err.message.includes('call stack'));
    });

    it('reads 32 levels of nesting, and refuses 33 naming the path to them', () => {
      // The root mapping is the first level.
      const nested = (levels: number): string => `${'[ '.repeat(levels - 1)}1${' ]'.repeat(levels - 1)}`;
      assert.throws(() => loadConfig({ path: writeConfig(`extra: ${nested(32)}\n`) }), /unknown key "extra"/);
      assert.throws(() => loadConfig({ path: writeConfig(`extra: ${nested(33)}\n`) }), /extra\.0\.0\.0\.\.\.: mappings and sequences nested more than 32 levels deep at line 1, column 70/);
    });

    it('regression (fuzzing, config (YAML) case 11559): names a too-deep place under a key YAML cannot resolve (`%x`) in a ConfigError, not a YAMLParseError', () => {
      const path = writeConfig(`alerting:\n  %x: ${'[ '.repeat(40)}1${' ]'.repeat(40)}\n`);
      assert.throws(() => loadConfig({ path }), (err: unknown) => err instanceof ConfigError && /^alerting\.%x\.0\.0\.\.\.: mappings and sequences nested more than 32 levels deep/.test(err.problems[0] ?? ''));
    });

    it('regression (fuzzing, config (YAML) case 6464): refuses a file over 1 MiB unparsed, naming its size, instead of parsing 28 MiB of YAML for seconds', () => {
      const path = writeConfig(`models: []\n#${'x'.repeat(CONFIG_MAX_BYTES)}\n`);
      const t0 = Date.now();
      assert.throws(() => loadConfig({ path }), /cannot read the configuration file: the file is 1048589 bytes \(1\.0 MiB\); a configuration file is at most 1048576 bytes \(1 MiB\)/);
      assert.ok(Date.now() - t0 < 200, `refused after ${Date.now() - t0} ms`);
      assert.equal(loadConfig({ path: writeConfig(`models: []\n#${'x'.repeat(CONFIG_MAX_BYTES - 13)}\n`) }).models.length, 0);
    });

    it('requires a threshold on latency SLOs and a slot no longer than the window', () => {
      assert.throws(
        () => validateConfig({ models: [{ name: 'm', window: '1m', slot: '5m', slos: [{ name: 'p95', kind: 'latency', objective: 0.95 }] }] }, '/'),
        (err: unknown) => err instanceof ConfigError && err.problems.length === 2,
      );
    });
  });

  describe('parseDuration', () => {
    it('parses Prometheus-style durations', () => {
      assert.equal(parseDuration('500ms'), 500);
      assert.equal(parseDuration('1h30m'), 5_400_000);
      assert.equal(parseDuration('7d'), 604_800_000);
      assert.equal(parseDuration(2), 2000);
      assert.throws(() => parseDuration('5 minutes'), /expected a duration/);
      assert.throws(() => parseDuration(''), /expected a duration/);
    });
  });

  describe('alerting', () => {
    it('reads the issue\'s shape: receivers, defaults.alerts and per-model alerts by alertname', () => {
      const c = loadConfig({ path: writeConfig(`
alerting:
  alertmanagers: [ "http://127.0.0.1:9093" ]
  webhooks: [ { url: "http://127.0.0.1:8080/hook" } ]
defaults:
  alerts: { HighLowConfidencePredictions: { threshold: 0.3 } }
models:
  - name: sentiment_classifier
    alerts:
      DataDriftDetected: { for: 0s }
      HighErrorRate: { enabled: false, keepFiringFor: 90s }
`) });
      assert.deepEqual(c.alerting.alertmanagers, ['http://127.0.0.1:9093']);
      assert.deepEqual(c.alerting.webhooks, [{ url: 'http://127.0.0.1:8080/hook', repeatInterval: '4h', headers: {} }]);
      assert.equal(c.alerting.resendDelay, '1m');
      assert.deepEqual(c.defaults.alerts, { HighLowConfidencePredictions: { threshold: 0.3 } });
      assert.deepEqual(c.models[0]?.alerts, { DataDriftDetected: { for: '0s' }, HighErrorRate: { enabled: false, keepFiringFor: '1m30s' } });
    });

    it('refuses an unknown alertname, listing the known ones, and an unknown key inside a rule', () => {
      assert.throws(() => loadConfig({ path: writeConfig('models:\n  - name: m\n    alerts: { HighErorRate: { for: 1m }, ModelDown: { after: 1m } }\n') }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /models\.0\.alerts\.HighErorRate: unknown alert; known alerts are HighErrorRate, HighLatencyP95, DataDriftDetected/);
        assert.match(text, /models\.0\.alerts\.ModelDown.*after/);
        return true;
      });
      assert.throws(() => loadConfig({ path: writeConfig('alerting: { alertmanagers: [ "ftp://x" ] }\n') }), /alerting\.alertmanagers\.0/);
    });
  });

  describe('parseSize', () => {
    it('parses sizes with binary and decimal units', () => {
      assert.equal(parseSize('16MiB'), 16 * 1024 * 1024);
      assert.equal(parseSize('512kB'), 512_000);
      assert.equal(parseSize(10), 10);
      assert.throws(() => parseSize('lots'), /expected a size/);
    });
  });

  describe('parseListenAddress', () => {
    it('keeps port 0 and defaults the host to loopback', () => {
      assert.deepEqual(parseListenAddress('0'), { host: '127.0.0.1', port: 0 });
      // Regression: a bare port was read as host "947", port 0.
      assert.deepEqual(parseListenAddress('9470'), { host: '127.0.0.1', port: 9470 });
      assert.deepEqual(parseListenAddress(':4318'), { host: '127.0.0.1', port: 4318 });
      assert.deepEqual(parseListenAddress('[::1]:80'), { host: '::1', port: 80 });
      assert.throws(() => parseListenAddress('host:99999'), /expected HOST:PORT/);
    });

    it('validates processor mode (forward) and requires the ingest log for it', () => {
      const c = validateConfig({ forward: { endpoint: 'http://gateway.internal:4317/', tls: { ca: 'ca.pem' } } }, '/etc/mw');
      assert.deepEqual(c.forward, {
        endpoint: 'http://gateway.internal:4317', protocol: 'grpc', compression: 'none', headers: {}, timeout: 10_000, maxQueueBytes: 256 * 1024 ** 2, concurrency: 4,
        retry: { initialInterval: 1000, maxInterval: 30_000 }, tls: { ca: '/etc/mw/ca.pem' },
      });
      assert.equal(validateConfig({}, '/').forward, undefined);
      assert.throws(
        () => validateConfig({ storage: { ingestLog: false }, forward: { endpoint: 'http://g:4317' } }, '/'),
        /forward: processor mode needs storage\.ingestLog: true .*set storage\.ingestLog to true or remove forward/,
      );
      assert.throws(() => validateConfig({ forward: { endpoint: 'gateway:4317' } }, '/'), /forward\.endpoint: must be an http:\/\/ or https:\/\/ URL/);
      assert.throws(() => validateConfig({ forward: { endpoint: 'http://g:4317', protocol: 'http/json' } }, '/'), /forward\.protocol/);
      assert.equal(validateConfig({ forward: { endpoint: 'http://g:4317', compression: 'gzip' } }, '/').forward?.compression, 'gzip');
      assert.throws(() => validateConfig({ forward: { endpoint: 'http://g:4317', compression: 'zstd' } }, '/'), /forward\.compression: .*"none".*"gzip"/);
      assert.throws(() => validateConfig({ forward: { endpoint: 'http://g:4317', retry: { initialInterval: '5s', maxInterval: '1s' } } }, '/'), /forward\.retry\.maxInterval: maxInterval must be at least initialInterval/);
      assert.throws(() => validateConfig({ forward: { endpoint: 'http://g:4317', queue: 1 } }, '/'), /forward: unknown key "queue"/);
    });

    it('does not repeat forward.headers in an error message', () => {
      assert.throws(
        () => validateConfig({ forward: { endpoint: 'http://g:4317', headers: { authorization: 42 } } }, '/'),
        (err: Error) => /forward\.headers\.authorization/.test(err.message) && !err.message.includes('42'),
      );
    });
  });
});
