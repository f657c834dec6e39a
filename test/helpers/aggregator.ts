/**
 * Starts a real `modelwatch serve` process for end-to-end tests (ports 0,
 * a temporary data directory) and stops it afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MODELWATCH_BIN = join(ROOT, 'packages/aggregator/bin/modelwatch.js');

export interface Addresses {
  otlpHttp: string;
  otlpGrpc: string | null;
  http: string;
  dataDir: string;
}

export interface RunningAggregator {
  readonly addresses: Addresses;
  readonly process: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM and wait; resolves to the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Writes a temporary file and returns its path. */
export function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mw-e2e-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mw-e2e-'));
}

/** Options of {@link startAggregator}. */
export interface StartOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  /**
   * The largest file the process may write (RLIMIT_FSIZE, set with util-linux
   * `prlimit`): a write past it fails with EFBIG (Node ignores SIGXFSZ), a real
   * disk-full-like failure of the ingest log.
   */
  fileSizeLimitBytes?: number;
}

/** Starts `modelwatch serve` with the given YAML config text and extra flags. */
export async function startAggregator(configYaml: string, options: StartOptions = {}): Promise<RunningAggregator> {
  const config = tempFile('modelwatch.yaml', configYaml);
  const dataDir = options.dataDir ?? tempDir();
  const serve = [MODELWATCH_BIN, 'serve', '--config', config, '--data-dir', dataDir, '--otlp', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0', '--http', '127.0.0.1:0', ...(options.args ?? [])];
  const [command, args] =
    options.fileSizeLimitBytes === undefined ? [process.execPath, serve] : ['prlimit', [`--fsize=${options.fileSizeLimitBytes}`, process.execPath, ...serve]];
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const addresses = await new Promise<Addresses>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`modelwatch serve did not get ready in 30 s; stderr:\n${err}`)), 30_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      try {
        res(JSON.parse(line) as Addresses);
      } catch {
        rej(new Error(`unexpected first line ${line}; stderr:\n${err}`));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`modelwatch serve exited with ${code} before ready; stderr:\n${err}`));
    });
  });
  return {
    addresses,
    process: child,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `fn` until it returns a non-undefined value, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}

/** GET a JSON document. */
export async function getJson<T = unknown>(url: string): Promise<T> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status} ${await r.text()}`);
  return (await r.json()) as T;
}
