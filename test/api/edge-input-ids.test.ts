/**
 * Ids are UUIDs, and a UUID typed in upper case is the same id (src/api/input/ids.ts): in a path, a query
 * string or a body, nested or not, every route answers it as it answers the lower-case form, and the log
 * only ever holds the lower-case one.
 */
import { expect } from 'chai';
import { signedHeaders } from '../../src/infrastructure/carrier/webhook-signature.js';
import { ADDRESS, eventsOf, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { CARRIER_SECRET, startTestApp, type TestApp } from '../support/test-app.js';

type Case = (id: (value: string) => string) => { url: string; token?: string };
const UP = (value: string) => value.toUpperCase();
const SAME = (value: string) => value;

describe('Ids in upper case', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let other: Shopper;
  /** Every id the cases use, to look for their upper-case forms in the log at the end. */
  const ids: Record<string, string> = {};

  const as = (token: string) => ({
    get: (url: string) => app.http().get(url).set('Authorization', `Bearer ${token}`),
    post: (url: string) => app.http().post(url).set('Authorization', `Bearer ${token}`),
    patch: (url: string) => app.http().patch(url).set('Authorization', `Bearer ${token}`),
    put: (url: string) => app.http().put(url).set('Authorization', `Bearer ${token}`),
    delete: (url: string) => app.http().delete(url).set('Authorization', `Bearer ${token}`),
  });
  const ok = (res: { status: number; body: unknown }, status: number) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    return res.body as Record<string, any>;
  };
  const report = (body: Record<string, unknown>) => {
    const text = JSON.stringify(body);
    return app.http().post('/api/v1/carrier/events').set(signedHeaders(CARRIER_SECRET, text, new Date())).set('Content-Type', 'application/json').send(text);
  };

  // The writes, each sent with the ids in upper case, in the order a shopper's life takes them.
  before(async function () {
    this.timeout(60_000);
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer('Ada');
    other = await app.customer('Bo');
    ids.customer = shopper.customerId;
    ids.product = (await stockedProduct(app, admin, 50)).productId;
    ids.second = (await stockedProduct(app, admin, 50)).productId;
    ids.soldOut = (await stockedProduct(app, admin, 0)).productId;
    ids.method = ok(await as(shopper.token).post('/api/v1/account/me/payment-methods').send({ token: 'tok_visa' }), 201).paymentMethodId;

    // POST /cart/items and POST /checkout: ids in the body, nested in the payment method.
    ok(await as(shopper.token).post('/api/v1/cart/items').send({ productId: UP(ids.product), quantity: 1 }), 200);
    const placed = ok(await as(shopper.token).post('/api/v1/checkout').send({ shippingAddress: ADDRESS, paymentMethod: { paymentMethodId: UP(ids.method) } }), 202);
    ids.order = placed.orderId;
    const order = await eventually(async () => {
      const confirmed = await orderReaches(app, shopper.token, ids.order!, ['Confirmed']);
      return confirmed.shipment ? confirmed : undefined;
    });
    ids.payment = order.payment.paymentId;
    ids.shipment = order.shipment.shipmentId;

    // Dispatch through the carrier, its report (shipmentId in a signed body), then delivery: ids in the path and the body.
    ok(await as(admin).post(`/api/v1/shipments/${UP(ids.shipment!)}/dispatch`).send(), 200);
    const [shipped] = await eventsOf(app, 'OrderShipped', (e) => e.data.orderId === ids.order);
    const { carrierReference, trackingNumber } = shipped!.data as { carrierReference: string; trackingNumber: string };
    const transit = { eventId: 'evt-ids-1', reference: carrierReference, trackingNumber, status: 'InTransit', occurredAt: new Date().toISOString() };
    const reported = ok(await report({ ...transit, shipmentId: UP(ids.shipment!) }), 200);
    expect(reported).to.include({ shipmentId: ids.shipment, orderId: ids.order, duplicate: false });
    expect(ok(await report({ ...transit, shipmentId: ids.shipment }), 200), 'the same report in lower case is its repeat').to.include({ duplicate: true });
    ok(await as(admin).post(`/api/v1/shipments/${UP(ids.shipment!)}/deliver`), 200);

    // POST /reviews with the product in upper case is the same review as in lower case: created once, replaced after.
    const created = ok(await as(shopper.token).post('/api/v1/reviews').send({ productId: UP(ids.product), rating: 4, text: 'Sturdy.' }), 201);
    expect(created).to.include({ productId: ids.product });
    ids.review = created.reviewId;
    expect(ok(await as(shopper.token).post('/api/v1/reviews').send({ productId: ids.product, rating: 5, text: 'Sturdy.' }), 200)).to.include({ reviewId: ids.review });

    // POST /subscriptions: ids nested in the items, and the payment method.
    const subscription = ok(
      await as(shopper.token).post('/api/v1/subscriptions').send({ items: [{ productId: UP(ids.product), quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: UP(ids.method) }),
      201,
    );
    expect(subscription).to.deep.include({ items: [{ productId: ids.product, quantity: 1 }], paymentMethodId: ids.method });
    ids.subscription = subscription.subscriptionId;
    await app.settled();
  });
  after(async () => app.close());

  describe('a read', () => {
    const reads: Record<string, Case> = {
      'GET /products/:id': (id) => ({ url: `/api/v1/products/${id(ids.product!)}` }),
      'GET /reviews?productId': (id) => ({ url: `/api/v1/reviews?productId=${id(ids.product!)}` }),
      'GET /reviews/:id': (id) => ({ url: `/api/v1/reviews/${id(ids.review!)}` }),
      'GET /recommendations?productId': (id) => ({ url: `/api/v1/recommendations?productId=${id(ids.product!)}` }),
      'GET /orders/:id': (id) => ({ url: `/api/v1/orders/${id(ids.order!)}`, token: shopper.token }),
      'GET /orders?customerId (admin)': (id) => ({ url: `/api/v1/orders?customerId=${id(ids.customer!)}`, token: admin }),
      'GET /orders?customerId (their own)': (id) => ({ url: `/api/v1/orders?customerId=${id(ids.customer!)}`, token: shopper.token }),
      'GET /payments/:id': (id) => ({ url: `/api/v1/payments/${id(ids.payment!)}`, token: shopper.token }),
      'GET /shipments/:id': (id) => ({ url: `/api/v1/shipments/${id(ids.shipment!)}`, token: admin }),
      'GET /subscriptions/:id': (id) => ({ url: `/api/v1/subscriptions/${id(ids.subscription!)}`, token: shopper.token }),
      'GET /subscriptions?customerId (admin)': (id) => ({ url: `/api/v1/subscriptions?customerId=${id(ids.customer!)}`, token: admin }),
      'GET /admin/audit/orders/:id': (id) => ({ url: `/api/v1/admin/audit/orders/${id(ids.order!)}`, token: admin }),
    };
    for (const [route, read] of Object.entries(reads)) {
      it(`${route} answers the upper-case id as the lower-case one`, async () => {
        const get = ({ url, token }: { url: string; token?: string }) => (token ? as(token).get(url) : app.http().get(url));
        const lower = await get(read(SAME));
        const upper = await get(read(UP));
        expect(lower.status, JSON.stringify(lower.body)).to.equal(200);
        expect(upper.status, JSON.stringify(upper.body)).to.equal(200);
        expect(upper.body).to.deep.equal(lower.body);
        expect(upper.headers.etag).to.equal(lower.headers.etag);
        expect(JSON.stringify(upper.body), 'the answer names the ids in lower case').not.to.include(UP(ids.product!));
      });
    }

    it('finds what the upper-case writes made: the review listed, the order and the subscription in the customer\'s lists', async () => {
      expect((await app.http().get(`/api/v1/reviews?productId=${UP(ids.product!)}`)).body).to.include({ total: 1, count: 1 });
      expect((await as(admin).get(`/api/v1/orders?customerId=${UP(ids.customer!)}`)).body.total).to.equal(1);
      expect((await as(admin).get(`/api/v1/subscriptions?customerId=${UP(ids.customer!)}`)).body.total).to.equal(1);
    });
  });

  describe('a write', () => {
    it('changes and removes a cart line named in upper case, as a line added in lower case', async () => {
      const lower = ok(await as(other.token).post('/api/v1/cart/items').send({ productId: ids.second, quantity: 2 }), 200);
      const upper = ok(await as(shopper.token).post('/api/v1/cart/items').send({ productId: UP(ids.second!), quantity: 2 }), 200);
      expect(upper.items).to.deep.equal(lower.items);
      expect(ok(await as(shopper.token).patch(`/api/v1/cart/items/${UP(ids.second!)}`).send({ quantity: 3 }), 200).items[0]).to.include({ productId: ids.second, quantity: 3 });
      expect(ok(await as(shopper.token).delete(`/api/v1/cart/items/${UP(ids.second!)}`), 200).items).to.deep.equal([]);
    });

    it('changes, pauses, resumes, skips and cancels a subscription named in upper case, with ids in upper case in its body', async () => {
      const path = `/api/v1/subscriptions/${UP(ids.subscription!)}`;
      const changed = ok(await as(shopper.token).patch(path).send({ items: [{ productId: UP(ids.second!), quantity: 2 }], paymentMethodId: UP(ids.method!) }), 200);
      expect(changed).to.deep.include({ subscriptionId: ids.subscription, items: [{ productId: ids.second, quantity: 2 }], paymentMethodId: ids.method });
      for (const [step, status] of [['pause', 'Paused'], ['resume', 'Active'], ['skip', 'Active'], ['cancel', 'Cancelled']] as const) {
        expect(ok(await as(shopper.token).post(`${path}/${step}`), 200), step).to.include({ subscriptionId: ids.subscription, status });
      }
    });

    it('amends and cancels an order, and makes default and removes a payment method, named in upper case', async () => {
      ok(await as(shopper.token).post('/api/v1/cart/items').send({ productId: UP(ids.second!), quantity: 1 }), 200);
      const orderId = ok(await as(shopper.token).post('/api/v1/checkout').send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } }), 202).orderId as string;
      ids.amended = orderId;
      const amended = ok(await as(shopper.token).patch(`/api/v1/orders/${UP(orderId)}`).send({ shippingAddress: { ...ADDRESS, line1: '2 Elm St' } }), 200);
      expect(amended).to.include({ orderId });
      expect(ok(await as(shopper.token).post(`/api/v1/orders/${UP(orderId)}/cancel`), 202)).to.include({ orderId, status: 'Cancelled' });

      const card = ok(await as(shopper.token).post('/api/v1/account/me/payment-methods').send({ token: 'tok_mastercard' }), 201).paymentMethodId as string;
      ids.card = card;
      ok(await as(shopper.token).post(`/api/v1/account/me/payment-methods/${UP(card)}/default`), 200);
      ok(await as(shopper.token).delete(`/api/v1/account/me/payment-methods/${UP(card)}`), 200);
      await app.settled();
      const left = ok(await as(shopper.token).get('/api/v1/account/me/payment-methods'), 200).items as Array<{ paymentMethodId: string }>;
      expect(left.map((m) => m.paymentMethodId)).to.deep.equal([ids.method]);
    });

    it('renames a product, asks to be told when one is back, changes a role and erases a customer, named in upper case', async () => {
      expect(ok(await as(admin).patch(`/api/v1/products/${UP(ids.product!)}`).send({ name: 'Renamed' }), 200)).to.include({ productId: ids.product, name: 'Renamed' });
      expect(ok(await as(other.token).post(`/api/v1/products/${UP(ids.soldOut!)}/notify-me`), 202)).to.include({ productId: ids.soldOut });
      const promoted = await app.customer('Cy');
      ids.promoted = promoted.customerId;
      expect(ok(await as(admin).put(`/api/v1/admin/customers/${UP(promoted.customerId)}/role`).send({ role: 'admin' }), 200)).to.deep.equal({ customerId: promoted.customerId, role: 'admin' });
      const leaving = await app.customer('Di');
      ids.erased = leaving.customerId;
      expect(ok(await as(admin).post(`/api/v1/admin/customers/${UP(leaving.customerId)}/erase`), 202)).to.include({ customerId: leaving.customerId });
    });

    it('appends the ids in lower case only: no event of the log holds one in upper case', async () => {
      const log = JSON.stringify((await app.events()).map((event) => [event.streamName, event.data]));
      for (const [name, id] of Object.entries(ids)) expect(log.includes(UP(id)), `${name} ${id} in upper case`).to.equal(false);
      expect(log).to.include(ids.subscription);
    });
  });
});
