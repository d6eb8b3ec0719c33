import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { buy, orderReaches, stockedProduct } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { launchBrowser, newPage, signInToConsole, startWebApp, type WebApp } from '../support/browser.js';

/** The console's Parked page discards an event for good, with the reason the operator gives, which the shop keeps. */
describe('the operator console: discarding parked work', function () {
  this.timeout(60_000);
  let app: WebApp;
  let browser: Browser;
  let admin: string;
  before(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startWebApp()]);
    admin = await app.adminToken();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const asAdmin = (path: string) => app.http().get(path).set('Authorization', `Bearer ${admin}`);

  it('asks why, then takes the event out of the parked work and keeps it with the reason, by whom and when', async () => {
    const commands = app.deps.commands;
    const handle = commands.handle.bind(commands);
    // The warehouse system is gone for good: preparing this shipment fails, and the saga parks the event.
    commands.handle = ((decider, stream, command, context) =>
      stream.startsWith('shipment-') ? Promise.reject(new Error('warehouse system retired')) : handle(decider, stream, command, context)) as typeof commands.handle;
    const { context, page } = await newPage(browser);
    try {
      const product = await stockedProduct(app, admin, 5, 1200);
      const orderId = await buy(app, await app.customer(), product.productId, 1);
      await orderReaches(app, admin, orderId, ['Confirmed']);
      const parked = await eventually(async () => {
        const body = (await asAdmin('/api/v1/admin/parked-events')).body;
        return body.items.find((item: { streamName: string }) => item.streamName === `order-${orderId}`) as { id: string } | undefined;
      });
      await signInToConsole(page, app, '/console/parked');
      const row = page.getByRole('row').filter({ hasText: parked.id });
      await row.getByText('warehouse system retired').waitFor();

      await row.getByRole('button', { name: `Discard ${parked.id}` }).click();
      const discard = row.getByRole('button', { name: 'Discard for good' });
      expect(await discard.isDisabled(), 'no discard without a reason').to.equal(true);
      await row.getByLabel(`Why ${parked.id} is not to run again`).fill('shipped by hand from the old warehouse');
      await discard.click();
      await page.getByText(`Discarded ${parked.id}: it will not run again`).waitFor();
      await row.waitFor({ state: 'detached' });

      const stillParked = (await asAdmin('/api/v1/admin/parked-events')).body.items.map((item: { id: string }) => item.id);
      expect(stillParked).not.to.include(parked.id);
      const discarded = (await asAdmin('/api/v1/admin/discarded-events')).body.items.find((item: { id: string }) => item.id === parked.id);
      expect(discarded).to.deep.include({ discardReason: 'shipped by hand from the old warehouse' });
      expect(discarded.discardedBy).to.match(/^admin:/);
    } finally {
      commands.handle = handle;
      await context.close();
    }
  });
});
