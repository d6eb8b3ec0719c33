import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';

/** The API reference for people (/docs/): the same guards as the shop's pages, and it still draws under them. */
describe('the API reference page', function () {
  // Swagger UI draws the whole document in the browser: seconds on a quiet machine, over 20 on a loaded one.
  this.timeout(60_000);
  let app: WebApp;
  before(async () => {
    app = await startWebApp();
  });
  after(async () => app.close());

  it('answers the page and its assets with a policy, nosniff and no framing', async () => {
    const page = await (await fetch(app.url('/docs/'))).text();
    const assets = [...page.matchAll(/(?:src|href)="\.\/([^"]+\.(?:js|css))"/g)].map((m) => `/docs/${m[1]!}`);
    expect(assets.length).to.be.greaterThan(1);
    for (const path of ['/docs', '/docs/', ...assets]) {
      const res = await fetch(app.url(path), { redirect: 'manual' });
      expect(res.status, path).to.be.oneOf([200, 301]);
      expect(res.headers.get('content-security-policy'), path).to.contain("script-src 'self'").and.contain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('x-frame-options'), path).to.equal('DENY');
    }
  });

  it('draws the operations from /openapi.json in Chromium without a script the policy blocks', async () => {
    const browser: Browser = await launchBrowser();
    try {
      const { context, page, errors } = await newPage(browser);
      const violations: string[] = [];
      page.on('console', (message) => void (/Content Security Policy/i.test(message.text()) && violations.push(message.text())));
      await page.goto(app.url('/docs/'));
      await page.locator('.opblock').first().waitFor();
      expect(await page.locator('.opblock').count()).to.be.greaterThan(20);
      expect(violations).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
