/**
 * The carrier's webhook through HTTP: a report recorded once, refused when not signed by the carrier (or signed
 * too long ago), for an unknown shipment or status; a failed delivery told to the customer and admins; and the
 * reports the simulated carrier sends itself.
 */
import { expect } from 'chai';
import { signedHeaders, signatureOf } from '../../src/infrastructure/carrier/webhook-signature.js';
import { ADDRESS, eventsOf, orderReaches, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, CARRIER_SECRET, expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';
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
  const { dispatch, shipmentView, notifications, ofOrder, confirmedOrder, report, shippedOrder } = carrierHelpers(() => ({ app, admin, shopper }));

  describe('the webhook', () => {
    it('records a report once: a repeated event id answers 200 duplicate, with the status recorded then, and appends nothing', async () => {
      await start();
      const { orderId, shipmentId, reportOf } = await shippedOrder();
      const body = reportOf('evt_transit_1', 'InTransit');
      const first = await report(body);
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.body).to.deep.equal({ eventId: 'evt_transit_1', shipmentId, orderId, status: 'InTransit', recorded: true, duplicate: false });
      const revision = (await eventsOf(app, 'ShipmentInTransit', ofOrder(orderId)))[0]!.revision;
      expect(first.headers.etag).to.equal(`"${revision}"`);
      for (const repeat of [body, { ...body, status: 'Delivered' }]) {
        const again = await appendsNothing(app, () => report(repeat));
        expect(again.status).to.equal(200);
        expect(again.body).to.deep.equal({ eventId: 'evt_transit_1', shipmentId, orderId, status: 'InTransit', recorded: false, duplicate: true });
        expect(again.headers.etag).to.equal(`"${revision}"`);
      }
      expect(await eventsOf(app, 'ShipmentInTransit', ofOrder(orderId))).to.have.length(1);
      expect(await eventsOf(app, 'ShipmentDelivered', ofOrder(orderId))).to.deep.equal([]);
      await app.settled();
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'InTransit' });
    });

    it('records nothing once the parcel was delivered: a later report answers 200, neither recorded nor a duplicate, and emails nobody', async () => {
      await start();
      const { orderId, shipmentId, reportOf } = await shippedOrder();
      expect((await report(reportOf('evt_delivered_1', 'Delivered'))).status).to.equal(200);
      await orderReaches(app, shopper.token, orderId, ['Delivered']);
      for (const [eventId, status] of [['evt_late_failed', 'DeliveryFailed'], ['evt_late_transit', 'InTransit'], ['evt_delivered_again', 'Delivered']] as const) {
        const late = await appendsNothing(app, () => report(reportOf(eventId, status, status === 'DeliveryFailed' ? { reason: 'nobody was home' } : {})));
        expect(late.status, eventId).to.equal(200);
        expect(late.body).to.deep.equal({ eventId, shipmentId, orderId, status, recorded: false, duplicate: false });
      }
      // A repeat of the delivery's own event id is still a duplicate.
      expect((await appendsNothing(app, () => report(reportOf('evt_delivered_1', 'Delivered')))).body).to.include({ recorded: false, duplicate: true });
      await app.settled();
      expect((await notifications(shopper.token)).map((n) => n.type)).not.to.include('ShipmentDeliveryFailed');
      expect((await notifications(admin)).map((n) => n.type)).not.to.include('ShipmentDeliveryFailed');
      expect((await shipmentView(shipmentId)).carrier).to.deep.include({ status: 'Delivered' });
      expect((await orderReaches(app, shopper.token, orderId, ['Delivered'])).status).to.equal('Delivered');
    });

    it('records nothing either once an admin delivered the order by hand', async () => {
      await start();
      const { orderId, shipmentId, reportOf } = await shippedOrder();
      const delivered = await app.http().post(`/api/v1/shipments/${shipmentId}/deliver`).set('Authorization', `Bearer ${admin}`).send();
      expect(delivered.status, JSON.stringify(delivered.body)).to.equal(200);
      const late = await appendsNothing(app, () => report(reportOf('evt_failed_after_hand', 'DeliveryFailed', { reason: 'nobody was home' })));
      expect(late.status).to.equal(200);
      expect(late.body).to.deep.equal({ eventId: 'evt_failed_after_hand', shipmentId, orderId, status: 'DeliveryFailed', recorded: false, duplicate: false });
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
      const otherParcel = await appendsNothing(app, () => report(reportOf('evt_b2', 'InTransit', { trackingNumber: 'TRKWRONG0000' })));
      expectProblem(otherParcel, 422);
      expect(otherParcel.body.detail).to.include('tracking number TRKWRONG0000');
    });

    it('answers 422 to a report dated ahead of the clock by more than the signature may be (it would outrank every later report), 400 naming occurredAt to one at a time that does not exist, appending nothing', async () => {
      await start();
      const { reportOf } = await shippedOrder();
      const ahead = new Date(Date.now() + 10 * 60_000).toISOString();
      for (const occurredAt of [ahead, '2099-01-01T00:00:00Z']) {
        const res = await appendsNothing(app, () => report(reportOf('evt_future', 'InTransit', { occurredAt })));
        expectProblem(res, 422);
        expect(res.body.detail).to.include('later than now by more than 5 minutes');
      }
      for (const occurredAt of ['2026-01-31T12:00:60Z', '2026-13-01T00:00:00Z', '2026-01-31T12:00:00+24:00', '2999-01-01T00:00:00+99:99']) {
        const res = await appendsNothing(app, () => report(reportOf('evt_unreal', 'InTransit', { occurredAt })));
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['occurredAt']);
      }
      const nearlyNow = new Date(Date.now() + 60_000).toISOString();
      expect((await report(reportOf('evt_skewed', 'InTransit', { occurredAt: nearlyNow }))).status, 'a minute of clock difference is taken').to.equal(200);
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
