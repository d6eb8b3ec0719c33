import { expect } from 'chai';
import type { Page, Route } from 'playwright-core';
import { eventsOf, getOrder, stockedProduct } from '../support/shop.js';
import { accountWorld, bearer, signedIn, withoutFrames, type PageStorage } from './account-helpers.js';
import { fillAddress, orderIdOf, signIn } from './storefront-fixture.js';

/**
 * What the checkout keeps for the shopper when an attempt does not end on the order's page: their
 * choices across a refusal for new prices, their typed address across a sign-in their ended
 * session asked for; and what it says when it cannot know whether the order was placed.
 */
describe('the storefront: a checkout that must be tried again', function () {
  this.timeout(60_000);
  const world = accountWorld();

  /** A shopper with one thing in the cart; with `saved`, a saved address and a saved (default) card too. */
  const readyShopper = async (price = 5900, saved = false) => {
    const { app, admin } = world;
    const product = await stockedProduct(app, admin, 10, price);
    const shopper = await app.customer();
    const as = bearer(shopper);
    expect((await app.http().post('/api/v1/cart/items').set(as).send({ productId: product.productId, quantity: 1 })).status).to.equal(200);
    if (saved) {
      expect((await app.http().post('/api/v1/account/me/addresses').set(as).send({ line1: '7 Saved Lane', city: 'Shelbyville', postalCode: '54321', country: 'US' })).status).to.equal(201);
      expect((await app.http().post('/api/v1/account/me/payment-methods').set(as).send({ token: 'tok_visa' })).status).to.equal(201);
    }
    await app.settled();
    return { product, shopper };
  };

  /** As the shop answers a token that expired meanwhile. */
  const tokenExpired = (route: Route) =>
    route.fulfill({
      status: 401,
      headers: { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer error="invalid_token"' },
      body: JSON.stringify({ type: 'urn:shop:problem:unauthorized', title: 'Unauthorized', status: 401, detail: 'the token has expired' }),
    });

  const draftOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { sessionStorage: PageStorage }).sessionStorage.getItem('shop.checkout.address'));

  it('keeps the address and card the shopper chose when the prices changed, and orders with them when placed again', async () => {
    const { app, admin } = world;
    const { product, shopper } = await readyShopper(5900, true);
    const { page, errors } = await signedIn(world, shopper, '/checkout');
    await page.getByRole('radio', { name: /7 Saved Lane/ }).waitFor();
    expect(await page.getByRole('radio', { name: /7 Saved Lane/ }).isChecked(), 'the saved address is offered first').to.equal(true);
    await page.getByRole('radio', { name: 'A new address' }).check();
    await fillAddress(page);
    await page.getByRole('radio', { name: 'A test card' }).check();
    await page.getByLabel('Test card token').selectOption('tok_mastercard');

    const repriced = await app.http().patch(`/api/v1/products/${product.productId}`).set('Authorization', `Bearer ${admin}`).send({ price: { amount: 6400, currency: 'USD' } });
    expect(repriced.status).to.equal(200);
    await page.getByRole('button', { name: /Place order · \$59\.00/ }).click();
    await page.getByRole('button', { name: /Place order · \$64\.00/ }).waitFor();

    expect(await page.getByRole('radio', { name: 'A new address' }).isChecked(), 'still the new address').to.equal(true);
    expect(await page.getByLabel('Street address').inputValue()).to.equal('12 Harbour Road');
    expect(await page.getByRole('radio', { name: 'A test card' }).isChecked(), 'still the test card').to.equal(true);
    expect(await page.getByLabel('Test card token').inputValue()).to.equal('tok_mastercard');
    await page.getByRole('alert').filter({ hasText: 'the prices changed' }).filter({ hasText: 'place the order again' }).waitFor();

    await page.getByRole('button', { name: /Place order · \$64\.00/ }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    const order = (await getOrder(app, shopper.token, orderIdOf(page))).body;
    expect(order.shippingAddress.line1).to.equal('12 Harbour Road');
    expect(order.total.amount).to.equal(6400);
    const created = await eventsOf(app, 'OrderCreated', (event) => event.data.orderId === orderIdOf(page));
    expect(JSON.stringify(created[0]!.data.paymentMethod)).to.contain('tok_mastercard');
    expect(errors).to.deep.equal([]);
  });

  it('offers the saved address from the first paint, and keeps a choice made right after, on a machine too busy to paint', async () => {
    const { shopper } = await readyShopper(5900, true);
    // No frame comes (see withoutFrames); from the page's first moment, every 4 ms or so: once the
    // saved address shows, is it chosen, and does "A new address", clicked at once, stay chosen?
    const { page, errors } = await signedIn(world, shopper, '/checkout', async (page) => {
      await withoutFrames(page);
      await page.addInitScript(() => {
        type Input = { checked: boolean; click: () => void };
        type Label = { textContent: string | null; querySelector: (s: string) => Input | null };
        const g = globalThis as unknown as {
          checkoutSeen?: { savedFirst: boolean; newKept: boolean };
          document: { querySelectorAll: (s: string) => ArrayLike<Label> };
        };
        const look = () => {
          const labels = Array.from(g.document.querySelectorAll('label.choice'));
          const saved = labels.find((label) => label.textContent?.includes('7 Saved Lane'))?.querySelector('input');
          const fresh = labels.find((label) => label.textContent?.includes('A new address'))?.querySelector('input');
          if (!saved || !fresh) return void setTimeout(look, 0);
          const savedFirst = saved.checked;
          fresh.click();
          setTimeout(() => (g.checkoutSeen = { savedFirst, newKept: fresh.checked }), 150);
        };
        setTimeout(look, 0);
      });
    });
    // Polled by a timer: by default Playwright polls on frames, and none comes here.
    await page.waitForFunction(() => (globalThis as unknown as { checkoutSeen?: unknown }).checkoutSeen !== undefined, undefined, { polling: 50 });
    const seen = await page.evaluate(() => (globalThis as unknown as { checkoutSeen: { savedFirst: boolean; newKept: boolean } }).checkoutSeen);
    expect(seen).to.deep.equal({ savedFirst: true, newKept: true });
    expect(await page.getByRole('radio', { name: 'A new address' }).isChecked()).to.equal(true);
    expect(errors).to.deep.equal([]);
  });

  it('says the outcome is unknown (not "not placed") when the answer is lost, and placing again orders once', async () => {
    const { app } = world;
    const { shopper } = await readyShopper();
    const { page, errors } = await signedIn(world, shopper, '/checkout');
    const keys: string[] = [];
    await page.route('**/api/v1/checkout', async (route: Route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '(none)');
      if (keys.length > 1) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await fillAddress(page);
    await page.getByRole('button', { name: /Place order/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'could not confirm' });
    await alert.waitFor();
    expect(await alert.textContent()).to.contain('may or may not have been placed').and.contain('safe').and.not.contain('not placed');
    expect(await alert.getByRole('link', { name: 'My orders' }).getAttribute('href')).to.equal('/account/orders');

    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    expect(keys).to.have.length(2);
    expect(keys[1]).to.equal(keys[0]);
    expect(await eventsOf(app, 'OrderCreated', (event) => event.data.customerId === shopper.customerId)).to.have.length(1);
    expect(errors).to.deep.equal([]);
  });

  it('says an add to the cart whose answer was lost could not be confirmed, not that it failed', async () => {
    const { app, admin } = world;
    const product = await stockedProduct(app, admin, 10);
    const shopper = await app.customer();
    await app.settled();
    const { page } = await signedIn(world, shopper, `/products/${product.productId}`);
    let calls = 0;
    await page.route('**/api/v1/cart/items', async (route: Route) => {
      calls += 1;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Add to cart' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'could not confirm' }).waitFor();
    expect(await alert.textContent()).to.contain('Adding it again is safe').and.not.contain('Could not add');
    expect(calls).to.equal(1);
  });

  it('says why a session that ended at checkout sent the shopper to sign in, and keeps the typed address across it', async () => {
    const { app } = world;
    const { shopper } = await readyShopper();
    const { page, errors } = await signedIn(world, shopper, '/checkout');
    await fillAddress(page);
    await page.route('**/api/v1/checkout', tokenExpired);
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForURL(/\/signin\?next=%2Fcheckout|\/signin\?next=\/checkout/);
    await page.getByText('Your session has ended: sign in again.').waitFor();
    await page.unroute('**/api/v1/checkout');

    await signIn(page, shopper);
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await page.getByLabel('Street address').waitFor();
    expect(await page.getByLabel('Street address').inputValue()).to.equal('12 Harbour Road');
    expect(await page.getByLabel('City').inputValue()).to.equal('Springfield');
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    expect((await getOrder(app, shopper.token, orderIdOf(page))).body.shippingAddress.line1).to.equal('12 Harbour Road');
    expect(await draftOf(page), 'the typed address is forgotten once the order is placed').to.equal(null);
    expect(errors).to.deep.equal([]);
  });

  /** A gateway in front of the shop that passes the request on and then answers its own 502 page (a replica failed after taking it). */
  const gatewayFails = (keys: string[], times = 1) => async (route: Route) => {
    keys.push(route.request().headers()['idempotency-key'] ?? '(none)');
    if (keys.length > times) return route.continue();
    await route.fetch();
    await route.fulfill({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>502 Bad Gateway</h1></body></html>' });
  };

  it("takes a gateway's 502 after the shop took the write as an unknown outcome: the same key again, the item added once, the order placed once", async () => {
    const { app, admin } = world;
    const product = await stockedProduct(app, admin, 10);
    const shopper = await app.customer();
    await app.settled();
    const { page, errors } = await signedIn(world, shopper, `/products/${product.productId}`);
    const adds: string[] = [];
    await page.route('**/api/v1/cart/items', gatewayFails(adds));
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByRole('alert').filter({ hasText: 'could not confirm' }).waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText(/Added 2 ×/).waitFor();
    expect(adds).to.have.length(2);
    expect(adds[1], 'the same Idempotency-Key').to.equal(adds[0]);
    const cart = (await app.http().get('/api/v1/cart').set(bearer(shopper))).body;
    expect(cart.items.map((line: { quantity: number }) => line.quantity), 'added once, not twice').to.deep.equal([2]);

    const checkouts: string[] = [];
    await page.route('**/api/v1/checkout', gatewayFails(checkouts));
    await page.goto(world.app.url('/checkout'));
    await fillAddress(page);
    await page.getByRole('button', { name: /Place order/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'could not confirm' });
    await alert.waitFor();
    expect(await alert.textContent()).to.contain('may or may not have been placed').and.not.contain('not placed');
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    expect(checkouts[1]).to.equal(checkouts[0]);
    expect(await eventsOf(app, 'OrderCreated', (event) => event.data.customerId === shopper.customerId)).to.have.length(1);
    expect(errors).to.deep.equal([]);
  });

  it('keeps the typed address only for its customer: another one signing in after the session ended gets an empty form', async () => {
    const { shopper } = await readyShopper();
    const { shopper: other } = await readyShopper();
    const { page } = await signedIn(world, shopper, '/checkout');
    await fillAddress(page);
    await page.route('**/api/v1/checkout', tokenExpired);
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByText('Your session has ended: sign in again.').waitFor();
    await page.unroute('**/api/v1/checkout');
    await signIn(page, other);
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await page.getByLabel('Street address').waitFor();
    expect(await page.getByLabel('Street address').inputValue(), "not the other customer's street").to.equal('');
    expect(await draftOf(page), "the other customer's draft is gone from the tab").to.equal(null);
  });
});
