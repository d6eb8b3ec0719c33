import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { buy, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { expectAccessible, launchBrowser, newPage, screenshot, signInToConsole, startWebApp, type WebApp } from '../support/browser.js';
import { createProduct } from '../support/test-app.js';

/** The operator console (/console) in Chromium, signed in through its own form as the test app's admin. */
describe('the operator console', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  let admin: string;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    admin = await app.adminToken();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const signIn = (page: Page, path?: string) => signInToConsole(page, app, path);

  /** An order bought through the API, confirmed, its shipment prepared. */
  const confirmedOrder = async () => {
    const product = await stockedProduct(app, admin, 20, 2500);
    const shopper: Shopper = await app.customer();
    const orderId = await buy(app, shopper, product.productId, 2);
    await orderReaches(app, admin, orderId, ['Confirmed']);
    await eventually(async () => ((await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`)).body.shipment?.status === 'Preparing' ? true : undefined));
    return { orderId, shopper, sku: product.sku };
  };

  const lanes = (page: Page) => page.locator('svg[role="img"] [data-stream]').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-stream')));

  it('tells a customer account it is not an admin', async () => {
    const { context, page } = await newPage(browser);
    try {
      const shopper = await app.customer();
      await page.goto(app.url('/console'));
      await expect(await page.getByText('ADMIN_EMAIL').count()).to.be.greaterThan(0);
      await page.getByLabel('Email').fill(shopper.email);
      await page.getByLabel('Password').fill('correct-horse');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'is not an admin' }).waitFor();
      expect(await page.getByRole('navigation', { name: 'Console' }).count()).to.equal(0);
    } finally {
      await context.close();
    }
  });

  it("finds an order bought through the API, dispatches its shipment, and draws its four streams' lanes with a slider back in time", async () => {
    const { orderId, shopper, sku } = await confirmedOrder();
    const { context, page, errors } = await newPage(browser);
    try {
      await signIn(page);
      await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Orders' }).click();
      await page.getByLabel('Customer id').fill(shopper.customerId);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('link', { name: `Order ${orderId}` }).click();
      await page.getByRole('heading', { name: `Order ${orderId.slice(0, 8)}` }).waitFor();

      await page.getByRole('button', { name: /^Dispatch shipment/ }).click();
      await page.getByText(/^Dispatched/).waitFor();
      await page.getByTestId('shipment-status').getByText('Shipped').waitFor();
      await eventually(async () => ((await eventsOf(app, 'OrderShipped', (e) => e.data.orderId === orderId)).length === 1 ? true : undefined));

      // The timeline, read again after the dispatch: the order, its payment, its SKU and its shipment, each a lane.
      await page.locator('svg[role="img"] .mark[data-event="OrderShipped"]').waitFor();
      const streams = await lanes(page);
      const shipmentId = (await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`)).body.shipment.shipmentId as string;
      expect(streams).to.include.members([`order-${orderId}`, `inventory-${sku}`, `shipment-${shipmentId}`]);
      expect(streams.some((s) => s?.startsWith('payment-'))).to.equal(true);
      expect(streams.length).to.be.at.least(4);
      expect(await page.locator('svg[role="img"] path.arrow').count(), 'causation arrows').to.be.greaterThan(0);
      expect(await page.getByRole('table').filter({ hasText: 'Events of the timeline' }).getByRole('row').count()).to.be.greaterThan(6);
      const readout = page.locator('.as-of-readout');
      await readout.getByText('Shipped', { exact: true }).waitFor();
      await page.setViewportSize({ width: 1600, height: 1000 });
      await screenshot(page, 'order-timeline');

      // Back to the first moment: the order was Pending, everything after it not yet happened.
      const slider = page.getByRole('slider', { name: 'Show the order as of' });
      await slider.focus();
      await page.keyboard.press('Home');
      await readout.getByText('Pending', { exact: true }).waitFor();
      expect(await page.locator('svg[role="img"] .mark[data-happened="no"]').count()).to.be.greaterThan(3);
      await page.keyboard.press('End');
      await readout.getByText('Shipped', { exact: true }).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('rebuilds a projection from the console and shows its progress until it is live again', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await signIn(page, '/console/projections');
      const row = page.locator('tr[data-runner="orders"]');
      await row.getByText('live').waitFor();
      const progress = page.waitForSelector('progress[aria-label="Rebuild of orders"]', { state: 'attached' });
      await page.getByRole('button', { name: 'Rebuild orders' }).click();
      await progress;
      await page.getByText('Rebuild of orders started').waitFor();
      await page.getByText(/orders rebuilt: \d+ events read, swapped in/).waitFor({ timeout: 20_000 });
      await row.locator('.runner-status').getByText('live').waitFor();
      await row.getByText(/^rebuilt /).waitFor();
      const rebuilt = (await app.http().get('/api/v1/admin/projections').set('Authorization', `Bearer ${admin}`)).body.find((r: { name: string }) => r.name === 'orders');
      expect(rebuilt.lastRebuild.status).to.equal('done');
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('shows an edit over a stale ETag as a conflict, and saves it once re-applied on the latest version', async () => {
    const { productId } = await createProduct(app, admin, { name: 'Teapot', brand: 'Acme' });
    const { context, page } = await newPage(browser);
    try {
      await signIn(page, `/console/products/${productId}`);
      const name = page.getByLabel('Name');
      await expect(await name.inputValue()).to.equal('Teapot');
      // Someone else changes the brand meanwhile.
      const elsewhere = await app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).send({ brand: 'Changed elsewhere' });
      expect(elsewhere.status).to.equal(200);

      await name.fill('Teapot, large');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('alert').filter({ hasText: 'Conflict: someone changed this product' }).waitFor();
      await page.getByRole('button', { name: 'Load the latest and re-apply my changes' }).click();
      await page.getByText('Loaded the latest version with your changes on top').waitFor();
      expect(await page.getByLabel('Brand').inputValue()).to.equal('Changed elsewhere');
      expect(await name.inputValue()).to.equal('Teapot, large');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved name.').waitFor();
      const saved = await app.http().get(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`);
      expect(saved.body).to.include({ name: 'Teapot, large', brand: 'Changed elsewhere' });
    } finally {
      await context.close();
    }
  });

  it('shows a parked event with its error; a replay that fails again is refused (409), one after the fix is taken', async () => {
    const commands = app.deps.commands;
    const handle = commands.handle.bind(commands);
    // The warehouse system is down: preparing shipments fails, and the saga parks the event.
    commands.handle = ((decider, stream, command, context) =>
      stream.startsWith('shipment-') ? Promise.reject(new Error('warehouse system unavailable')) : handle(decider, stream, command, context)) as typeof commands.handle;
    const { context, page } = await newPage(browser);
    try {
      const product = await stockedProduct(app, admin, 5, 1200);
      const orderId = await buy(app, await app.customer(), product.productId, 1);
      await orderReaches(app, admin, orderId, ['Confirmed']);
      const parked = await eventually(async () => {
        const body = (await app.http().get('/api/v1/admin/parked-events').set('Authorization', `Bearer ${admin}`)).body;
        return body.items.find((item: { streamName: string }) => item.streamName === `order-${orderId}`) as { id: string } | undefined;
      });
      await signIn(page, '/console/parked');
      const row = page.getByRole('row').filter({ hasText: parked.id });
      await row.getByText('warehouse system unavailable').waitFor();

      await row.getByRole('button', { name: `Replay ${parked.id}` }).click();
      await page.getByText(`Replay of ${parked.id}:`).waitFor();
      expect(await row.count(), 'still parked after the refused replay').to.equal(1);

      commands.handle = handle;
      await row.getByRole('button', { name: `Replay ${parked.id}` }).click();
      await page.getByText(`Replayed ${parked.id}: the saga took it.`).waitFor();
      await row.waitFor({ state: 'detached' });
      const shipment = await eventually(async () => (await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`)).body.shipment ?? undefined);
      expect(shipment.status).to.equal('Preparing');
    } finally {
      commands.handle = handle;
      await context.close();
    }
  });

  it('has no serious accessibility violation on its pages, and writes their screenshots', async () => {
    const { orderId } = await confirmedOrder();
    const { context, page, errors } = await newPage(browser);
    try {
      await signIn(page);
      await page.locator('.figure-value').first().getByText(/\d/).waitFor();
      await page.locator('.chart-now').last().getByText(/p50 \d/).waitFor({ timeout: 15_000 });
      await expectAccessible(page, 'dashboard');
      await screenshot(page, 'console-dashboard');
      const pages: Array<[string, string, string]> = [
        ['/console/orders', 'orders', 'table'],
        [`/console/orders/${orderId}`, 'order timeline', 'svg[role="img"]'],
        ['/console/projections', 'projections', 'tr[data-runner="orders"]'],
        ['/console/inventory', 'inventory', 'table'],
        ['/console/products', 'products', 'table'],
        ['/console/shipments', 'shipments', 'table'],
        ['/console/parked', 'parked', 'text=Nothing parked'],
      ];
      for (const [path, label, ready] of pages) {
        await page.goto(app.url(path));
        await page.locator(ready).first().waitFor();
        await expectAccessible(page, label);
        if (label === 'projections') await screenshot(page, 'console-projections');
      }
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});

