/**
 * What the data-export tests share: the customer's distinctive values (to find them, or miss them, in an export),
 * the export request, and a busy customer with a bit of everything. The test file owns the app and admin it
 * starts; these read them through `shop`.
 */
import { expect } from 'chai';
import type supertest from 'supertest';
import { ADDRESS, addToCart, buy, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import type { TestApp } from '../support/test-app.js';

export const NAME = 'Zebulon Quixwright';
export const STREET = '77 Marmalade Crescent';
export const LABEL = 'Quixwright household card';
export const REVIEW = 'Splendidly quixotic widget';

export const dataExportHelpers = (shop: () => { app: TestApp; admin: string }) => {
  const as = (who: Shopper) => ({ Authorization: `Bearer ${who.token}` });
  const exportOf = (who: Shopper) => shop().app.http().get('/api/v1/account/me/export').set(as(who));
  const ok = (res: supertest.Response) => {
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).to.equal(200);
    return res.body as Record<string, any>;
  };
  const post = async (who: Shopper | string, url: string, body: object, status: number) => {
    const res = await shop().app.http().post(url).set('Authorization', `Bearer ${typeof who === 'string' ? who : who.token}`).send(body);
    expect(res.status, `${url}: ${JSON.stringify(res.body)}`).to.equal(status);
    return res.body as Record<string, any>;
  };
  /** Buys one unit, dispatched and delivered by the shop. */
  const receive = async (shopper: Shopper, productId: string) => {
    const { app, admin } = shop();
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
    for (const step of ['dispatch', 'deliver']) await post(admin, `/api/v1/shipments/${shipmentId}/${step}`, {}, 200);
    return { orderId, shipmentId };
  };

  /** A customer with a bit of everything: address, payment method, a delivered order, a review, a subscription, a cart, a notify-me request. */
  const busyCustomer = async () => {
    const { app, admin } = shop();
    const shopper = await app.customer(NAME);
    const { productId } = await stockedProduct(app, admin, 20);
    const soldOut = await stockedProduct(app, admin, 0);
    await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: STREET }, 201);
    const method = await post(shopper, '/api/v1/account/me/payment-methods', { token: 'tok_visa', label: LABEL }, 201);
    const { orderId, shipmentId } = await receive(shopper, productId);
    await post(shopper, '/api/v1/reviews', { productId, rating: 5, text: REVIEW }, 201);
    const subscription = await post(shopper, '/api/v1/subscriptions', { items: [{ productId, quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: method.paymentMethodId }, 201);
    await post(shopper, `/api/v1/products/${soldOut.productId}/notify-me`, {}, 202);
    await addToCart(app, shopper, productId, 2);
    await app.settled();
    // The notifications of the order (placed, shipped, delivered...) are sent by jobs: wait for some.
    await eventually(async () => ((await app.http().get('/api/v1/account/me/notifications').set(as(shopper))).body.total >= 2 ? true : undefined));
    return { shopper, productId, soldOut, orderId, shipmentId, paymentMethodId: method.paymentMethodId as string, subscriptionId: subscription.subscriptionId as string };
  };

  return { as, exportOf, ok, post, busyCustomer };
};
