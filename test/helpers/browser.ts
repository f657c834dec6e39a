/**
 * Real Chromium for the dashboard's end-to-end tests: Debian's `chromium`,
 * driven by playwright-core (which downloads no browser of its own).
 * Every console error and uncaught page error is collected, and screenshots
 * go to `test-artifacts/dashboard/` (kept by CI, ignored by git).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ROOT } from './aggregator.js';

/** Where Chromium is: `CHROMIUM` overrides Debian's path. */
export const CHROMIUM = process.env['CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

/** A page that records what went wrong in it. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Dialogs opened by the page (alert, confirm...): none should ever open. */
  dialogs: string[];
  screenshot(name: string): Promise<string>;
}

/** Starts Chromium headless. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true });
}

/** Opens a page on a laptop-sized screen, in light or dark mode. */
export async function watchedPage(browser: Browser, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.stack ?? e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    page,
    context,
    errors,
    dialogs,
    async screenshot(name) {
      const path = join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
  };
}
