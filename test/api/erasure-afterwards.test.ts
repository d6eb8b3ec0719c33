import { expect } from 'chai';
import { keyIds } from '../../src/privacy/key-store.js';
import { expireInvoices } from '../../src/commands/erasure-steps.js';
import type { InvoiceExpiryPayload } from '../../src/processes/erasure.js';
import { deliverNotification } from '../../src/commands/notifications.js';
import { OutboxMailer } from '../../src/infrastructure/mail/mailer.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { verify } from '../../src/operations/verify.js';
import { ERASED } from '../../src/domain/shared/erased.js';
import { ADDRESS, addToCart, buy, eventsOf, getOrder, orderReaches, receive, stockedProduct } from '../support/shop.js';
import { bearer, eraseById, eraseMe, erasureDone, login, ofCustomer, register } from '../support/erasure.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/**
 * What the erasure process leaves of the customer once it is done: nothing personal in any
 * read model or store, invoices kept until they expire, the email free again (erasure.test.ts:
 * the two routes and their refusals).
 */
describe('HTTP erasure, afterwards', () => {
  let app: TestApp;
  let admin: string;
  const start = async (options: TestAppOptions = {}) => {
    app = await startTestApp(options);
    admin = await app.adminToken();
  };
  afterEach(async () => app?.close());

  /** A customer with distinctive data everywhere: an address, a saved card, a delivered order with its review, a subscription, a cart. */
  const distinctive = async () => {
    const shopper = await app.customer('Ottilie Quenby');
    const { productId } = await stockedProduct(app, admin, 50);
    expect((await app.http().post('/api/v1/account/me/addresses').set(bearer(shopper.token)).set('Idempotency-Key', 'addr-1').send({ ...ADDRESS, line1: '7 Quenby Lane' })).status).to.equal(201);
    const method = await app.http().post('/api/v1/account/me/payment-methods').set(bearer(shopper.token)).send({ token: 'tok_visa', label: 'Quenby card' });
    expect(method.status, JSON.stringify(method.body)).to.equal(201);
    const orderId = await receive(app, admin, shopper, productId);
    expect((await app.http().post('/api/v1/reviews').set(bearer(shopper.token)).send({ productId, rating: 5, text: 'Quenby loves it' })).status).to.equal(201);
    const subscription = await app.http().post('/api/v1/subscriptions').set(bearer(shopper.token))
      .send({ items: [{ productId, quantity: 1 }], intervalDays: 30, shippingAddress: ADDRESS, paymentMethodId: method.body.paymentMethodId });
    expect(subscription.status, JSON.stringify(subscription.body)).to.equal(201);
    await addToCart(app, shopper, productId, 2);
    await eventually(async () => ((await app.store.collection('notifications').countDocuments({ customerId: shopper.customerId, type: 'OrderDelivered' })) > 0 ? true : undefined));
    await app.settled();
    return { shopper, productId, orderId, subscriptionId: subscription.body.subscriptionId as string };
  };

  it('leaves nothing of the customer in the read models and stores: orders stay as a former customer\'s; rebuilt read models are the same', async () => {
    await start();
    const { shopper, productId, orderId, subscriptionId } = await distinctive();
    expect((await eraseMe(app, shopper.token)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    await app.settled();

    expect(await app.store.collection('customers').findOne({ _id: shopper.customerId })).to.deep.include({ customerId: shopper.customerId }).and.not.have.any.keys('email', 'name', 'addresses', 'role');
    expect(await app.store.collection('payment_methods').findOne({ _id: shopper.customerId })).to.equal(null);
    expect(await app.store.collection('carts').findOne({ _id: shopper.customerId })).to.equal(null);
    expect(await app.store.collection('notifications').countDocuments({ customerId: shopper.customerId })).to.equal(0);
    expect(await app.store.collection('idempotency_keys').countDocuments({ customerId: shopper.customerId })).to.equal(0);
    expect(await app.store.collection('snapshots').countDocuments({ _id: { $in: [`customer-${shopper.customerId}`, `wallet-${shopper.customerId}`, `cart-${shopper.customerId}`] } })).to.equal(0);
    expect(await app.store.collection('jobs').countDocuments({ kind: 'send-notification', 'payload.customerId': shopper.customerId })).to.equal(0);

    const reviews = await app.http().get(`/api/v1/reviews?productId=${productId}`);
    expect(reviews.body.items).to.have.length(1);
    expect(reviews.body.items[0]).to.include({ authorName: ERASED, text: ERASED, rating: 5 });
    const order = await app.http().get(`/api/v1/orders/${orderId}`).set(bearer(admin));
    expect(order.body).to.include({ status: 'Delivered', customerId: shopper.customerId, formerCustomer: true });
    // No read model keeps a copy of the invoice; the log keeps it under the invoice key until the retention ends (the audit reads it).
    expect(order.body.shippingAddress).to.deep.equal({ line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
    const audit = await app.http().get(`/api/v1/admin/audit/orders/${orderId}`).set(bearer(admin));
    const created = (audit.body.timeline as Array<{ type: string; data: Record<string, unknown> }>).find((e) => e.type === 'OrderCreated')!;
    expect(created.data.shippingAddress, 'kept under the invoice key until the retention ends').to.deep.equal(ADDRESS);
    const subscription = await app.http().get(`/api/v1/subscriptions/${subscriptionId}`).set(bearer(admin));
    expect(subscription.body).to.include({ status: 'Cancelled' });
    expect(subscription.body.shippingAddress).to.deep.equal({ line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
    const [cancelled, ...twice] = await eventsOf(app, 'SubscriptionCancelled', (e) => e.data.subscriptionId === subscriptionId);
    expect(twice).to.deep.equal([]);
    expect(cancelled!.data).to.include({ cancelledBy: 'system:erasure' });

    const [profileKey, invoiceKey] = [keyIds.profile(shopper.customerId), keyIds.invoice(shopper.customerId)];
    const keys = await app.keys.keys([profileKey, invoiceKey]);
    expect(keys.get(profileKey)).to.have.property('destroyedAt');
    expect(keys.get(invoiceKey), 'the invoices are kept 3650 days').to.have.property('key');
    const expiry = await app.store.collection('jobs').findOne({ _id: `expire-invoices:${shopper.customerId}` });
    expect(Date.parse(String(expiry!.runAt)) - Date.parse(order.body.createdAt as string)).to.equal(3650 * 86_400_000);

    const { divergences } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
    expect(divergences).to.deep.equal([]);
  });

  it('frees the email: registering it again makes a new account (201, a new id) that sees none of the old orders', async () => {
    await start();
    const shopper = await app.customer();
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const cancelled = await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(bearer(shopper.token));
    expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(202);
    await app.settled();
    expect((await eraseMe(app, shopper.token)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);

    const again = await register(app, shopper.email.toUpperCase());
    expect(again.status, JSON.stringify(again.body)).to.equal(201);
    expect(again.body.customerId).to.not.equal(shopper.customerId);
    expectProblem(await login(app, shopper.email, 'correct-horse'), 401);
    const signedIn = await login(app, shopper.email, 'another-horse');
    expect(signedIn.body).to.include({ customerId: again.body.customerId });
    await app.settled();
    const orders = await app.http().get('/api/v1/orders').set(bearer(signedIn.body.token as string));
    expect(orders.body).to.include({ total: 0 });
    expectProblem(await app.http().get(`/api/v1/orders/${orderId}`).set(bearer(signedIn.body.token as string)), 404);
    const claim = await app.deps.eventStore.readStream(await app.deps.emails.claimStreamOf(shopper.email.toLowerCase()));
    expect(claim.map((e) => [e.type, e.data.customerId])).to.deep.equal([
      ['CustomerEmailClaimed', shopper.customerId],
      ['CustomerEmailReleased', shopper.customerId],
      ['CustomerEmailClaimed', again.body.customerId],
    ]);
  });

  it('takes an internationalised domain in either spelling as one mailbox: the other is refused (409) until the erasure frees both', async () => {
    await start();
    const first = await register(app, 'zoë@bücher.example');
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    const head = await app.deps.eventStore.headPosition();
    expectProblem(await register(app, 'zoë@xn--bcher-kva.example'), 409);
    expect(await app.deps.eventStore.headPosition(), 'nothing appended').to.equal(head);
    const signedIn = await login(app, 'ZOË@XN--BCHER-KVA.EXAMPLE', 'another-horse');
    expect(signedIn.body).to.include({ customerId: first.body.customerId });
    expect((await eraseMe(app, signedIn.body.token as string, { password: 'another-horse' })).status).to.equal(202);
    await erasureDone(app, first.body.customerId as string);
    const again = await register(app, 'zoë@xn--bcher-kva.example');
    expect(again.status, JSON.stringify(again.body)).to.equal(201);
    expect(again.body.customerId).to.not.equal(first.body.customerId);
    expect((await login(app, 'zoë@bücher.example', 'another-horse')).body).to.include({ customerId: again.body.customerId });
  });

  it('registers a new account on a retry of the first registration with its Idempotency-Key (not the stored answer naming the erased one)', async () => {
    await start();
    const body = { email: 'keyed@test.local', password: 'correct-horse', name: 'Keyed' };
    const first = await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'reg-1').send(body);
    expect(first.status).to.equal(201);
    const token = (await login(app, body.email, body.password)).body.token as string;
    expect((await eraseMe(app, token)).status).to.equal(202);
    await erasureDone(app, first.body.customerId as string);
    const retry = await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'reg-1').send(body);
    expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
    expect(retry.headers['idempotent-replayed']).to.equal(undefined);
    expect(retry.body.customerId).to.not.equal(first.body.customerId);
  });

  it('forgets the failed sign-ins counted against the email: the new account with it is not locked out', async () => {
    await start();
    const shopper = await app.customer();
    for (let i = 0; i < 5; i += 1) expectProblem(await login(app, shopper.email, 'wrong-horse'), 401);
    expectProblem(await login(app, shopper.email, 'correct-horse'), 429);
    expect((await eraseById(app, admin, shopper.customerId)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    expect((await register(app, shopper.email)).status).to.equal(201);
    expect((await login(app, shopper.email, 'another-horse')).status).to.equal(200);
  });

  it("puts the invoices' expiry off by a day while an order is still with the carrier, and expires them once it is delivered", async () => {
    await start({ invoiceRetentionDays: 0 });
    const shopper = await app.customer();
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId);
    const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined)) as { shipmentId: string };
    expect((await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set(bearer(admin))).status).to.equal(200);
    await orderReaches(app, shopper.token, orderId, ['Shipped']);
    expect((await eraseMe(app, shopper.token)).status).to.equal(202);
    const postponed = await eventually(() => app.store.collection('jobs').findOne({ _id: `expire-invoices:${shopper.customerId}:1` }).then((job) => job ?? undefined));
    expect(Date.parse(String(postponed.runAt)) - Date.now()).to.be.greaterThan(23 * 3_600_000);
    expect((await app.keys.keys([keyIds.invoice(shopper.customerId)])).get(keyIds.invoice(shopper.customerId))).to.have.property('key');
    expect(await eventsOf(app, 'CustomerInvoicesExpired', ofCustomer(shopper.customerId))).to.deep.equal([]);

    expect((await app.http().post(`/api/v1/shipments/${shipmentId}/deliver`).set(bearer(admin))).status).to.equal(200);
    await orderReaches(app, admin, orderId, ['Delivered']);
    await expireInvoices(app.erasure, postponed.payload as InvoiceExpiryPayload);
    expect(await eventsOf(app, 'CustomerInvoicesExpired', ofCustomer(shopper.customerId))).to.have.length(1);
    expect((await app.keys.keys([keyIds.invoice(shopper.customerId)])).get(keyIds.invoice(shopper.customerId))).to.have.property('destroyedAt');
  });

  it('sends and stores no email to an erased customer (a notification due after the erasure is dropped)', async () => {
    await start();
    const shopper = await app.customer();
    expect((await eraseMe(app, shopper.token)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    const payload = { notificationId: 'late-1', type: 'OrderShipped', customerId: shopper.customerId, orderId: null, subject: 'Shipped', text: 'On its way' };
    await deliverNotification({ readModels: app.deps.readModels, mailer: new OutboxMailer(), clock: () => new Date(), logger: app.deps.logger }, payload);
    expect(await app.store.collection('notifications').findOne({ _id: 'late-1' })).to.equal(null);
  });

  it('ends the invoices\' retention by a durable job: the invoice key destroyed, CustomerInvoicesExpired once, the name and address on orders and shipments erased', async () => {
    await start({ invoiceRetentionDays: 0 });
    const { shopper, orderId } = await distinctive();
    expect((await eraseById(app, admin, shopper.customerId)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    const [expired, ...twice] = await eventually(async () => {
      const found = await eventsOf(app, 'CustomerInvoicesExpired', ofCustomer(shopper.customerId));
      return found.length > 0 ? found : undefined;
    });
    expect(twice).to.deep.equal([]);
    expect(expired!.streamName).to.equal(`customer-${shopper.customerId}`);
    const keys = await app.keys.keys([keyIds.invoice(shopper.customerId)]);
    expect(keys.get(keyIds.invoice(shopper.customerId))).to.have.property('destroyedAt');
    await app.settled();
    const erasedAddress = { line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED };
    const order = await app.http().get(`/api/v1/orders/${orderId}`).set(bearer(admin));
    expect(order.body).to.include({ status: 'Delivered', formerCustomer: true });
    expect(order.body.shippingAddress).to.deep.equal(erasedAddress);
    expect(order.body.total).to.deep.equal({ amount: 1500, currency: 'USD' });
    const shipment = await app.http().get(`/api/v1/shipments/${order.body.shipment.shipmentId}`).set(bearer(admin));
    expect(shipment.body.shippingAddress).to.deep.equal(erasedAddress);
    await eventually(async () => ((await app.store.collection('jobs').countDocuments({ kind: 'expire-invoices' })) === 0 ? true : undefined));
    const { divergences } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
    expect(divergences).to.deep.equal([]);
  });
});
