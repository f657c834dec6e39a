// Access settings of modelwatch.yaml (issue 16, "Access"): the non-loopback rule
// per listener, separate OTLP and API tokens, and tokens kept out of error messages.
// Nothing here binds a socket: the rule is enforced when the configuration loads.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { ConfigError, loadConfig, validateConfig } from '../../src/config/load.js';
import { scratchDir } from '../helpers/scratch.js';

const SHARED = 'shared-token-0123456789';
const OTLP = 'otlp-token-0123456789';
const API = 'api-token-0123456789';

/** Every listener on loopback with a free port, then `server` on top. */
function server(extra: Record<string, unknown>): Record<string, unknown> {
  return { server: { otlpHttp: '127.0.0.1:0', otlpGrpc: '127.0.0.1:0', http: '127.0.0.1:0', ...extra } };
}

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, '/');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

const LISTENERS = [
  { key: 'otlpHttp', what: 'the OTLP/HTTP receiver', tokenKey: 'otlpAuthToken', env: 'MODELWATCH_OTLP_AUTH_TOKEN' },
  { key: 'otlpGrpc', what: 'the OTLP/gRPC receiver', tokenKey: 'otlpAuthToken', env: 'MODELWATCH_OTLP_AUTH_TOKEN' },
  { key: 'http', what: 'the HTTP API', tokenKey: 'apiAuthToken', env: 'MODELWATCH_API_AUTH_TOKEN' },
] as const;

const EXPOSED = [
  { text: '0.0.0.0:4000', shown: '0.0.0.0:4000' },
  { text: '[::]:4000', shown: '[::]:4000' },
  { text: '192.0.2.10:4000', shown: '192.0.2.10:4000' },
  { text: 'example.internal:4000', shown: 'example.internal:4000' },
  { text: '[0:0:0:0:0:0:0:1]:4000', shown: '[0:0:0:0:0:0:0:1]:4000' }, // loopback spelled out: not recognised, so it errs towards a token
];

describe('config access', () => {
  describe('binding a non-loopback address', () => {
    for (const l of LISTENERS) {
      for (const address of EXPOSED) {
        it(`refuses ${l.key} on ${address.text} without a token, naming the listener, the address and the keys`, () => {
          const found = problems(server({ [l.key]: address.text }));
          assert.equal(found.length, 1, found.join('\n'));
          const [problem] = found;
          assert.ok(problem?.startsWith(`server.${l.key}: binding ${l.what} to the non-loopback address ${address.shown} requires`), problem);
          assert.match(problem ?? '', new RegExp(`server\\.authToken or server\\.${l.tokenKey} \\(env MODELWATCH_AUTH_TOKEN or ${l.env}\\), or server\\.insecure: true`));
        });
      }

      it(`accepts ${l.key} on 0.0.0.0 and :: with the shared token, its own token, or insecure`, () => {
        for (const host of ['0.0.0.0:4000', '[::]:4000']) {
          assert.deepEqual(problems(server({ [l.key]: host, authToken: SHARED })), [], `${host} authToken`);
          assert.deepEqual(problems(server({ [l.key]: host, [l.tokenKey]: l.tokenKey === 'otlpAuthToken' ? OTLP : API })), [], `${host} ${l.tokenKey}`);
          assert.deepEqual(problems(server({ [l.key]: host, insecure: true })), [], `${host} insecure`);
        }
      });
    }

    it('judges each listener by its own token: an OTLP token does not open the API, nor an API token the receivers', () => {
      const all = { otlpHttp: '0.0.0.0:4318', otlpGrpc: '[::]:4317', http: '0.0.0.0:9470' };
      const otlpOnly = problems(server({ ...all, otlpAuthToken: OTLP }));
      assert.equal(otlpOnly.length, 1, otlpOnly.join('\n'));
      assert.match(otlpOnly[0] ?? '', /^server\.http: binding the HTTP API to the non-loopback address 0\.0\.0\.0:9470/);
      const apiOnly = problems(server({ ...all, apiAuthToken: API }));
      assert.deepEqual(apiOnly.map((p) => p.split(':', 1)[0]), ['server.otlpHttp', 'server.otlpGrpc'], apiOnly.join('\n'));
      const none = problems(server(all));
      assert.deepEqual(none.map((p) => p.split(':', 1)[0]), ['server.otlpHttp', 'server.otlpGrpc', 'server.http'], 'every exposed listener is named, in one error');
      assert.deepEqual(problems(server({ ...all, otlpAuthToken: OTLP, apiAuthToken: API })), []);
    });

    it('needs no token on loopback (127.0.0.0/8, ::1, localhost), nor for a gRPC receiver that is off', () => {
      for (const host of ['127.0.0.1:1', '127.1.2.3:1', '[::1]:1', 'localhost:1', ':1', '1']) {
        assert.deepEqual(problems(server({ otlpHttp: host, otlpGrpc: host, http: host })), [], host);
      }
      assert.deepEqual(problems(server({ otlpGrpc: false })), []);
      assert.deepEqual(problems(server({ otlpGrpc: 'off' })), []);
    });

    it('takes each token and the exposed addresses from the environment', () => {
      const env = { MODELWATCH_OTLP_HTTP: '0.0.0.0:0', MODELWATCH_OTLP_GRPC: '[::]:0', MODELWATCH_HTTP: '0.0.0.0:0' };
      assert.throws(() => loadConfig({ env }), /server\.otlpHttp: binding the OTLP\/HTTP receiver/);
      assert.throws(() => loadConfig({ env: { ...env, MODELWATCH_OTLP_AUTH_TOKEN: OTLP } }), /server\.http: binding the HTTP API/);
      const c = loadConfig({ env: { ...env, MODELWATCH_OTLP_AUTH_TOKEN: OTLP, MODELWATCH_API_AUTH_TOKEN: API } });
      assert.equal(c.server.otlpAuthToken, OTLP);
      assert.equal(c.server.apiAuthToken, API);
      assert.equal(c.server.authToken, undefined);
      const shared = loadConfig({ env: { ...env, MODELWATCH_AUTH_TOKEN: SHARED } });
      assert.equal(shared.server.authToken, SHARED);
      assert.equal(loadConfig({ env: { ...env, MODELWATCH_INSECURE: 'true' } }).server.insecure, true);
    });
  });

  describe('tokens', () => {
    const scratch = scratchDir('mw-access-');
    it('keeps a config with only authToken as it was: no per-listener token is invented', () => {
      const c = validateConfig(server({ authToken: SHARED }), '/');
      assert.equal(c.server.authToken, SHARED);
      assert.equal(c.server.otlpAuthToken, undefined, 'service.ts falls back to authToken');
      assert.equal(c.server.apiAuthToken, undefined);
    });

    it('lets the file set both tokens, and environment variables override the file', () => {
      const path = scratch.path('modelwatch.yaml');
      writeFileSync(path, `server:\n  authToken: ${SHARED}\n  otlpAuthToken: ${OTLP}\n  apiAuthToken: ${API}\n`);
      const fromFile = loadConfig({ path });
      assert.deepEqual([fromFile.server.authToken, fromFile.server.otlpAuthToken, fromFile.server.apiAuthToken], [SHARED, OTLP, API]);
      const fromEnv = loadConfig({ path, env: { MODELWATCH_OTLP_AUTH_TOKEN: 'env-otlp-token-0123456789', MODELWATCH_API_AUTH_TOKEN: 'env-api-token-0123456789' } });
      assert.deepEqual([fromEnv.server.otlpAuthToken, fromEnv.server.apiAuthToken], ['env-otlp-token-0123456789', 'env-api-token-0123456789']);
    });

    for (const key of ['authToken', 'otlpAuthToken', 'apiAuthToken']) {
      it(`validates server.${key} like the shared token, without repeating it in the error`, () => {
        const short = 'fifteen-chars-x';
        const [tooShort] = problems(server({ [key]: short }));
        assert.match(tooShort ?? '', new RegExp(`^server\\.${key}: must be at least 16 characters \\(received "<hidden: 15 characters>"\\)$`));
        assert.ok(!(tooShort ?? '').includes(short));
        const spaced = 'a token with spaces inside it';
        const [withSpaces] = problems(server({ [key]: spaced }));
        assert.match(withSpaces ?? '', new RegExp(`^server\\.${key}: must be visible ASCII characters without spaces`));
        assert.ok(!(withSpaces ?? '').includes(spaced));
        const [notText] = problems(server({ [key]: 1234567890123456 }));
        assert.match(notText ?? '', new RegExp(`^server\\.${key}: .*\\(received "<hidden: a number>"\\)$`));
        assert.ok(!(notText ?? '').includes('1234567890123456'));
      });
    }

    it('keeps a token out of the error about another key of the server section', () => {
      const err = problems(server({ authToken: SHARED, http: 'not an address' })).join('\n');
      assert.match(err, /server\.http/);
      assert.ok(!err.includes(SHARED), err);
    });

    it("keeps alert receivers' credentials out of errors too: webhook headers, the PagerDuty key, the Slack URL", () => {
      const secret = 'receiver-secret-0123456789';
      const err = problems({
        alerting: {
          webhooks: [{ url: 'http://127.0.0.1:1/hook', headers: { authorization: 42, 'x-token': secret }, repeatInterval: 'often' }],
          routing: { pagerdutyRoutingKey: 7, slackWebhookUrl: `not a url ${secret}` },
        },
      }).join('\n');
      assert.match(err, /alerting\.webhooks\.0\.headers\.authorization: .*\(received "<hidden: a number>"\)/);
      assert.match(err, /alerting\.routing\.slackWebhookUrl: .*\(received "<hidden: \d+ characters>"\)/);
      assert.match(err, /alerting\.routing\.pagerdutyRoutingKey: .*\(received "<hidden: a number>"\)/);
      assert.match(err, /alerting\.webhooks\.0\.repeatInterval: .*"often"/, 'other values are still shown');
      assert.ok(!err.includes(secret), err);
    });

    it('regression (fuzzing): keeps a webhook header out of the error when webhooks is a mapping, not a list', () => {
      const secret = 'misplaced-secret-0123456789';
      const err = problems({
        alerting: { webhooks: { threshold: 0.3, headers: { 'x-token': secret } } },
        server: { nested: { authToken: secret } },
      }).join('\n');
      assert.match(err, /alerting\.webhooks: .*"x-token":"<hidden: /);
      assert.ok(!err.includes(secret), err);
    });

    it('regression (fuzzing, cases 32851 and 54993): keeps a header out of the error when a mapping of headers is used as a key (`? x-token: ...`)', () => {
      const secret = 'key-secret-0123456789';
      for (const text of [
        `alerting:\n  webhooks:\n    - url: http://127.0.0.1:8080/hook\n      headers:\n        ? x-token: ${secret}\n`,
        `alerting:\n  webhooks:\n    - url: http://127.0.0.1:8080/hook\n      ? { x-token: ${secret} }\n      : 1\n`,
        `? [ ${secret} ]\n: 1\n`,
      ]) {
        const path = scratch.path('modelwatch.yaml');
        writeFileSync(path, text);
        assert.throws(
          () => loadConfig({ path, env: {} }),
          (err: unknown) => {
            assert.ok(err instanceof ConfigError, String(err));
            assert.ok(!err.message.includes(secret), err.message);
            assert.match(err.message, /<a mapping or sequence as a key, \d+ characters>/);
            return true;
          },
        );
      }
    });

    it('keeps a token out of a YAML syntax error on its line, still giving the line and column', () => {
      const secret = 'yaml-secret-0123456789';
      for (const text of [
        `server:\n  authToken: ${secret}\n   bad: 1\n`,
        `server: { authToken: ${secret}, http: [ }\n`,
        `server:\n  authToken: "${secret}\n  http: x\n`,
        // Regression (fuzzing): messages of the yaml package that quote the offending source.
        `alerting:\n  webhooks:\n    - headers:\n        x-token: >${secret}\n`,
      ]) {
        const path = scratch.path('modelwatch.yaml');
        writeFileSync(path, text);
        assert.throws(
          () => loadConfig({ path }),
          (err: Error) => /not valid YAML: .* at line \d+, column \d+/.test(err.message) && !err.message.includes(secret),
          text,
        );
      }
    });
  });
});
