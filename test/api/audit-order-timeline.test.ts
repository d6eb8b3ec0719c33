import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { ADDRESS, addToCart, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { startShopWithShopper, type TestApp } from '../support/test-app.js';
import { ascending, auditRequest, shipOrder, type Audited } from './audit-fixture.js';

/**
 * GET /api/v1/admin/audit/orders/:orderId: an order's timeline across the streams its saga
 * touched, now or as of a time. A stream's history: audit-streams.test.ts; the refusals:
 * audit-refusals.test.ts.
 */
describe("the audit trail over HTTP: an order's timeline", function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    ({ app, admin, shopper } = await startShopWithShopper());
  });
  afterEach(async () => app.close());
  const audit = auditRequest(() => ({ app, admin }));

  describe('of a shipped order', () => {
    const checkoutRequest = `checkout-${uuid()}`;
    let orderId: string;
    let paymentId: string;
    let shipmentId: string;
    let sku: string;
    /** A time after the order was confirmed and its shipment prepared, before it was dispatched. */
    let beforeDispatch: string;
    let others: Array<{ orderId: string; sku: string; customerId: string }>;

    beforeEach(async () => {
      ({ orderId, paymentId, shipmentId, sku, beforeDispatch, others } = await shipOrder(app, admin, shopper, checkoutRequest));
    });

    it('shows OrderCreated, PaymentProcessed, StockReserved and OrderShipped from their separate streams in one timeline, in log order', async () => {
      const res = await audit(`/orders/${orderId}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.include({ orderId, asOf: null });
      expect(res.body.state).to.deep.include({ status: 'Shipped', orderId, customerId: shopper.customerId, shipmentId });
      const timeline = res.body.timeline as Audited[];
      const find = (type: string) => {
        const found = timeline.filter((e) => e.type === type);
        expect(found, type).to.have.length(1);
        return found[0]!;
      };
      expect(find('OrderCreated').streamName).to.equal(`order-${orderId}`);
      expect(find('PaymentProcessed').streamName).to.equal(`payment-${paymentId}`);
      expect(find('StockReserved').streamName).to.equal(`inventory-${sku}`);
      expect(find('OrderShipped').streamName).to.equal(`order-${orderId}`);
      expect(find('ShipmentPrepared').streamName).to.equal(`shipment-${shipmentId}`);
      expect(find('StockDispatched').streamName).to.equal(`inventory-${sku}`);
      const positions = ['OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderShipped'].map((type) => find(type).position);
      expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
      expect(ascending(timeline.map((e) => e.position))).to.equal(true);
      expect(new Set(timeline.map((e) => e.streamName)).size).to.be.at.least(4);
      expect(find('OrderCreated').metadata).to.include({ correlationId: checkoutRequest, actor: `customer:${shopper.customerId}` });
      expect(find('PaymentProcessed').metadata.correlationId).to.equal(checkoutRequest);
      expect(find('OrderShipped').metadata.actor).to.match(/^admin:/);
    });

    it("gives each event its id, which the events it caused name as their causationId (the console's causation arrows)", async () => {
      const { timeline } = (await audit(`/orders/${orderId}`)).body as { timeline: Audited[] };
      const ids = timeline.map((e) => e.eventId);
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).to.equal(true);
      expect(new Set(ids).size).to.equal(ids.length);
      const logged = await app.deps.eventStore.readStream(`order-${orderId}`);
      expect(timeline.filter((e) => e.streamName === `order-${orderId}`).map((e) => e.eventId)).to.deep.equal(logged.map((e) => e.id));
      const byType = (type: string) => timeline.find((e) => e.type === type)!;
      expect(byType('PaymentRequested').metadata.causationId).to.equal(byType('OrderCreated').eventId);
      expect(byType('StockReserved').metadata.causationId).to.equal(byType('PaymentProcessed').eventId);
    });

    it('matches the log: every event of the order, its payment and its shipment, and the SKU events of this order', async () => {
      const { timeline } = (await audit(`/orders/${orderId}`)).body as { timeline: Audited[] };
      const log = await app.events();
      const own = [`order-${orderId}`, `payment-${paymentId}`, `shipment-${shipmentId}`];
      const expected = log.filter((e) => own.includes(e.streamName) || (e.streamName === `inventory-${sku}` && e.data.orderId === orderId));
      const inTimeline = timeline.filter((e) => e.streamName !== `cart-${shopper.customerId}`);
      expect(inTimeline.map((e) => [e.streamName, e.position, e.type])).to.deep.equal(expected.map((e) => [e.streamName, e.position, e.type]));
    });

    it("leaves out other customers' orders, of another SKU or of the same one", async () => {
      const { timeline } = (await audit(`/orders/${orderId}`)).body as { timeline: Audited[] };
      const text = JSON.stringify(timeline);
      for (const other of others) {
        expect(text).not.to.include(other.orderId);
        expect(text).not.to.include(other.customerId);
      }
      expect(timeline.map((e) => e.streamName)).not.to.include(`inventory-${others[0]!.sku}`);
      expect(timeline.filter((e) => 'orderId' in e.data).every((e) => e.data.orderId === orderId)).to.equal(true);
    });

    it('gives the order as it stood before shipping, as of a time between confirmation and dispatch', async () => {
      const res = await audit(`/orders/${orderId}?asOf=${encodeURIComponent(beforeDispatch)}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.asOf).to.deep.equal({ time: beforeDispatch });
      expect(res.body.state).to.deep.include({ status: 'Confirmed', shipmentId });
      expect(res.body.state).not.to.have.property('trackingNumber');
      const types = (res.body.timeline as Audited[]).map((e) => e.type);
      expect(types).to.include.members(['OrderCreated', 'PaymentProcessed', 'StockReserved', 'OrderConfirmed', 'ShipmentPrepared']);
      expect(types).not.to.include('OrderShipped');
      expect(types).not.to.include('StockDispatched');
      expect((res.body.timeline as Audited[]).every((e) => e.occurredAt <= beforeDispatch)).to.equal(true);
    });
  });

  describe('of orders placed under one request id', () => {
    // X-Request-Id comes from the client and becomes the correlation id: two clients may send the same one.
    it("keeps another customer's order of the same SKU out of the timeline", async () => {
      const { productId, sku } = await stockedProduct(app, admin, 50);
      const other = await app.customer('Other');
      const orders: string[] = [];
      for (const who of [shopper, other]) {
        await addToCart(app, who, productId, 1);
        const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${who.token}`).set('X-Request-Id', 'shared-request-id')
          .send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
        expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
        orders.push(placed.body.orderId);
      }
      for (const id of orders) await orderReaches(app, admin, id, ['Confirmed']);

      const { timeline } = (await audit(`/orders/${orders[0]}`)).body as { timeline: Audited[] };
      expect(timeline.filter((e) => e.streamName === `inventory-${sku}`).map((e) => e.data.orderId)).to.deep.equal([orders[0]]);
      expect(JSON.stringify(timeline)).not.to.include(orders[1]!);
    });
  });
});
