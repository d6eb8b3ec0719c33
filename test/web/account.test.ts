import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { expectAccessible, launchBrowser, newPage, screenshot, startWebApp, type WebApp } from '../support/browser.js';
import { buy, eventsOf, getOrder, orderReaches, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { createProduct } from '../support/test-app.js';

/**
 * The storefront's account pages in Chromium: a shopper signed in (a session put into the
 * page's storage, as the sign-in page leaves it) sees and changes their orders, reviews what
 * was delivered, keeps cards and subscriptions, reads their emails, downloads and deletes
 * their data. What the page shows is checked, and what the API and the log hold afterwards.
 */
describe('the storefront: my account', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  let admin: string;
  const opened: Array<{ close: () => Promise<void> }> = [];

  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    admin = await app.adminToken();
  });
  after(async () => {
    await browser.close();
    await app.close();
  });
  afterEach(async () => {
    for (const context of opened.splice(0)) await context.close();
  });

  /** The page's storage (this project's lib has no DOM types; the functions run in the page). */
  type Storage = { getItem: (key: string) => string | null; setItem: (key: string, value: string) => void };
  const as = (who: Shopper) => ({ Authorization: `Bearer ${who.token}` });

  /** A product on sale with stock, under a name of its own. */
  const product = async (name: string, price: number) => {
    const created = await createProduct(app, admin, { name, price });
    const res = await app.http().post(`/api/v1/inventory/${created.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 20 });
    expect(res.status).to.equal(200);
    return created as { productId: string; sku: string };
  };

  /** A page signed in as the shopper (their session in storage, as the sign-in page keeps it), at `path`. */
  const signedIn = async (who: Shopper, path: string): Promise<{ page: Page; errors: string[] }> => {
    const { context, page, errors } = await newPage(browser);
    opened.push(context);
    await page.goto(app.url('/'));
    await page.evaluate((session) => (globalThis as unknown as { localStorage: Storage }).localStorage.setItem('shop.session', session), JSON.stringify({ token: who.token, customerId: who.customerId, role: 'customer', email: who.email }));
    await page.goto(app.url(path));
    return { page, errors };
  };

  const confirmedOrder = async (who: Shopper, productId: string, quantity = 1) => {
    const orderId = await buy(app, who, productId, quantity);
    await orderReaches(app, who.token, orderId, ['Confirmed'], 'Captured');
    return orderId;
  };

  const deliveredOrder = async (who: Shopper, productId: string) => {
    const orderId = await confirmedOrder(who, productId);
    const shipment = await eventually(async () => (await getOrder(app, who.token, orderId)).body.shipment ?? undefined);
    for (const step of ['dispatch', 'deliver']) {
      const res = await app.http().post(`/api/v1/shipments/${shipment.shipmentId}/${step}`).set('Authorization', `Bearer ${admin}`).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    await orderReaches(app, who.token, orderId, ['Delivered']);
    return orderId;
  };

  const orderCard = (page: Page, orderId: string) => page.getByRole('article', { name: `Order ${orderId.slice(0, 8).toUpperCase()}` });

  it('lists an order bought through the API, and cancelling it from the page leads to Cancelled (one OrderCancelled in the log)', async () => {
    const shopper = await app.customer('Ada Lovelace');
    const { productId } = await product('Espresso cups (set of 4)', 2400);
    const orderId = await confirmedOrder(shopper, productId, 2);
    const { page, errors } = await signedIn(shopper, '/account/orders');

    const card = orderCard(page, orderId);
    await card.getByText('Confirmed', { exact: true }).waitFor();
    expect(await card.textContent()).to.contain('$48.00').and.contain('Espresso cups (set of 4)');
    expect(await card.getByRole('link', { name: /^Order / }).getAttribute('href')).to.equal(`/orders/${orderId}`);
    await expectAccessible(page, 'my orders');

    await card.getByRole('button', { name: 'Cancel order' }).click();
    await card.getByRole('button', { name: 'Yes, cancel the order' }).click();
    await card.getByText('The order is cancelled; your payment is refunded.').waitFor();
    await card.getByText('Cancelled', { exact: true }).waitFor();
    expect(await card.getByRole('button', { name: 'Cancel order' }).count()).to.equal(0);

    await orderReaches(app, shopper.token, orderId, ['Cancelled']);
    await app.settled();
    expect(await eventsOf(app, 'OrderCancelled', (e) => e.data.orderId === orderId)).to.have.length(1);
    await page.reload();
    await orderCard(page, orderId).getByText('Cancelled', { exact: true }).waitFor();
    expect(errors).to.deep.equal([]);
  });

  it('changes the address of a Confirmed order, sent with If-Match: a change made meanwhile is shown as such (412), then saved', async () => {
    const shopper = await app.customer();
    const { productId } = await product('Linen apron', 3200);
    const orderId = await confirmedOrder(shopper, productId);
    const { page, errors } = await signedIn(shopper, '/account/orders');
    const card = orderCard(page, orderId);

    await card.getByRole('button', { name: 'Change address' }).click();
    const street = card.getByLabel('Street and number');
    expect(await street.inputValue()).to.equal('1 Main St');
    // Meanwhile the order is changed elsewhere: the form's version is no longer the order's.
    const elsewhere = await app.http().patch(`/api/v1/orders/${orderId}`).set(as(shopper)).send({ shippingAddress: { line1: '9 Side St', city: 'Springfield', postalCode: '12345', country: 'US' } });
    expect(elsewhere.status).to.equal(200);
    await street.fill('2 Elm St');
    await card.getByLabel('City').fill('Shelbyville');
    await card.getByRole('button', { name: 'Save address' }).click();
    await card.getByRole('alert').getByText(/Changed meanwhile/).waitFor();

    await card.getByRole('button', { name: 'Save address' }).click();
    await card.getByText('The new address is saved.').waitFor();
    expect(await card.locator('.address').textContent()).to.equal('2 Elm St, 12345 Shelbyville, US');
    const order = await eventually(async () => {
      const res = await getOrder(app, shopper.token, orderId);
      return res.body.shippingAddress.line1 === '2 Elm St' ? res.body : undefined;
    });
    expect(order.shippingAddress).to.deep.equal({ line1: '2 Elm St', city: 'Shelbyville', postalCode: '12345', country: 'US' });
    expect(await eventsOf(app, 'OrderAmended', (e) => e.data.orderId === orderId)).to.have.length(2);
    expect(errors).to.deep.equal([]);
  });

  it('reviews a delivered product from the page; the review is then in GET /reviews', async () => {
    const shopper = await app.customer('Grace Hopper');
    const kettle = await product('Stovetop kettle', 5900);
    const mugs = await product('Stoneware mug', 1800);
    await deliveredOrder(shopper, kettle.productId);
    const open = await confirmedOrder(shopper, mugs.productId, 3);
    const { page, errors } = await signedIn(shopper, '/account/orders');

    await orderCard(page, open).waitFor();
    expect(await orderCard(page, open).getByRole('button', { name: /^Review/ }).count()).to.equal(0);
    await page.getByRole('button', { name: 'Review Stovetop kettle' }).click();
    const form = page.getByRole('form', { name: 'Review of Stovetop kettle' });
    await form.getByRole('radio', { name: '4 stars' }).check();
    await form.getByLabel(/What did you think/).fill('Boils fast, whistles politely.');
    await screenshot(page, 'account-orders');
    await expectAccessible(page, 'my orders with a review form');
    await form.getByRole('button', { name: 'Post review' }).click();
    await page.getByText('Thank you: your review of Stovetop kettle (4 stars) was received.').waitFor();

    const reviews = await eventually(async () => {
      const res = await app.http().get('/api/v1/reviews').query({ productId: kettle.productId });
      return res.body.count === 1 ? res.body : undefined;
    });
    expect(reviews.items[0]).to.include({ rating: 4, text: 'Boils fast, whistles politely.', authorName: 'Grace' });
    expect(errors).to.deep.equal([]);
  });

  it('saves a payment method from a test token and makes another one the default', async () => {
    const shopper = await app.customer();
    const { page, errors } = await signedIn(shopper, '/account/payment-methods');
    await page.getByText('No saved cards yet.', { exact: false }).waitFor();
    expect(await page.getByText('tok_mastercard').count()).to.be.greaterThan(0);

    await page.getByLabel('Card token').fill('tok_visa');
    await page.getByRole('button', { name: 'Save card' }).click();
    const visa = page.getByRole('listitem', { name: 'Visa ending in 4242' });
    await visa.getByText('Default', { exact: true }).waitFor();

    await page.getByLabel('Card token').fill('tok_mastercard');
    await page.getByLabel(/Name it/).fill('Work card');
    await page.getByRole('button', { name: 'Save card' }).click();
    const mastercard = page.getByRole('listitem', { name: 'Mastercard ending in 4444 (Work card)' });
    await mastercard.waitFor();
    expect(await mastercard.getByText('Default', { exact: true }).count()).to.equal(0);
    await mastercard.getByRole('button', { name: /^Make default/ }).click();
    await page.getByText('Mastercard ending in 4444 (Work card) is now your default.').waitFor();
    expect(await visa.getByText('Default', { exact: true }).count()).to.equal(0);
    await mastercard.getByText('Default', { exact: true }).waitFor();

    const saved = await app.http().get('/api/v1/account/me/payment-methods').set(as(shopper));
    expect(saved.body.items.map((m: { last4: string; isDefault: boolean }) => [m.last4, m.isDefault])).to.deep.equal([['4242', false], ['4444', true]]);
    await screenshot(page, 'payment-methods');
    await expectAccessible(page, 'payment methods');
    expect(errors).to.deep.equal([]);
  });

  it('lists my notifications with their subject, order link and time', async () => {
    const shopper = await app.customer();
    const { productId } = await product('Chef knife', 8900);
    const orderId = await confirmedOrder(shopper, productId);
    const sent = await eventually(async () => {
      const res = await app.http().get('/api/v1/account/me/notifications').set(as(shopper));
      return res.body.items.length > 0 ? (res.body.items as Array<{ subject: string; orderId: string }>) : undefined;
    });
    const { page, errors } = await signedIn(shopper, '/account/notifications');
    const row = page.getByRole('row', { name: new RegExp(sent[0]!.subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
    await row.waitFor();
    expect(await row.getByRole('link').getAttribute('href')).to.equal(`/orders/${orderId}`);
    expect(await row.locator('time').count()).to.equal(1);
    await expectAccessible(page, 'notifications');
    expect(errors).to.deep.equal([]);
  });

  it('shows the profile, adds an address, and downloads my data as a file', async () => {
    const shopper = await app.customer('Katherine Johnson');
    const { page, errors } = await signedIn(shopper, '/account');
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByText('Katherine Johnson').waitFor();
    expect(await profile.textContent()).to.contain(shopper.email);

    await page.getByRole('button', { name: 'Add an address' }).click();
    await page.getByLabel('Street and number').fill('42 Orbit Way');
    await page.getByLabel('City').fill('Hampton');
    await page.getByLabel('Postal code').fill('23666');
    await page.getByLabel('Country code').fill('us');
    await page.getByRole('button', { name: 'Save address' }).click();
    await page.getByText('The address was added.').waitFor();
    await page.getByRole('region', { name: 'Addresses' }).getByText('42 Orbit Way').waitFor();
    const me = await app.http().get('/api/v1/account/me').set(as(shopper));
    expect(me.body.addresses).to.have.length(1);
    expect(me.body.addresses[0]).to.include({ line1: '42 Orbit Way', country: 'US' });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).to.match(/^export-.*\.json$/);
    const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(data.customerId).to.equal(shopper.customerId);
    expect(data.profile).to.include({ email: shopper.email, name: 'Katherine Johnson' });
    expect(data.profile.addresses[0]).to.include({ line1: '42 Orbit Way' });
    await page.getByText(/Your data was saved as export-/).waitFor();
    await screenshot(page, 'account');
    await expectAccessible(page, 'my account');
    expect(errors).to.deep.equal([]);
  });

  it('deletes the account: refused (409, with its reason) while an order is in progress, then 202, signed out and home', async () => {
    const shopper = await app.customer();
    const { productId } = await product('Tea tin', 1200);
    const orderId = await confirmedOrder(shopper, productId);
    const { page, errors } = await signedIn(shopper, '/account');
    const zone = page.getByRole('region', { name: 'Delete my account' });

    await zone.getByLabel(/Your password/).fill('wrong-password');
    await zone.getByRole('button', { name: 'Delete my account' }).click();
    await zone.getByRole('alert').getByText(/wrong password/i).waitFor();
    await zone.getByLabel(/Your password/).fill('correct-horse');
    await zone.getByRole('button', { name: 'Delete my account' }).click();
    const refused = zone.getByRole('alert');
    await refused.getByText('Your account cannot be deleted yet:').waitFor();
    expect((await refused.textContent())!.length).to.be.greaterThan('Your account cannot be deleted yet: '.length);

    expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(as(shopper))).status).to.equal(202);
    await orderReaches(app, shopper.token, orderId, ['Cancelled']);
    const [answer] = await Promise.all([
      page.waitForResponse((res) => res.url().endsWith('/api/v1/account/me') && res.request().method() === 'DELETE'),
      zone.getByRole('button', { name: 'Delete my account' }).click(),
    ]);
    expect(answer.status()).to.equal(202);
    await page.waitForURL(app.url('/'));
    expect(await page.evaluate(() => (globalThis as unknown as { localStorage: Storage }).localStorage.getItem('shop.session'))).to.equal(null);
    expect((await app.http().get('/api/v1/account/me').set(as(shopper))).status).to.equal(401);
    expect(errors).to.deep.equal([]);
  });

  it('keeps subscriptions: starts one from a product, then pause, resume, skip and cancel, each only when it applies', async () => {
    const shopper = await app.customer();
    const { productId } = await product('Coffee beans 1 kg', 2600);
    expect((await app.http().post('/api/v1/account/me/payment-methods').set(as(shopper)).send({ token: 'tok_visa' })).status).to.equal(201);
    const { page, errors } = await signedIn(shopper, '/account/subscriptions');

    const form = page.getByRole('region', { name: 'Start a subscription' });
    await form.getByLabel('Product').selectOption(productId);
    await form.getByLabel('Quantity').fill('2');
    await form.getByLabel('How often').selectOption('14');
    await form.getByLabel('Street and number').fill('5 Bean Rd');
    await form.getByLabel('City').fill('Portland');
    await form.getByLabel('Postal code').fill('97201');
    await form.getByLabel('Country code').fill('US');
    await form.getByRole('button', { name: 'Subscribe' }).click();
    const card = page.getByRole('article', { name: 'Coffee beans 1 kg × 2' });
    await card.getByText('Active', { exact: true }).waitFor();
    expect(await card.textContent()).to.contain('Every 2 weeks').and.contain('Visa •••• 4242');
    await expectAccessible(page, 'subscriptions');

    const buttons = async () => (await card.getByRole('button').allTextContents()).join(' | ');
    expect(await buttons()).to.equal('Skip next delivery | Pause | Cancel subscription');
    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByText('Paused', { exact: true }).first().waitFor();
    expect(await buttons()).to.equal('Resume | Cancel subscription');
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByText('Active', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Skip next delivery' }).click();
    await page.getByText('The next delivery is skipped.').waitFor();
    await card.getByRole('button', { name: 'Cancel subscription' }).click();
    await card.getByRole('button', { name: 'Yes, cancel it' }).click();
    await card.getByText('Cancelled', { exact: true }).waitFor();
    expect(await card.getByRole('button').count()).to.equal(0);

    const mine = await app.http().get('/api/v1/subscriptions').set(as(shopper));
    expect(mine.body.items[0]).to.include({ status: 'Cancelled', intervalDays: 14 });
    expect(errors).to.deep.equal([]);
  });

  it('asks a signed-out visitor to sign in, and to come back to the page they asked for', async () => {
    const { context, page } = await newPage(browser);
    opened.push(context);
    for (const path of ['/account', '/account/orders', '/account/notifications', '/account/subscriptions', '/account/payment-methods']) {
      await page.goto(app.url(path));
      const link = page.getByRole('main').getByRole('link', { name: 'Sign in' });
      expect(await link.getAttribute('href'), path).to.equal(`/signin?next=${encodeURIComponent(path)}`);
    }
    await expectAccessible(page, 'account, signed out');
  });
});
