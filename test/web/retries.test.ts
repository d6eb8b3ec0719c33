import { expect } from 'chai';
import type { Page, Route } from 'playwright-core';
import { buy, eventsOf, levelsOf, stockedProduct } from '../support/shop.js';
import { signInToConsole } from '../support/browser.js';
import { accountWorld, signedIn, visitor } from './account-helpers.js';

/** Answers the request as a refusing shop does: 503 problem+json, Retry-After 1. */
const refuse = (route: Route, slug: string, detail: string) =>
  route.fulfill({
    status: 503,
    headers: { 'content-type': 'application/problem+json', 'retry-after': '1' },
    body: JSON.stringify({ type: `urn:shop:problem:${slug}`, title: 'Service Unavailable', status: 503, detail }),
  });

/** One app and one browser for the file's tests (accountWorld); each test's page is closed after it. */
describe('the pages: retries', function () {
  this.timeout(60_000);
  const world = accountWorld();

  /**
   * A write whose answer is lost (the connection drops after the shop applied it) and that the
   * user sends again from the same form: the page repeats it with the same Idempotency-Key, so the
   * shop applies it once.
   */
  describe('a write sent again after its answer was lost', () => {
    /** The first matching write reaches the shop, then its answer is lost; later ones pass. Returns the keys sent. */
    const loseFirstAnswer = async (page: Page, pattern: string): Promise<string[]> => {
      const keys: string[] = [];
      await page.route(pattern, async (route: Route) => {
        if (route.request().method() !== 'POST') return route.continue();
        keys.push(route.request().headers()['idempotency-key'] ?? '(none)');
        if (keys.length > 1) return route.continue();
        await route.fetch();
        await route.abort('connectionreset');
      });
      return keys;
    };

    it('the console receives stock once', async () => {
      const { app, admin } = world;
      const product = await stockedProduct(app, admin, 3);
      await app.settled();
      const { page } = await visitor(world);
      await signInToConsole(page, app);
      const keys = await loseFirstAnswer(page, '**/api/v1/inventory/*/receipts');
      await page.goto(app.url('/console/inventory'));
      await page.getByLabel(`Quantity of ${product.sku} received`).fill('7');
      await page.getByRole('button', { name: `Receive ${product.sku}` }).click();
      await page.getByRole('alert').getByText('could not be reached').waitFor();
      await page.getByRole('button', { name: `Receive ${product.sku}` }).click();
      await page.getByText(`${product.sku}: received 7`).waitFor();
      expect(keys).to.have.length(2);
      expect(keys[0]).to.match(/^[0-9a-f-]{36}$/);
      expect(keys[1]).to.equal(keys[0]);
      expect((await levelsOf(app, admin, product.sku)).onHand).to.equal(10);
      expect(await eventsOf(app, 'StockReceived', (e) => (e.data as { sku?: string }).sku === product.sku)).to.have.length(2); // 3 at setup, 7 once
    });

    it('the storefront adds to the cart once', async () => {
      const { app, admin } = world;
      const product = await stockedProduct(app, admin, 20);
      const shopper = await app.customer();
      await app.settled();
      const { page } = await signedIn(world, shopper, '/');
      const keys = await loseFirstAnswer(page, '**/api/v1/cart/items');
      await page.goto(app.url(`/products/${product.productId}`));
      const add = page.getByRole('button', { name: /add to cart/i });
      await add.click();
      await page.getByRole('alert').waitFor();
      await add.click();
      await page.getByText(/Added 1 ×/).waitFor();
      expect(keys).to.have.length(2);
      expect(keys[1]).to.equal(keys[0]);
      const cart = await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
      expect(cart.body.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).to.deep.equal([[product.productId, 1]]);
    });
  });

  /**
   * A read the shop refuses while its read models catch up with the session's own writes (503
   * `read-models-behind`, as while one process takes them over from another that stopped): the
   * page asks again after Retry-After and shows the cart, not an error and not an empty cart.
   */
  describe('a read refused while the read models catch up', () => {

    it('the storefront shows the cart once the shop answers it', async () => {
      const { app, admin } = world;
      const product = await stockedProduct(app, admin, 20);
      const shopper = await app.customer();
      await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId: product.productId, quantity: 3 });
      await app.settled();
      const { page } = await signedIn(world, shopper, '/');
      let refused = 0;
      await page.route('**/api/v1/cart', async (route: Route) => {
        if (route.request().method() !== 'GET' || refused >= 2) return route.continue();
        refused += 1;
        await refuse(route, 'read-models-behind', 'the read models have not reached log position 9 within 2000 ms');
      });
      await page.goto(app.url('/cart'));
      await page.getByRole('heading', { level: 1, name: 'Your cart' }).waitFor();
      await page.getByRole('link', { name: 'Proceed to checkout' }).waitFor({ timeout: 10_000 });
      expect(refused, 'the page was refused twice before it was answered').to.equal(2);
      expect(await page.getByRole('alert').count(), 'no error shown').to.equal(0);
    });

    it("the order page asks again for the order's live stream after a refusal, and goes live", async () => {
      const { app, admin } = world;
      const product = await stockedProduct(app, admin, 20);
      const shopper = await app.customer();
      const orderId = await buy(app, shopper, product.productId, 1);
      await app.settled();
      const { page } = await signedIn(world, shopper, '/');
      let streams = 0;
      await page.route(`**/api/v1/orders/${orderId}/events`, async (route: Route) => {
        streams += 1;
        if (streams > 1) return route.continue();
        // As a process at its limit of streams, or stopping, answers (an EventSource takes no 503 up again by itself).
        await refuse(route, 'unavailable', 'too many live streams');
      });
      await page.goto(app.url(`/orders/${orderId}`));
      await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
      expect(streams, 'asked again once after the refusal').to.equal(2);
    });
  });
});
