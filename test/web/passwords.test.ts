import { expect } from 'chai';
import { expectAccessible, screenshot } from '../support/browser.js';
import { eventually } from '../support/temp-dir.js';
import { accountWorld, bearer, signedIn, visitor } from './account-helpers.js';

/**
 * Passwords in the storefront, in Chromium: a forgotten one reset through the emailed link (from
 * the sign-in page to the reset page and back), and a change from "My account".
 */
describe('the storefront: passwords', function () {
  this.timeout(60_000);
  const world = accountWorld();

  /** The token of the last reset link mailed to the customer (the outbox is the mailbox). */
  const mailedToken = (customerId: string) =>
    eventually(async () => {
      const mails = await world.app.deps.readModels.collection<{ _id: string; type: string; text: string; sentAt: string }>('notifications').find({ customerId, type: 'CustomerPasswordResetRequested' }, { sort: { sentAt: -1 } });
      return /reset-password\?token=(\S+)$/.exec(mails[0]?.text ?? '')?.[1];
    });

  it('resets a forgotten password through the emailed link, which works once', async () => {
    const shopper = await world.app.customer();
    const { page, errors } = await visitor(world);
    await page.goto(world.app.url('/signin'));
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    await page.getByLabel('Email').fill(shopper.email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText(/If an account has this address, a link to reset its password was emailed/).waitFor();
    await expectAccessible(page, 'forgot password');

    const token = await mailedToken(shopper.customerId);
    await page.goto(world.app.url(`/reset-password?token=${token}`));
    await page.getByLabel('New password', { exact: true }).fill('battery-staple-9');
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.getByRole('heading', { name: 'Your password is set' }).waitFor();
    await screenshot(page, 'password-reset');
    expect((await world.app.http().post('/api/v1/account/login').send({ email: shopper.email, password: 'battery-staple-9' })).status).to.equal(200);
    expect((await world.app.http().get('/api/v1/account/me').set(bearer(shopper))).status, 'the earlier token is dead').to.equal(401);

    // The same link again: refused, and the page offers another.
    await page.goto(world.app.url(`/reset-password?token=${token}`));
    await page.getByLabel('New password', { exact: true }).fill('another-one-77');
    await page.getByRole('button', { name: 'Set my password' }).click();
    await page.getByRole('alert').getByText('This link no longer works.').waitFor();
    expect(await page.getByRole('link', { name: 'Ask for another' }).getAttribute('href')).to.equal('/forgot-password');
    await expectAccessible(page, 'reset password');
    expect(errors).to.deep.equal([]);
  });

  it('changes the password from my account: a wrong current one keeps the session, a right one signs the other devices out', async () => {
    const shopper = await world.app.customer('Grace Hopper');
    const { page, errors } = await signedIn(world, shopper, '/account');
    const section = page.getByRole('region', { name: 'Password' });
    await section.getByLabel('Current password').fill('not-my-password');
    await section.getByLabel(/New password/).fill('battery-staple-9');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByRole('alert').getByText('Not changed: the current password is wrong.').waitFor();

    await section.getByLabel('Current password').fill('correct-horse');
    await section.getByRole('button', { name: 'Change password' }).click();
    await section.getByText('Your password is changed. Every other device was signed out.').waitFor();
    expect((await world.app.http().get('/api/v1/account/me').set(bearer(shopper))).status, 'the earlier token is dead').to.equal(401);
    // This page goes on with the token the change answered: a reload is still signed in.
    await page.reload();
    await page.getByRole('region', { name: 'Profile' }).getByText('Grace Hopper').waitFor();
    expect((await world.app.http().post('/api/v1/account/login').send({ email: shopper.email, password: 'battery-staple-9' })).status).to.equal(200);
    await expectAccessible(page, 'my account with the password form');
    expect(errors).to.deep.equal([]);
  });
});
