import type { Shopper } from '../support/shop.js';
import { startShopWithShopper, type TestApp } from '../support/test-app.js';

/**
 * What the order saga's tests share (saga.test.ts, an order's way through the saga;
 * saga-order-actions.test.ts, cancelling, amending and who may see an order): the app each
 * test starts, its admin and shopper, and the calls they make on them.
 */

export type SagaShop = { app: TestApp; admin: string; shopper: Shopper };

/** An app whose payments time out after 400 ms, its admin's token and a signed-in shopper. */
export const startSagaShop = (): Promise<SagaShop> => startShopWithShopper({ paymentTimeoutMs: 400 });

export const sagaCalls = (shop: () => SagaShop) => {
  const adminPost = (path: string, body: object = {}) => shop().app.http().post(path).set('Authorization', `Bearer ${shop().admin}`).send(body);
  const notifications = async (who: Shopper) =>
    (await shop().app.http().get('/api/v1/account/me/notifications').set('Authorization', `Bearer ${who.token}`)).body.items as Array<{ type: string; orderId: string; subject: string; sentAt: string }>;
  const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;
  return { adminPost, notifications, ofOrder };
};
