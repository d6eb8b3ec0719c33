import { expect } from 'chai';
import { eventsOf } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { createProduct } from '../support/test-app.js';
import { accountWorld, confirmedOrder, orderCard, product, ship, signedIn } from './account-helpers.js';

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

  it('says on My orders that posting a review replaces an earlier one, and that it did, with the posted review to change', async () => {
    const shopper = await world.app.customer('Ada Reviewer');
    const mug = await product(world, 'Ceramic mug 350 ml', 1400);
    const orderId = await confirmedOrder(world, shopper, mug.productId);
    await ship(world, shopper, orderId, true);
    const { page, errors } = await signedIn(world, shopper, '/account/orders');
    const review = async (stars: string, text: string) => {
      const form = page.getByRole('form', { name: 'Review of Ceramic mug 350 ml' });
      await form.getByText('One review per product').waitFor();
      await form.getByRole('radio', { name: stars }).check();
      await form.getByLabel(/What did you think/).fill(text);
      await form.getByRole('button', { name: 'Post review' }).click();
    };

    await orderCard(page, orderId).getByRole('button', { name: 'Review Ceramic mug 350 ml' }).click();
    await page.getByText('if you have reviewed it before, posting replaces that review.').waitFor();
    await review('5 stars', 'Lovely glaze.');
    await page.getByText('Thank you: your review of Ceramic mug 350 ml (5 stars) was received.').waitFor();
    // The review just posted can be changed, the form filled with it.
    await page.getByRole('button', { name: 'Change your review Ceramic mug 350 ml' }).click();
    const form = page.getByRole('form', { name: 'Review of Ceramic mug 350 ml' });
    expect(await form.getByRole('radio', { name: '5 stars' }).isChecked()).to.equal(true);
    expect(await form.getByLabel(/What did you think/).inputValue()).to.equal('Lovely glaze.');
    await form.getByText('posting again replaces the review you posted (5 stars).').waitFor();

    // A later visit: the page cannot know of the review, the shop's answer (200, not 201) says it was replaced.
    await page.reload();
    await orderCard(page, orderId).getByRole('button', { name: 'Review Ceramic mug 350 ml' }).click();
    await review('1 star', 'Chipped.');
    await page.getByText('Your review of Ceramic mug 350 ml (1 star) replaced your earlier one.').waitFor();
    const reviews = await eventually(async () => {
      const res = await world.app.http().get('/api/v1/reviews').query({ productId: mug.productId });
      return res.body.items[0]?.rating === 1 ? res.body : undefined;
    });
    expect(reviews.count).to.equal(1);
    expect(errors).to.deep.equal([]);
  });
});
