import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { signInToConsole } from '../support/browser.js';
import { accountWorld, product, visitor, withoutFrames } from './account-helpers.js';

/**
 * Fields that follow the address (the console's customer filter, the storefront's search words
 * and price range) take its value again when it changes, and never later: what is typed right
 * after the address moved stays typed. The pages used to set them in an effect after paint,
 * which on a slow machine ran up to 35 ms later and overwrote the new text with the old (the
 * console's filter then submitted the customer before the one typed; seen in CI).
 * Frames never come in these pages (requestAnimationFrame is stubbed before they load), as on a
 * machine too busy to paint: an effect after paint then runs on Preact's 35 ms fallback.
 */

/** In the page: submits `form`, then, once the page has rendered the new address, types `text` into `input`; what `input` holds 150 ms later. */
const typedRightAfterSubmit = (page: Page, form: string, input: string, text: string): Promise<string> =>
  page.evaluate(
    async ({ form, input, text }) => {
      type Field = { value: string; dispatchEvent: (event: unknown) => boolean };
      const doc = (globalThis as unknown as { document: { querySelector: (s: string) => unknown } }).document;
      const EventClass = (globalThis as unknown as { Event: new (type: string, init: { bubbles: boolean }) => unknown }).Event;
      const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      (doc.querySelector(form) as { requestSubmit: () => void }).requestSubmit();
      await pause(0); // the route's render (a microtask), not a frame: none comes here
      const field = doc.querySelector(input) as Field;
      field.value = text;
      field.dispatchEvent(new EventClass('input', { bubbles: true }));
      await pause(150);
      return field.value;
    },
    { form, input, text },
  );

describe('fields that follow the address, on a machine too busy to paint', function () {
  this.timeout(60_000);
  const world = accountWorld();

  it("keeps a customer id typed into the console's filter right after the last one was applied", async () => {
    const [first, second] = [await world.app.customer(), await world.app.customer()];
    const { page, errors } = await visitor(world);
    await withoutFrames(page);
    await signInToConsole(page, world.app, '/console/orders');
    const field = page.getByLabel('Customer id');
    await field.fill(first.customerId);
    const held = await typedRightAfterSubmit(page, 'form[aria-label="Filter orders"]', 'form[aria-label="Filter orders"] input', second.customerId);
    expect(new URL(page.url()).searchParams.get('customerId'), 'the first applied').to.equal(first.customerId);
    expect(held, 'what was typed after it').to.equal(second.customerId);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL((url) => url.searchParams.get('customerId') === second.customerId);
    // The address still leads: Back shows the first customer's filter in the field.
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('customerId') === first.customerId);
    expect(await field.inputValue()).to.equal(first.customerId);
    expect(errors).to.deep.equal([]);
  });

  // The storefront's fields: the value applied first (`first`, shown in the address as `param=applied`), then what is typed right after it.
  const STOREFRONT = [
    { what: "search words typed into the storefront's search box right after the last search", field: (page: Page) => page.getByRole('search').getByLabel('Search products'), form: 'form[role="search"]', input: '#search-q', first: 'kettle', param: 'q', applied: 'kettle', typed: 'lamp' },
    { what: "a price typed into the storefront's price range right after the last one was applied", field: (page: Page) => page.getByLabel('Max ($)'), form: 'form.price-range', input: '#price-max', first: '50', param: 'maxPrice', applied: '5000', typed: '45' },
  ];
  for (const { what, field: fieldOf, form, input, first, param, applied, typed } of STOREFRONT) {
    it(`keeps ${what}`, async () => {
      await product(world, `Address ${param}`, 3900);
      const { page, errors } = await visitor(world);
      await withoutFrames(page);
      await page.goto(world.app.url('/'));
      const field = fieldOf(page);
      await field.fill(first);
      const held = await typedRightAfterSubmit(page, form, input, typed);
      expect(new URL(page.url()).searchParams.get(param), 'the first applied').to.equal(applied);
      expect(held, 'what was typed after it').to.equal(typed);
      // The address still leads: Back to no such filter empties the field.
      await page.goBack();
      await page.waitForURL((url) => !url.searchParams.has(param));
      expect(await field.inputValue()).to.equal('');
      expect(errors).to.deep.equal([]);
    });
  }
});
