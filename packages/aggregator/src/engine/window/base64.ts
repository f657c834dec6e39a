/**
 * Base64 of byte arrays for JSON snapshots, on the `btoa`/`atob` globals
 * (available in Node >= 16 and browsers), so the engine needs no `node:buffer`.
 *
 * @module
 */

/** Encodes bytes as standard base64. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  // Chunked so String.fromCharCode never sees too many arguments.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Decodes standard base64 into bytes. */
export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
