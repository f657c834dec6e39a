import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  BEARER_CHALLENGE,
  bearerTokenCheck,
  optionalBearerTokenCheck,
  presentedBearerToken,
  unauthorizedMessage,
} from '../../src/auth/bearer-token.js';

const TOKEN = 'tok-0123456789abcdef';

describe('bearer-token', () => {
  describe('presentedBearerToken', () => {
    it('takes the token of Bearer credentials, the scheme in any case (RFC 9110 11.1)', () => {
      for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) assert.equal(presentedBearerToken(`${scheme} ${TOKEN}`), TOKEN, scheme);
      assert.equal(presentedBearerToken(`Bearer   ${TOKEN}  `), TOKEN, 'extra spaces');
    });

    it('finds nothing in other schemes, a missing token, or a token with spaces', () => {
      for (const header of [undefined, '', 'Bearer', 'Bearer ', TOKEN, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, `Token ${TOKEN}`, `Bearer ${TOKEN} extra`, `Bearer\t${TOKEN}`, `Bearer${TOKEN}`]) {
        assert.equal(presentedBearerToken(header), undefined, JSON.stringify(header));
      }
    });
  });

  describe('bearerTokenCheck', () => {
    const check = bearerTokenCheck(TOKEN);

    it('accepts the token and refuses everything else', () => {
      assert.equal(check(`Bearer ${TOKEN}`), true);
      assert.equal(check(`bearer ${TOKEN}`), true);
      for (const header of [undefined, '', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN.toUpperCase()}`, 'Bearer x', `Basic ${TOKEN}`, TOKEN]) {
        assert.equal(check(header), false, JSON.stringify(header));
      }
    });

    it('refuses a presented token of another length without failing (digests of equal length are compared)', () => {
      // timingSafeEqual throws on buffers of different lengths: comparing the
      // raw values would need an early length check, the timeable shortcut.
      for (const n of [1, 15, 16, 21, 64, 4096]) assert.equal(check(`Bearer ${'a'.repeat(n)}`), false, String(n));
    });

    it('refuses a token too short or not sendable, without repeating it', () => {
      for (const bad of ['', 'short-secret', 'has a space in the middle', 'tab\tinside-the-token', 'non-ascii-tökeñ-value']) {
        assert.throws(() => bearerTokenCheck(bad), (err: Error) => err instanceof RangeError && !(bad !== '' && err.message.includes(bad)), bad);
      }
    });
  });

  describe('optionalBearerTokenCheck', () => {
    it('lets everything through when no token is configured', () => {
      const open = optionalBearerTokenCheck(undefined);
      assert.equal(open(undefined), true);
      assert.equal(open('Basic x'), true);
      assert.equal(optionalBearerTokenCheck(TOKEN)(undefined), false);
    });
  });

  describe('messages', () => {
    it('say how to send the token, and name the scheme in the challenge', () => {
      assert.match(unauthorizedMessage('header'), /missing or wrong bearer token: send the header "authorization: Bearer <token>"/);
      assert.match(unauthorizedMessage('metadata'), /send the metadata/);
      assert.match(BEARER_CHALLENGE, /^Bearer realm=/);
    });
  });

  describe('the listeners', () => {
    it('all use this one check: none compares tokens itself', () => {
      for (const file of ['../../src/http/server.ts', '../../src/receiver/http.ts', '../../src/receiver/grpc.ts']) {
        const source = readFileSync(new URL(file, import.meta.url), 'utf8');
        assert.match(source, /from '\.\.\/auth\/bearer-token\.js'/, file);
        assert.doesNotMatch(source, /timingSafeEqual|startsWith\('Bearer /, file);
      }
    });
  });
});
