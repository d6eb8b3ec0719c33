import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';
import { ADMIN } from '../support/test-app.js';

/** The built files as an outside checker sees them: headers, misses, traversal, source maps, HEAD. */
describe('the pages: their assets', () => {
  let app: WebApp;
  let scripts: string[];
  before(async () => {
    app = await startWebApp();
    const pages = await Promise.all(['/', '/console'].map(async (path) => (await fetch(app.url(path), { headers: { Accept: 'text/html' } })).text()));
    scripts = pages.flatMap((html) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!));
    expect(scripts.length).to.be.greaterThan(1);
  });
  after(async () => app.close());

  it('serves scripts and styles with their type, nosniff and the page policy, cached for good', async () => {
    for (const path of scripts) {
      for (const method of ['GET', 'HEAD']) {
        const res = await fetch(app.url(path), { method });
        expect(res.status, `${method} ${path}`).to.equal(200);
        expect(res.headers.get('content-type'), path).to.match(path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
        expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
        expect(res.headers.get('content-security-policy'), path).to.contain("frame-ancestors 'none'");
        expect(res.headers.get('cache-control'), path).to.equal('public, max-age=31536000, immutable');
      }
    }
  });

  it('hands out no source map and names none in the bundles', async () => {
    for (const path of scripts) {
      const body = await (await fetch(app.url(path))).text();
      expect(body, path).not.to.match(/sourceMappingURL/);
      const map = await fetch(app.url(`${path}.map`), { headers: { Accept: 'text/html,*/*' } });
      expect(map.status, `${path}.map`).to.equal(404);
      expect(map.headers.get('content-type')).to.match(/^application\/problem\+json/);
    }
  });

  it('answers a missing asset, the folder itself and traversal attempts 404 problem+json, even to a browser', async () => {
    const paths = ['/assets/missing.js', '/assets/', '/assets', '/assets/..%2f..%2fpackage.json', '/assets/..%5c..%5cpackage.json', '/assets/....//....//package.json', '/assets/%2e%2e%2findex.html'];
    for (const path of paths) {
      for (const accept of ['text/html', '*/*']) {
        const res = await fetch(app.url(path), { headers: { Accept: accept }, redirect: 'manual' });
        expect(res.status, `${path} (${accept})`).to.equal(404);
        expect(res.headers.get('content-type'), path).to.match(/^application\/problem\+json/);
        expect(await res.text(), path).not.to.match(/"name"\s*:\s*"shop-backend"|<html/i);
      }
    }
  });

  it('answers HEAD on the pages like GET, without a body', async () => {
    for (const path of ['/', '/console', '/console/orders']) {
      const res = await fetch(app.url(path), { method: 'HEAD', headers: { Accept: 'text/html' } });
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(await res.text()).to.equal('');
    }
  });

  describe('in Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => browser.close());

    it('draws both apps under the policy without a single violation (no inline script or style needed)', async () => {
      const { context, page, errors } = await newPage(browser);
      const violations: string[] = [];
      page.on('console', (message) => void (/Content Security Policy/i.test(message.text()) && violations.push(message.text())));
      try {
        for (const path of ['/', '/products/x', '/signin', '/console']) {
          await page.goto(app.url(path));
          await page.getByRole('main').waitFor();
          await page.waitForLoadState('networkidle');
        }
        // Signed in: the dashboard's live charts (uPlot) draw too.
        await page.getByLabel('Email').fill(ADMIN.email);
        await page.getByLabel('Password').fill(ADMIN.password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.locator('canvas').first().waitFor();
        await page.goto(app.url('/console/products'));
        await page.getByRole('heading', { name: 'Products' }).waitFor();
        expect(violations).to.deep.equal([]);
        expect(errors).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  });
});
