/**
 * The built-in dashboard's files: the page and the bundle that
 * `scripts/build-ui.mjs` writes into `dist/ui/` at build time. They are read
 * once, kept in memory (about 100 KB), and served with a strong ETag. Nothing
 * is fetched at run time and no CDN is involved.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the dashboard, ready to send. */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/** The dashboard's files by URL path (`/`, `/ui/app.js`, ...), or why there are none. */
export type DashboardAssets = { ok: true; files: ReadonlyMap<string, DashboardAsset> } | { ok: false; reason: string };

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/**
 * `dist/ui/` of this package. From `src/dashboard/` (tests, tsx) and from
 * `dist/dashboard/` (the built package) it is the same two levels up.
 */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** Reads the dashboard's files from `dir` (flat: the bundler writes no subfolders). */
export function loadDashboardAssets(dir: string = DEFAULT_UI_DIR): DashboardAssets {
  if (!existsSync(join(dir, 'index.html'))) {
    return { ok: false, reason: `the dashboard is not built (no ${join(dir, 'index.html')}); run \`npm run build\`` };
  }
  const files = new Map<string, DashboardAsset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(dir, name));
    const asset = { body, contentType: type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
    files.set(`/ui/${name}`, asset);
    if (name === 'index.html') files.set('/', asset);
  }
  return { ok: true, files };
}
