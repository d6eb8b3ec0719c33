import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { expectAccessible, screenshot } from '../support/browser.js';
import { orderReaches } from '../support/shop.js';
import { accountWorld, bearer, confirmedOrder, product, signedIn, visitor, type PageStorage } from './account-helpers.js';

/**
 * The storefront's account settings in Chromium: saved payment methods, the profile and its
 * addresses, the data export (a downloaded file), deleting the account, subscriptions, and
 * what a signed-out visitor is offered on each account page.
 */
describe('the storefront: my account settings', function () {
  this.timeout(60_000);
  const world = accountWorld();

  it('saves a payment method from a test token and makes another one the default', async () => {
    const shopper = await world.app.customer();
    const { page, errors } = await signedIn(world, shopper, '/account/payment-methods');
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

    const saved = await world.app.http().get('/api/v1/account/me/payment-methods').set(bearer(shopper));
    expect(saved.body.items.map((m: { last4: string; isDefault: boolean }) => [m.last4, m.isDefault])).to.deep.equal([['4242', false], ['4444', true]]);
    await screenshot(page, 'payment-methods');
    await expectAccessible(page, 'payment methods');
    expect(errors).to.deep.equal([]);
  });

  it('shows the profile, adds an address, and downloads my data as a file', async () => {
    const shopper = await world.app.customer('Katherine Johnson');
    const { page, errors } = await signedIn(world, shopper, '/account');
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
    const me = await world.app.http().get('/api/v1/account/me').set(bearer(shopper));
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
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Tea tin', 1200);
    const orderId = await confirmedOrder(world, shopper, productId);
    const { page, errors } = await signedIn(world, shopper, '/account');
    const zone = page.getByRole('region', { name: 'Delete my account' });

    await zone.getByLabel(/Your password/).fill('wrong-password');
    await zone.getByRole('button', { name: 'Delete my account' }).click();
    await zone.getByRole('alert').getByText(/wrong password/i).waitFor();
    await zone.getByLabel(/Your password/).fill('correct-horse');
    await zone.getByRole('button', { name: 'Delete my account' }).click();
    const refused = zone.getByRole('alert');
    await refused.getByText('Your account cannot be deleted yet:').waitFor();
    expect((await refused.textContent())!.length).to.be.greaterThan('Your account cannot be deleted yet: '.length);

    expect((await world.app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(shopper))).status).to.equal(202);
    await orderReaches(world.app, shopper.token, orderId, ['Cancelled']);
    const [answer] = await Promise.all([
      page.waitForResponse((res) => res.url().endsWith('/api/v1/account/me') && res.request().method() === 'DELETE'),
      zone.getByRole('button', { name: 'Delete my account' }).click(),
    ]);
    expect(answer.status()).to.equal(202);
    await page.waitForURL(world.app.url('/'));
    expect(await page.evaluate(() => (globalThis as unknown as { localStorage: PageStorage }).localStorage.getItem('shop.session'))).to.equal(null);
    expect((await world.app.http().get('/api/v1/account/me').set(bearer(shopper))).status).to.equal(401);
    expect(errors).to.deep.equal([]);
  });

  it('keeps subscriptions: starts one from a product, then pause, resume, skip and cancel, each only when it applies', async () => {
    const shopper = await world.app.customer();
    const { productId } = await product(world, 'Coffee beans 1 kg', 2600);
    expect((await world.app.http().post('/api/v1/account/me/payment-methods').set(bearer(shopper)).send({ token: 'tok_visa' })).status).to.equal(201);
    const { page, errors } = await signedIn(world, shopper, '/account/subscriptions');

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
    await screenshot(page, 'account-subscriptions');
    await expectAccessible(page, 'subscriptions');

    const buttons = async () => (await card.getByRole('button').allTextContents()).join(' | ');
    expect(await buttons()).to.equal('Skip next delivery | Pause | Change card | Cancel subscription');
    await card.getByRole('button', { name: 'Pause' }).click();
    await card.getByText('Paused', { exact: true }).first().waitFor();
    expect(await buttons()).to.equal('Resume | Change card | Cancel subscription');
    await card.getByRole('button', { name: 'Resume' }).click();
    await card.getByText('Active', { exact: true }).waitFor();
    await card.getByRole('button', { name: 'Skip next delivery' }).click();
    await page.getByText('The next delivery is skipped.').waitFor();
    await card.getByRole('button', { name: 'Cancel subscription' }).click();
    await card.getByRole('button', { name: 'Yes, cancel it' }).click();
    await card.getByText('Cancelled', { exact: true }).waitFor();
    expect(await card.getByRole('button').count()).to.equal(0);

    const mine = await world.app.http().get('/api/v1/subscriptions').set(bearer(shopper));
    expect(mine.body.items[0]).to.include({ status: 'Cancelled', intervalDays: 14 });
    expect(errors).to.deep.equal([]);
  });

  it('asks a signed-out visitor to sign in, and to come back to the page they asked for', async () => {
    const { page } = await visitor(world);
    for (const path of ['/account', '/account/orders', '/account/notifications', '/account/subscriptions', '/account/payment-methods']) {
      await page.goto(world.app.url(path));
      const link = page.getByRole('main').getByRole('link', { name: 'Sign in' });
      expect(await link.getAttribute('href'), path).to.equal(`/signin?next=${encodeURIComponent(path)}`);
    }
    await expectAccessible(page, 'account, signed out');
  });
});
