import { expect } from 'chai';
import { ADDRESS, addToCart, buy, eventsOf, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import type { AuditedEvent } from '../../src/operations/audit.js';
import type { TestApp } from '../support/test-app.js';

/**
 * What the audit trail's tests share (audit-order-timeline.test.ts, audit-streams.test.ts,
 * audit-refusals.test.ts): an event as GET /api/v1/admin/audit/... lists it, the request,
 * and the shipped order whose timeline and streams they read.
 */

/** An event as the audit routes answer it (src/operations/audit.ts), its JSON fields open to the tests' reads. */
export type Audited = Omit<AuditedEvent, 'data' | 'metadata'> & {
  data: Record<string, any>;
  metadata: Record<string, any>;
  stateAfter?: Record<string, any>;
};

/** An audit request on the app each test started, as its admin unless told; `null` sends no token at all. */
export const auditRequest = (current: () => { app: TestApp; admin: string }) =>
  (path: string, token: string | null = current().admin) => {
    const req = current().app.http().get(`/api/v1/admin/audit${path}`);
    return token === null ? req : req.set('Authorization', `Bearer ${token}`);
  };

export const ascending = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);

const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

export type ShippedOrder = {
  orderId: string;
  paymentId: string;
  shipmentId: string;
  sku: string;
  /** A time after the order was confirmed and its shipment prepared, before it was dispatched. */
  beforeDispatch: string;
  others: Array<{ orderId: string; sku: string; customerId: string }>;
};

/**
 * The shopper's order of two of one SKU, checked out under the request id `checkoutRequest`,
 * captured, confirmed and then dispatched; beside it two other customers' confirmed orders,
 * one of another SKU, one of the same.
 */
export const shipOrder = async (app: TestApp, admin: string, shopper: Shopper, checkoutRequest: string): Promise<ShippedOrder> => {
  const product = await stockedProduct(app, admin, 50, 1500);
  const sku = product.sku;
  await addToCart(app, shopper, product.productId, 2);
  const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).set('X-Request-Id', checkoutRequest)
    .send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
  expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
  const orderId: string = placed.body.orderId;

  // Two other customers' orders: one of another SKU, one of the same SKU.
  const otherProduct = await stockedProduct(app, admin, 50, 900);
  const others: ShippedOrder['others'] = [];
  for (const { productId, sku: bought } of [otherProduct, product]) {
    const other = await app.customer('Other');
    others.push({ orderId: await buy(app, other, productId, 1), sku: bought, customerId: other.customerId });
  }

  const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured');
  const paymentId: string = confirmed.payment.paymentId;
  const shipmentId = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment?.shipmentId as string | undefined));
  for (const other of others) await orderReaches(app, admin, other.orderId, ['Confirmed']);
  await app.settled();
  const beforeDispatch = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 10)); // the dispatch happens strictly after `beforeDispatch`

  const dispatched = await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send({});
  expect(dispatched.status, JSON.stringify(dispatched.body)).to.equal(200);
  await orderReaches(app, shopper.token, orderId, ['Shipped']);
  await eventually(async () => ((await eventsOf(app, 'StockDispatched', ofOrder(orderId))).length === 1 ? true : undefined));
  return { orderId, paymentId, shipmentId, sku, beforeDispatch, others };
};
