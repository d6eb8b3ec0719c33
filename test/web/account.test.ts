import { expect } from 'chai';
import { expectAccessible, screenshot } from '../support/browser.js';
import { buy, eventsOf, getOrder, orderReaches } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { accountWorld, bearer, confirmedOrder, orderCard, product, ship, signedIn } from './account-helpers.js';

/**
 * The storefront's "My orders" and "Notifications" in Chromium: a signed-in shopper sees the
 * orders bought through the API, cancels one, changes an address (with If-Match), is told when
 * an order shipped meanwhile, and reviews what was delivered; what the API and the log hold
 * afterwards is checked too.
 */
describe('the storefront: my orders and notifications', function () {
  this.timeout(60_000);
  // Payments wait while `held` is pending: an order stays Pending until the test lets it go.
  let held: Promise<void> = Promise.resolve();
  const world = accountWorld({
    provider: (simulated) => ({
      charge: async (request) => {
        await held;
        return simulated.charge(request);
      },
      refund: (request) => simulated.refund(request),
      findCharge: (key) => simulated.findCharge(key),
      describeToken: (token, signal) => simulated.describeToken(token, signal),
    }),
  });

  it('lists an order bought through the API, and cancelling it from the page leads to Cancelled (one OrderCancelled in the log)', async () => {
    const shopper = await world.app.customer('Ada Lovelace');
    const { productId } = await product(world, 'Espresso cups (set of 4)', 2400);
    const orderId = await confirmedOrder(world, shopper, productId, 2);
    const { page, errors } = await signedIn(world, shopper, '/account/orders');

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

    await orderReaches(world.app, shopper.token, orderId, ['Cancelled']);
    await world.app.settled();
    expect(await eventsOf(world.app, 'OrderCancelled', (e) => e.data.orderId === orderId)).to.have.length(1);
    await page.reload();
    await orderCard(page, orderId).getByText('Cancelled', { exact: true }).waitFor();
    expect(errors).to.deep.equal([]);
  });

  it('changes the address of a Confirmed order, sent with If-Match: a change made meanwhile is shown as such (412), then saved', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Linen apron', 3200);
    const orderId = await confirmedOrder(world, shopper, productId);
    const { page, errors } = await signedIn(world, shopper, '/account/orders');
    const card = orderCard(page, orderId);

    await card.getByRole('button', { name: 'Change address' }).click();
    const street = card.getByLabel('Street and number');
    expect(await street.inputValue()).to.equal('1 Main St');
    // Meanwhile the order is changed elsewhere: the form's version is no longer the order's.
    const elsewhere = await world.app.http().patch(`/api/v1/orders/${orderId}`).set(bearer(shopper)).send({ shippingAddress: { line1: '9 Side St', city: 'Springfield', postalCode: '12345', country: 'US' } });
    expect(elsewhere.status).to.equal(200);
    await street.fill('2 Elm St');
    await card.getByLabel('City').fill('Shelbyville');
    await card.getByRole('button', { name: 'Save address' }).click();
    await card.getByRole('alert').getByText(/Changed meanwhile/).waitFor();

    await card.getByRole('button', { name: 'Save address' }).click();
    await card.getByText('The new address is saved.').waitFor();
    expect(await card.locator('.address').textContent()).to.equal('2 Elm St, 12345 Shelbyville, US');
    const order = await eventually(async () => {
      const res = await getOrder(world.app, shopper.token, orderId);
      return res.body.shippingAddress.line1 === '2 Elm St' ? res.body : undefined;
    });
    expect(order.shippingAddress).to.deep.equal({ line1: '2 Elm St', city: 'Shelbyville', postalCode: '12345', country: 'US' });
    expect(await eventsOf(world.app, 'OrderAmended', (e) => e.data.orderId === orderId)).to.have.length(2);
    expect(errors).to.deep.equal([]);
  });

  it('says when the order shipped meanwhile (409): no change is made, and the order shows Shipped', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Pour-over stand', 2900);
    const orderId = await confirmedOrder(world, shopper, productId);
    const { page, errors } = await signedIn(world, shopper, '/account/orders');
    const card = orderCard(page, orderId);
    await card.getByRole('button', { name: 'Cancel order' }).click();
    await ship(world, shopper, orderId);
    await card.getByRole('button', { name: 'Yes, cancel the order' }).click();
    await card.getByRole('alert').getByText(/Already shipped/).waitFor();
    await card.getByText('Shipped', { exact: true }).waitFor();
    expect(await card.getByRole('button', { name: 'Change address' }).count()).to.equal(0);
    expect(await eventsOf(world.app, 'OrderCancelled', (e) => e.data.orderId === orderId)).to.have.length(0);
    expect(errors).to.deep.equal([]);
  });

  it('reviews a delivered product from the page; the review is then in GET /reviews', async () => {
    const shopper = await world.app.customer('Grace Hopper');
    const kettle = await product(world, 'Stovetop kettle', 5900);
    const mugs = await product(world, 'Stoneware mug', 1800);
    await ship(world, shopper, await confirmedOrder(world, shopper, kettle.productId), true);
    const open = await confirmedOrder(world, shopper, mugs.productId, 3);
    const { page, errors } = await signedIn(world, shopper, '/account/orders');

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
      const res = await world.app.http().get('/api/v1/reviews').query({ productId: kettle.productId });
      return res.body.count === 1 ? res.body : undefined;
    });
    expect(reviews.items[0]).to.include({ rating: 4, text: 'Boils fast, whistles politely.', authorName: 'Grace' });
    expect(errors).to.deep.equal([]);
  });

  it('follows an order still in progress live: Pending turns Confirmed on the page without a reload', async () => {
    let release = () => {};
    held = new Promise((resolve) => (release = resolve));
    try {
      const shopper = await world.app.customer();
      const { productId } = await product(world, 'Moka pot', 3500);
      const orderId = await buy(world.app, shopper, productId);
      await orderReaches(world.app, shopper.token, orderId, ['Pending']);
      const { page, errors } = await signedIn(world, shopper, '/account/orders');
      const card = orderCard(page, orderId);
      await card.getByText('Pending', { exact: true }).waitFor();
      release();
      await card.getByText('Confirmed', { exact: true }).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      release();
    }
  });

  it('pages through my orders, newest first, with the page in the address', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Tea towel', 900);
    const orders: string[] = [];
    for (let i = 0; i < 11; i += 1) orders.push(await buy(world.app, shopper, productId));
    await world.app.settled();
    const { page, errors } = await signedIn(world, shopper, '/account/orders');
    await orderCard(page, orders[10]!).waitFor();
    expect(await page.getByRole('article').count()).to.equal(10);
    expect(await orderCard(page, orders[0]!).count()).to.equal(0);
    const pages = page.getByRole('navigation', { name: 'Pages' });
    await pages.getByText('Page 1 of 2').waitFor();
    await pages.getByRole('link', { name: /Next/ }).click();
    await orderCard(page, orders[0]!).waitFor();
    expect(page.url()).to.equal(world.app.url('/account/orders?page=2'));
    expect(await page.getByRole('article').count()).to.equal(1);
    await pages.getByRole('link', { name: /Previous/ }).click();
    await orderCard(page, orders[10]!).waitFor();
    expect(errors).to.deep.equal([]);
  });

  it('lists my notifications with their subject, order link and time', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Chef knife', 8900);
    const orderId = await confirmedOrder(world, shopper, productId);
    const sent = await eventually(async () => {
      const res = await world.app.http().get('/api/v1/account/me/notifications').set(bearer(shopper));
      return res.body.items.length > 0 ? (res.body.items as Array<{ subject: string; orderId: string }>) : undefined;
    });
    const { page, errors } = await signedIn(world, shopper, '/account/notifications');
    const row = page.getByRole('row', { name: new RegExp(sent[0]!.subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
    await row.waitFor();
    expect(await row.getByRole('link').getAttribute('href')).to.equal(`/orders/${orderId}`);
    expect(await row.locator('time').count()).to.equal(1);
    await screenshot(page, 'account-notifications');
    await expectAccessible(page, 'notifications');
    expect(errors).to.deep.equal([]);
  });
});
