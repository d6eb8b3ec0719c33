import axe from 'axe-core';
import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN, startTestApp, type TestAppOptions, type TestApp } from './test-app.js';

/**
 * Browser tests (test/web): Debian's Chromium (scripts/ensure-chromium.mjs installs it when
 * missing) driven by playwright-core, against the whole app (API and the pages built into
 * dist/web) listening on 127.0.0.1 on a free port.
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots are written: test artifacts, not committed (see .gitignore). */
export const SCREENSHOTS = join(process.cwd(), 'artifacts', 'screenshots');

/** Headless, no sandbox (CI runs as root), and none of Chromium's calls home (this network refuses them). Playwright gives each launch a fresh profile. */
export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });

export type WebApp = TestApp & { url: (path?: string) => string; server: Server };

/** The test app (embedded stores in a temp dir) listening on a free loopback port. */
export const startWebApp = async (options: TestAppOptions = {}): Promise<WebApp> => {
  const app = await startTestApp(options);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    ...app,
    server,
    url: (path = '/') => `${base}${path}`,
    close: async () => {
      app.deps.liveStreams.closeAll();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
    },
  };
};

/** A fresh context (no storage shared with another test) with a desktop viewport; its page's console errors are collected. */
export const newPage = async (browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
};

export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
};

type Violation = { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown; failureSummary?: string }> };

/**
 * axe-core's WCAG 2 A/AA rules on the page as it is: no serious or critical violation.
 * Injected through the DevTools protocol (page.evaluate), which the pages' CSP does not govern.
 */
export const expectAccessible = async (page: Page, label: string): Promise<void> => {
  await page.evaluate(axe.source);
  // Runs in the page: its globals are the page's (this project's lib has no DOM types).
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Violation[] }> }; document: unknown };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${label}: ${JSON.stringify(serious, null, 2)}`).to.deep.equal([]);
};

/** Signs in to the console through its own form as the test app's admin, at `path` (its page once signed in). */
export const signInToConsole = async (page: Page, app: WebApp, path = '/console'): Promise<void> => {
  await page.goto(app.url(path));
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
};
