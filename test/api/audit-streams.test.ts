import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { reservationOf, type Inventory } from '../../src/domain/inventory/inventory.js';
import type { Shopper } from '../support/shop.js';
import { startShopWithShopper, type TestApp } from '../support/test-app.js';
import { ascending, auditRequest, shipOrder, type Audited } from './audit-fixture.js';

/**
 * GET /api/v1/admin/audit/streams/:streamName: a stream's history, each event with the state
 * after it, now or as of a revision. An order's timeline: audit-order-timeline.test.ts; the
 * refusals: audit-refusals.test.ts.
 */
describe("the audit trail over HTTP: a stream's history", function () {
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

    beforeEach(async () => {
      ({ orderId, paymentId, shipmentId, sku } = await shipOrder(app, admin, shopper, checkoutRequest));
    });

    it("lists the order stream's events with revision, position, type, data, metadata and the state after each", async () => {
      const res = await audit(`/streams/order-${orderId}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.include({ streamName: `order-${orderId}`, asOf: null });
      const events = res.body.events as Audited[];
      expect(events.map((e) => [e.revision, e.type])).to.deep.equal([[0, 'OrderCreated'], [1, 'OrderPaid'], [2, 'OrderConfirmed'], [3, 'OrderShipped']]);
      expect(ascending(events.map((e) => e.position))).to.equal(true);
      expect(events.map((e) => e.stateAfter!.status)).to.deep.equal(['Pending', 'Paid', 'Confirmed', 'Shipped']);
      expect(events[0]!.data).to.deep.include({ orderId, customerId: shopper.customerId, paymentId, shipmentId, total: { amount: 3000, currency: 'USD' } });
      for (const event of events) {
        expect(event.metadata).to.include.all.keys('correlationId', 'causationId', 'actor', 'occurredAt', 'schemaVersion');
        expect(Date.parse(event.metadata.occurredAt)).to.be.above(0);
        expect(event.storedSchemaVersion).to.equal(event.metadata.schemaVersion);
      }
      expect(events.map((e) => e.metadata.schemaVersion)).to.deep.equal([2, 1, 1, 1]);
      expect(events[0]!.metadata).to.include({ correlationId: checkoutRequest, causationId: checkoutRequest, actor: `customer:${shopper.customerId}` });
      expect(events[1]!.metadata.actor).to.equal('process:order-saga');
      expect(res.body.state).to.deep.include({ status: 'Shipped', shipmentId });
    });

    it('gives the Pending order as of revision 0, still listing every event', async () => {
      const res = await audit(`/streams/order-${orderId}?asOf=0`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.asOf).to.deep.equal({ revision: 0 });
      expect(res.body.state).to.deep.include({ status: 'Pending', orderId, shipmentId });
      expect(res.body.events).to.have.length(4);
    });

    it('says how many events the stream holds beside a window of them, and answers 404 for a revision it never reached', async () => {
      const window = await audit(`/streams/order-${orderId}?fromRevision=1&limit=2`);
      expect(window.status, JSON.stringify(window.body)).to.equal(200);
      expect(window.body.total).to.equal(4);
      expect(window.body.events.map((e: { revision: number }) => e.revision)).to.deep.equal([1, 2]);
      for (const path of [`/streams/order-${orderId}?asOf=4`, `/orders/${orderId}?asOf=4`]) {
        const res = await audit(path);
        expect(res.status, path).to.equal(404);
        expect(res.body.detail).to.equal(`stream order-${orderId} has no revision 4: its last is 3`);
      }
    });

    it("shows the SKU's stock after each event of its stream", async () => {
      const res = await audit(`/streams/inventory-${sku}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const mine = (res.body.events as Audited[]).filter((e) => e.data.orderId === orderId);
      expect(mine.map((e) => [e.type, reservationOf(e.stateAfter as Inventory, orderId)])).to.deep.equal([
        ['StockReserved', { status: 'reserved', quantity: 2 }],
        ['StockDispatched', { status: 'dispatched', quantity: 2 }],
      ]);
      expect(res.body.state).to.include({ onHand: 48, reserved: 1 });
    });
  });

  describe('of a customer', () => {
    it('never shows the password hash', async () => {
      const res = await audit(`/streams/customer-${shopper.customerId}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.events.map((e: Audited) => e.type)).to.deep.equal(['CustomerRegistered']);
      expect(res.body.events[0].data).to.include({ customerId: shopper.customerId, email: shopper.email, passwordHash: '[redacted]' });
      expect(JSON.stringify(res.body)).not.to.include('scrypt');
    });
  });
});
