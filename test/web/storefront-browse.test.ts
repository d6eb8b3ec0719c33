import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newPage, startWebApp, type WebApp } from '../support/browser.js';
import { createProduct } from '../support/test-app.js';
import { seedCatalog } from './storefront-fixture.js';

/**
 * Browsing the storefront in Chromium: search, facets, sorting and paging live in the URL,
 * so back, forward and reload restore what the shopper saw.
 */

/** The names on the product cards, once the results shown are those of the URL (not the previous ones). */
const names = async (page: Page): Promise<string[]> => {
  await page.locator('section.results[aria-busy="false"]').waitFor();
  return page.locator('.product-card .product-name').allInnerTexts();
};
describe('the storefront in Chromium: search and facets', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    await seedCatalog(app);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('keeps search, facets, sorting and paging in the URL: back, forward and reload restore them', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/'));
      await page.getByRole('heading', { level: 1, name: 'All products' }).waitFor();
      await page.getByRole('status').filter({ hasText: '7 products' }).waitFor();
      await page.getByRole('link', { name: /^Kiln & Co 2 products$/ }).click();
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect(new URL(page.url()).searchParams.get('brand')).to.equal('Kiln & Co');
      await page.getByLabel('Sort by').selectOption('-price');
      await page.waitForURL((url) => url.searchParams.get('sort') === '-price');
      await page.locator('.product-card .product-name').first().filter({ hasText: 'Pour-Over Kettle' }).waitFor();
      expect(await names(page)).to.deep.equal(['Pour-Over Kettle', 'Cast-Iron Skillet']);

      await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Apparel' }).click();
      await page.getByRole('heading', { level: 1, name: 'Apparel' }).waitFor();
      await page.getByLabel('In stock only').check();
      await page.waitForURL((url) => url.searchParams.get('inStock') === 'true' && url.searchParams.get('category') === 'Apparel');
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect((await names(page)).sort()).to.deep.equal(['Merino Wool Socks', 'Trail Running Shoe']);
      await page.getByLabel('Max ($)').fill('50');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('status').filter({ hasText: '1 product' }).waitFor();
      expect(new URL(page.url()).searchParams.get('maxPrice')).to.equal('5000');

      await page.goBack();
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect(await page.getByLabel('In stock only').isChecked()).to.equal(true);
      await page.goBack();
      await page.goBack();
      await page.waitForURL((url) => url.searchParams.get('brand') === 'Kiln & Co' && url.searchParams.get('sort') === '-price');
      await page.locator('.product-card .product-name').first().filter({ hasText: 'Pour-Over Kettle' }).waitFor();
      expect(await names(page)).to.deep.equal(['Pour-Over Kettle', 'Cast-Iron Skillet']);
      await page.reload();
      await page.getByRole('status').filter({ hasText: '2 products' }).waitFor();
      expect(await page.getByLabel('Sort by').inputValue()).to.equal('-price');
      expect(await names(page)).to.deep.equal(['Pour-Over Kettle', 'Cast-Iron Skillet']);

      await page.goto(app.url('/?q=nothing-matches-this'));
      await page.getByRole('heading', { name: 'No products match' }).waitFor();
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});

describe('the storefront in Chromium: paging', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    const admin = await app.adminToken();
    for (let n = 1; n <= 14; n += 1) {
      await createProduct(app, admin, { name: `Notebook ${String(n).padStart(2, '0')}`, brand: 'Paperly', category: 'Stationery', price: 100 * n });
    }
    await app.settled();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows 12 products a page, pages through them with links, and back returns to the first page', async () => {
    const { context, page, errors } = await newPage(browser);
    try {
      await page.goto(app.url('/?category=Stationery&sort=price'));
      await page.getByRole('status').filter({ hasText: '14 products' }).waitFor();
      expect(await names(page)).to.have.length(12);
      expect((await names(page))[0]).to.equal('Notebook 01');
      const pager = page.getByRole('navigation', { name: 'Result pages' });
      expect(await pager.getByRole('link', { name: 'Page 1' }).getAttribute('aria-current')).to.equal('page');
      await pager.getByRole('link', { name: 'Next →' }).click();
      await page.waitForURL((url) => url.searchParams.get('page') === '2' && url.searchParams.get('sort') === 'price');
      await page.locator('.product-card .product-name').first().filter({ hasText: 'Notebook 13' }).waitFor();
      expect(await names(page)).to.deep.equal(['Notebook 13', 'Notebook 14']);
      expect(await pager.getByRole('link', { name: 'Page 2' }).getAttribute('aria-current')).to.equal('page');
      await page.goBack();
      await page.locator('.product-card .product-name').first().filter({ hasText: 'Notebook 01' }).waitFor();
      expect(await names(page)).to.have.length(12);
      expect(errors).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
