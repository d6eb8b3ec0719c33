import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { derivedId } from '../../src/domain/shared/ids.js';
import { trackingNumberOf } from '../../src/domain/shipping/shipment.js';
import { ADDRESS, buy, eventsOf, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * OrderCreated v1 had no `shipmentId`; v2 carries it. A v1 event stays in the log as it
 * was written and is read through the upcaster by every path: the saga (process
 * managers), the read models (projections), command handling and the audit trail.
 */
describe('a stored v1 OrderCreated', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let product: { productId: string; sku: string };
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    product = await stockedProduct(app, admin, 5, 1500);
  });
  afterEach(async () => app.close());

  let orderId: string;
  let paymentId: string;
  let shipmentId: string;
  beforeEach(() => {
    orderId = uuid();
    paymentId = uuid();
    shipmentId = derivedId(orderId, 'shipment');
  });

  /** The order as an old version of checkout wrote it, just now: no shipment id, schema version 1. */
  const v1 = (now = new Date().toISOString()) => ({
    id: uuid(),
    type: 'OrderCreated',
    data: {
      orderId,
      customerId: shopper.customerId,
      paymentId,
      lines: [{ productId: product.productId, sku: product.sku, name: 'Widget', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } }],
      total: { amount: 3000, currency: 'USD' },
      shippingAddress: ADDRESS,
      paymentMethod: { token: 'tok_visa' },
      createdAt: now,
    },
    metadata: { correlationId: 'legacy-checkout-1', causationId: 'legacy-checkout-1', actor: `customer:${shopper.customerId}`, occurredAt: now, schemaVersion: 1 },
  });
  const ofOrder = (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

  describe('appended to the log as it was written', () => {
    let stored: ReturnType<typeof v1>;
    beforeEach(async () => {
      stored = v1();
      await app.deps.eventStore.appendToStream(`order-${orderId}`, [stored], { expectedRevision: 'no_stream' });
    });

    it('is taken by the saga to Confirmed, with its shipment prepared under the id derived from the order', async () => {
      const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured');
      expect(confirmed).to.deep.include({ customerId: shopper.customerId, total: { amount: 3000, currency: 'USD' } });
      expect(confirmed.payment.paymentId).to.equal(paymentId);
      const prepared = await eventually(async () => (await eventsOf(app, 'ShipmentPrepared', ofOrder))[0]);
      expect(prepared.streamName).to.equal(`shipment-${shipmentId}`);
      expect(prepared.data).to.include({ shipmentId, orderId, customerId: shopper.customerId });
      expect((await eventsOf(app, 'StockReserved', ofOrder)).map((e) => e.data.quantity)).to.deep.equal([2]);
      expect((await eventsOf(app, 'PaymentProcessed', ofOrder)).map((e) => e.streamName)).to.deep.equal([`payment-${paymentId}`]);
    });

    it('shows that shipment id in the order read model', async () => {
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      const shipment = await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined);
      expect(shipment).to.deep.equal({ shipmentId, status: 'Preparing', trackingNumber: null });
    });

    it('is dispatched by command under that shipment id, and cannot be cancelled afterwards (409)', async () => {
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      await eventually(async () => (await eventsOf(app, 'ShipmentPrepared', ofOrder))[0]);
      const dispatched = await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send({});
      expect(dispatched.status, JSON.stringify(dispatched.body)).to.equal(200);
      expect(dispatched.body).to.deep.include({ shipmentId, orderId, trackingNumber: trackingNumberOf(shipmentId) });
      const shipped = await eventsOf(app, 'OrderShipped', ofOrder);
      expect(shipped).to.have.length(1);
      expect(shipped[0]!).to.deep.include({ streamName: `order-${orderId}`, revision: 3 });
      expect(shipped[0]!.data).to.include({ shipmentId, trackingNumber: trackingNumberOf(shipmentId) });
      expect(shipped[0]!.metadata.correlationId).to.equal(dispatched.headers['x-request-id']);
      const view = await orderReaches(app, shopper.token, orderId, ['Shipped']);
      expect(view.shipment).to.deep.equal({ shipmentId, status: 'Shipped', trackingNumber: trackingNumberOf(shipmentId) });

      const cancel = await appendsNothing(app, () => app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`));
      expectProblem(cancel, 409);
      expect((await app.deps.eventStore.readStream(`order-${orderId}`)).map((e) => e.type)).to.deep.equal(['OrderCreated', 'OrderPaid', 'OrderConfirmed', 'OrderShipped']);
    });

    it('is audited in the current shape, with the version it was stored in', async () => {
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      await eventually(async () => (await eventsOf(app, 'ShipmentPrepared', ofOrder))[0]);

      const stream = await app.http().get(`/api/v1/admin/audit/streams/order-${orderId}`).set('Authorization', `Bearer ${admin}`);
      expect(stream.status, JSON.stringify(stream.body)).to.equal(200);
      const created = stream.body.events[0];
      // The payment provider's token is a credential: redacted in the audit (src/privacy/credentials.ts).
      expect(created).to.deep.include({ type: 'OrderCreated', revision: 0, storedSchemaVersion: 1, data: { ...stored.data, paymentMethod: { token: '[redacted]' }, shipmentId } });
      expect(created.stateAfter).to.deep.include({ status: 'Pending', shipmentId });

      const order = await app.http().get(`/api/v1/admin/audit/orders/${orderId}`).set('Authorization', `Bearer ${admin}`);
      expect(order.status, JSON.stringify(order.body)).to.equal(200);
      expect(order.body.state).to.deep.include({ status: 'Confirmed', shipmentId });
      const timeline = order.body.timeline as Array<{ streamName: string; type: string; storedSchemaVersion: number; data: Record<string, unknown> }>;
      expect(timeline[0]).to.deep.include({ type: 'OrderCreated', storedSchemaVersion: 1 });
      expect(timeline[0]!.data.shipmentId).to.equal(shipmentId);
      expect(timeline.map((e) => `${e.streamName} ${e.type}`)).to.include.members([
        `payment-${paymentId} PaymentProcessed`,
        `inventory-${product.sku} StockReserved`,
        `shipment-${shipmentId} ShipmentPrepared`,
      ]);
    });

    it('stays in the log exactly as it was written', async () => {
      await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      await eventually(async () => (await eventsOf(app, 'ShipmentPrepared', ofOrder))[0]);
      const [first] = await app.deps.eventStore.readStream(`order-${orderId}`);
      expect(first).to.deep.include({ id: stored.id, type: 'OrderCreated', revision: 0 });
      expect(first!.data).to.deep.equal(stored.data);
      expect(first!.data).not.to.have.property('shipmentId');
      expect(first!.metadata).to.deep.equal(stored.metadata);
    });
  });

  describe('next to a new checkout', () => {
    it('is not what checkout writes today: OrderCreated v2, with its shipment id', async () => {
      const newOrder = await buy(app, shopper, product.productId, 1);
      const [created] = await eventsOf(app, 'OrderCreated', (e) => e.data.orderId === newOrder);
      expect(created!.metadata.schemaVersion).to.equal(2);
      expect(created!.data.shipmentId).to.equal(derivedId(newOrder, 'shipment'));
    });
  });
});
