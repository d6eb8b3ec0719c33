/**
 * Dispatch through HTTP books with the (simulated) carrier: its tracking number, the carrier's signed reports
 * taking the order to Delivered, a repeated dispatch, and an admin's hand-over with a number of their own.
 * When booking goes wrong: carrier-booking-failures; the webhook's refusals: carrier-webhook.
 */
import { expect } from 'chai';
import { eventsOf, orderReaches, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
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
  const { asAdmin, dispatch, shipmentView, notifications, ofOrder, confirmedOrder, report } = carrierHelpers(() => ({ app, admin, shopper }));

  describe('dispatch', () => {
    it('books with the carrier (200, its tracking number), and its signed reports take the order to Delivered with the review invitation', async function () {
      // Its own waits allow 30 s (a report's retries back off): mocha's 20 s cut it short once, in a fresh-clone CI run beside the browser tests.
      this.timeout(60_000);
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
});
