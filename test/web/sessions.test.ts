import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, signInToConsole, startWebApp, type WebApp } from '../support/browser.js';
import { ADMIN } from '../support/test-app.js';

/** Where the pages keep the bearer token, and what they do when the API stops taking it. */
describe('the pages: sessions', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  type Stores = { local: string | null; session: string | null };
  /** The console's session key in both storages (run in the page: this project's lib has no DOM types). */
  const stored = (page: Page): Promise<Stores> =>
    page.evaluate(() => {
      const g = globalThis as unknown as Record<'localStorage' | 'sessionStorage', { getItem: (key: string) => string | null }>;
      return { local: g.localStorage.getItem('shop.console.session'), session: g.sessionStorage.getItem('shop.console.session') };
    });
  const put = (page: Page, where: 'localStorage' | 'sessionStorage', value: string) =>
    page.evaluate(([w, v]) => (globalThis as unknown as Record<string, { setItem: (key: string, value: string) => void }>)[w!]!.setItem('shop.console.session', v!), [where, value]);


  it("keeps the admin's token in the tab's sessionStorage, never localStorage, and signing out clears it", async () => {
    const { context, page } = await newPage(browser);
    try {
      // A token an earlier build left in localStorage is removed, not used.
      await page.goto(app.url('/console'));
      await put(page, 'localStorage', JSON.stringify({ token: await app.adminToken(), customerId: 'x', role: 'admin', email: ADMIN.email }));
      await signInToConsole(page, app);
      const signedIn = await stored(page);
      expect(signedIn.local).to.equal(null);
      expect(JSON.parse(signedIn.session ?? 'null')).to.include({ role: 'admin', email: ADMIN.email });
      await page.reload();
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in as the admin' }).waitFor();
      expect(await stored(page)).to.deep.equal({ local: null, session: null });
    } finally {
      await context.close();
    }
  });

  it("takes a console whose session is no admin's (whatever it claims) back to the sign-in form, saying so, with the token gone", async () => {
    const shopper = await app.customer();
    const { context, page } = await newPage(browser);
    try {
      await page.goto(app.url('/console'));
      // What the page holds claims admin; the API knows better.
      const forged = JSON.stringify({ token: shopper.token, customerId: shopper.customerId, role: 'admin', email: shopper.email });
      for (const where of ['localStorage', 'sessionStorage'] as const) await put(page, where, forged);
      await page.goto(app.url('/console/orders'));
      await page.getByRole('heading', { name: 'Sign in as the admin' }).waitFor();
      await page.getByText(`${shopper.email} is not an admin`).waitFor();
      expect(await page.getByRole('navigation', { name: 'Console' }).count()).to.equal(0);
      expect(await stored(page)).to.deep.equal({ local: null, session: null });
    } finally {
      await context.close();
    }
  });

  it('takes a console whose token the API refuses (401 invalid_token) back to the sign-in form, saying why', async () => {
    const { context, page } = await newPage(browser);
    try {
      await page.goto(app.url('/console'));
      await put(page, 'sessionStorage', JSON.stringify({ token: 'expired.or.forged', customerId: 'x', role: 'admin', email: ADMIN.email }));
      await page.goto(app.url('/console/products'));
      await page.getByRole('heading', { name: 'Sign in as the admin' }).waitFor();
      await page.getByText('Your session has ended: sign in again.').waitFor();
      expect(await stored(page)).to.deep.equal({ local: null, session: null });
    } finally {
      await context.close();
    }
  });

  /** From `/signin` or `/signup` with `?next=`, through the form: where the page lands, and that it says nothing failed. */
  const landing = async (next: string, fill: (page: Page) => Promise<unknown>, email: string): Promise<string> => {
    const { context, page, errors } = await newPage(browser);
    try {
      await fill(page);
      await page.getByRole('banner').getByText(email).waitFor();
      const url = new URL(page.url());
      expect(url.origin, next).to.equal(new URL(app.url('/')).origin);
      expect(await page.getByRole('alert').count(), `${next}: ${await page.getByRole('main').innerText()}`).to.equal(0);
      expect(errors, next).to.deep.equal([]);
      return `${url.pathname}${url.search}`;
    } finally {
      await context.close();
    }
  };
  const signingIn = (shopper: { email: string }, next: string) => async (page: Page) => {
    await page.goto(app.url(`/signin?next=${encodeURIComponent(next)}`));
    await page.getByLabel('Email').fill(shopper.email);
    await page.getByLabel('Password').fill('correct-horse');
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  // A path that resolves to //host (`/..//evil.example`) is another host to history and links: home, not a failed sign-in.
  const OFF_ORIGIN = ['/\\evil.example/x', 'https://evil.example/', '/..//evil.example', '/.//evil.example', '/x/..//evil.example'];

  it("after the storefront's sign-in, follows ?next= only within the shop (a browser reads /\\host and //host as another host)", async () => {
    const shopper = await app.customer();
    for (const next of OFF_ORIGIN) expect(await landing(next, signingIn(shopper, next), shopper.email), next).to.equal('/');
    for (const next of ['/%09/evil.example', '/cart?from=signin']) expect(await landing(next, signingIn(shopper, next), shopper.email), next).to.equal(next);
  });

  it('after a sign-up, lands on the home page for a ?next= off the shop, and says the account was made (one account, signed in)', async () => {
    for (const next of ['/..//evil.example', '/.//evil.example']) {
      const email = `new-${Math.random().toString(36).slice(2, 10)}@example.com`;
      const signingUp = async (page: Page) => {
        await page.goto(app.url(`/signup?next=${encodeURIComponent(next)}`));
        // The header's own links carry the `next` the page will follow, not the raw one.
        expect(await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).getAttribute('href'), next).to.equal('/signin');
        await page.getByLabel('Name').fill('New Shopper');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill('correct-horse');
        await page.getByRole('button', { name: 'Create account' }).click();
      };
      expect(await landing(next, signingUp, email), next).to.equal('/');
      const login = await app.http().post('/api/v1/account/login').send({ email, password: 'correct-horse' });
      expect(login.status, next).to.equal(200);
    }
  });

  it('signs the storefront out in every open tab when the shopper signs out in one', async () => {
    const shopper = await app.customer();
    const { context, page } = await newPage(browser);
    try {
      await page.goto(app.url('/signin'));
      await page.getByLabel('Email').fill(shopper.email);
      await page.getByLabel('Password').fill('correct-horse');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText(shopper.email).waitFor();
      const other = await context.newPage();
      await other.goto(app.url('/account'));
      await other.getByRole('banner').getByText(shopper.email).waitFor();
      await page.getByRole('banner').getByText(shopper.email).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      // The tab left open follows, without a reload: signed out, its account page asks to sign in.
      await other.getByRole('banner').getByRole('link', { name: 'Sign in' }).waitFor();
      expect(await other.getByRole('banner').getByText(shopper.email).count()).to.equal(0);
    } finally {
      await context.close();
    }
  });
});
