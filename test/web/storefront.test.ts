import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { expectAccessible, launchBrowser, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.js';
import { createProduct } from '../support/test-app.js';
import { addToCart, buy, eventsOf, orderReaches, type Shopper } from '../support/shop.js';
import type { PaymentProvider } from '../../src/infrastructure/payments/payment-provider.js';

/**
 * The storefront in Chromium: a shopper signs up, searches, buys and watches the order live;
 * a declined card; the pages' accessibility and screenshots; facets in the URL; stock limits.
 */

type Seeded = Record<'shoe' | 'socks' | 'jacket' | 'skillet' | 'kettle' | 'headphones' | 'lamp', string>;

const CATALOG: Array<[keyof Seeded, { name: string; brand: string; category: string; price: number; description: string }, number]> = [
  ['shoe', { name: 'Trail Running Shoe', brand: 'Northwind', category: 'Apparel', price: 8900, description: 'Grippy outsole, light mesh upper, made for muddy trails.' }, 10],
  ['socks', { name: 'Merino Wool Socks', brand: 'Northwind', category: 'Apparel', price: 1900, description: 'Warm, soft and odour-resistant.' }, 50],
  ['jacket', { name: 'Rain Shell Jacket', brand: 'Lumen', category: 'Apparel', price: 12900, description: 'Waterproof and breathable.' }, 0],
  ['skillet', { name: 'Cast-Iron Skillet', brand: 'Kiln & Co', category: 'Kitchen', price: 4900, description: 'Pre-seasoned, oven-safe, lasts a lifetime.' }, 3],
  ['kettle', { name: 'Pour-Over Kettle', brand: 'Kiln & Co', category: 'Kitchen', price: 5900, description: 'Gooseneck spout for a precise pour.' }, 8],
  ['headphones', { name: 'Wireless Headphones', brand: 'Keystone', category: 'Electronics', price: 14900, description: 'Noise cancelling, 30-hour battery.' }, 12],
  ['lamp', { name: 'Desk Lamp', brand: 'Lumen', category: 'Home', price: 3900, description: 'Warm dimmable light.' }, 20],
];

const seedCatalog = async (app: WebApp): Promise<Seeded> => {
  const admin = await app.adminToken();
  const ids: Partial<Seeded> = {};
  for (const [key, product, stock] of CATALOG) {
    const { productId, sku } = await createProduct(app, admin, product);
    if (stock > 0) {
      const res = await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: stock });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    ids[key] = productId;
  }
  await app.settled();
  return ids as Seeded;
};

/** The charges of the simulated provider wait while `hold` is set (to see the order page move live). */
const gatedProvider = () => {
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  return {
    hold: () => { gate = new Promise<void>((resolve) => (open = resolve)); },
    release: () => { gate = null; open(); },
    wrap: (simulated: PaymentProvider): PaymentProvider => ({
      charge: async (request) => { if (gate) await gate; return simulated.charge(request); },
      refund: (request) => simulated.refund(request),
      findCharge: (key) => simulated.findCharge(key),
      describeToken: (token, signal) => simulated.describeToken(token, signal),
    }),
  };
};

const MARKER = 'set before, still here';
const setMarker = (page: Page) => page.evaluate((value) => { (globalThis as unknown as Record<string, unknown>).shopMarker = value; }, MARKER);
const marker = (page: Page) => page.evaluate(() => (globalThis as unknown as Record<string, unknown>).shopMarker);

const orderIdOf = (page: Page): string => /\/orders\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname)?.[1] ?? '';
const orderStatus = (page: Page, status: string) => page.getByTestId('order-status').filter({ hasText: new RegExp(`^${status}$`) });

/** Through the sign-in page, as a shopper of `app.customer()` (password correct-horse). */
const signIn = async (page: Page, shopper: Shopper) => {
  await page.getByLabel('Email').fill(shopper.email);
  await page.getByLabel('Password').fill('correct-horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(shopper.email).waitFor();
};

const fillAddress = async (page: Page) => {
  await page.getByLabel('Street address').fill('12 Harbour Road');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Postal code').fill('12345');
  await page.getByLabel('Country').selectOption('US');
};

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
      await page.getByLabel('Password').fill('correct-horse');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText(email).waitFor();
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
      await page.getByText(`Why it failed: ${order.failureReason}`).waitFor();
      await page.getByText('Nothing was charged').waitFor();
      expect(await page.getByRole('status').filter({ hasText: 'Order status: Failed' }).count()).to.equal(1);
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
      expect(await page.getByRole('link', { name: /Cart 3 items/ }).count()).to.equal(1);
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

  it('keeps search, facets, sorting and paging in the URL: back, forward and reload restore them', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/'));
      await page.getByRole('heading', { level: 1, name: 'All products' }).waitFor();
      await page.getByRole('status').filter({ hasText: '7 products' }).waitFor();
      await page.getByRole('link', { name: /^Kiln & Co 2 products$/ }).click();
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect(new URL(page.url()).searchParams.get('brand')).to.equal('Kiln & Co');
      await page.getByLabel('Sort by').selectOption('-price');
      await page.waitForURL((url) => url.searchParams.get('sort') === '-price');
      const names = () => page.locator('.product-card .product-name').allInnerTexts();
      await page.locator('.product-card .product-name').first().filter({ hasText: 'Pour-Over Kettle' }).waitFor();
      expect(await names()).to.deep.equal(['Pour-Over Kettle', 'Cast-Iron Skillet']);

      await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Apparel' }).click();
      await page.getByRole('heading', { level: 1, name: 'Apparel' }).waitFor();
      await page.getByLabel('In stock only').check();
      await page.waitForURL((url) => url.searchParams.get('inStock') === 'true' && url.searchParams.get('category') === 'Apparel');
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect((await names()).sort()).to.deep.equal(['Merino Wool Socks', 'Trail Running Shoe']);
      await page.getByLabel('Max ($)').fill('50');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('status').filter({ hasText: '1 product' }).waitFor();
      expect(new URL(page.url()).searchParams.get('maxPrice')).to.equal('5000');

      await page.goBack();
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect(await page.getByLabel('In stock only').isChecked()).to.equal(true);
      await page.goBack();
      await page.goBack();
      await page.waitForURL((url) => url.searchParams.get('brand') === 'Kiln & Co' && url.searchParams.get('sort') === '-price');
      await page.waitForFunction("document.querySelectorAll('.product-card').length === 2");
      expect(await names()).to.deep.equal(['Pour-Over Kettle', 'Cast-Iron Skillet']);
      await page.reload();
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect(await page.getByLabel('Sort by').inputValue()).to.equal('-price');
      expect(await names()).to.deep.equal(['Pour-Over Kettle', 'Cast-Iron Skillet']);

      await page.goto(app.url('/?q=nothing-matches-this'));
      await page.getByRole('heading', { name: 'No products match' }).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('out of stock: Notify me; more than is available: not enough stock, said so', async () => {
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
