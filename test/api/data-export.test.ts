import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type supertest from 'supertest';
import { dataExportRoutes } from '../../src/api/routes/data-export.js';
import { registerCustomer } from '../../src/commands/accounts.js';
import { normalizeEmail } from '../../src/domain/customer/customer.js';
import type { EventStore, ReadStreamOptions } from '../../src/infrastructure/event-store/event-store.js';
import { prepareExport, WITHHELD_FIELDS } from '../../src/privacy/export.js';
import { ADDRESS, addToCart, buy, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The data export (issue 17, part 4; GDPR art. 20): GET /api/v1/account/me/export on the
 * embedded stores: everything the shop holds about the signed-in customer, their events in
 * clear, nothing of anyone else's, no credential, streamed a page of events at a time.
 */

const NAME = 'Zebulon Quixwright';
const STREET = '77 Marmalade Crescent';
const LABEL = 'Quixwright household card';
const REVIEW = 'Splendidly quixotic widget';

describe('HTTP data export', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const as = (who: Shopper) => ({ Authorization: `Bearer ${who.token}` });
  const exportOf = (who: Shopper) => app.http().get('/api/v1/account/me/export').set(as(who));
  const ok = (res: supertest.Response) => {
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).to.equal(200);
    return res.body as Record<string, any>;
  };
  const post = async (who: Shopper | string, url: string, body: object, status: number) => {
    const res = await app.http().post(url).set('Authorization', `Bearer ${typeof who === 'string' ? who : who.token}`).send(body);
    expect(res.status, `${url}: ${JSON.stringify(res.body)}`).to.equal(status);
    return res.body as Record<string, any>;
  };
  /** Buys one unit, dispatched and delivered by the shop. */
  const receive = async (shopper: Shopper, productId: string) => {
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
    for (const step of ['dispatch', 'deliver']) await post(admin, `/api/v1/shipments/${shipmentId}/${step}`, {}, 200);
    return { orderId, shipmentId };
  };

  /** A customer with a bit of everything: address, payment method, a delivered order, a review, a subscription, a cart, a notify-me request. */
  const busyCustomer = async () => {
    const shopper = await app.customer(NAME);
    const { productId } = await stockedProduct(app, admin, 20);
    const soldOut = await stockedProduct(app, admin, 0);
    await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: STREET }, 201);
    const method = await post(shopper, '/api/v1/account/me/payment-methods', { token: 'tok_visa', label: LABEL }, 201);
    const { orderId, shipmentId } = await receive(shopper, productId);
    await post(shopper, '/api/v1/reviews', { productId, rating: 5, text: REVIEW }, 201);
    const subscription = await post(shopper, '/api/v1/subscriptions', { items: [{ productId, quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: method.paymentMethodId }, 201);
    await post(shopper, `/api/v1/products/${soldOut.productId}/notify-me`, {}, 202);
    await addToCart(app, shopper, productId, 2);
    await app.settled();
    // The notifications of the order (placed, shipped, delivered...) are sent by jobs: wait for some.
    await eventually(async () => ((await app.http().get('/api/v1/account/me/notifications').set(as(shopper))).body.total >= 2 ? true : undefined));
    return { shopper, productId, soldOut, orderId, shipmentId, paymentMethodId: method.paymentMethodId as string, subscriptionId: subscription.subscriptionId as string };
  };

  it('answers a JSON download of everything the shop holds about the customer, appending nothing', async () => {
    const { shopper, productId, soldOut, orderId, shipmentId, paymentMethodId, subscriptionId } = await busyCustomer();
    const res = await appendsNothing(app, () => exportOf(shopper));
    const body = ok(res);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="export-${new Date().toISOString().slice(0, 10)}.json"`);
    expect(res.headers['cache-control']).to.equal('private, no-store');

    expect(body.customerId).to.equal(shopper.customerId);
    expect(body.profile).to.include({ customerId: shopper.customerId, email: shopper.email, name: NAME, role: 'customer' });
    expect(body.profile.addresses.map((a: { line1: string }) => a.line1)).to.deep.equal([STREET]);
    expect(body.paymentMethods).to.deep.equal([{ paymentMethodId, brand: 'visa', last4: '4242', label: LABEL, isDefault: true }]);
    expect(body.cart.items.map((i: { productId: string; quantity: number }) => [i.productId, i.quantity])).to.deep.equal([[productId, 2]]);
    expect(body.orders.map((o: { orderId: string; status: string }) => [o.orderId, o.status])).to.deep.equal([[orderId, 'Delivered']]);
    expect(body.orders[0].lines).to.have.length(1);
    expect(body.orders[0].total).to.deep.equal({ amount: 1500, currency: 'USD' });
    expect(body.orders[0].shippingAddress).to.deep.equal(ADDRESS);
    expect(body.payments.map((p: { orderId: string; status: string }) => [p.orderId, p.status])).to.deep.equal([[orderId, 'Captured']]);
    expect(body.shipments.map((s: { shipmentId: string; status: string }) => [s.shipmentId, s.status])).to.deep.equal([[shipmentId, 'Delivered']]);
    expect(body.reviews.map((r: { productId: string; text: string; orderId: string }) => [r.productId, r.text, r.orderId])).to.deep.equal([[productId, REVIEW, orderId]]);
    expect(body.subscriptions.map((s: { subscriptionId: string }) => s.subscriptionId)).to.deep.equal([subscriptionId]);
    expect(body.backInStockRequests).to.deep.equal([{ productId: soldOut.productId, sku: soldOut.sku, requestedAt: body.backInStockRequests[0].requestedAt, status: 'Waiting' }]);
    expect(body.notifications.length).to.be.at.least(2);
    for (const notification of body.notifications) expect(notification).to.include({ to: shopper.email });
    expect(body.notifications.every((n: { text: string }) => n.text.length > 0)).to.equal(true);

    // Their events, in clear, stream after stream in revision order.
    const events = body.events as Array<{ stream: string; revision: number; type: string; data: Record<string, unknown> }>;
    const types = new Set(events.map((e) => e.type));
    for (const type of ['CustomerRegistered', 'CustomerEmailClaimed', 'CustomerAddressAdded', 'PaymentMethodSaved', 'CartItemAdded', 'OrderCreated', 'OrderDelivered', 'PaymentProcessed', 'ShipmentPrepared', 'ReviewSubmitted', 'SubscriptionCreated', 'BackInStockRequested']) {
      expect(types, `${type} in ${[...types].join(', ')}`).to.include(type);
    }
    const registered = events.find((e) => e.type === 'CustomerRegistered')!;
    expect(registered).to.include({ stream: `customer-${shopper.customerId}`, revision: 0 });
    expect(registered.data).to.include({ customerId: shopper.customerId, email: shopper.email, name: NAME });
    expect(events.find((e) => e.type === 'PaymentMethodSaved')!.data).to.include({ label: LABEL, last4: '4242' });
    const inventory = events.filter((e) => e.stream.startsWith('inventory-'));
    expect(inventory.map((e) => [e.stream, e.type])).to.deep.equal([[`inventory-${soldOut.sku}`, 'BackInStockRequested']]);
    for (const [i, event] of events.entries()) {
      const before = events[i - 1];
      if (before?.stream === event.stream) expect(event.revision, event.stream).to.equal(before.revision + 1);
    }
    // Every event of the customer's own streams, none missing.
    const all = await app.events();
    const own = [`customer-${shopper.customerId}`, `wallet-${shopper.customerId}`, `cart-${shopper.customerId}`, `order-${orderId}`, `shipment-${shipmentId}`, `subscription-${subscriptionId}`];
    for (const stream of own) {
      expect(events.filter((e) => e.stream === stream).length, stream).to.equal(all.filter((e) => e.streamName === stream).length);
    }
  });

  it('withholds credentials: no provider token, no password hash, anywhere', async () => {
    const { shopper } = await busyCustomer();
    const res = ok(await exportOf(shopper));
    expect(res.withheld).to.deep.equal([...WITHHELD_FIELDS]);
    const text = JSON.stringify({ ...res, withheld: [] });
    const at = text.indexOf('"token"');
    expect(at, text.slice(at - 300, at + 100)).to.equal(-1);
    expect(text).not.to.include('tok_visa');
    expect(text).not.to.include('passwordHash');
    const hash = (await app.events()).find((e) => e.type === 'CustomerRegistered' && e.data.customerId === shopper.customerId)!.data.passwordHash as string;
    expect(text).not.to.include(hash);
  });

  it("holds nothing of another customer's", async () => {
    const { shopper } = await busyCustomer();
    const other = await app.customer('Ottoline Vexbridge');
    const { productId } = await stockedProduct(app, admin, 5);
    const theirs = await buy(app, other, productId, 1);
    await post(other, '/api/v1/account/me/addresses', { ...ADDRESS, line1: '9 Elsewhere Row' }, 201);
    await app.settled();
    const text = JSON.stringify(ok(await exportOf(shopper)));
    for (const value of [other.customerId, other.email, 'Ottoline', '9 Elsewhere Row', theirs]) expect(text, value).not.to.include(value);
    const mine = JSON.stringify(ok(await exportOf(other)));
    for (const value of [shopper.customerId, shopper.email, NAME, STREET, LABEL, REVIEW]) expect(mine, value).not.to.include(value);
  });

  it("takes of the email's claim stream only the customer's own claim (the address is claimed again after an erasure)", async () => {
    const shopper = await app.customer('Claimant');
    const successor = '7d3e9f10-2b4c-4d6e-8f1a-3c5e7a9b1d2f';
    const claim = { email: normalizeEmail(shopper.email), customerId: successor, claimedAt: new Date().toISOString() };
    await app.deps.eventStore.appendToStream(await app.deps.emails.claimStreamOf(normalizeEmail(shopper.email)), [{ id: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f', type: 'CustomerEmailClaimed', data: claim, metadata: {} }]);
    const body = ok(await exportOf(shopper));
    const claims = body.events.filter((e: { type: string }) => e.type === 'CustomerEmailClaimed');
    expect(claims.map((e: { data: { customerId: string } }) => e.data.customerId)).to.deep.equal([shopper.customerId]);
    expect(JSON.stringify(body)).not.to.include(successor);
  });

  it('answers a customer who has done nothing yet: the profile and the account events, empty lists', async () => {
    const shopper = await app.customer('Newcomer');
    const body = ok(await exportOf(shopper));
    expect(body).to.deep.include({ paymentMethods: [], orders: [], payments: [], shipments: [], reviews: [], subscriptions: [], notifications: [], backInStockRequests: [] });
    expect(body.cart).to.deep.equal({ cartId: shopper.customerId, items: [], total: { amount: 0, currency: 'USD' } });
    expect(body.events.map((e: { type: string }) => e.type)).to.deep.equal(['CustomerRegistered', 'CustomerEmailClaimed']);
  });

  it('is 401 without a token, and 400 with a query string, appending nothing', async () => {
    expectProblem(await appendsNothing(app, () => app.http().get('/api/v1/account/me/export')), 401);
    const shopper = await app.customer();
    expectProblem(await appendsNothing(app, () => app.http().get('/api/v1/account/me/export?all=true').set(as(shopper))), 400);
  });

  it('is 404 for an account the read models do not hold yet', async () => {
    await app.deps.projections.stop();
    const context = { correlationId: 'x', causationId: 'x', actor: 'system', now: new Date().toISOString() };
    const { customerId } = await registerCustomer({ commands: app.deps.commands, passwords: app.deps.passwords, emails: app.deps.emails }, { email: 'not-yet@test.local', password: 'correct-horse', name: 'Not Yet' }, context);
    const token = await app.deps.tokens.issue({ customerId, role: 'customer' });
    expectProblem(await exportOf({ customerId, token, email: 'not-yet@test.local' }), 404);
    await app.deps.projections.start();
  });

  it('is a problem answer when the log fails before the answer begins', async () => {
    const { shopper } = await busyCustomer();
    const store = app.deps.eventStore;
    const readStream = store.readStream.bind(store);
    store.readStream = async () => {
      throw new Error('the disk is on fire');
    };
    try {
      expectProblem(await exportOf(shopper), 500);
    } finally {
      store.readStream = readStream;
    }
  });

  it('cuts the connection, leaving the JSON unfinished, when the log fails once the answer has begun', async () => {
    const { shopper, orderId } = await busyCustomer();
    const store = app.deps.eventStore;
    const readStream = store.readStream.bind(store);
    store.readStream = async (name: string, options?: ReadStreamOptions) => {
      if (name === `order-${orderId}`) throw new Error('the disk is on fire');
      return readStream(name, options);
    };
    try {
      const failed = await exportOf(shopper).then(
        (res) => ({ status: res.status, complete: true }),
        (error: Error) => ({ status: 0, complete: false, error }),
      );
      expect(failed.complete, 'the client must not take a truncated export for a whole one').to.equal(false);
    } finally {
      store.readStream = readStream;
    }
  });

  it('stops reading the log when the client goes away while the answer waits to drain', async () => {
    const { shopper } = await busyCustomer();
    let reads = 0;
    const store = app.deps.eventStore;
    const readStream = store.readStream.bind(store);
    store.readStream = async (name: string, options?: ReadStreamOptions) => {
      reads += 1;
      return readStream(name, options);
    };
    // An answer whose buffer is always full: every write waits for a drain that never comes.
    const res = Object.assign(new EventEmitter(), {
      destroyed: false,
      written: [] as string[],
      status() { return res; },
      type() { return res; },
      set() { return res; },
      write(chunk: string) { res.written.push(chunk); return false; },
      end() { throw new Error('a client that went away cannot be answered to the end'); },
      destroy() { res.destroyed = true; },
    });
    try {
      const handler = dataExportRoutes.handlers(app.deps).exportMyData;
      const done = Promise.resolve(handler({ principal: { customerId: shopper.customerId, role: 'customer' } } as never, res as never, () => undefined));
      await eventually(() => (res.written.length >= 2 ? true : undefined));
      const readsThen = reads;
      res.destroyed = true;
      res.emit('close');
      await done;
      expect(res.written.length).to.equal(2);
      expect(reads).to.equal(readsThen);
    } finally {
      store.readStream = readStream;
    }
  });

  it('streams a long history a page of events at a time, every event once, in revision order', async () => {
    const { shopper } = await busyCustomer();
    for (let i = 0; i < 7; i += 1) await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: `${i} Page Street` }, 201);
    await app.settled();
    const reads: Array<{ name: string; maxCount: number | undefined }> = [];
    const store = app.deps.eventStore;
    const counting: EventStore = Object.create(store) as EventStore;
    counting.readStream = async (name, options) => {
      reads.push({ name, maxCount: options?.maxCount });
      return store.readStream(name, options);
    };
    const deps = { eventStore: counting, readModels: app.deps.readModels, schema: app.deps.schema, currency: 'USD', emails: app.deps.emails, pageSize: 3 };
    const prepared = (await prepareExport(deps, shopper.customerId, new Date('2026-12-02T10:00:00Z')))!;
    expect(prepared.filename).to.equal('export-2026-12-02.json');
    let text = '';
    let chunks = 0;
    for await (const chunk of prepared.chunks()) {
      text += chunk;
      chunks += 1;
    }
    const body = JSON.parse(text) as { events: Array<{ stream: string; revision: number }> };
    const customer = `customer-${shopper.customerId}`;
    const stored = (await store.readStream(customer)).map((e) => e.revision);
    expect(stored.length).to.be.above(7);
    expect(body.events.filter((e) => e.stream === customer).map((e) => e.revision)).to.deep.equal(stored);
    expect(reads.every((r) => r.maxCount === 3), JSON.stringify(reads)).to.equal(true);
    expect(reads.filter((r) => r.name === customer).length).to.equal(Math.floor(stored.length / 3) + 1);
    expect(chunks).to.equal(body.events.length + 2);

    // Over HTTP, the same document comes chunked, not as one buffered body.
    const res = await exportOf(shopper);
    expect(res.headers['transfer-encoding']).to.equal('chunked');
    expect(ok(res).events.length).to.equal(body.events.length);
  });

  it('is null for a customer the read models do not know', async () => {
    const deps = { eventStore: app.deps.eventStore, readModels: app.deps.readModels, schema: app.deps.schema, currency: 'USD', emails: app.deps.emails };
    expect(await prepareExport(deps, '00000000-0000-4000-8000-000000000000', new Date())).to.equal(null);
  });
});
