#!/usr/bin/env node
// Bundles the dashboard (ui/) into dist/ui/ with esbuild: one script, one
// style sheet (uPlot's and ours), and the page. Run by `npm run build`; the
// aggregator serves the result from memory. Nothing is fetched at run time.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const out = `${pkg}dist/ui`;
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: `${pkg}ui/src/main.ts` },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  minify: process.env.UI_DEBUG === undefined,
  sourcemap: true,
  outdir: out,
  logLevel: 'warning',
  legalComments: 'linked',
});
for (const f of ["index.html", "favicon.svg"]) copyFileSync(`${pkg}ui/${f}`, `${out}/${f}`);
