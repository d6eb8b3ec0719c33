import { expect } from 'chai';
import type { Page } from 'playwright-core';
import type { WebApp } from '../support/browser.js';
import { createProduct } from '../support/test-app.js';
import type { Shopper } from '../support/shop.js';
import type { PaymentProvider } from '../../src/infrastructure/payments/payment-provider.js';

/** The storefront tests' catalog, payment gate and page steps (storefront.test.ts). */

export type Seeded = Record<'shoe' | 'socks' | 'jacket' | 'skillet' | 'kettle' | 'headphones' | 'lamp', string>;

const CATALOG: Array<[keyof Seeded, { name: string; brand: string; category: string; price: number; description: string }, number]> = [
  ['shoe', { name: 'Trail Running Shoe', brand: 'Northwind', category: 'Apparel', price: 8900, description: 'Grippy outsole, light mesh upper, made for muddy trails.' }, 10],
  ['socks', { name: 'Merino Wool Socks', brand: 'Northwind', category: 'Apparel', price: 1900, description: 'Warm, soft and odour-resistant.' }, 50],
  ['jacket', { name: 'Rain Shell Jacket', brand: 'Lumen', category: 'Apparel', price: 12900, description: 'Waterproof and breathable.' }, 0],
  ['skillet', { name: 'Cast-Iron Skillet', brand: 'Kiln & Co', category: 'Kitchen', price: 4900, description: 'Pre-seasoned, oven-safe, lasts a lifetime.' }, 3],
  ['kettle', { name: 'Pour-Over Kettle', brand: 'Kiln & Co', category: 'Kitchen', price: 5900, description: 'Gooseneck spout for a precise pour.' }, 8],
  ['headphones', { name: 'Wireless Headphones', brand: 'Keystone', category: 'Electronics', price: 14900, description: 'Noise cancelling, 30-hour battery.' }, 12],
  ['lamp', { name: 'Desk Lamp', brand: 'Lumen', category: 'Home', price: 3900, description: 'Warm dimmable light.' }, 20],
];

export const seedCatalog = async (app: WebApp): Promise<Seeded> => {
  const admin = await app.adminToken();
  const ids: Partial<Seeded> = {};
  for (const [key, product, stock] of CATALOG) {
    const { productId, sku } = await createProduct(app, admin, product);
    if (stock > 0) {
      const res = await app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity: stock });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    ids[key] = productId;
  }
  await app.settled();
  return ids as Seeded;
};

/** The charges of the simulated provider wait while `hold` is set (to see the order page move live). */
export const gatedProvider = () => {
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  return {
    hold: () => { gate = new Promise<void>((resolve) => (open = resolve)); },
    release: () => { gate = null; open(); },
    wrap: (simulated: PaymentProvider): PaymentProvider => ({
      charge: async (request) => { if (gate) await gate; return simulated.charge(request); },
      refund: (request) => simulated.refund(request),
      findCharge: (key) => simulated.findCharge(key),
      describeToken: (token, signal) => simulated.describeToken(token, signal),
    }),
  };
};

export const MARKER = 'set before, still here';
export const setMarker = (page: Page) => page.evaluate((value) => { (globalThis as unknown as Record<string, unknown>).shopMarker = value; }, MARKER);
export const marker = (page: Page) => page.evaluate(() => (globalThis as unknown as Record<string, unknown>).shopMarker);

export const orderIdOf = (page: Page): string => /\/orders\/([0-9a-f-]{36})$/.exec(new URL(page.url()).pathname)?.[1] ?? '';
export const orderStatus = (page: Page, status: string) => page.getByTestId('order-status').filter({ hasText: new RegExp(`^${status}$`) });

/** Through the sign-in page, as a shopper of `app.customer()` (password correct-horse). */
export const signIn = async (page: Page, shopper: Shopper) => {
  await page.getByLabel('Email').fill(shopper.email);
  await page.getByLabel('Password').fill('correct-horse');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(shopper.email).waitFor();
};

export const fillAddress = async (page: Page) => {
  await page.getByLabel('Street address').fill('12 Harbour Road');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Postal code').fill('12345');
  await page.getByLabel('Country').selectOption('US');
};
