import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { buy, orderReaches, stockedProduct } from '../support/shop.js';
import { launchBrowser, screenshot, signInToConsole, startWebApp, type WebApp } from '../support/browser.js';

/** The console on a phone-sized screen (375 px): the side bar stacks above the content. */
describe('the operator console at 375 px', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  let orderId: string;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    const admin = await app.adminToken();
    const product = await stockedProduct(app, admin, 20, 2500);
    orderId = await buy(app, await app.customer(), product.productId);
    await orderReaches(app, admin, orderId, ['Confirmed']);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  /** What paints behind the middle of the page's heading: the first element there with a background of its own. */
  const behindHeading = (page: Page) =>
    page.locator('main h1').evaluate((h1) => {
      const doc = (h1 as unknown as { ownerDocument: { elementsFromPoint: (x: number, y: number) => unknown[]; defaultView: { getComputedStyle: (e: unknown) => { backgroundColor: string; backgroundImage: string } } } }).ownerDocument;
      const box = (h1 as unknown as { getBoundingClientRect: () => { x: number; y: number; height: number } }).getBoundingClientRect();
      for (const element of doc.elementsFromPoint(box.x + 4, box.y + box.height / 2)) {
        const style = doc.defaultView.getComputedStyle(element);
        if (style.backgroundImage !== 'none' || !/rgba\(0, 0, 0, 0\)|transparent/.test(style.backgroundColor)) return { color: style.backgroundColor, image: style.backgroundImage };
      }
      return { color: 'none', image: 'none' };
    });
  const lightness = (rgb: string) => {
    const [r, g, b] = (rgb.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
    return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
  };

  it('does not scroll sideways, and paints no dark side-bar strip behind the headings of its pages', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
    const page = await context.newPage();
    try {
      await signInToConsole(page, app);
      const pages: Array<[string, string]> = [
        ['/console', '.figure-value'],
        ['/console/orders', 'table'],
        [`/console/orders/${orderId}`, 'svg[role="img"]'],
        ['/console/shipments', 'table'],
        ['/console/inventory', 'table'],
        ['/console/products', 'table'],
        ['/console/projections', 'table'],
        ['/console/parked', 'text=Nothing parked'],
      ];
      for (const [path, ready] of pages) {
        await page.goto(app.url(path));
        await page.locator(ready).first().waitFor();
        expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth), path).to.equal(375);
        const behind = await behindHeading(page);
        expect(behind.image, path).to.equal('none');
        expect(lightness(behind.color), `${path}: ${behind.color}`).to.be.above(0.8);
      }
      await page.goto(app.url('/console'));
      await screenshot(page, 'console-375px');
    } finally {
      await context.close();
    }
  });
});
