import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { ADDRESS, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { accountWorld, bearer, signedIn } from './account-helpers.js';

/** A subscription day of this file's shop: a subscription renewing every day renews (and fails) within a second. */
const DAY_MS = 200;

/**
 * A subscription's card: changed from the saved cards (PATCH with If-Match), asked for before a
 * past-due subscription whose card was removed is resumed, and named when the card it pays
 * with is about to be removed.
 */
describe('the storefront account: the card a subscription pays with', function () {
  this.timeout(60_000);
  const world = accountWorld({ subscriptionDayMs: DAY_MS });

  const saveCard = async (shopper: Shopper, token: string): Promise<string> => {
    const res = await world.app.http().post('/api/v1/account/me/payment-methods').set(bearer(shopper)).send({ token });
    expect(res.status).to.equal(201);
    return res.body.paymentMethodId as string;
  };
  const subscribe = async (shopper: Shopper, productId: string, paymentMethodId: string, intervalDays: number): Promise<string> => {
    const res = await world.app.http().post('/api/v1/subscriptions').set(bearer(shopper)).send({ items: [{ productId, quantity: 1 }], intervalDays, shippingAddress: ADDRESS, paymentMethodId });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.subscriptionId as string;
  };
  const view = async (shopper: Shopper, id: string) => (await world.app.http().get(`/api/v1/subscriptions/${id}`).set(bearer(shopper))).body as { status: string; paymentMethodId: string };
  const removeCard = async (shopper: Shopper, id: string) => expect((await world.app.http().delete(`/api/v1/account/me/payment-methods/${id}`).set(bearer(shopper))).status).to.equal(200);
  /** A shopper's subscription (renewing every `intervalDays`) whose saved card was then removed. */
  const paidWithRemovedCard = async (stock: number, intervalDays: number) => {
    const shopper = await world.app.customer();
    const product = await stockedProduct(world.app, world.admin, stock);
    const visa = await saveCard(shopper, 'tok_visa');
    const id = await subscribe(shopper, product.productId, visa, intervalDays);
    await removeCard(shopper, visa);
    return { shopper, id };
  };
  /** The If-Match headers of the page's PATCHes of subscriptions. */
  const patches = (page: Page): Array<string | undefined> => {
    const seen: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH' && /\/api\/v1\/subscriptions\//.test(request.url())) seen.push(request.headers()['if-match']);
    });
    return seen;
  };

  it('changes the card of a subscription whose card was removed, with the If-Match of the subscription as read', async () => {
    const { shopper, id } = await paidWithRemovedCard(50, 365);
    const mastercard = await saveCard(shopper, 'tok_mastercard');
    await world.app.settled();
    const { page, errors } = await signedIn(world, shopper, '/account/subscriptions');
    const sent = patches(page);
    const card = page.getByRole('article', { name: /× 1$/ });
    await card.getByText('A card no longer saved').waitFor();

    await card.getByRole('button', { name: 'Change card' }).click();
    await card.getByLabel('Pay with').selectOption(mastercard);
    await card.getByRole('button', { name: 'Use this card' }).click();
    await page.getByText('The subscription is now paid with Mastercard •••• 4444.').waitFor();
    await card.getByText('Mastercard •••• 4444').first().waitFor();
    expect(await card.getByText('A card no longer saved').count()).to.equal(0);
    expect(sent).to.have.length(1);
    expect(sent[0]).to.match(/^"\d+"$/);
    expect(await view(shopper, id)).to.include({ paymentMethodId: mastercard, status: 'Active' });
    expect(errors).to.deep.equal([]);
  });

  it('asks for a card before resuming a past-due subscription whose card was removed, then resumes with it', async () => {
    const { shopper, id } = await paidWithRemovedCard(100, 1);
    await eventually(async () => ((await view(shopper, id)).status === 'PastDue' ? true : undefined));
    const mastercard = await saveCard(shopper, 'tok_mastercard');
    await world.app.settled();
    try {
      const { page, errors } = await signedIn(world, shopper, '/account/subscriptions');
      const resumes: string[] = [];
      page.on('request', (request) => request.url().endsWith(`/subscriptions/${id}/resume`) && resumes.push(request.method()));
      const card = page.getByRole('article', { name: /× 1$/ });
      await card.getByText('Past due', { exact: true }).waitFor();
      await card.getByText('Its card was removed: choose another card').waitFor();

      await card.getByRole('button', { name: 'Resume' }).click();
      await card.getByLabel('Pay with').waitFor();
      expect(resumes, 'not resumed without a card').to.deep.equal([]);
      expect((await view(shopper, id)).status).to.equal('PastDue');

      await card.getByLabel('Pay with').selectOption(mastercard);
      await card.getByRole('button', { name: 'Use this card and resume' }).click();
      await page.getByText('The subscription is paid with Mastercard •••• 4444 and running again.').waitFor();
      await card.getByText('Active', { exact: true }).waitFor();
      expect(resumes).to.deep.equal(['POST']);
      expect(await view(shopper, id)).to.include({ paymentMethodId: mastercard });
      expect(errors).to.deep.equal([]);
    } finally {
      // It renews every 200 ms from here: no more of that for the tests after this one.
      await world.app.http().post(`/api/v1/subscriptions/${id}/cancel`).set(bearer(shopper));
    }
  });

  it('names the subscription a card pays for when the card is about to be removed', async () => {
    const shopper = await world.app.customer();
    const product = await stockedProduct(world.app, world.admin, 50);
    const visa = await saveCard(shopper, 'tok_visa');
    await saveCard(shopper, 'tok_mastercard');
    await subscribe(shopper, product.productId, visa, 365);
    await world.app.settled();
    const { page, errors } = await signedIn(world, shopper, '/account/payment-methods');

    const used = page.getByRole('listitem', { name: 'Visa ending in 4242' });
    await used.getByRole('button', { name: /^Remove/ }).click();
    await used.getByRole('alert').filter({ hasText: 'A subscription pays with this card' }).waitFor();
    await used.getByRole('button', { name: /^Confirm remove/ }).waitFor();

    const free = page.getByRole('listitem', { name: 'Mastercard ending in 4444' });
    await free.getByRole('button', { name: /^Remove/ }).click();
    await free.getByRole('button', { name: /^Confirm remove/ }).waitFor();
    expect(await free.getByRole('alert').count(), 'a card no subscription uses is removed without the warning').to.equal(0);

    await used.getByRole('button', { name: /^Confirm remove/ }).click();
    await page.getByText('Visa ending in 4242 was removed.').waitFor();
    expect(errors).to.deep.equal([]);
  });
  it("names it when the subscription is past the first page of the customer's subscriptions", async () => {
    const shopper = await world.app.customer();
    const product = await stockedProduct(world.app, world.admin, 50);
    const visa = await saveCard(shopper, 'tok_visa');
    const mastercard = await saveCard(shopper, 'tok_mastercard');
    // The Visa pays for the oldest; a hundred newer ones (newest first: a page of 100) paid with the Mastercard,
    // each cancelled (a customer holds at most 50 open), so that the page's count is of the Visa's alone.
    await subscribe(shopper, product.productId, visa, 365);
    for (let i = 0; i < 100; i += 1) {
      const id = await subscribe(shopper, product.productId, mastercard, 365);
      expect((await world.app.http().post(`/api/v1/subscriptions/${id}/cancel`).set(bearer(shopper))).status).to.equal(200);
    }
    await world.app.settled();
    const { page, errors } = await signedIn(world, shopper, '/account/payment-methods');
    const used = page.getByRole('listitem', { name: 'Visa ending in 4242' });
    await used.getByRole('button', { name: /^Remove/ }).click();
    await used.getByRole('alert').filter({ hasText: 'A subscription pays with this card' }).waitFor();
    expect(errors).to.deep.equal([]);
  });
});
