/**
 * Bearer-token checks shared by every listener: the HTTP API, the OTLP/HTTP
 * receiver and the OTLP/gRPC receiver (RFC 6750 `Authorization: Bearer <token>`;
 * the scheme is case-insensitive, RFC 9110 section 11.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Fewest characters of a configured token. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * What a configured token may contain: visible ASCII, no whitespace. Header values
 * are read as Latin-1 and gRPC metadata must be printable ASCII, so a token with
 * other characters could never be presented intact; a space would split it from
 * the scheme ambiguously.
 */
export const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** `Bearer <token>`, scheme in any case, one or more spaces (RFC 9110 allows only SP), trailing spaces ignored. */
const CREDENTIALS = /^bearer +(\S+) *$/i;

/** The token presented in an `Authorization` value, or `undefined` when it is not `Bearer` credentials. */
export function presentedBearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  return CREDENTIALS.exec(authorization)?.[1];
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Tells whether an `Authorization` value carries the configured token. */
export type BearerTokenCheck = (authorization: string | undefined) => boolean;

/**
 * Builds the check of one configured token. Both sides are reduced to their
 * SHA-256 digests and compared with `timingSafeEqual`: the digests always have
 * the same length, so neither the token's length nor the place of the first
 * differing character shows in the time taken, and a missing token costs the
 * same work as a wrong one.
 *
 * @throws RangeError when the token is shorter than {@link MIN_TOKEN_LENGTH} or
 * has characters outside {@link TOKEN_PATTERN} (the message never repeats it).
 */
export function bearerTokenCheck(token: string): BearerTokenCheck {
  if (token.length < MIN_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
    throw new RangeError(`an auth token must be at least ${MIN_TOKEN_LENGTH} visible ASCII characters without spaces`);
  }
  const want = sha256(token);
  return (authorization) => {
    const given = presentedBearerToken(authorization);
    const match = timingSafeEqual(sha256(given ?? ''), want);
    return match && given !== undefined;
  };
}

/** The check of an optional token: everything passes when no token is configured. */
export function optionalBearerTokenCheck(token: string | undefined): BearerTokenCheck {
  return token === undefined ? () => true : bearerTokenCheck(token);
}

/**
 * The message of every refusal for a missing or wrong token (`header` on HTTP,
 * `metadata` on gRPC): it never says which of the two, and never repeats what was sent.
 */
export function unauthorizedMessage(carrier: 'header' | 'metadata'): string {
  return `missing or wrong bearer token: send the ${carrier} "authorization: Bearer <token>"`;
}

/** The `WWW-Authenticate` challenge of a 401 (RFC 6750 section 3). */
export const BEARER_CHALLENGE = 'Bearer realm="modelwatch"';
