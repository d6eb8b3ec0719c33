/**
 * What the stock-alert tests share: the requests an admin and a shopper make about stock, the alert events
 * appended for a SKU, what one request appended (by its request id), and the inbox once every job has run.
 * The test file owns the app and admin it starts; these read them through `shop`.
 */
import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import type { Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import type { TestApp } from '../support/test-app.js';

export const ALERTS = ['StockLevelLow', 'InventoryOutOfStock', 'InventoryBackInStock'];

export const stockAlertHelpers = (shop: () => { app: TestApp; admin: string }) => {
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const receipt = (sku: string, quantity: number) => shop().app.http().post(`/api/v1/inventory/${sku}/receipts`).set(as(shop().admin)).send({ quantity });
  const adjustment = (sku: string, delta: number) =>
    shop().app.http().post(`/api/v1/inventory/${sku}/adjustments`).set(as(shop().admin)).send({ delta, reason: 'stocktake' });
  const threshold = (sku: string, body: unknown, token = shop().admin) => shop().app.http().put(`/api/v1/inventory/${sku}/threshold`).set(as(token)).send(body as object);
  const notifyMe = (productId: string, shopper: Shopper) => shop().app.http().post(`/api/v1/products/${productId}/notify-me`).set(as(shopper.token));
  const alertsOf = async (sku: string) => (await shop().app.events()).filter((e) => e.data.sku === sku && ALERTS.includes(e.type)).map((e) => e.type);
  const typesOf = (events: RecordedEvent[]) => events.map((e) => e.type);
  /** What a request appended: the events carrying its request id. */
  const appendedBy = async (res: { headers: Record<string, string> }) =>
    typesOf((await shop().app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']));
  const inbox = async (token: string) => {
    const res = await shop().app.http().get('/api/v1/account/me/notifications?pageSize=100').set(as(token));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items as Array<{ type: string; orderId: string | null; productId?: string; sku?: string; subject: string }>;
  };
  /** Waits until every job has run (no job left), then answers the inbox. */
  const settledInbox = async (token: string) => {
    const { app } = shop();
    await app.settled();
    const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
    expect(await notifications.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({})) === 0 ? true : undefined));
    return inbox(token);
  };
  return { as, receipt, adjustment, threshold, notifyMe, alertsOf, typesOf, appendedBy, inbox, settledInbox };
};
