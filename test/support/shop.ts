import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { eventually } from './temp-dir.js';
import { createProduct, type TestApp } from './test-app.js';

/** Shop-level steps for end-to-end tests: stock a product, fill a cart, check out, wait for the saga. */

export const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

export type Shopper = { customerId: string; token: string; email: string };

export const stockedProduct = async (app: TestApp, admin: string, quantity: number, price = 1500) => {
  const product = await createProduct(app, admin, { price });
  if (quantity > 0) {
    const res = await app.http().post(`/api/v1/inventory/${product.sku}/receipts`).set('Authorization', `Bearer ${admin}`).send({ quantity });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }
  return product;
};

export const addToCart = async (app: TestApp, shopper: Shopper, productId: string, quantity: number) => {
  const res = await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body;
};

export const checkout = (app: TestApp, shopper: Shopper, token = 'tok_visa', idempotencyKey?: string) => {
  const req = app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`);
  return (idempotencyKey ? req.set('Idempotency-Key', idempotencyKey) : req).send({ shippingAddress: ADDRESS, paymentMethod: { token } });
};

/**
 * A checkout taken while its stock was there, the stock then gone (`delta`, an adjustment) before
 * the saga reserves it: its reservation is refused, the order fails and is refunded. (A checkout of
 * a line the log has not enough of is refused at once: test/api/checkout-stock.test.ts.)
 */
export const checkoutThenLoseStock = async (app: TestApp, admin: string, shopper: Shopper, sku: string, delta: number) => {
  const saga = app.deps.processes.find((p) => p.name === 'order-saga')!;
  await saga.stop();
  try {
    const placed = await checkout(app, shopper);
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const adjusted = await app.http().post(`/api/v1/inventory/${sku}/adjustments`).set('Authorization', `Bearer ${admin}`).send({ delta, reason: 'damaged' });
    expect(adjusted.status, JSON.stringify(adjusted.body)).to.equal(200);
    return placed;
  } finally {
    await saga.start();
  }
};

/** Fills the cart with one product and checks out; returns the order id. */
export const buy = async (app: TestApp, shopper: Shopper, productId: string, quantity = 1, token = 'tok_visa') => {
  await addToCart(app, shopper, productId, quantity);
  const res = await checkout(app, shopper, token);
  expect(res.status, JSON.stringify(res.body)).to.equal(202);
  return res.body.orderId as string;
};

export const getOrder = async (app: TestApp, token: string, orderId: string) =>
  app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${token}`);

/** Waits until the order's read model shows one of `statuses` (and, if asked, its payment status). */
export const orderReaches = async (app: TestApp, token: string, orderId: string, statuses: string[], paymentStatus?: string, timeoutMs = 10_000) =>
  eventually(async () => {
    const res = await getOrder(app, token, orderId);
    const ok = statuses.includes(res.body.status) && (!paymentStatus || res.body.payment?.status === paymentStatus);
    return ok ? (res.body as Record<string, any>) : undefined;
  }, timeoutMs);

export const eventsOf = async (app: TestApp, type: string, where: (event: RecordedEvent) => boolean = () => true) =>
  (await app.events()).filter((event) => event.type === type && where(event));

export const levelsOf = async (app: TestApp, admin: string, sku: string) =>
  (await app.http().get(`/api/v1/inventory/${sku}`).set('Authorization', `Bearer ${admin}`)).body as { onHand: number; reserved: number; available: number };

/** Buys the product and has the order delivered (dispatched and delivered by the admin). */
export const receive = async (app: TestApp, admin: string, shopper: Shopper, productId: string) => {
  const orderId = await buy(app, shopper, productId, 1);
  await orderReaches(app, shopper.token, orderId, ['Confirmed']);
  const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
  for (const step of ['dispatch', 'deliver']) {
    const res = await app.http().post(`/api/v1/shipments/${shipmentId}/${step}`).set('Authorization', `Bearer ${admin}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }
  return orderId;
};
