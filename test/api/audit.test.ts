import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { reservationOf, type Inventory } from '../../src/domain/inventory/inventory.js';
import { ADDRESS, addToCart, buy, eventsOf, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

type Audited = {
  eventId: string;
  streamName: string;
  revision: number;
  position: number;
  type: string;
  occurredAt: string;
  storedSchemaVersion: number;
  data: Record<string, any>;
  metadata: Record<string, any>;
  stateAfter?: Record<string, any>;
};

/** GET /api/v1/admin/audit/...: a stream's history, and an order's timeline across the streams its saga touched. */
describe('the audit trail over HTTP', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  /** An audit request, as the admin unless told; `null` sends no token at all. */
  const audit = (path: string, token: string | null = admin) => {
    const req = app.http().get(`/api/v1/admin/audit${path}`);
    return token === null ? req : req.set('Authorization', `Bearer ${token}`);
  };
  const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

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
      const product = await stockedProduct(app, admin, 50, 1500);
      sku = product.sku;
      await addToCart(app, shopper, product.productId, 2);
      const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).set('X-Request-Id', checkoutRequest)
        .send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
      expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
      orderId = placed.body.orderId;

      // Two other customers' orders: one of another SKU, one of the same SKU.
      const otherProduct = await stockedProduct(app, admin, 50, 900);
      others = [];
      for (const { productId, sku: bought } of [otherProduct, product]) {
        const other = await app.customer('Other');
        others.push({ orderId: await buy(app, other, productId, 1), sku: bought, customerId: other.customerId });
      }

      const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured');
      paymentId = confirmed.payment.paymentId;
      shipmentId = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment?.shipmentId as string | undefined));
      for (const other of others) await orderReaches(app, admin, other.orderId, ['Confirmed']);
      await app.settled();
      beforeDispatch = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 10)); // the dispatch happens strictly after `beforeDispatch`

      const dispatched = await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send({});
      expect(dispatched.status, JSON.stringify(dispatched.body)).to.equal(200);
      await orderReaches(app, shopper.token, orderId, ['Shipped']);
      await eventually(async () => ((await eventsOf(app, 'StockDispatched', ofOrder(orderId))).length === 1 ? true : undefined));
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

  describe('of a customer', () => {
    it('never shows the password hash', async () => {
      const res = await audit(`/streams/customer-${shopper.customerId}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.events.map((e: Audited) => e.type)).to.deep.equal(['CustomerRegistered']);
      expect(res.body.events[0].data).to.include({ customerId: shopper.customerId, email: shopper.email, passwordHash: '[redacted]' });
      expect(JSON.stringify(res.body)).not.to.include('scrypt');
    });
  });

  describe('access and errors', () => {
    let orderId: string;
    beforeEach(async () => {
      const { productId } = await stockedProduct(app, admin, 5);
      orderId = await buy(app, shopper, productId, 1);
    });

    it('answers 403 to a customer, even about their own order', async () => {
      expectProblem(await appendsNothing(app, () => audit(`/orders/${orderId}`, shopper.token)), 403);
      expectProblem(await appendsNothing(app, () => audit(`/streams/order-${orderId}`, shopper.token)), 403);
    });

    it('answers 401 without a token', async () => {
      expectProblem(await appendsNothing(app, () => audit(`/orders/${orderId}`, null)), 401);
      expectProblem(await appendsNothing(app, () => audit(`/streams/order-${orderId}`, null)), 401);
    });

    it('answers 404 for an order or a stream that does not exist', async () => {
      expectProblem(await appendsNothing(app, () => audit(`/orders/${uuid()}`)), 404);
      expectProblem(await appendsNothing(app, () => audit('/orders/not-an-order-id')), 404);
      expectProblem(await appendsNothing(app, () => audit(`/streams/order-${uuid()}`)), 404);
      expectProblem(await appendsNothing(app, () => audit('/streams/inventory-NO-SUCH-SKU')), 404);
    });

    it('answers 400 to an asOf that is neither a revision nor a time, or one padded with spaces (the document\'s pattern takes none); a blank one is none', async () => {
      const padded = ['%202026-01-02', '2026-01-02%20', '1%20', '%09' + '2026-01-02'];
      expect((await audit(`/orders/${orderId}?asOf=%20`)).status, 'blank: as if not given').to.equal(200);
      for (const path of [`/orders/${orderId}?asOf=yesterday`, `/streams/order-${orderId}?asOf=yesterday`, ...padded.map((asOf) => `/orders/${orderId}?asOf=${asOf}`)]) {
        const res = await appendsNothing(app, () => audit(path));
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['asOf']);
      }
    });

    it('answers 400 to a negative revision rather than reading it as a date', async () => {
      expectProblem(await appendsNothing(app, () => audit(`/streams/order-${orderId}?asOf=-1`)), 400);
    });

    it('answers 400 to two asOf at once rather than answering as of now', async () => {
      expectProblem(await appendsNothing(app, () => audit(`/orders/${orderId}?asOf=0&asOf=1`)), 400);
    });
  });
});

const ascending = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);
