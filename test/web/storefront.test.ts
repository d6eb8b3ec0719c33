import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { expectAccessible, launchBrowser, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.js';
import { addToCart, buy, eventsOf, orderReaches } from '../support/shop.js';
import { fillAddress, gatedProvider, marker, MARKER, orderIdOf, orderStatus, seedCatalog, setMarker, signIn, type Seeded } from './storefront-fixture.js';

/**
 * The storefront in Chromium: a shopper signs up, searches, buys and watches the order live;
 * a declined card; the cart; stock limits; changes before shipping; the pages' accessibility and screenshots.
 */

describe('the storefront in Chromium', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  let products: Seeded;
  const payments = gatedProvider();

  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp({ provider: payments.wrap })]);
    products = await seedCatalog(app);
  });
  after(async () => {
    payments.release();
    await browser?.close();
    await app?.close();
  });

  it('a shopper signs up, finds a product by search, buys it with tok_visa and watches the order reach Confirmed without a reload', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/'));
      await page.getByRole('link', { name: 'Sign up' }).click();
      const email = `web-${Date.now()}@test.local`;
      await page.getByLabel('Name').fill('Web Shopper');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('short');
      await page.getByRole('button', { name: 'Create account' }).click();
      // The API's field error, beside the field and read with it.
      await page.locator('#password-error').filter({ hasText: 'must be at least 8 characters' }).waitFor();
      expect(await page.getByLabel('Password').getAttribute('aria-describedby')).to.contain('password-error');
      expect(await page.getByLabel('Password').getAttribute('aria-invalid')).to.equal('true');
      await page.getByLabel('Password').fill('correct-horse');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText(email).waitFor();
      expect(new URL(page.url()).pathname).to.equal('/');
      await setMarker(page);

      const search = page.getByRole('search');
      await search.getByLabel('Search products').fill('trail');
      await search.getByLabel('Search products').press('Enter');
      await page.getByRole('heading', { level: 1, name: 'Results for “trail”' }).waitFor();
      await page.getByRole('link', { name: 'Trail Running Shoe' }).click();
      await page.getByRole('heading', { level: 1, name: 'Trail Running Shoe' }).waitFor();
      expect(await page.getByText('In stock: 10').isVisible()).to.equal(true);

      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByText('Added 2 × Trail Running Shoe to your cart.').waitFor();
      expect(await page.getByRole('link', { name: /Cart 2 items/ }).count()).to.equal(1);
      await page.getByRole('link', { name: 'View cart' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor();
      expect(await page.locator('.totals .grand').innerText()).to.contain('$178.00');
      await page.getByRole('link', { name: 'Proceed to checkout' }).click();

      await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
      await fillAddress(page);
      await page.getByLabel('Test card token').selectOption('tok_visa');
      payments.hold();
      await page.getByRole('button', { name: /Place order/ }).click();
      await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
      const orderId = orderIdOf(page);
      // The payment is held: the page shows the order Pending, then moves by itself.
      await orderStatus(page, 'Pending').waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      payments.release();
      await orderStatus(page, 'Confirmed').waitFor({ timeout: 15_000 });
      await page.getByRole('status').filter({ hasText: 'Order status: Confirmed' }).waitFor();

      expect(await marker(page), 'the page was reloaded').to.equal(MARKER);
      expect(await page.getByRole('link', { name: /Cart 0 items/ }).count()).to.equal(1);
      const created = await eventsOf(app, 'OrderCreated', (event) => event.data.orderId === orderId);
      expect(created).to.have.length(1);
      expect(created[0]!.data.customerId).to.be.a('string');
      expect(errors).to.deep.equal([]);
    } finally {
      payments.release();
      await context.close();
    }
  });

  it('a declined card (tok_declined) shows the order Failed, and why', async () => {
    const shopper = await app.customer('Declined Shopper');
    await addToCart(app, shopper, products.kettle, 1);
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/checkout'));
      await page.waitForURL((url) => url.pathname === '/signin' && url.searchParams.get('next') === '/checkout');
      await signIn(page, shopper);
      await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
      await fillAddress(page);
      await page.getByLabel('Test card token').selectOption('tok_declined');
      await page.getByRole('button', { name: /Place order/ }).click();
      await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
      await orderStatus(page, 'Failed').waitFor({ timeout: 15_000 });
      const order = await orderReaches(app, shopper.token, orderIdOf(page), ['Failed']);
      expect(order.failureReason).to.be.a('string').and.not.equal('');
      expect(order.failureReason).to.equal('payment-declined');
      await page.locator('.failure').filter({ hasText: 'Why it failed: the card was declined, so nothing was charged (payment-declined)' }).waitFor();
      await page.getByText('Nothing was charged', { exact: true }).waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Order status: Failed' }).count()).to.equal(1);
      await screenshot(page, 'order-failed');
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('the cart changes quantities and removes lines; checkout with a saved address and a saved card', async () => {
    const shopper = await app.customer('Returning Shopper');
    const as = { Authorization: `Bearer ${shopper.token}` };
    expect((await app.http().post('/api/v1/account/me/addresses').set(as).send({ line1: '7 Saved Lane', city: 'Shelbyville', postalCode: '54321', country: 'US' })).status).to.equal(201);
    expect((await app.http().post('/api/v1/account/me/payment-methods').set(as).send({ token: 'tok_mastercard', label: 'Work card' })).status).to.equal(201);
    await addToCart(app, shopper, products.socks, 1);
    await addToCart(app, shopper, products.lamp, 1);
    await app.settled();
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/signin?next=/cart'));
      await signIn(page, shopper);
      await page.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor();
      await page.getByRole('button', { name: 'One more Merino Wool Socks' }).click();
      await page.getByRole('button', { name: 'One more Merino Wool Socks' }).click();
      await page.getByRole('status').filter({ hasText: 'Merino Wool Socks: quantity 3.' }).waitFor();
      await page.getByRole('button', { name: 'Remove Desk Lamp' }).click();
      await page.getByRole('status').filter({ hasText: 'Desk Lamp removed.' }).waitFor();
      expect(await page.getByRole('link', { name: 'Desk Lamp' }).count()).to.equal(0);
      expect(await page.locator('.totals .grand').innerText()).to.contain('$57.00');
      // (The page's own read of the cart, started as it loaded, may come back after these changes: it must not show the cart as it was.)
      await page.getByRole('link', { name: /Cart 3 items/ }).waitFor({ timeout: 5_000 });
      expect(await page.getByRole('link', { name: /Cart 2 items/ }).count()).to.equal(0);
      const cart = (await app.http().get('/api/v1/cart').set(as)).body as { items: Array<{ productId: string; quantity: number }> };
      expect(cart.items.map((line) => [line.productId, line.quantity])).to.deep.equal([[products.socks, 3]]);

      await page.getByRole('link', { name: 'Proceed to checkout' }).click();
      await page.getByRole('radio', { name: '7 Saved Lane, 54321 Shelbyville, US' }).waitFor();
      expect(await page.getByRole('radio', { name: '7 Saved Lane, 54321 Shelbyville, US' }).isChecked()).to.equal(true);
      expect(await page.getByRole('radio', { name: /mastercard ending in \d{4} · Work card/ }).isChecked()).to.equal(true);
      await page.getByRole('button', { name: /Place order · \$57\.00/ }).click();
      await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
      await orderStatus(page, 'Confirmed').waitFor({ timeout: 15_000 });
      await page.getByText('7 Saved Lane, 54321 Shelbyville, US').waitFor();
      const created = await eventsOf(app, 'OrderCreated', (event) => event.data.orderId === orderIdOf(page));
      expect(created).to.have.length(1);
      expect(JSON.stringify(created[0]!.data)).to.not.contain('tok_visa');
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('out of stock: Notify me, and cancel it; more than is available: not enough stock, said so', async () => {
    const shopper = await app.customer('Eager Shopper');
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url(`/signin?next=/products/${products.jacket}`));
      await signIn(page, shopper);
      await page.getByRole('heading', { level: 1, name: 'Rain Shell Jacket' }).waitFor();
      await page.getByText('Out of stock', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Add to cart' }).count()).to.equal(0);
      await page.getByRole('button', { name: 'Notify me when it is back' }).click();
      await page.getByText(`We will email ${shopper.email} once Rain Shell Jacket is back in stock.`).waitFor();
      // Changed their mind: the request is withdrawn, and can be made again.
      await page.getByRole('button', { name: 'Cancel the alert' }).click();
      await page.getByText('Alert cancelled: we will not email you about Rain Shell Jacket.').waitFor();
      await page.getByRole('button', { name: 'Notify me when it is back' }).waitFor();
      const withdrawn = await eventsOf(app, 'BackInStockWithdrawn', (event) => event.data.customerId === shopper.customerId);
      expect(withdrawn.map((event) => event.data.reason)).to.deep.equal(['customer-request']);

      // The page says 8 are in stock; meanwhile another shopper takes 7 of them.
      await page.getByRole('search').getByLabel('Search products').fill('kettle');
      await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'Pour-Over Kettle' }).click();
      await page.getByText('In stock: 8').waitFor();
      const other = await app.customer('Faster Shopper');
      await orderReaches(app, other.token, await buy(app, other, products.kettle, 7), ['Confirmed']);
      await app.settled();
      await page.getByLabel('Quantity').fill('2');
      await page.getByRole('button', { name: 'Add to cart' }).click();
      await page.getByRole('alert').filter({ hasText: 'Not enough stock.' }).waitFor();
      await page.getByText('Only 1 left').waitFor();
      const cart = (await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`)).body as { items: unknown[] };
      expect(cart.items).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('before it ships, the shopper changes the delivery address (If-Match) and cancels the order; the refund is shown', async () => {
    const shopper = await app.customer('Changing Shopper');
    const orderId = await buy(app, shopper, products.lamp, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url(`/signin?next=/orders/${orderId}`));
      await signIn(page, shopper);
      await orderStatus(page, 'Confirmed').waitFor();
      await page.getByText('Change the delivery address', { exact: true }).click();
      await page.getByLabel('Street address').fill('99 New Street');
      await page.getByLabel('City').fill('Capital City');
      await page.getByRole('button', { name: 'Save the new address' }).click();
      await page.getByText('The delivery address was changed.').waitFor();
      await page.getByText('99 New Street, 12345 Capital City, US').waitFor();
      expect((await eventsOf(app, 'OrderAmended', (event) => event.data.orderId === orderId)).length).to.equal(1);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: 'Cancel the order' }).click();
      await orderStatus(page, 'Cancelled').waitFor({ timeout: 15_000 });
      await page.getByText('Refunded (cancelled)').waitFor({ timeout: 15_000 });
      expect(await page.getByRole('button', { name: 'Cancel the order' }).count()).to.equal(0);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('the home page, a product, the cart, checkout and a confirmed order: no serious accessibility violation; screenshots', async () => {
    const shopper = await app.customer('Screenshot Shopper');
    const orderId = await buy(app, shopper, products.headphones, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    await addToCart(app, shopper, products.shoe, 1);
    await addToCart(app, shopper, products.socks, 3);
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/signin'));
      await expectAccessible(page, 'sign in');
      await signIn(page, shopper);
      await page.getByRole('heading', { level: 1, name: 'All products' }).waitFor();
      await page.getByRole('link', { name: 'Wireless Headphones' }).waitFor();
      await expectAccessible(page, 'home');
      await page.mouse.move(0, 0);
      await screenshot(page, 'storefront');

      await page.getByRole('link', { name: 'Cast-Iron Skillet' }).click();
      await page.getByText('Only 3 left').waitFor();
      await page.getByText('No reviews yet.', { exact: false }).first().waitFor();
      await expectAccessible(page, 'product');
      await screenshot(page, 'product');

      await page.getByRole('link', { name: /^Cart/ }).click();
      await page.getByRole('link', { name: 'Merino Wool Socks' }).waitFor();
      await expectAccessible(page, 'cart');
      await screenshot(page, 'cart');

      await page.getByRole('link', { name: 'Proceed to checkout' }).click();
      await page.getByLabel('Test card token').waitFor();
      await expectAccessible(page, 'checkout');
      await screenshot(page, 'checkout');

      await page.goto(app.url(`/orders/${orderId}`));
      await orderStatus(page, 'Confirmed').waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      await expectAccessible(page, 'order');
      await screenshot(page, 'order-confirmed');
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
