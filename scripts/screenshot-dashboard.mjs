#!/usr/bin/env node
// Regenerates docs/dashboard.png, the README's picture of the dashboard: runs
// the demo's tour on free ports until the drift alerts fire, then has
// Chromium (Debian's, through playwright-core) photograph the overview, and
// stops the demo. Needs the packages built (`npm run build`).
//
//   node scripts/screenshot-dashboard.mjs [--out docs/dashboard.png]
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/dashboard.png' } } });

const demo = spawn(process.execPath, ['scripts/demo.mjs', '--skip-build', '--duration', '4m', '--http', '127.0.0.1:0', '--otlp', '127.0.0.1:0', '--otlp-grpc', '127.0.0.1:0'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const stopDemo = () => new Promise((res) => (demo.exitCode !== null ? res() : (demo.once('exit', res), demo.kill('SIGTERM'))));
try {
  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('the demo printed no dashboard URL within 120 s')), 120_000);
    createInterface({ input: demo.stdout }).on('line', (line) => {
      console.log(line);
      const m = /dashboard (http\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
  });
  // Until both drift alerts fire (the tour's drift phase), at most 3 minutes.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const a = await (await fetch(`${url}api/v1/alerts`)).json().catch(() => ({ active: [] }));
    if ((a.active ?? []).filter((x) => x.status === 'firing' && x.labels.alertname === 'DataDriftDetected').length >= 2) break;
    if (Date.now() > deadline) throw new Error('no drift alert fired within 3 minutes');
    await new Promise((r) => setTimeout(r, 2000));
  }
  await new Promise((r) => setTimeout(r, 6000));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${url}#/`);
  await page.waitForSelector('article.model-card');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: resolve(root, values.out) });
  await browser.close();
  console.log(`wrote ${values.out}`);
} finally {
  await stopDemo();
}
