/**
 * The data export (issue 17, part 4; GDPR art. 20): GET /api/v1/account/me/export on the
 * embedded stores, what it holds: everything the shop holds about the signed-in customer, their events in
 * clear, nothing of anyone else's, no credential; and its refusals. How it streams and fails: data-export-streaming.test.ts.
 */
import { expect } from 'chai';
import { registerCustomer } from '../../src/commands/accounts.js';
import { normalizeEmail } from '../../src/domain/customer/customer.js';
import { WITHHELD } from '../../src/privacy/export.js';
import { ADDRESS, buy, stockedProduct } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { LABEL, NAME, REVIEW, STREET, dataExportHelpers } from './data-export-fixture.js';

describe('HTTP data export', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const { as, exportOf, ok, post, busyCustomer } = dataExportHelpers(() => ({ app, admin }));

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
    expect(res.withheld).to.deep.equal([...WITHHELD]);
    const text = JSON.stringify({ ...res, withheld: [] });
    const at = text.indexOf('"token"');
    expect(at, text.slice(at - 300, at + 100)).to.equal(-1);
    expect(text).not.to.include('tok_visa');
    expect(text).not.to.include('passwordHash');
    const hash = (await app.events()).find((e) => e.type === 'CustomerRegistered' && e.data.customerId === shopper.customerId)!.data.passwordHash as string;
    expect(text).not.to.include(hash);
  });

  it("withholds a password reset link's token (it sets a password): the export reads token=[withheld], the link still works from the mail", async () => {
    const { shopper } = await busyCustomer();
    expect((await app.http().post('/api/v1/account/password-reset').send({ email: shopper.email })).status).to.equal(202);
    const mail = await eventually(async () => (await app.store.collection('notifications').findOne({ customerId: shopper.customerId, type: 'CustomerPasswordResetRequested', status: 'sent' })) ?? undefined);
    const token = /token=([^\s&]+)/.exec(String(mail.text))![1]!;
    const res = ok(await exportOf(shopper));
    const text = JSON.stringify(res);
    expect(text).not.to.include(token);
    expect(text).not.to.include(token.split('.')[2]!);
    const exported = (res.notifications as Array<{ type: string; text: string }>).find((n) => n.type === 'CustomerPasswordResetRequested')!;
    expect(exported.text).to.match(/reset-password\?token=\[withheld\]/);
    const confirmed = await app.http().post('/api/v1/account/password-reset/confirm').send({ token, newPassword: 'brand-new-horse' });
    expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
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
});
