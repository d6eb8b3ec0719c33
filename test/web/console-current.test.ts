import { expect } from 'chai';
import type { APIResponse, Page, Route } from 'playwright-core';
import { signInToConsole } from '../support/browser.js';
import { eventsOf, getOrder } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { accountWorld, confirmedOrder, product, visitor } from './account-helpers.js';

/**
 * The console keeps what it shows current and says only what happened: an order the carrier
 * delivers by itself, a price it would have to round, a filter the address moved, and section
 * names a screen reader can find.
 */
describe('the console: current and exact', function () {
  this.timeout(60_000);
  // The simulated carrier reports a booked parcel in transit, then delivered, within a second or so.
  const world = accountWorld({ carrierTransitMs: 200, carrierDeliveryMs: 600 });

  const consolePage = async (path: string): Promise<{ page: Page; errors: string[] }> => {
    const { page, errors } = await visitor(world);
    await signInToConsole(page, world.app, path);
    return { page, errors };
  };
  const headBadge = (page: Page, status: string) => page.locator('.page-head .badge').filter({ hasText: new RegExp(`^${status}$`) });

  it('follows an order the carrier delivers after its dispatch, without a Deliver button for it any more', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Console Kettle', 5900);
    const orderId = await confirmedOrder(world, shopper, productId);
    const { page, errors } = await consolePage(`/console/orders/${orderId}`);
    await page.getByRole('button', { name: /^Dispatch shipment/ }).click();
    await page.getByText(/^Dispatched/).waitFor();
    await headBadge(page, 'Delivered').waitFor({ timeout: 10_000 });
    await page.getByTestId('shipment-status').getByText('Delivered').waitFor();
    expect(await page.getByRole('button', { name: /delivered$/ }).count(), 'no Deliver button').to.equal(0);
    expect((await getOrder(world.app, shopper.token, orderId)).body.status).to.equal('Delivered');
    expect(errors).to.deep.equal([]);
  });

  it('stops reading an order that is not there (404 or no id), rather than every 1.5 s for good', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      const { page, errors } = await consolePage('/console');
      const statuses: number[] = [];
      page.on('response', (response) => {
        if (new URL(response.url()).pathname === `/api/v1/orders/${id}`) statuses.push(response.status());
      });
      await page.goto(world.app.url(`/console/orders/${id}`));
      await page.getByRole('alert').first().waitFor();
      await page.waitForTimeout(4_000); // more than two polls
      expect(statuses.length, `${id}: ${JSON.stringify(statuses)}`).to.equal(1);
      expect(errors).to.deep.equal([]);
    }
  });

  it('says an order was delivered already when Deliver finds it so, not that the click delivered it', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Console Lamp', 3900);
    const orderId = await confirmedOrder(world, shopper, productId);
    const shipmentId = (await getOrder(world.app, shopper.token, orderId)).body.shipment.shipmentId as string;
    const as = { Authorization: `Bearer ${world.admin}` };
    // Handed over by other means (no carrier reports): shipped until someone confirms the delivery.
    expect((await world.app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set(as).send({ trackingNumber: 'HAND-1' })).status).to.equal(200);
    const { page, errors } = await consolePage('/console');
    // The page's reads of the order keep answering what it was when first read (Shipped), as a page that has not caught up yet.
    let first: APIResponse | null = null;
    await page.route(`**/api/v1/orders/${orderId}`, async (route: Route) => {
      first ??= await route.fetch();
      await route.fulfill({ response: first });
    });
    await page.goto(world.app.url(`/console/orders/${orderId}`));
    const deliver = page.getByRole('button', { name: `Mark shipment ${shipmentId} delivered` });
    await deliver.waitFor();
    expect((await world.app.http().post(`/api/v1/shipments/${shipmentId}/deliver`).set(as).send({})).status).to.equal(200);
    await deliver.click();
    await page.getByText('Already delivered').waitFor();
    expect(await page.getByText('Delivery confirmed.').count()).to.equal(0);
    expect(await eventsOf(world.app, 'OrderDelivered', (e) => e.data.orderId === orderId)).to.have.length(1);
    expect(errors).to.deep.equal([]);
  });

  it('refuses a price with more than 2 decimals, and a new submit clears the last one\'s message', async () => {
    const { productId } = await product(world, 'Console Socks', 1900);
    const { page, errors } = await consolePage(`/console/products/${productId}`);
    const price = page.locator('#edit-price');
    await price.waitFor();
    await price.fill('8.50');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Saved price.').waitFor();

    await price.fill('7.999');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').filter({ hasText: 'at most 2 decimals' }).waitFor();
    expect(await page.getByText('Saved price.').count(), 'the earlier success is gone').to.equal(0);
    const saved = await world.app.http().get(`/api/v1/products/${productId}`);
    expect(saved.body.price.amount, 'not rounded to 8.00').to.equal(850);
    expect(errors).to.deep.equal([]);
  });

  it('keeps the customer filter in step with the address across Back', async () => {
    const [first, second] = [await world.app.customer(), await world.app.customer()];
    const { page, errors } = await consolePage('/console/orders');
    const field = page.getByLabel('Customer id');
    for (const who of [first, second]) {
      await field.fill(who.customerId);
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.waitForURL((url) => url.searchParams.get('customerId') === who.customerId);
    }
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('customerId') === first.customerId);
    await eventually(async () => ((await field.inputValue()) === first.customerId ? true : undefined), 5_000);
    await page.goBack();
    await page.waitForURL((url) => !url.searchParams.has('customerId'));
    await eventually(async () => ((await field.inputValue()) === '' ? true : undefined), 5_000);
    expect(errors).to.deep.equal([]);
  });

  it('names the projections page\'s sections and every column, with ids that hold no space', async () => {
    const { page, errors } = await consolePage('/console/projections');
    const managers = page.getByRole('region', { name: /^Process managers/ });
    await managers.waitFor();
    await page.getByRole('region', { name: /^Projections \(/ }).waitFor();
    const headers = await managers.getByRole('columnheader').allTextContents();
    expect(headers).to.have.length(6);
    expect(headers.filter((text) => text.trim() === ''), 'no column without a name').to.deep.equal([]);
    const spaced = await page.evaluate(() =>
      Array.from((globalThis as unknown as { document: { querySelectorAll: (s: string) => ArrayLike<{ id: string }> } }).document.querySelectorAll('[id]'))
        .map((e) => e.id)
        .filter((id) => /\s/.test(id)),
    );
    expect(spaced).to.deep.equal([]);
    expect(errors).to.deep.equal([]);
  });
});
