import { expect } from 'chai';
import type { Carrier } from '../../src/infrastructure/carrier/carrier.js';
import { signedHeaders, signatureOf } from '../../src/infrastructure/carrier/webhook-signature.js';
import { ADDRESS, addToCart, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, CARRIER_SECRET, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/**
 * The logistics carrier end to end through HTTP: dispatch books with the (simulated) carrier,
 * the carrier's signed reports take the order on, and every way it can go wrong: a refusal,
 * silence, a report not signed by the carrier, a stale one, a repeated one.
 */
describe('the logistics carrier over HTTP', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  const start = async (options: TestAppOptions = {}) => {
    app = await startTestApp(options);
    admin = await app.adminToken();
    shopper = await app.customer();
  };
  afterEach(async () => app?.close());

  const asAdmin = (method: 'get' | 'post' | 'patch', path: string) => app.http()[method](path).set('Authorization', `Bearer ${admin}`);
  const dispatch = (shipmentId: string) => asAdmin('post', `/api/v1/shipments/${shipmentId}/dispatch`).send();
  const shipmentView = async (shipmentId: string) => (await asAdmin('get', `/api/v1/shipments/${shipmentId}`)).body;
  const notifications = async (token: string) =>
    (await app.http().get('/api/v1/account/me/notifications').set('Authorization', `Bearer ${token}`)).body.items as Array<{ type: string; orderId: string; subject: string }>;
  const ofOrder = (orderId: string) => (e: { data: Record<string, unknown> }) => e.data.orderId === orderId;

  /** An order confirmed and its shipment prepared, to `address`. */
  const confirmedOrder = async (address = ADDRESS) => {
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
    return app.http().post('/api/v1/carrier/events').set(signedHeaders(CARRIER_SECRET, text, at)).set('Content-Type', 'application/json').send(text);
  };

  /** An order shipped through the carrier: its ids and what the carrier booked. */
  const shippedOrder = async () => {
    const { orderId, shipmentId } = await confirmedOrder();
    expect((await dispatch(shipmentId)).status).to.equal(200);
    const [shipped] = await eventsOf(app, 'OrderShipped', ofOrder(orderId));
    const { carrierReference, trackingNumber } = shipped!.data as { carrierReference: string; trackingNumber: string };
    const reportOf = (eventId: string, status: string, extra: Record<string, unknown> = {}) => ({
      eventId, shipmentId, reference: carrierReference, trackingNumber, status, occurredAt: new Date().toISOString(), ...extra,
    });
    return { orderId, shipmentId, carrierReference, reportOf };
  };

  describe('dispatch', () => {
    it('books with the carrier (200, its tracking number), and its signed reports take the order to Delivered with the review invitation', async () => {
      // A report due before the booking is recorded is refused, and sent again by its job: retries enough to outlast a slow machine.
      await start({ carrierTransitMs: 20, carrierDeliveryMs: 20, jobs: { maxAttempts: 12, retryBaseMs: 20 } });
      const { orderId, shipmentId } = await confirmedOrder();
      const res = await dispatch(shipmentId);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.deep.equal({ shipmentId, orderId, trackingNumber: res.body.trackingNumber, status: 'Shipped' });
      expect(res.headers.location, 'where the shipment is read, as the contract says').to.equal(`/api/v1/shipments/${shipmentId}`);
      // The simulated carrier numbers parcels by the shop's reference: TRK and its first 16 hex digits.
      expect(res.body.trackingNumber).to.equal(`TRK${shipmentId.replace(/-/g, '').slice(0, 16).toUpperCase()}`);

      const [booking, ...more] = await app.carrier.bookings();
      expect(more).to.deep.equal([]);
      expect(booking).to.deep.include({ _id: `book:${shipmentId}:1`, shipmentId });
      const booked = booking!.result as { reference: string; labelUrl: string; trackingNumber: string };
      expect(booked.trackingNumber).to.equal(res.body.trackingNumber);
      const shipped = await eventsOf(app, 'OrderShipped', ofOrder(orderId));
      expect(shipped.map((e) => e.data)).to.deep.equal([{ ...shipped[0]!.data, trackingNumber: booked.trackingNumber, carrierReference: booked.reference, labelUrl: booked.labelUrl }]);
      expect((await eventsOf(app, 'ShipmentBookingRequested', ofOrder(orderId))).map((e) => e.data.attempt)).to.deep.equal([1]);

      const delivered = await orderReaches(app, shopper.token, orderId, ['Delivered'], undefined, 30_000);
      expect(delivered.history.map((h: { status: string }) => h.status)).to.deep.equal(['Pending', 'Paid', 'Confirmed', 'Shipped', 'Delivered']);
      const [inTransit] = await eventually(async () => {
        const found = await eventsOf(app, 'ShipmentInTransit', ofOrder(orderId));
        return found.length > 0 ? found : undefined;
      }, 30_000);
      const [carrierDelivered] = await eventsOf(app, 'ShipmentDelivered', ofOrder(orderId));
      const [orderDelivered, ...twice] = await eventsOf(app, 'OrderDelivered', ofOrder(orderId));
      expect(twice).to.deep.equal([]);
      expect(inTransit!.data).to.include({ shipmentId, carrierReference: booked.reference });
      // The delivery reported by the carrier caused the order's: the audit trail reads so.
      expect(orderDelivered!.metadata).to.include({ causationId: carrierDelivered!.id, actor: 'process:order-saga' });

      await app.settled();
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'Delivered', reference: booked.reference, labelUrl: booked.labelUrl, reason: null });
      await eventually(async () => ((await notifications(shopper.token)).some((n) => n.type === 'OrderDelivered' && /how was it/.test(n.subject)) ? true : undefined));
      // The audit trail of the order shows the carrier's part, each report its own request.
      const audit = await asAdmin('get', `/api/v1/admin/audit/orders/${orderId}`);
      const timeline = (audit.body.timeline as Array<{ type: string }>).map((e) => e.type);
      const shipping = timeline.filter((type) => type.startsWith('Shipment') || type === 'OrderShipped' || type === 'OrderDelivered');
      // The two reports are jobs of their own, each retried while it comes before the booking is recorded: on a busy
      // machine the delivery can overtake the transit report (as a real carrier's webhooks may). Each is recorded as reported.
      expect(shipping.slice(0, 3)).to.deep.equal(['ShipmentPrepared', 'ShipmentBookingRequested', 'OrderShipped']);
      expect([...shipping.slice(3)].sort()).to.deep.equal(['OrderDelivered', 'ShipmentDelivered', 'ShipmentInTransit']);
      expect(shipping.indexOf('OrderDelivered')).to.be.greaterThan(shipping.indexOf('ShipmentDelivered'));
      // The reports were jobs, done and gone.
      await eventually(async () => ((await app.store.collection('jobs').find({ kind: 'carrier-webhook' })).length === 0 ? true : undefined));
    });

    it('answers a second dispatch with the same tracking number, booking nothing more and appending nothing', async () => {
      await start();
      const { orderId, shipmentId } = await confirmedOrder();
      const first = await dispatch(shipmentId);
      const again = await appendsNothing(app, () => dispatch(shipmentId));
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(first.body);
      expect(await app.carrier.bookings()).to.have.length(1);
      expect(await eventsOf(app, 'OrderShipped', ofOrder(orderId))).to.have.length(1);
    });

    it('lets an admin hand a parcel over with a tracking number of their own: no booking, and the carrier\'s reports about it are refused', async () => {
      await start();
      const { orderId, shipmentId } = await confirmedOrder();
      const res = await asAdmin('post', `/api/v1/shipments/${shipmentId}/dispatch`).send({ trackingNumber: 'HAND-1234' });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ trackingNumber: 'HAND-1234', status: 'Shipped' });
      expect(res.headers.location).to.equal(`/api/v1/shipments/${shipmentId}`);
      expect(await app.carrier.bookings()).to.deep.equal([]);
      expect((await eventsOf(app, 'OrderShipped', ofOrder(orderId)))[0]!.data).not.to.have.property('carrierReference');
      const body = { eventId: 'evt_x', shipmentId, reference: 'SC-SOMETHING', trackingNumber: 'HAND-1234', status: 'Delivered', occurredAt: new Date().toISOString() };
      expectProblem(await appendsNothing(app, () => report(body)), 422);
    });

    it('answers a hand-over repeated with its number 200, and one with another number 409, appending nothing', async () => {
      await start();
      const { orderId, shipmentId } = await confirmedOrder();
      const handOver = (trackingNumber: string) => asAdmin('post', `/api/v1/shipments/${shipmentId}/dispatch`).send({ trackingNumber });
      expect((await handOver('HAND-1111')).status).to.equal(200);
      const repeat = await appendsNothing(app, () => handOver('HAND-1111'));
      expect(repeat.status).to.equal(200);
      expect(repeat.body).to.include({ trackingNumber: 'HAND-1111' });
      const other = await appendsNothing(app, () => handOver('HAND-2222'));
      expectProblem(other, 409);
      expect(other.body.detail).to.include('HAND-1111');
      const booked = await asAdmin('post', `/api/v1/shipments/${shipmentId}/dispatch`);
      expect(booked.status, 'a dispatch without a number asks for none: the shipment as it is').to.equal(200);
      expect(booked.body).to.include({ trackingNumber: 'HAND-1111' });
      expect((await eventsOf(app, 'OrderShipped', ofOrder(orderId))).map((e) => e.data.trackingNumber)).to.deep.equal(['HAND-1111']);
    });
  });

  describe('when the order is cancelled while the carrier books', () => {
    it('answers the dispatch 409, ships nothing and calls the booking off, so the carrier reports nothing of it', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const held = (simulated: Carrier): Carrier => ({
        cancel: (request) => simulated.cancel(request),
        book: async (request) => {
          const answer = await simulated.book(request);
          await gate;
          return answer;
        },
      });
      await start({ carrier: held });
      const { orderId, shipmentId } = await confirmedOrder();
      const dispatching = dispatch(shipmentId).then((res) => res);
      await eventually(async () => ((await app.carrier.bookings()).length === 1 ? true : undefined));
      const cancelled = await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
      expect(cancelled.status).to.equal(202);
      release();
      expectProblem(await dispatching, 409);
      expect(await eventsOf(app, 'OrderShipped', ofOrder(orderId))).to.deep.equal([]);
      const [booking] = await app.carrier.bookings();
      expect(booking!.cancelledAt).to.be.a('string');
      const { reference, trackingNumber } = booking!.result as { reference: string; trackingNumber: string };
      await app.carrier.sendReport({ eventId: 'evt_late', shipmentId, reference, trackingNumber, status: 'InTransit', occurredAt: new Date().toISOString() });
      expect(await eventsOf(app, 'ShipmentInTransit', ofOrder(orderId))).to.deep.equal([]);
    });
  });

  describe('when the carrier refuses (postal code 00000)', () => {
    it('answers 422 naming the reason, appends no OrderShipped, shows the refusal; after a new address a dispatch books', async () => {
      await start();
      const { orderId, shipmentId } = await confirmedOrder({ ...ADDRESS, postalCode: '00000' });
      const res = await dispatch(shipmentId);
      expectProblem(res, 422);
      expect(res.body.detail).to.include('does not serve postal code 00000');
      expect(await eventsOf(app, 'OrderShipped', ofOrder(orderId))).to.deep.equal([]);
      const mine = (await app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']).map((e) => [e.type, e.data.reason]);
      expect(mine).to.deep.equal([['ShipmentBookingRequested', undefined], ['ShipmentBookingRefused', 'the carrier does not serve postal code 00000']]);
      await app.settled();
      expect((await shipmentView(shipmentId))).to.deep.include({ status: 'Preparing', trackingNumber: null });
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'Refused', reason: 'the carrier does not serve postal code 00000' });
      expect((await orderReaches(app, shopper.token, orderId, ['Confirmed'])).status).to.equal('Confirmed');
      const audit = await asAdmin('get', `/api/v1/admin/audit/orders/${orderId}`);
      expect((audit.body.timeline as Array<{ type: string }>).map((e) => e.type).filter((type) => type.startsWith('ShipmentBooking'))).to.deep.equal([
        'ShipmentBookingRequested', 'ShipmentBookingRefused',
      ]);

      const told = await eventually(async () => (await notifications(admin)).find((n) => n.type === 'ShipmentBookingRefused'));
      expect(told).to.include({ orderId, subject: `Carrier refused shipment of order ${orderId.slice(0, 8).toUpperCase()}` });
      expect((await notifications(shopper.token)).filter((n) => n.type === 'ShipmentBookingRefused')).to.deep.equal([]);

      const amended = await app.http().patch(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: ADDRESS });
      expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
      const again = await dispatch(shipmentId);
      expect(again.status, JSON.stringify(again.body)).to.equal(200);
      expect((await app.carrier.bookings()).map((b) => [b._id, b.result.outcome])).to.deep.equal([
        [`book:${shipmentId}:1`, 'refused'],
        [`book:${shipmentId}:2`, 'booked'],
      ]);
      expect(await eventsOf(app, 'OrderShipped', ofOrder(orderId))).to.have.length(1);
    });
  });

  describe('when the carrier does not answer', () => {
    it('answers 202 Booking; the booking job retries with back-off and is parked after its limit, for admins to see; nothing ships', async () => {
      await start({ carrierTimeoutMs: 50, jobs: { maxAttempts: 3, retryBaseMs: 5 } });
      const { orderId, shipmentId } = await confirmedOrder({ ...ADDRESS, postalCode: '99999' });
      const res = await dispatch(shipmentId);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      expect(res.body).to.deep.equal({ shipmentId, orderId, trackingNumber: null, status: 'Booking' });
      expect(res.headers.location).to.equal(`/api/v1/shipments/${shipmentId}`);

      const parked = await eventually(async () => {
        const page = await asAdmin('get', '/api/v1/admin/parked-jobs');
        return (page.body.items as Array<Record<string, any>>).find((job) => job.kind === 'book-shipment');
      });
      expect(parked).to.deep.include({ id: `book-shipment:${shipmentId}:1`, attempts: 3, payload: { ...parked.payload, shipmentId } });
      expect(parked.lastError).to.include('did not answer');
      expect(await eventsOf(app, 'OrderShipped', ofOrder(orderId))).to.deep.equal([]);
      expect(await app.carrier.bookings()).to.deep.equal([]);
      await app.settled();
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'Booking' });
      // A second dispatch asks nothing new of the carrier while the first booking is open.
      const again = await dispatch(shipmentId);
      expect(again.status).to.equal(202);
      expect(await eventsOf(app, 'ShipmentBookingRequested', ofOrder(orderId))).to.have.length(1);
    });

    it('books through the job once the carrier answers again: 202, then shipped once', async () => {
      let silent = 2;
      const waking = (simulated: Carrier): Carrier => ({
        cancel: (request) => simulated.cancel(request),
        book: (request) => {
          if (silent <= 0) return simulated.book(request);
          silent -= 1;
          return new Promise((_resolve, reject) => request.signal?.addEventListener('abort', () => reject(request.signal!.reason), { once: true }));
        },
      });
      await start({ carrierTimeoutMs: 50, carrier: waking, jobs: { maxAttempts: 5, retryBaseMs: 5 } });
      const { orderId, shipmentId } = await confirmedOrder();
      expect((await dispatch(shipmentId)).status).to.equal(202);
      const shipped = await orderReaches(app, shopper.token, orderId, ['Shipped']);
      const [booking] = await app.carrier.bookings();
      expect(shipped.shipment.trackingNumber).to.equal((booking!.result as { trackingNumber: string }).trackingNumber);
      const events = await eventsOf(app, 'OrderShipped', ofOrder(orderId));
      expect(events).to.have.length(1);
      expect(events[0]!.metadata.actor).to.equal('job:book-shipment');
      expect(silent).to.equal(0);
    });
  });

  describe('the webhook', () => {
    it('records a report once: a repeated event id answers 200 duplicate and appends nothing', async () => {
      await start();
      const { orderId, shipmentId, reportOf } = await shippedOrder();
      const body = reportOf('evt_transit_1', 'InTransit');
      const first = await report(body);
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.body).to.deep.equal({ eventId: 'evt_transit_1', shipmentId, orderId, status: 'InTransit', duplicate: false });
      for (const repeat of [body, { ...body, status: 'Delivered' }]) {
        const again = await appendsNothing(app, () => report(repeat));
        expect(again.status).to.equal(200);
        expect(again.body).to.include({ eventId: 'evt_transit_1', duplicate: true });
      }
      expect(await eventsOf(app, 'ShipmentInTransit', ofOrder(orderId))).to.have.length(1);
      expect(await eventsOf(app, 'ShipmentDelivered', ofOrder(orderId))).to.deep.equal([]);
      await app.settled();
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'InTransit' });
    });

    it('answers 401 and appends nothing to a report not signed by the carrier, or signed too long ago or ahead', async () => {
      await start();
      const { orderId, reportOf } = await shippedOrder();
      const text = JSON.stringify(reportOf('evt_forged', 'Delivered'));
      const now = Math.floor(Date.now() / 1000);
      const post = (headers: Record<string, string>, body = text) => app.http().post('/api/v1/carrier/events').set(headers).set('Content-Type', 'application/json').send(body);
      const cases: Array<[string, () => Promise<import('supertest').Response>]> = [
        ['no signature at all', () => post({})],
        ['no timestamp', () => post({ 'X-Carrier-Signature': signatureOf(CARRIER_SECRET, String(now), text) })],
        ['signed with another secret', () => post(signedHeaders('another-secret-of-enough-length', text, new Date()))],
        ['a signature of another body', () => post(signedHeaders(CARRIER_SECRET, text, new Date()), text.replace('Delivered', 'InTransit'))],
        ['a signature cut short', () => post({ 'X-Carrier-Timestamp': String(now), 'X-Carrier-Signature': signatureOf(CARRIER_SECRET, String(now), text).slice(0, -2) })],
        ['a signature for another timestamp', () => post({ 'X-Carrier-Timestamp': String(now + 1), 'X-Carrier-Signature': signatureOf(CARRIER_SECRET, String(now), text) })],
        ['signed 6 minutes ago', () => report(JSON.parse(text), new Date(Date.now() - 6 * 60_000))],
        ['signed 6 minutes ahead', () => report(JSON.parse(text), new Date(Date.now() + 6 * 60_000))],
      ];
      for (const [what, act] of cases) {
        const res = await appendsNothing(app, act);
        expect(res.status, what).to.equal(401);
        expectProblem(res, 401);
      }
      // Within the window is fine: a clock 4 minutes off still delivers.
      expect((await report(JSON.parse(text), new Date(Date.now() - 4 * 60_000))).status).to.equal(200);
      expect(await eventsOf(app, 'ShipmentDelivered', ofOrder(orderId))).to.have.length(1);
    });

    it('answers 404 for a shipment it does not know and 422 for a reference it was not shipped under, appending nothing', async () => {
      await start();
      const { reportOf } = await shippedOrder();
      expectProblem(await appendsNothing(app, () => report(reportOf('evt_a', 'InTransit', { shipmentId: '3f2b8c4e-9a7d-4e1f-8b6a-0c5d2e7f9a1b' }))), 404);
      expectProblem(await appendsNothing(app, () => report(reportOf('evt_b', 'InTransit', { reference: 'SC-NOT-OURS' }))), 422);
    });

    it('answers 400 naming the field for a signed report with a status it does not know, appending nothing', async () => {
      await start();
      const { reportOf } = await shippedOrder();
      const res = await appendsNothing(app, () => report(reportOf('evt_c', 'Lost')));
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['status']);
    });

    it('tells the customer and every admin when a delivery failed, once, and the shipment shows it; the order stays shipped', async () => {
      await start();
      const { orderId, shipmentId, reportOf } = await shippedOrder();
      const body = reportOf('evt_failed_1', 'DeliveryFailed', { reason: 'nobody was home' });
      expect((await report(body)).status).to.equal(200);
      const [failed, ...more] = await eventsOf(app, 'ShipmentDeliveryFailed', ofOrder(orderId));
      expect(more).to.deep.equal([]);
      expect(failed!.data).to.include({ shipmentId, reason: 'nobody was home', carrierEventId: 'evt_failed_1' });

      const customerEmail = await eventually(async () => (await notifications(shopper.token)).find((n) => n.type === 'ShipmentDeliveryFailed'));
      expect(customerEmail).to.include({ orderId, subject: `We could not deliver your order ${orderId.slice(0, 8).toUpperCase()}` });
      const adminEmail = await eventually(async () => (await notifications(admin)).find((n) => n.type === 'ShipmentDeliveryFailed'));
      expect(adminEmail).to.include({ orderId, subject: `Delivery failed: order ${orderId.slice(0, 8).toUpperCase()}` });

      await appendsNothing(app, () => report(body));
      await app.settled();
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'DeliveryFailed', reason: 'nobody was home' });
      expect((await orderReaches(app, shopper.token, orderId, ['Shipped'])).status).to.equal('Shipped');
      // Delivered at the second try: the order is delivered.
      expect((await report(reportOf('evt_delivered_2', 'Delivered'))).status).to.equal(200);
      await orderReaches(app, shopper.token, orderId, ['Delivered']);
    });

    it('is sent by the simulated carrier for postal code 99998: in transit, then the delivery fails', async () => {
      await start({ carrierTransitMs: 10, carrierDeliveryMs: 10, jobs: { maxAttempts: 12, retryBaseMs: 20 } });
      const { orderId } = await confirmedOrder({ ...ADDRESS, postalCode: '99998' });
      const { shipmentId } = await eventually(async () => (await eventsOf(app, 'ShipmentPrepared', ofOrder(orderId)))[0]?.data as { shipmentId: string } | undefined);
      expect((await dispatch(shipmentId)).status).to.equal(200);
      await eventually(async () => ((await eventsOf(app, 'ShipmentDeliveryFailed', ofOrder(orderId))).length === 1 ? true : undefined), 30_000);
      await eventually(async () => ((await eventsOf(app, 'ShipmentInTransit', ofOrder(orderId))).length === 1 ? true : undefined), 30_000);
      await app.settled();
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'DeliveryFailed', reason: 'nobody was home to take the parcel' });
      expect(await eventsOf(app, 'OrderDelivered', ofOrder(orderId))).to.deep.equal([]);
    });
  });
});
