import { expect } from 'chai';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eraseCustomer, expireInvoices } from '../../src/commands/erasure-steps.js';
import { customerDecider, customerStream } from '../../src/domain/customer/customer.js';
import { orderDecider, orderStream } from '../../src/domain/ordering/order.js';
import { derivedId } from '../../src/domain/shared/ids.js';
import { ADDRESS, checkout, addToCart, orderReaches, receive, stockedProduct } from '../support/shop.js';
import { reviewIdOf } from '../../src/commands/reviews.js';
import { reviewDecider, reviewStream } from '../../src/domain/reviews/review.js';
import { walletDecider, walletStream } from '../../src/domain/customer/wallet.js';
import { subscriptionDecider, subscriptionStream } from '../../src/domain/subscriptions/subscription.js';
import { ERASED } from '../../src/domain/shared/erased.js';
import { verify } from '../../src/operations/verify.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { SqliteLimitStore } from '../../src/infrastructure/limits/sqlite-limit-store.js';
import type { ErasurePayload } from '../../src/processes/erasure.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The erasure job's steps run again, or before the read models are ready: each is safe to repeat, and none runs ahead of the read models. */
describe('Erasure steps', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp({ invoiceRetentionDays: 0 })));
  afterEach(async () => app.close());

  const erased = async () => {
    const shopper = await app.customer();
    const res = await app.http().delete('/api/v1/account/me').set('Authorization', `Bearer ${shopper.token}`).send({ password: 'correct-horse' });
    expect(res.status).to.equal(202);
    const [event] = (await app.events()).filter((e) => e.type === 'CustomerErased' && e.data.customerId === shopper.customerId);
    const payload: ErasurePayload = { customerId: shopper.customerId, erasedAt: res.body.erasedAt as string, eventId: event!.id, position: event!.position, correlationId: 'test' };
    return { shopper, payload };
  };
  const done = (customerId: string) =>
    eventually(async () => ((await app.events()).some((e) => e.type === 'CustomerInvoicesExpired' && e.data.customerId === customerId) ? true : undefined));

  it('appends nothing and changes nothing when the job runs again after it was done', async () => {
    const { shopper, payload } = await erased();
    await done(shopper.customerId);
    await app.settled();
    const head = await app.head();
    await eraseCustomer(app.erasure, payload);
    await expireInvoices(app.erasure, { customerId: shopper.customerId, dueAt: payload.erasedAt });
    expect(await app.head()).to.equal(head);
  });

  it('fails (to be retried) before doing anything while the read models have not folded the erasure', async () => {
    // The erasure process stopped: the job is run here by hand, with read models that lag.
    await app.deps.processes.find((p) => p.name === 'erasures')!.stop();
    const { shopper, payload } = await erased();
    const head = await app.head();
    const destroyed: string[] = [];
    const behind = { ...app.erasure, readModelsReached: async () => false, keys: { keys: app.keys.keys.bind(app.keys), destroy: async (id: string) => void destroyed.push(id), destructions: async () => 0, close: async () => undefined } };
    let failure: unknown;
    await eraseCustomer(behind, payload).catch((error: unknown) => (failure = error));
    expect(String(failure)).to.match(/have not folded position/);
    expect(destroyed).to.deep.equal([]);
    expect(await app.head(), 'no release, no cancellation').to.equal(head);
    // Once they have: the same job does it all.
    await eraseCustomer(app.erasure, payload);
    expect((await app.events()).filter((e) => e.type === 'CustomerEmailReleased' && e.data.customerId === shopper.customerId)).to.have.length(1);
    expect((await app.keys.keys([`profile-${shopper.customerId}`])).get(`profile-${shopper.customerId}`)).to.have.property('destroyedAt');
  });
});

/**
 * Orders placed in the moment of an erasure, by another process: past the erasure's look at the
 * orders in flight (here: CustomerErased appended straight after an order was placed, as the
 * other process's checkout would have it), or after CustomerErased (a checkout that looked at
 * the customer's stream just before). A black-box probe had such orders charged and confirmed,
 * and their addresses left in the orders and shipments read models.
 */
describe('Erasure steps: orders placed in the moment of the erasure', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp()));
  afterEach(async () => app.close());

  it('cancels the one in flight (refunded, stock back) and drops every copy of the address, once', async () => {
    await app.deps.processes.find((p) => p.name === 'erasures')!.stop();
    const admin = await app.adminToken();
    const product = await stockedProduct(app, admin, 5, 1500);
    const shopper = await app.customer();
    await addToCart(app, shopper, product.productId, 1);
    const placed = await checkout(app, shopper);
    expect(placed.status).to.equal(202);
    const first = placed.body.orderId as string;
    await orderReaches(app, shopper.token, first, ['Confirmed']);
    const context = { correlationId: 'race', causationId: 'race', actor: 'test', now: new Date().toISOString() };
    const erasure = await app.deps.commands.handle(customerDecider, customerStream(shopper.customerId), { type: 'EraseCustomer', by: 'customer', now: context.now }, context);
    // The other process's order, appended after CustomerErased: the charge job voids its payment.
    const second = derivedId('race-order', 'order');
    await app.deps.commands.handle(orderDecider, orderStream(second), {
      type: 'CreateOrder', orderId: second, customerId: shopper.customerId, paymentId: derivedId(second, 'payment'), shipmentId: derivedId(second, 'shipment'),
      lines: [{ productId: product.productId, sku: product.sku, name: 'Widget', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } }],
      shippingAddress: { ...ADDRESS, line1: '99 Race Street' }, paymentMethod: { token: 'tok_visa' }, now: context.now,
    }, context);
    await eventually(async () => ((await app.events()).some((e) => e.type === 'OrderFailed' && e.data.orderId === second) ? true : undefined));
    await app.settled();
    const orders = app.deps.readModels.collection('orders');
    // The charge job met the erased customer first: it told the order, and the read model dropped the address before the erasure's job ran.
    expect((await orders.findOne({ _id: second }))?.shippingAddress, 'before the job').to.not.include({ line1: '99 Race Street' });

    const payload: ErasurePayload = { customerId: shopper.customerId, erasedAt: context.now, eventId: 'race', position: erasure.position!, correlationId: 'race' };
    await eraseCustomer(app.erasure, payload);
    await app.settled();
    await eventually(async () => ((await app.events()).some((e) => e.type === 'PaymentRefunded' && e.data.orderId === first) ? true : undefined));
    await app.settled();

    const of = async (orderId: string) => (await app.events()).filter((e) => e.streamName === orderStream(orderId)).map((e) => e.type);
    expect(await of(first)).to.include.members(['OrderCancelled', 'OrderCustomerErased']);
    expect(await of(second)).to.deep.equal(['OrderCreated', 'OrderCustomerErased', 'OrderFailed']);
    const failed = (await app.events()).find((e) => e.type === 'OrderFailed' && e.data.orderId === second)!;
    expect(failed.data.reason, 'why the order failed').to.equal('customer-erased');
    expect((await orders.findOne({ _id: second }))?.failureReason).to.equal('customer-erased');
    const cancelled = (await app.events()).find((e) => e.type === 'OrderCancelled' && e.data.orderId === first)!;
    expect(cancelled.data).to.include({ cancelledBy: 'system:erasure', previousStatus: 'Confirmed' });
    for (const orderId of [first, second]) {
      const doc = (await orders.findOne({ _id: orderId }))!;
      expect(doc.customerErased, orderId).to.equal(true);
      expect(JSON.stringify(doc.shippingAddress), orderId).to.not.match(/Main St|Race Street|Springfield/);
    }
    const shipment = (await app.deps.readModels.collection('shipments').findOne({ _id: derivedId(first, 'shipment') }))!;
    expect(shipment.status).to.equal('Cancelled');
    expect(JSON.stringify(shipment.shippingAddress)).to.not.match(/Main St|Springfield/);
    expect((await app.http().get(`/api/v1/inventory/${product.sku}`).set('Authorization', `Bearer ${admin}`)).body).to.include({ onHand: 5, reserved: 0 });
    expect((await app.events()).filter((e) => e.type === 'PaymentProcessed' && e.data.orderId === second), 'the second was never charged').to.have.length(0);

    // The job again: nothing more.
    const head = await app.head();
    await eraseCustomer(app.erasure, payload);
    expect((await app.events()).filter((e) => e.position > head && e.streamName.startsWith('order-'))).to.deep.equal([]);
  });
});

/**
 * Writes of the customer let in just before the erasure and appended just after it (their
 * requests' account check came first): a black-box probe had such a review served with the
 * author's name and words after the erasure, until a rebuild. Appended here as those requests
 * would append them, after CustomerErased, the erasure's job stopped until they are folded.
 */
describe('Erasure steps: writes appended just after the erasure', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp()));
  afterEach(async () => app.close());

  it('erases what the read models folded of them in clear, as a rebuild of the log folds them', async () => {
    await app.deps.processes.find((p) => p.name === 'erasures')!.stop();
    const admin = await app.adminToken();
    const product = await stockedProduct(app, admin, 5, 1500);
    const shopper = await app.customer('Lateria Writer');
    const delivered = await receive(app, admin, shopper, product.productId);
    const auth = { Authorization: `Bearer ${shopper.token}` };
    expect((await app.http().post('/api/v1/reviews').set(auth).send({ productId: product.productId, rating: 4, text: 'first words' })).status).to.equal(201);
    const card = await app.http().post('/api/v1/account/me/payment-methods').set(auth).send({ token: 'tok_visa', label: 'Lateria card' });
    expect(card.status, JSON.stringify(card.body)).to.equal(201);

    const context = { correlationId: 'late', causationId: 'late', actor: 'test', now: new Date().toISOString() };
    const erasure = await app.deps.commands.handle(customerDecider, customerStream(shopper.customerId), { type: 'EraseCustomer', by: 'customer', now: context.now }, context);
    const reviewId = reviewIdOf(shopper.customerId, product.productId);
    const { customerId } = shopper;
    await app.deps.commands.handle(reviewDecider, reviewStream(reviewId), {
      type: 'SubmitReview', reviewId, productId: product.productId, customerId, authorName: 'Lateria', rating: 2, text: 'late private words', deliveredIn: delivered, now: context.now,
    }, context);
    await app.deps.commands.handle(walletDecider, walletStream(customerId), {
      type: 'SavePaymentMethod', customerId, paymentMethodId: derivedId('late-card', 'payment-method'), token: 'tok_mastercard', brand: 'mastercard', last4: '4444', label: 'Late card', now: context.now,
    }, context);
    const subscriptionId = derivedId('late-subscription', 'subscription');
    await app.deps.commands.handle(subscriptionDecider, subscriptionStream(subscriptionId), {
      type: 'CreateSubscription', subscriptionId, customerId, items: [{ productId: product.productId, quantity: 1 }], intervalDays: 30,
      shippingAddress: { ...ADDRESS, line1: '12 Late Lane' }, paymentMethodId: card.body.paymentMethodId as string, now: context.now, dayMs: 86_400_000,
    }, context);
    await app.settled();
    const reviews = app.deps.readModels.collection('reviews');
    expect(await reviews.findOne({ _id: reviewId }), 'folded in clear before the job').to.include({ authorName: 'Lateria', text: 'late private words' });

    await eraseCustomer(app.erasure, { customerId, erasedAt: context.now, eventId: 'late', position: erasure.position!, correlationId: 'late' });
    await app.settled();
    expect(await reviews.findOne({ _id: reviewId })).to.include({ authorName: ERASED, text: ERASED, rating: 2 });
    const wallet = await app.deps.readModels.collection('payment_methods').findOne({ _id: customerId });
    expect(JSON.stringify(wallet)).to.not.match(/Late card|Lateria|4444|4242/);
    const subscription = await app.deps.readModels.collection('subscriptions').findOne({ _id: subscriptionId });
    expect(subscription?.status).to.equal('Cancelled');
    expect(JSON.stringify(subscription)).to.not.match(/Late Lane|Springfield/);
    const listed = await app.http().get(`/api/v1/reviews?productId=${product.productId}`);
    expect(JSON.stringify(listed.body)).to.not.match(/Lateria|private words/);
    const { divergences } = await verify({ ...app.deps, store: app.store }, ALL_PROJECTIONS);
    expect(divergences, 'the read models are what a rebuild of the log folds').to.deep.equal([]);
  });
});

describe('truncateJournal of the embedded stores', () => {
  const dir = tempDir();
  after(() => dir.remove());
  const walOf = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

  it('empties the write-ahead log of the event store, the read models and the limits', async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const limits = new SqliteLimitStore(join(dir.path, 'limits.db'));
    try {
      await events.appendToStream('thing-1', [{ id: '5b0c7e1a-2f4d-4c8e-9a6b-1d3f5e7a9c2b', type: 'ThingHappened', data: { secret: 'x'.repeat(5000) }, metadata: {} }]);
      await readModels.collection('things').insertOne({ _id: 't1', secret: 'y'.repeat(5000) });
      await limits.limiter({ keyPrefix: 'login', points: 5, duration: 60 }).penalty('someone@example.com');
      for (const file of ['events.db', 'read-models.db', 'limits.db']) expect(walOf(join(dir.path, file)), file).to.be.greaterThan(0);
      await Promise.all([events.truncateJournal(), readModels.truncateJournal(), limits.truncateJournal()]);
      for (const file of ['events.db', 'read-models.db', 'limits.db']) expect(walOf(join(dir.path, file)), file).to.equal(0);
    } finally {
      await events.close();
      await readModels.close();
      await limits.close();
    }
  });
});
