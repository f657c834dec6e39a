// A throwaway self-signed certificate for TLS tests, made with the `openssl`
// command in a temporary directory that the caller removes. Node's crypto can
// make keys but not X.509 certificates, hence the command; without it, tests skip.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the PEM files, and the certificate's text for clients to trust. */
export interface SelfSigned {
  cert: string;
  key: string;
  /** The certificate (PEM), to pass as a client's trusted CA. */
  ca: Buffer;
}

/** Whether the `openssl` command is there; when not, the reason to skip. */
export function opensslMissing(): string | false {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? false : 'the openssl command is not installed';
}

/**
 * Writes `cert.pem` and `key.pem` (P-256, one day, for 127.0.0.1, ::1 and localhost) into `dir`.
 * @throws when openssl fails.
 */
export function selfSignedCert(dir: string): SelfSigned {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const r = spawnSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl could not make a certificate: ${r.stderr}`);
  return { cert, key, ca: readFileSync(cert) };
}
