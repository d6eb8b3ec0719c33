/**
 * Booking with the carrier going wrong, through HTTP: the order cancelled while the carrier books,
 * the carrier refusing an address, and the carrier not answering (retries, parking, and booking once it wakes).
 */
import { expect } from 'chai';
import type { Carrier } from '../../src/infrastructure/carrier/carrier.js';
import { ADDRESS, eventsOf, orderReaches, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
import { carrierHelpers } from './carrier-fixture.js';

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
  const { asAdmin, dispatch, shipmentView, notifications, ofOrder, confirmedOrder } = carrierHelpers(() => ({ app, admin, shopper }));

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
});
