import { expect } from 'chai';
import { eventsOf } from '../support/shop.js';
import { createProduct } from '../support/test-app.js';
import { accountWorld, signedIn } from './account-helpers.js';

/**
 * What a shopper asked for on an earlier visit: a back-in-stock alert and a review. The API
 * has no read of either (only POST and DELETE on notify-me; a review is read by its product),
 * so the pages offer to withdraw an alert asked for before and say that a review replaces one.
 */
describe('the storefront: what a shopper did on an earlier visit', function () {
  this.timeout(60_000);
  const world = accountWorld();

  it('after a reload, still lets the shopper cancel the back-in-stock alert they asked for, and says when none waits', async () => {
    const { productId } = await createProduct(world.app, world.admin, { name: 'Sold-out lantern', price: 3100 });
    await world.app.settled();
    const shopper = await world.app.customer();
    const { page, errors } = await signedIn(world, shopper, `/products/${productId}`);
    await page.getByRole('button', { name: 'Notify me when it is back' }).click();
    await page.getByText('We will email').waitFor();

    await page.reload();
    await page.getByRole('button', { name: 'Notify me when it is back' }).waitFor();
    await page.getByRole('button', { name: 'Cancel that alert' }).click();
    await page.getByText('Alert cancelled: we will not email you about Sold-out lantern.').waitFor();
    const withdrawn = await eventsOf(world.app, 'BackInStockWithdrawn', (event) => event.data.customerId === shopper.customerId);
    expect(withdrawn.map((event) => event.data.reason)).to.deep.equal(['customer-request']);

    // Nothing waits now: said plainly, not as a failure.
    await page.getByRole('button', { name: 'Cancel that alert' }).click();
    await page.getByText('No alert of yours was waiting for Sold-out lantern: there was nothing to cancel.').waitFor();
    expect(await page.getByRole('alert').count()).to.equal(0);
    expect(errors).to.deep.equal([]);
  });
});
