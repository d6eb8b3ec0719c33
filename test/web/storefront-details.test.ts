import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { receive, stockedProduct } from '../support/shop.js';
import { createProduct } from '../support/test-app.js';
import { accountWorld, bearer, confirmedOrder, product, ship, signedIn, visitor, type PageStorage } from './account-helpers.js';

/**
 * Smaller things the storefront shows: a live order page that stops asking for a stream it
 * cannot have, quantities typed into the cart, the line breaks of what people wrote, and how
 * long a locked-out sign-in waits.
 */
describe('the storefront: details', function () {
  this.timeout(60_000);
  // Three wrong passwords lock an account out (the lockout test); no other test signs in wrongly.
  const world = accountWorld({ loginMaxFailures: 3 });

  it('stops asking for the live stream of an order that is not there (404), rather than every 2 s for good', async () => {
    const shopper = await world.app.customer();
    const { page, errors } = await signedIn(world, shopper, '/');
    const missing = randomUUID();
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (response.url().endsWith(`/api/v1/orders/${missing}/events`)) statuses.push(response.status());
    });
    await page.goto(world.app.url(`/orders/${missing}`));
    await page.getByRole('heading', { name: 'No such order' }).waitFor();
    await page.waitForTimeout(5_000); // two and a half reopen pauses
    expect(statuses, 'asked once, refused with 404, not asked again').to.deep.equal([404]);
    expect(errors).to.deep.equal([]);
  });

  it('goes live on an order page opened signed out once the shopper signs in in another tab', async () => {
    const { productId } = await product(world, 'Tab Kettle', 4100);
    const shopper = await world.app.customer();
    const orderId = await confirmedOrder(world, shopper, productId);
    const { page, errors } = await visitor(world);
    await page.goto(world.app.url(`/orders/${orderId}`));
    // Signed in in a second tab of the same browser: the first one is told through its storage.
    const other = await page.context().newPage();
    await other.goto(world.app.url('/'));
    const session = JSON.stringify({ token: shopper.token, customerId: shopper.customerId, role: 'customer', email: shopper.email });
    await other.evaluate((value) => (globalThis as unknown as { localStorage: PageStorage }).localStorage.setItem('shop.session', value), session);
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 10_000 });
    // And it follows the order from then on.
    await ship(world, shopper, orderId);
    await page.getByRole('status').filter({ hasText: 'Order status: Shipped' }).waitFor({ timeout: 10_000 });
    expect(errors).to.deep.equal([]);
  });

  describe('a quantity typed into the cart', () => {
    const cartWith = async (quantity: number) => {
      const product = await stockedProduct(world.app, world.admin, 20);
      const shopper = await world.app.customer();
      expect((await world.app.http().post('/api/v1/cart/items').set(bearer(shopper)).send({ productId: product.productId, quantity })).status).to.equal(200);
      await world.app.settled();
      const { page, errors } = await signedIn(world, shopper, '/cart');
      const field = page.getByRole('spinbutton', { name: /^Quantity of / });
      await field.waitFor();
      const cart = async () => (await world.app.http().get('/api/v1/cart').set(bearer(shopper))).body.items.map((i: { quantity: number }) => i.quantity);
      return { page, errors, field, cart };
    };

    it('0 removes the line, as its Remove button does', async () => {
      const { page, errors, field, cart } = await cartWith(3);
      await field.fill('0');
      await field.press('Enter');
      await page.getByRole('heading', { name: 'Your cart is empty' }).waitFor();
      expect(await cart()).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    });

    it('a negative or a fraction goes back to the quantity in the cart, saying why', async () => {
      const { page, errors, field, cart } = await cartWith(3);
      for (const typed of ['-2', '1.5']) {
        await field.fill(typed);
        await field.press('Tab');
        const alert = page.getByRole('alert').filter({ hasText: `“${typed}” is not a quantity` });
        await alert.waitFor();
        expect(await alert.textContent()).to.contain('0 to remove');
        expect(await field.inputValue(), 'the field shows the quantity in the cart again').to.equal('3');
      }
      expect(await cart()).to.deep.equal([3]);
      expect(errors).to.deep.equal([]);
    });
  });

  it("keeps the line breaks of a product's description and of its reviews", async () => {
    const { app, admin } = world;
    const { productId, sku } = await createProduct(app, admin, { name: 'Layered Blanket', price: 4500, description: 'Warm wool.\nMachine washable.\nMade in Wales.' });
    expect((await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 5 })).status).to.equal(200);
    const shopper = await app.customer('Reviewing Shopper');
    await receive(app, admin, shopper, productId);
    const reviewed = await app.http().post('/api/v1/reviews').set(bearer(shopper)).send({ productId, rating: 4, text: 'Cosy.\nA little itchy at first.' });
    expect(reviewed.status, JSON.stringify(reviewed.body)).to.equal(201);
    await app.settled();
    const { page, errors } = await visitor(world);
    await page.goto(app.url(`/products/${productId}`));
    await page.getByText('A little itchy', { exact: false }).waitFor();
    expect(await page.locator('.description').innerText()).to.equal('Warm wool.\nMachine washable.\nMade in Wales.');
    expect(await page.locator('.reviews li p').innerText()).to.equal('Cosy.\nA little itchy at first.');
    expect(errors).to.deep.equal([]);
  });

  it('says when a locked-out account can try again, from the answer\'s Retry-After', async () => {
    const shopper = await world.app.customer();
    const { page, errors } = await visitor(world);
    await page.goto(world.app.url('/signin'));
    for (let i = 0; i < 4; i += 1) {
      await page.getByLabel('Email').fill(shopper.email);
      await page.getByLabel('Password').fill(`wrong-password-${i}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor();
    }
    const retryAfter = Number((await world.app.http().post('/api/v1/account/login').send({ email: shopper.email, password: 'correct-horse' })).headers['retry-after']);
    expect(retryAfter).to.be.greaterThan(60);
    const text = (await page.getByRole('alert').textContent()) ?? '';
    expect(text).to.match(/try again in about \d+ minutes/);
    const minutes = Number(/in about (\d+) minutes/.exec(text)![1]);
    expect(Math.abs(minutes - Math.ceil(retryAfter / 60))).to.be.at.most(1);
    expect(errors).to.deep.equal([]);
  });
});
