import { expect } from 'chai';
import type { BookingRequest, Carrier } from '../../src/infrastructure/carrier/carrier.js';
import { ADDRESS, addToCart, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A dispatch books the order's address with the carrier while the customer may still amend it:
 * whichever the order stream took first, the parcel goes where the order says.
 */
describe('a carrier booking when the order is amended or cancelled while the carrier books', () => {
  let app: TestApp;
  afterEach(async () => app?.close());

  const NEW_ADDRESS = { line1: '9 Other Road', city: 'Shelbyville', postalCode: '54321', country: 'US' };

  /** The simulated carrier, holding its first answer until `release`; every address it was asked to book, by key. */
  const heldCarrier = () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const asked: Array<[string, BookingRequest['address']]> = [];
    const wrap = (simulated: Carrier): Carrier => ({
      cancel: (request) => simulated.cancel(request),
      book: async (request) => {
        asked.push([request.idempotencyKey, request.address]);
        const answer = await simulated.book(request);
        if (asked.length === 1) await gate;
        return answer;
      },
    });
    return { wrap, asked, release };
  };

  /** The simulated carrier, whose first booking is made but whose answer never comes back (as when the process dies meanwhile): that request answers 202. */
  const losingFirstAnswer = () => {
    let first = true;
    return (simulated: Carrier): Carrier => ({
      cancel: (request) => simulated.cancel(request),
      book: async (request) => {
        if (!first) return simulated.book(request);
        first = false;
        await simulated.book(request);
        return new Promise((_resolve, reject) => request.signal?.addEventListener('abort', () => reject(request.signal?.reason), { once: true }));
      },
    });
  };

  const confirmedOrder = async (admin: string, shopper: Shopper) => {
    const { productId } = await stockedProduct(app, admin, 5);
    await addToCart(app, shopper, productId, 1);
    const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const orderId = placed.body.orderId as string;
    const order = await eventually(async () => {
      const confirmed = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
      return confirmed.shipment ? confirmed : undefined;
    });
    return { orderId, shipmentId: order.shipment.shipmentId as string };
  };

  it('calls the booking of the old address off, books the new one and ships under it (200), once', async () => {
    const carrier = heldCarrier();
    app = await startTestApp({ carrier: carrier.wrap });
    const admin = await app.adminToken();
    const shopper = await app.customer();
    const { orderId, shipmentId } = await confirmedOrder(admin, shopper);

    const dispatching = app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send().then((res) => res);
    await eventually(async () => ((await app.carrier.bookings()).length === 1 ? true : undefined));
    const amended = await app.http().patch(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: NEW_ADDRESS });
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    carrier.release();
    const res = await dispatching;
    expect(res.status, JSON.stringify(res.body)).to.equal(200);

    expect(carrier.asked).to.deep.equal([
      [`book:${shipmentId}:1`, ADDRESS],
      [`book:${shipmentId}:1:a1`, NEW_ADDRESS],
    ]);
    const bookings = await app.carrier.bookings();
    const byKey = new Map(bookings.map((b) => [b._id, b]));
    expect(byKey.get(`book:${shipmentId}:1`)!.cancelledAt, 'the old address is called off').to.be.a('string');
    const kept = byKey.get(`book:${shipmentId}:1:a1`)!;
    expect(kept.cancelledAt).to.equal(undefined);
    const shipped = await eventsOf(app, 'OrderShipped', (e) => e.data.orderId === orderId);
    expect(shipped).to.have.length(1);
    expect(shipped[0]!.data.carrierReference).to.equal((kept.result as { reference: string }).reference);
    expect(res.body.trackingNumber).to.equal(shipped[0]!.data.trackingNumber);
  });

  it("calls off a booking of the old address whose answer was lost, when the booking job books the amended one", async () => {
    app = await startTestApp({ carrier: losingFirstAnswer(), carrierTimeoutMs: 500, jobs: { retryBaseMs: 20 } });
    const admin = await app.adminToken();
    const shopper = await app.customer();
    const { orderId, shipmentId } = await confirmedOrder(admin, shopper);
    const dispatching = app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send().then((res) => res);
    await eventually(async () => ((await app.carrier.bookings()).length === 1 ? true : undefined));
    const amended = await app.http().patch(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: NEW_ADDRESS });
    expect(amended.status, JSON.stringify(amended.body)).to.equal(200);
    const res = await dispatching;
    expect(res.status, JSON.stringify(res.body)).to.equal(202);

    const [shipped] = await eventually(async () => {
      const found = await eventsOf(app, 'OrderShipped', (e) => e.data.orderId === orderId);
      return found.length > 0 ? found : undefined;
    });
    const byKey = new Map((await app.carrier.bookings()).map((b) => [b._id, b]));
    expect([...byKey.keys()].sort()).to.deep.equal([`book:${shipmentId}:1`, `book:${shipmentId}:1:a1`]);
    expect(byKey.get(`book:${shipmentId}:1`)!.cancelledAt, 'the old address is called off').to.be.a('string');
    const kept = byKey.get(`book:${shipmentId}:1:a1`)!;
    expect(kept.cancelledAt).to.equal(undefined);
    expect(shipped!.data.carrierReference).to.equal((kept.result as { reference: string }).reference);
    expect(await eventsOf(app, 'OrderShipped', (e) => e.data.orderId === orderId)).to.have.length(1);
  });

  it('calls off a booking whose answer was lost when the order was cancelled meanwhile: the booking job books nothing', async () => {
    app = await startTestApp({ carrier: losingFirstAnswer(), carrierTimeoutMs: 500, jobs: { retryBaseMs: 20 } });
    const admin = await app.adminToken();
    const shopper = await app.customer();
    const { orderId, shipmentId } = await confirmedOrder(admin, shopper);
    const dispatching = app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send().then((res) => res);
    await eventually(async () => ((await app.carrier.bookings()).length === 1 ? true : undefined));
    const cancelled = await app.http().post(`/api/v1/orders/${orderId}/cancel`).set('Authorization', `Bearer ${shopper.token}`);
    expect(cancelled.status).to.equal(202);
    expect((await dispatching).status).to.equal(202);
    const [booking] = await eventually(async () => {
      const bookings = await app.carrier.bookings();
      return bookings[0]?.cancelledAt ? bookings : undefined;
    });
    expect(booking!._id).to.equal(`book:${shipmentId}:1`);
    expect(await eventsOf(app, 'OrderShipped', (e) => e.data.orderId === orderId)).to.deep.equal([]);
  });

  it('an amendment after the order shipped is refused (409) and the booking stands', async () => {
    app = await startTestApp();
    const admin = await app.adminToken();
    const shopper = await app.customer();
    const { orderId, shipmentId } = await confirmedOrder(admin, shopper);
    const res = await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`).send();
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const amended = await app.http().patch(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${shopper.token}`).send({ shippingAddress: NEW_ADDRESS });
    expect(amended.status).to.equal(409);
    expect(amended.headers['content-type']).to.match(/application\/problem\+json/);
    const [booking, ...more] = await app.carrier.bookings();
    expect(more).to.deep.equal([]);
    expect(booking).to.deep.include({ _id: `book:${shipmentId}:1` });
    expect(booking!.cancelledAt).to.equal(undefined);
  });
});
