import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { expectAccessible, launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';

describe('the pages: served by the app', () => {
  let app: WebApp;
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => browser.close());
  beforeEach(async () => {
    app = await startWebApp();
  });
  afterEach(async () => app.close());

  it('serves the storefront at / and the console at /console, with a page policy, and their own paths in the browser', async () => {
    for (const [path, title] of [['/', 'Shop'], ['/products/anything', 'Shop'], ['/console', 'Shop console'], ['/console/orders', 'Shop console']] as const) {
      const res = await fetch(app.url(path), { headers: { Accept: 'text/html' } });
      expect(res.status, path).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      expect(res.headers.get('content-security-policy')).to.contain("script-src 'self'");
      expect(res.headers.get('content-security-policy')).not.to.contain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('x-frame-options')).to.equal('DENY');
      expect(res.headers.get('referrer-policy')).to.equal('no-referrer');
      expect(res.headers.get('vary'), path).to.match(/\bAccept\b/);
      // The storefront revalidates; the console is never stored, by a shared cache or the browser's.
      expect(res.headers.get('cache-control'), path).to.equal(path.startsWith('/console') ? 'no-store' : 'no-cache');
      expect(await res.text()).to.contain(`<title>${title}</title>`);
    }
  });

  it('keeps API clients on JSON: unknown paths and API paths are problem+json 404s, never the page', async () => {
    for (const path of ['/nope', '/api/v1/nope', '/api/nope']) {
      const res = await fetch(app.url(path), { headers: { Accept: path === '/nope' ? 'application/json' : 'text/html' } });
      expect(res.status, path).to.equal(404);
      expect(res.headers.get('content-type'), path).to.match(/^application\/problem\+json/);
    }
  });

  it('serves the built scripts, cached for good (their names change with every build)', async () => {
    const html = await (await fetch(app.url('/'), { headers: { Accept: 'text/html' } })).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).to.be.a('string');
    const res = await fetch(app.url(script!));
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.contain('immutable');
  });

  it("takes keyboard users to the new page's heading after a navigation inside the app, not on the first load", async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto(app.url('/'));
      await page.getByRole('main').waitFor();
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } } }).document.activeElement.tagName)).to.equal('BODY');
      await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      await page.waitForFunction(() => (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string } } }).document.activeElement.tagName === 'H1');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).to.equal('Sign in');
    } finally {
      await context.close();
    }
  });

  it('draws both apps in Chromium without a script error or a missing file', async () => {
    const { context, page, errors } = await newPage(browser);
    const failed: string[] = [];
    page.on('response', (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`)));
    try {
      await page.goto(app.url('/'));
      await page.getByRole('main').waitFor();
      await expectAccessible(page, 'storefront');
      await page.goto(app.url('/console'));
      await page.getByRole('main').waitFor();
      await page.waitForLoadState('networkidle');
      expect(errors).to.deep.equal([]);
      // Nothing the pages ask for is missing (a favicon included).
      expect(failed).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('says, with JavaScript off, that the pages need it and where the API and its reference are (not a blank page)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      for (const [path, title, needs] of [['/', 'Shop', /^This shop's pages need JavaScript/], ['/console/orders', 'Shop console', /^The operator console needs JavaScript/]] as const) {
        await page.goto(app.url(path));
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        await page.getByText(needs).waitFor(); // a pattern: Playwright's plain-text match skips what is in <noscript>
        for (const [name, status] of [['/api/v1', 200], ['/docs/', 200], ['/openapi.json', 200]] as const) {
          const href = await page.getByRole('link', { name, exact: true }).getAttribute('href');
          expect((await fetch(app.url(href!))).status, `${path}: ${name}`).to.equal(status);
        }
      }
    } finally {
      await context.close();
    }
  });
});
