import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';
import type { TestAppOptions } from '../support/test-app.js';
import { buy, getOrder, orderReaches, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { createProduct } from '../support/test-app.js';

/**
 * What the account pages' browser tests share: one app and one browser per file, a page
 * signed in as a shopper (their session put into the page's storage, as the sign-in page
 * leaves it, so these tests do not go through that page), and orders in a given state.
 */

export type AccountWorld = { app: WebApp; browser: Browser; admin: string; contexts: BrowserContext[] };

/** Registers the file's hooks; the world is filled in before the first test. */
export const accountWorld = (options: TestAppOptions = {}): AccountWorld => {
  const world = { contexts: [] as BrowserContext[] } as AccountWorld;
  before(async () => {
    [world.browser, world.app] = await Promise.all([launchBrowser(), startWebApp(options)]);
    world.admin = await world.app.adminToken();
  });
  after(async () => {
    await world.browser.close();
    await world.app.close();
  });
  afterEach(async () => {
    for (const context of world.contexts.splice(0)) await context.close();
  });
  return world;
};

/** The page's localStorage, for functions that run in the page (this project's lib has no DOM types). */
export type PageStorage = { getItem: (key: string) => string | null; setItem: (key: string, value: string) => void };

export const bearer = (who: Shopper) => ({ Authorization: `Bearer ${who.token}` });

/** A fresh page (closed after the test), signed out. */
export const visitor = async (world: AccountWorld): Promise<{ page: Page; errors: string[] }> => {
  const { context, page, errors } = await newPage(world.browser);
  world.contexts.push(context);
  return { page, errors };
};

/**
 * Frames never come in the page (requestAnimationFrame stubbed before it loads), as on a
 * machine too busy to paint: an effect after paint then runs on Preact's 35 ms fallback.
 */
export const withoutFrames = async (page: Page): Promise<void> => {
  await page.addInitScript(() => {
    const page = globalThis as unknown as { requestAnimationFrame: () => number; cancelAnimationFrame: () => void };
    page.requestAnimationFrame = () => 0;
    page.cancelAnimationFrame = () => undefined;
  });
};

/** A page signed in as the shopper, at `path`; `prepare` runs on the page before it loads anything (init scripts). */
export const signedIn = async (world: AccountWorld, who: Shopper, path: string, prepare?: (page: Page) => Promise<void>): Promise<{ page: Page; errors: string[] }> => {
  const { page, errors } = await visitor(world);
  await prepare?.(page);
  await page.goto(world.app.url('/'));
  const session = JSON.stringify({ token: who.token, customerId: who.customerId, role: 'customer', email: who.email });
  await page.evaluate((value) => (globalThis as unknown as { localStorage: PageStorage }).localStorage.setItem('shop.session', value), session);
  await page.goto(world.app.url(path));
  return { page, errors };
};

/** A product on sale with stock, under a name of its own. */
export const product = async (world: AccountWorld, name: string, price: number) => {
  const created = (await createProduct(world.app, world.admin, { name, price })) as { productId: string; sku: string };
  const res = await world.app.http().post(`/api/v1/inventory/${created.sku}/receipts`).set('Authorization', `Bearer ${world.admin}`).send({ quantity: 20 });
  expect(res.status).to.equal(200);
  return created;
};

export const confirmedOrder = async (world: AccountWorld, who: Shopper, productId: string, quantity = 1) => {
  const orderId = await buy(world.app, who, productId, quantity);
  await orderReaches(world.app, who.token, orderId, ['Confirmed'], 'Captured');
  return orderId;
};

/** Dispatches (and, if asked, delivers) the order's shipment through the admin API, as the console does. */
export const ship = async (world: AccountWorld, who: Shopper, orderId: string, deliver = false) => {
  const shipment = await eventually(async () => (await getOrder(world.app, who.token, orderId)).body.shipment ?? undefined);
  for (const step of deliver ? ['dispatch', 'deliver'] : ['dispatch']) {
    const res = await world.app.http().post(`/api/v1/shipments/${shipment.shipmentId}/${step}`).set('Authorization', `Bearer ${world.admin}`).send({});
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }
  await orderReaches(world.app, who.token, orderId, [deliver ? 'Delivered' : 'Shipped']);
};

/** An order's card on "My orders", found by its heading. */
export const orderCard = (page: Page, orderId: string) => page.getByRole('article', { name: `Order ${orderId.slice(0, 8).toUpperCase()}` });
