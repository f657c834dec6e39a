/**
 * The built-in dashboard in real Chromium, against a running `modelwatch
 * serve` fed by the OpenTelemetry SDK: a healthy model and a failing one
 * (errors, slow, drifted), and a feature whose name is an HTML injection.
 * Checks the health colours, the drift view with both distributions drawn,
 * a firing alert with its runbook, that the injected name stays text, the
 * dark mode, refresh without rebuilding charts, the token prompt, and that
 * the console stays clean. Screenshots go to test-artifacts/dashboard/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startModelwatch } from '@modelwatch/node';
import { ModelMonitor } from '@modelwatch/instrumentation';
import { ALERT_NAMES } from '@modelwatch/semconv';
import { MODELWATCH_BIN, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { launchChromium, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { seeded } from '../helpers/random.js';

const XSS = '<img src=x onerror=alert(1)>';
const OTHERS_OFF = ALERT_NAMES.filter((n) => n !== 'DataDriftDetected').map((n) => `${n}: { enabled: false }`).join(', ');

/**
 * Sends predictions of both models through the SDK every 200 ms until stopped
 * (at most 5 minutes): `healthy` as in its baseline, fast and without errors;
 * `failing` shifted by 3 sd, slow (0.5 s) and failing 40 % of the time.
 */
function startTraffic(otlp: string): { stop: () => Promise<void> } {
  const sdk = startModelwatch({ serviceName: 'e2e-dashboard', otlpEndpoint: otlp, hostMetrics: false, runtimeMetrics: false, setGlobal: false, exportIntervalMillis: 1000 });
  const monitor = (name: string, features: Record<string, 'numeric'>): ModelMonitor =>
    new ModelMonitor({ model: { name }, task: 'classification', features, meterProvider: sdk.meterProvider, loggerProvider: sdk.loggerProvider, featureSampling: { rate: 1 } });
  const healthy = monitor('healthy', { x: 'numeric', [XSS]: 'numeric' });
  const failing = monitor('failing', { x: 'numeric' });
  const r = seeded(11);
  let i = 0;
  const tick = setInterval(() => {
    for (let k = 0; k < 20; k++) {
      healthy.record({ durationSeconds: 0.01, label: 'a', confidence: 0.9, features: { x: r.normal(100, 20), [XSS]: r.normal(5, 1) } });
      const failed = i++ % 5 < 2;
      failing.record({ durationSeconds: 0.5, ...(failed ? { error: new Error('boom') } : { label: 'a', confidence: 0.6 }), features: { x: r.normal(160, 20) } });
    }
  }, 200);
  const limit = setTimeout(() => clearInterval(tick), 300_000);
  return {
    async stop() {
      clearInterval(tick);
      clearTimeout(limit);
      await sdk.shutdown();
    },
  };
}

/**
 * How many pixels of a chart's canvas have the colour of a CSS custom property
 * (as the chart drew its line). Runs in the page, hence a string: the tests
 * are compiled without the DOM's types.
 */
async function canvasHasColour(w: WatchedPage, chartKey: string, cssVar: string): Promise<number> {
  return w.page.evaluate(`(() => {
    const probe = document.createElement('span');
    probe.style.color = getComputedStyle(document.documentElement).getPropertyValue(${JSON.stringify(cssVar)}).trim();
    document.body.appendChild(probe);
    const rgb = getComputedStyle(probe).color.match(/\\d+/g).map(Number);
    probe.remove();
    const canvas = document.querySelector('figure[data-chart="' + CSS.escape(${JSON.stringify(chartKey)}) + '"] canvas');
    if (!canvas) return -1;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let p = 0; p < data.length; p += 4) {
      if (Math.abs(data[p] - rgb[0]) <= 2 && Math.abs(data[p + 1] - rgb[1]) <= 2 && Math.abs(data[p + 2] - rgb[2]) <= 2 && data[p + 3] > 200) n++;
    }
    return n;
  })()`);
}

describe('the built-in dashboard in Chromium', { timeout: 240_000 }, () => {
  let aggregator: RunningAggregator;
  let traffic: { stop: () => Promise<void> };
  let browser: Browser;
  const pages: WatchedPage[] = [];
  let base = '';

  before(async () => {
    const dir = tempDir();
    const r = seeded(3);
    const quoted = `"${XSS}"`;
    writeFileSync(join(dir, 'healthy.csv'), `x,${quoted}\n${Array.from({ length: 3000 }, () => `${r.normal(100, 20)},${r.normal(5, 1)}`).join('\n')}\n`);
    writeFileSync(join(dir, 'failing.csv'), `x\n${Array.from({ length: 3000 }, () => r.normal(100, 20)).join('\n')}\n`);
    const slos = `slos: [ { name: latency-p95, kind: latency, objective: 0.95, threshold: 0.1 }, { name: errors, kind: error_rate, objective: 0.98 } ]`;
    const config = `
evaluation: { interval: 1s }
history: { interval: 1s, retention: 10m }
defaults:
  window: 10s
  slot: 1s
  alerts: { ${OTHERS_OFF} }
models:
  - name: healthy
    task: classification
    baseline: ${join(dir, 'healthy.json')}
    features: { x: numeric, '${XSS}': numeric }
    ${slos}
  - name: failing
    task: classification
    baseline: ${join(dir, 'failing.json')}
    features: { x: numeric }
    ${slos}
`;
    writeFileSync(join(dir, 'modelwatch.yaml'), config);
    for (const m of ['healthy', 'failing']) {
      const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', m, '--input', join(dir, `${m}.csv`), '--out', join(dir, `${m}.json`), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
      assert.equal(b.status, 0, b.stderr);
    }
    aggregator = await startAggregator(config);
    base = aggregator.addresses.http;
    traffic = startTraffic(aggregator.addresses.otlpHttp);
    browser = await launchChromium();
  });

  after(async () => {
    await traffic?.stop();
    await browser?.close();
    await aggregator?.stop();
  });

  const open = async (hash: string, options: { colorScheme?: 'light' | 'dark'; query?: string } = {}): Promise<WatchedPage> => {
    const w = await watchedPage(browser, options);
    pages.push(w);
    await w.page.goto(`${base}/${options.query ?? ''}${hash}`);
    return w;
  };

  it('shows the healthy model green and the failing one red, worst first', async () => {
    const w = await open('#/');
    await w.page.waitForSelector('article.model-card[data-model="failing"][data-colour="red"]', { timeout: 60_000 });
    await w.page.waitForSelector('article.model-card[data-model="healthy"][data-colour="green"]', { timeout: 60_000 });
    // Each cell turns red as its verdict comes in (drift needs a judged window): wait for each.
    for (const cell of ['errors', 'latency', 'drift']) {
      await w.page.waitForSelector(`article.model-card[data-model="failing"] [data-cell="${cell}"][data-colour="red"]`, { timeout: 60_000 });
    }
    assert.equal(await w.page.locator('article.model-card[data-model="healthy"] [data-cell="errors"]').getAttribute('data-colour'), 'green');
    // The worst model comes first.
    const order = await Promise.all((await w.page.locator('article.model-card').all()).map((card) => card.getAttribute('data-model')));
    assert.deepEqual(order, ['failing', 'healthy']);
    await w.screenshot('overview-light');
  });

  it('shows the drifted feature in red, and both distributions drawn in its view', async () => {
    const w = await open('#/models/failing/drift');
    await w.page.waitForSelector('table.drift-table tr[data-feature="x"][data-colour="red"]', { timeout: 30_000 });
    await w.page.locator('tr[data-feature="x"] a.feature-link').click();
    await w.page.waitForURL(/#\/models\/failing\/drift\/x$/);
    await w.page.waitForSelector('figure[data-chart="failing/x/dist"] canvas');
    await w.page.waitForSelector('figure[data-chart="failing/x/cdf"] canvas');
    await w.page.waitForTimeout(500);
    // Both distributions are drawn: each series' colour is on the canvas.
    for (const chartKey of ['failing/x/dist', 'failing/x/cdf']) {
      const reference = await canvasHasColour(w, chartKey, '--series-2');
      const current = await canvasHasColour(w, chartKey, '--series-1');
      assert.ok(reference > 50 && current > 50, `${chartKey}: reference ${reference} px, current ${current} px`);
    }
    const caption = await w.page.locator('figure[data-chart="failing/x/cdf"] figcaption').textContent();
    assert.match(caption ?? '', /KS D is the widest gap/);
    await w.screenshot('drift-feature');
  });

  it('shows the firing drift alert with its runbook', async () => {
    const w = await open('#/models/failing/alerts');
    const alert = w.page.locator('article[data-alert="DataDriftDetected"][data-status="firing"]').first();
    await alert.waitFor({ timeout: 30_000 });
    assert.match((await alert.locator('.alert-summary').textContent()) ?? '', /drift on failing feature x/i);
    const steps = await alert.locator('.runbook li').allTextContents();
    assert.ok(steps.length >= 3, steps.join(' | '));
    assert.match(steps[0] ?? '', /^Compare the current and baseline distributions: GET \/api\/v1\/models\/failing\/drift\/x/);
    await w.screenshot('alerts');
  });

  it('renders a feature named like an HTML injection as text, and runs nothing', async () => {
    const w = await open('#/models/healthy/drift');
    const row = w.page.locator('table.drift-table tbody tr').filter({ hasText: XSS });
    await row.waitFor({ timeout: 30_000 });
    assert.equal(await row.getAttribute('data-feature'), XSS);
    assert.equal(await row.locator('a.feature-link').textContent(), XSS);
    await row.locator('a.feature-link').click();
    await w.page.waitForSelector(`figure[data-chart="${`healthy/${XSS}/dist`}"] canvas`);
    assert.equal(await w.page.locator('section.panel h2').first().textContent(), `Feature ${XSS}`);
    assert.equal(await w.page.locator('img').count(), 0, 'no element was made from the name');
    assert.deepEqual(w.dialogs, []);
    await w.screenshot('xss-feature');
  });

  it('keeps its first screen readable in dark mode', async () => {
    const w = await open('#/', { colorScheme: 'dark' });
    await w.page.waitForSelector('article.model-card[data-model="failing"]');
    const [bg, fg] = await w.page.evaluate<[string, string]>('[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]');
    const luminance = (c: string): number => {
      const [r = 0, g = 0, b = 0] = (c.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    assert.ok(luminance(bg ?? '') < 0.2 && luminance(fg ?? '') > 0.7, `background ${bg}, text ${fg}`);
    await w.screenshot('overview-dark');
  });

  it('refreshes in place: the charts are updated, not rebuilt', async () => {
    const w = await open('#/models/failing/health', { query: '?refresh=1' });
    await w.page.waitForSelector('figure[data-chart="failing/rate"] canvas', { timeout: 30_000 });
    const canvas = 'document.querySelector(\'figure[data-chart="failing/rate"] canvas\')';
    await w.page.evaluate(`${canvas}.marked = true`);
    const before = await w.page.locator('.updated').textContent();
    // Two refreshes (at least a second apart: the label shows seconds). Polled from
    // here: waitForFunction would evaluate a string in the page, which its policy forbids.
    const refreshed = async (from: string | null): Promise<string | null> =>
      waitFor('a refresh of the page', async () => {
        const now = await w.page.locator('.updated').textContent();
        return now !== from ? now : undefined;
      }, 10_000, 100);
    await refreshed(await refreshed(before));
    assert.equal(await w.page.evaluate(`${canvas}.marked === true`), true);
  });

  it('has a deep link for every model and feature, and a picker that follows it', async () => {
    const w = await open(`#/models/healthy/drift/${encodeURIComponent(XSS)}`);
    await w.page.waitForSelector(`div.feature-detail[data-feature="${XSS.replace(/"/g, '\\"')}"]`, { timeout: 30_000 });
    assert.equal(await w.page.locator('#model-picker').inputValue(), 'healthy');
    await w.page.selectOption('#model-picker', 'failing');
    await w.page.waitForURL(/#\/models\/failing\/drift$/);
    await w.page.waitForSelector('table.drift-table tr[data-feature="x"]');
  });

  it('logs no error in the console of any page', () => {
    assert.ok(pages.length >= 6);
    assert.deepEqual(pages.flatMap((p) => p.errors), []);
    assert.deepEqual(pages.flatMap((p) => p.dialogs), []);
  });
});

describe('the dashboard of an aggregator with a token', { timeout: 60_000 }, () => {
  let aggregator: RunningAggregator;
  let browser: Browser;
  before(async () => {
    aggregator = await startAggregator('models: []\n', { env: { MODELWATCH_AUTH_TOKEN: 'e2e-token-0123456789' } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await aggregator?.stop();
  });

  it('asks for the token, then shows the models', async () => {
    const w = await watchedPage(browser);
    await w.page.goto(`${aggregator.addresses.http}/`);
    await w.page.waitForSelector('form.token');
    await w.page.fill('form.token input', 'wrong');
    await w.page.click('form.token button');
    await w.page.waitForTimeout(300);
    await w.page.waitForSelector('form.token');
    await w.page.fill('form.token input', 'e2e-token-0123456789');
    await w.page.click('form.token button');
    await w.page.waitForSelector('text=No model has sent telemetry yet');
    // Only the refused calls were errors.
    assert.ok(w.errors.every((e) => /401/.test(e)), w.errors.join('\n'));
  });
});
