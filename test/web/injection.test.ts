import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';
import { ADMIN, createProduct } from '../support/test-app.js';

/**
 * Markup in the shop's data and in the address bar stays text: product fields, a customer's
 * name and addresses, search words and filters, path segments and fragments. Nothing injected
 * runs (window.__pwned stays unset), no injected element exists, no link built from data is a
 * script URL. The page policy would also refuse inline scripts: this checks the pages themselves.
 */
const payload = (tag: string) => `<img src=x onerror="__pwned='${tag}'">"><script>__pwned=1</script><svg onload=__pwned=2>`;

describe('the pages: injected markup stays text', function () {
  this.timeout(90_000);
  let app: WebApp;
  let browser: Browser;
  let productId: string;
  let orderId: string;
  let shopper: { customerId: string; email: string; token: string };
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    const admin = await app.adminToken();
    const product = await createProduct(app, admin, { name: payload('name'), description: `${payload('desc')}\njavascript:__pwned=3`, brand: '<b onmouseover=x>B</b>', category: '<img src=x>' });
    productId = product.productId;
    expect((await app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: 5 })).status).to.equal(200);
    shopper = await app.customer('<img src=x onerror=__pwned=9>');
    const auth = { Authorization: `Bearer ${shopper.token}` };
    const address = { line1: payload('line1').slice(0, 200), city: '<svg onload=__pwned=4>', postalCode: '12345', country: 'US' };
    expect((await app.http().post('/api/v1/account/me/addresses').set(auth).send(address)).status).to.equal(201);
    await app.settled();
    expect((await app.http().post('/api/v1/cart/items').set(auth).send({ productId, quantity: 1 })).status).to.equal(200);
    const placed = await app.http().post('/api/v1/checkout').set(auth).set('Idempotency-Key', 'injection-1').send({ shippingAddress: address, paymentMethod: { token: 'tok_visa' } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    orderId = placed.body.orderId;
    await app.settled();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const put = (page: Page, key: string, value: string) =>
    page.evaluate(([k, v]) => {
      const g = globalThis as unknown as Record<'localStorage' | 'sessionStorage', { setItem: (key: string, value: string) => void }>;
      g.localStorage.setItem(k!, v!);
      g.sessionStorage.setItem(k!, v!);
    }, [key, value]);

  const inspect = (page: Page) =>
    page.evaluate(() => {
      const g = globalThis as unknown as { __pwned?: unknown; document: { querySelectorAll: (s: string) => ArrayLike<{ getAttribute: (n: string) => string | null }> } };
      const hrefs = Array.from(g.document.querySelectorAll('a[href], [src], form[action]')).map((e) => e.getAttribute('href') ?? e.getAttribute('src') ?? e.getAttribute('action') ?? '');
      return {
        pwned: g.__pwned ?? null,
        injected: g.document.querySelectorAll('#app img[src="x"], #app script, #app [onload], #app [onerror], #app [onmouseover], #app b').length,
        scriptUrls: hrefs.filter((h) => /^\s*(javascript|vbscript|data:text\/html)/i.test(h)),
      };
    });

  const expectInert = async (page: Page, paths: string[]) => {
    for (const path of paths) {
      await page.goto(app.url(path));
      await page.getByRole('main').waitFor();
      // An order's page keeps its event stream open (never network-idle): its status drawn is enough there.
      if (/^\/orders\//.test(path)) await page.getByTestId('order-status').first().waitFor();
      else await page.waitForLoadState('networkidle');
      expect(await inspect(page), path).to.deep.equal({ pwned: null, injected: 0, scriptUrls: [] });
    }
  };

  it('in the storefront', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/'));
      await put(page, 'shop.session', JSON.stringify({ token: shopper.token, customerId: shopper.customerId, role: 'customer', email: shopper.email }));
      const q = encodeURIComponent(payload('q'));
      await expectInert(page, ['/', `/?q=${q}`, `/?category=${encodeURIComponent('<img src=x>')}`, `/?brand=${q}&sort=${q}`, `/products/${productId}`, `/products/${productId}#${q}`,
        `/products/${q}`, `/nope/${q}`, `/orders/${orderId}`, '/cart', '/checkout', '/account', '/account/orders', '/account/notifications', `/signin?next=${encodeURIComponent('javascript:__pwned=5')}`]);
      // The text is shown as text.
      await page.goto(app.url(`/products/${productId}`));
      await page.getByRole('heading', { level: 1, name: payload('name') }).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });

  it('in the console', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/console'));
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Console' }).waitFor();
      const q = encodeURIComponent(payload('q'));
      await expectInert(page, ['/console', '/console/orders', `/console/orders/${orderId}`, `/console/orders?status=${q}&customerId=${q}`, '/console/products', `/console/products/${productId}`,
        '/console/inventory', '/console/shipments', `/console/nope/${q}`, `/console/orders/${q}`]);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
