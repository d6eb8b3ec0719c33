import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, signInToConsole, startWebApp, type WebApp } from '../support/browser.js';
import { createProduct } from '../support/test-app.js';
import { buy, orderReaches, stockedProduct } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';

/** Hand-typed addresses and a failing API: readable pages, never NaN, raw markup or a wrong empty state. */
describe('the pages: odd addresses and failing answers', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    const admin = await app.adminToken();
    for (const name of ['Alpha lamp', 'Beta lamp']) await createProduct(app, admin, { name, price: 2500 });
    // One order, its stock and its shipment: each console list has one page of one item.
    const stocked = await stockedProduct(app, admin, 5, 1200);
    const orderId = await buy(app, await app.customer(), stocked.productId);
    await orderReaches(app, admin, orderId, ['Confirmed']);
    await eventually(async () => ((await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`)).body.shipment?.status === 'Preparing' ? true : undefined));
    await app.settled();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const visit = async (path: string, check: (page: Page) => Promise<unknown>, setUp?: (page: Page) => Promise<unknown>) => {
    const { context, page, errors } = await newPage(browser);
    try {
      await setUp?.(page);
      await page.goto(app.url(path));
      await page.getByRole('main').waitFor();
      await page.waitForLoadState('networkidle');
      await check(page);
      const text = await page.getByRole('main').innerText();
      expect(text, path).not.to.match(/NaN|\[object Object\]|undefined|<html/i);
      expect(errors, path).to.deep.equal([]);
    } finally {
      await context.close();
    }
  };
  const noAlert = async (page: Page) => expect(await page.getByRole('alert').count(), page.url()).to.equal(0);

  it('ignores price bounds in the address that are not whole cents (no "from $NaN", no error)', async () => {
    await visit('/?minPrice=abc&maxPrice=1e3', async (page) => {
      await page.getByRole('list', { name: 'Products' }).getByText('Alpha lamp').waitFor();
      await noAlert(page);
    });
  });

  it('says a storefront page past the last one is past it, naming the page asked for, with a way back, even past the API\'s page limit', async () => {
    for (const [path, asked] of [['/?page=50', 50], ['/?page=99999', 99999]] as const) {
      await visit(path, async (page) => {
        await page.getByRole('heading', { name: 'No products on this page' }).waitFor();
        await page.getByText(`Page ${asked} is past the last one: the results end at page 1.`).waitFor();
        await noAlert(page);
        expect(await page.getByRole('link', { name: 'Go to the first page' }).getAttribute('href')).to.equal('/');
      });
    }
  });

  it('in the console, tells a page past the end of the catalog from an empty catalog, and takes any ?page=', async () => {
    const signIn = (page: Page) => signInToConsole(page, app);
    await visit('/console/products?page=999', async (page) => {
      await page.getByText('Page 999 is past the end of the catalog (3 products).').waitFor();
      expect(await page.getByText('The catalog is empty').count()).to.equal(0);
    }, signIn);
    for (const path of ['/console/products?page=-2', '/console/orders?page=0', '/console/inventory?page=2.5', '/console/shipments?page=99999']) {
      await visit(path, noAlert, signIn);
    }
  });

  it('in the console, says orders, stock and shipments past their last page are past it (the page asked for, a way back), not that nothing matches', async () => {
    const signIn = (page: Page) => signInToConsole(page, app);
    const lists: Array<[string, string | RegExp, string]> = [
      ['/console/orders?page=2', 'Page 2 is past the end of the orders (1 order).', '/console/orders'],
      ['/console/orders?page=99999', 'Page 99999 is past the end of the orders (1 order).', '/console/orders'],
      ['/console/orders?status=Confirmed&page=3', 'Page 3 is past the end of the orders that match these filters (1 order).', '/console/orders?status=Confirmed'],
      // The products without stock have a level too.
      ['/console/inventory?page=50', /^Page 50 is past the end of the stock levels \(\d+ SKUs?\)\./, '/console/inventory'],
      ['/console/shipments?page=4', 'Page 4 is past the end of the preparing shipments (1 shipment).', '/console/shipments?status=Preparing'],
    ];
    for (const [path, said, first] of lists) {
      await visit(path, async (page) => {
        await page.getByText(said).waitFor();
        expect(await page.getByRole('main').getByRole('link', { name: 'Go to the first page' }).getAttribute('href'), path).to.equal(first);
        expect(await page.getByText(/No orders match|No stock recorded|No preparing shipments/).count(), path).to.equal(0);
        await noAlert(page);
      }, signIn);
    }
    // "No orders match these filters" only when a filter is set and nothing matches it.
    await visit('/console/orders?status=Cancelled', (page) => page.getByText('No orders match these filters.').waitFor(), signIn);
  });

  it('in the console, says when a replay or discard elsewhere left the parked page shown past the end, with a way back', async () => {
    // The API's answers, made up: a first page of 21 (one row of it shown), then page 2 past the end, a discard elsewhere having left 20.
    const answer = (page: number) => (page === 1
      ? { items: [{ id: 'parked-1', parkedAt: '2026-01-02T03:04:05.000Z', error: 'warehouse down', attempts: 5, eventType: 'OrderConfirmed', processManager: 'order-saga', streamName: 'order-1' }], total: 21, page: 1, pageSize: 20 }
      : { items: [], total: 20, page, pageSize: 20 });
    await visit('/console/parked', async (page) => {
      await page.getByText('warehouse down').waitFor();
      await page.getByRole('navigation', { name: 'Parked events pages' }).getByRole('button', { name: 'Next' }).click();
      await page.getByText('Page 2 is past the end of the parked events (20 events).').waitFor();
      await page.getByRole('button', { name: 'Go to the first page' }).click();
      await page.getByText('warehouse down').waitFor();
    }, async (page) => {
      await page.route('**/api/v1/admin/parked-events?**', (route) => route.fulfill({ json: answer(Number(new URL(route.request().url()).searchParams.get('page'))) }));
      await signInToConsole(page, app);
    });
  });

  it('shows a failing answer that is not problem+json (a proxy\'s HTML page) as its status in words, and a problem as its detail', async () => {
    await visit('/', async (page) => {
      const alert = page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).to.contain('The shop answered 502 Bad Gateway');
    }, (page) => page.route('**/api/v1/search**', (route) => route.fulfill({ status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>' })));
    await visit('/', async (page) => {
      await page.getByRole('alert').getByText('the read models are rebuilding').waitFor();
    }, (page) => page.route('**/api/v1/search**', (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'urn:shop:problem:unavailable', title: 'Service Unavailable', status: 503, detail: 'the read models are rebuilding' }) })));
  });
});
