/**
 * What the carrier tests share: requests an admin makes about shipments, an order brought to
 * Confirmed (its shipment prepared) or shipped through the carrier, and a report signed as the carrier signs it.
 * The test file owns the app, admin and shopper it starts; these read them through `shop`.
 */
import { expect } from 'chai';
import { signedHeaders } from '../../src/infrastructure/carrier/webhook-signature.js';
import { ADDRESS, addToCart, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { CARRIER_SECRET, type TestApp } from '../support/test-app.js';

export type CarrierShop = { app: TestApp; admin: string; shopper: Shopper };

export const carrierHelpers = (shop: () => CarrierShop) => {
  const asAdmin = (method: 'get' | 'post' | 'patch', path: string) => shop().app.http()[method](path).set('Authorization', `Bearer ${shop().admin}`);
  const dispatch = (shipmentId: string) => asAdmin('post', `/api/v1/shipments/${shipmentId}/dispatch`).send();
  const shipmentView = async (shipmentId: string) => (await asAdmin('get', `/api/v1/shipments/${shipmentId}`)).body;
  const notifications = async (token: string) =>
    (await shop().app.http().get('/api/v1/account/me/notifications').set('Authorization', `Bearer ${token}`)).body.items as Array<{ type: string; orderId: string; subject: string }>;
  const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

  /** An order confirmed and its shipment prepared, to `address`. */
  const confirmedOrder = async (address = ADDRESS) => {
    const { app, admin, shopper } = shop();
    const { productId } = await stockedProduct(app, admin, 5);
    await addToCart(app, shopper, productId, 1);
    const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: address, paymentMethod: { token: 'tok_visa' } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const orderId = placed.body.orderId as string;
    const order = await eventually(async () => {
      const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      return confirmed.shipment ? confirmed : undefined;
    });
    return { orderId, shipmentId: order.shipment.shipmentId as string };
  };

  /** A report as the carrier sends it, signed at `at` (now unless given). */
  const report = (body: Record<string, unknown>, at = new Date()) => {
    const text = JSON.stringify(body);
    return shop().app.http().post('/api/v1/carrier/events').set(signedHeaders(CARRIER_SECRET, text, at)).set('Content-Type', 'application/json').send(text);
  };

  /** An order shipped through the carrier: its ids and what the carrier booked. */
  const shippedOrder = async () => {
    const { orderId, shipmentId } = await confirmedOrder();
    expect((await dispatch(shipmentId)).status).to.equal(200);
    const [shipped] = await eventsOf(shop().app, 'OrderShipped', ofOrder(orderId));
    const { carrierReference, trackingNumber } = shipped!.data as { carrierReference: string; trackingNumber: string };
    const reportOf = (eventId: string, status: string, extra: Record<string, unknown> = {}) => ({
      eventId, shipmentId, reference: carrierReference, trackingNumber, status, occurredAt: new Date().toISOString(), ...extra,
    });
    return { orderId, shipmentId, carrierReference, reportOf };
  };

  return { asAdmin, dispatch, shipmentView, notifications, ofOrder, confirmedOrder, report, shippedOrder };
};
