import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';
import { addToCart, eventsOf } from '../support/shop.js';
import { createProduct } from '../support/test-app.js';
import { fillAddress, orderIdOf, signIn } from './storefront-fixture.js';

/**
 * A price changed while the shopper was on the checkout page: placing the order is refused
 * (409 prices-changed), the page says so and shows the new total, and placing it again orders
 * at that total.
 */
describe('the storefront in Chromium: a price changed during checkout', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;

  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('says the order was not placed, shows the new total, and orders at it when placed again', async () => {
    const admin = await app.adminToken();
    const { productId, sku } = await createProduct(app, admin, { name: 'Pour-Over Kettle', price: 5900 });
    expect((await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 5 })).status).to.equal(200);
    const shopper = await app.customer('Careful Shopper');
    await addToCart(app, shopper, productId, 1);
    await app.settled();
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/signin?next=/checkout'));
      await signIn(page, shopper);
      await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
      await fillAddress(page);
      await page.getByRole('button', { name: /Place order · \$59\.00/ }).waitFor();

      const repriced = await app.http().patch(`/api/v1/products/${productId}`).set('Authorization', `Bearer ${admin}`).send({ price: { amount: 6400, currency: 'USD' } });
      expect(repriced.status).to.equal(200);
      await page.getByRole('button', { name: /Place order · \$59\.00/ }).click();
      await page.getByRole('alert').filter({ hasText: 'The order was not placed: the prices changed.' }).filter({ hasText: 'check out again' }).waitFor();
      await page.getByRole('button', { name: /Place order · \$64\.00/ }).waitFor();
      expect(await eventsOf(app, 'OrderCreated')).to.have.length(0);

      await page.getByRole('button', { name: /Place order · \$64\.00/ }).click();
      await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
      const created = await eventsOf(app, 'OrderCreated', (event) => event.data.orderId === orderIdOf(page));
      expect((created[0]!.data.lines as Array<{ unitPrice: { amount: number } }>).map((line) => line.unitPrice.amount)).to.deep.equal([6400]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
