import { expect } from 'chai';
import fc from 'fast-check';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { ADDRESS, addToCart, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/temp-dir.js';
import type { Hints } from './json-values.js';

/**
 * The shop the fuzzer talks to: an admin, two customers, stocked products, a confirmed order
 * of customer A with its payment and shipment, and every id of them, so that generated
 * requests name things that exist as well as things that do not. The event store records
 * which request (by its correlation id, the request's X-Request-Id) appended what.
 */

export type Tokens = { admin: string; customer: string; other: string };

export type World = {
  app: TestApp;
  tokens: Tokens;
  customerA: Shopper;
  customerB: Shopper;
  /** Ids that exist, by kind (path ids take customers: only Cy, whose role may change); and A's own, which B must not reach. */
  ids: { products: string[]; skus: string[]; orders: string[]; payments: string[]; shipments: string[]; customers: string[]; paymentMethods: string[]; subscriptions: string[]; streams: string[] };
  ownedByA: { orders: string[]; payments: string[] };
  /** Events appended under a request id (a correlation id). */
  appendedBy: (requestId: string) => number;
  hints: Hints;
  pathValues: (name: string) => fc.Arbitrary<string>;
  /** After a sign-out everywhere went through: the caller signs in again, its tokens before being dead. */
  signInAgain: (caller: string) => Promise<void>;
  close: () => Promise<void>;
};

/** Remembers, per correlation id, how many events were appended under it. */
const recording = (store: EventStore, counts: Map<string, number>): EventStore =>
  new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== 'appendToStream' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      const append: EventStore['appendToStream'] = async (streamName, events, options) => {
        const result = await target.appendToStream(streamName, events, options);
        for (const event of events) {
          const id = String(event.metadata.correlationId ?? '');
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        return result;
      };
      return append;
    },
  });

export const startWorld = async (): Promise<World> => {
  const counts = new Map<string, number>();
  const app = await startTestApp({ eventStore: (embedded) => recording(embedded, counts), loginMaxFailures: 1_000_000 });
  const admin = await app.adminToken();
  const customerA = await app.customer('Ann');
  const customerB = await app.customer('Bob');
  // Role changes land on Cy: Ann and Bob stay customers, whose tokens the caller spoilers rely on.
  const customerC = await app.customer('Cy');
  const products = [await stockedProduct(app, admin, 1_000, 1500), await stockedProduct(app, admin, 0, 999), await stockedProduct(app, admin, 3, 250)];
  await addToCart(app, customerA, products[0]!.productId, 2);
  const placed = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${customerA.token}`).send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
  expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
  // The shipment is prepared after the confirmation: wait for both.
  const order = await eventually(async () => {
    const confirmed = await orderReaches(app, customerA.token, placed.body.orderId as string, ['Confirmed']);
    return confirmed.shipment ? confirmed : undefined;
  });
  // B's order on its way too: an erasure of A or B (the password hint is theirs) is refused while one is (409), so both tokens stay good.
  await addToCart(app, customerB, products[0]!.productId, 1);
  const placedB = await app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${customerB.token}`).send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
  expect(placedB.status, JSON.stringify(placedB.body)).to.equal(202);
  await orderReaches(app, customerB.token, placedB.body.orderId as string, ['Confirmed']);
  await addToCart(app, customerB, products[2]!.productId, 1);
  // A saved payment method of A's: checkouts by paymentMethodId and the wallet routes reach past the 404/422.
  const method = await app.http().post('/api/v1/account/me/payment-methods').set('Authorization', `Bearer ${customerA.token}`).send({ token: 'tok_visa' });
  expect(method.status, JSON.stringify(method.body)).to.equal(201);
  const paymentMethodId = method.body.paymentMethodId as string;
  // A subscription of A's (renewing once a year): the subscription routes reach past the 404.
  const subscription = await app.http().post('/api/v1/subscriptions').set('Authorization', `Bearer ${customerA.token}`)
    .send({ items: [{ productId: products[0]!.productId, quantity: 1 }], intervalDays: 365, shippingAddress: ADDRESS, paymentMethodId });
  expect(subscription.status, JSON.stringify(subscription.body)).to.equal(201);
  const subscriptionId = subscription.body.subscriptionId as string;
  await app.settled();
  const orderId = placed.body.orderId as string;
  const paymentId = order.payment.paymentId as string;
  const shipmentId = order.shipment.shipmentId as string;
  const ids = {
    products: products.map((p) => p.productId),
    skus: products.map((p) => p.sku),
    orders: [orderId],
    payments: [paymentId],
    shipments: [shipmentId],
    customers: [customerC.customerId],
    paymentMethods: [paymentMethodId],
    subscriptions: [subscriptionId],
    streams: [`order-${orderId}`, `payment-${paymentId}`, `shipment-${shipmentId}`, `customer-${customerA.customerId}`, `inventory-${products[0]!.sku}`, `wallet-${customerA.customerId}`, `subscription-${subscriptionId}`],
  };
  const anyId = fc.constantFrom(...ids.products, ...ids.orders, ...ids.payments, ...ids.shipments, ...ids.customers, ...ids.paymentMethods, ...ids.subscriptions);
  const hints: Hints = {
    productId: fc.constantFrom(...ids.products),
    sku: fc.constantFrom(...ids.skus),
    customerId: fc.constantFrom(customerA.customerId, customerB.customerId),
    currency: fc.constant('USD'),
    token: fc.constantFrom('tok_visa', 'tok_mastercard', 'tok_declined', 'tok_insufficient_funds', 'tok_unknown'),
    paymentMethodId: fc.constantFrom(paymentMethodId),
    email: fc.constantFrom(customerA.email, customerB.email),
    password: fc.constant('correct-horse'),
    shippingAddress: fc.constant(ADDRESS),
    asOf: fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  };
  const pathValues = (name: string): fc.Arbitrary<string> => {
    switch (name) {
      case 'sku':
        return fc.oneof(fc.constantFrom(...ids.skus), fc.stringMatching(/^[A-Z0-9][A-Z0-9-]{0,12}$/));
      case 'productId':
        return fc.oneof(fc.constantFrom(...ids.products), fc.uuid());
      case 'name':
        return fc.oneof(fc.constantFrom(...ALL_PROJECTIONS.map((p) => p.name)), fc.stringMatching(/^[a-z-]{1,20}$/));
      case 'stream':
        return fc.oneof(fc.constantFrom(...ids.streams), fc.stringMatching(/^[a-z]{1,10}-[a-z0-9-]{1,36}$/));
      case 'asset':
        return fc.constantFrom('swagger-ui.css', 'swagger-ui-bundle.js', 'index.html', 'missing.js');
      default:
        return fc.oneof(anyId, fc.uuid());
    }
  };
  const liveTokens: Tokens = { admin, customer: customerA.token, other: customerB.token };
  return {
    app,
    tokens: liveTokens,
    customerA,
    customerB,
    ids,
    ownedByA: { orders: [orderId], payments: [paymentId] },
    appendedBy: (requestId) => counts.get(requestId) ?? 0,
    hints,
    pathValues,
    signInAgain: async (caller) => {
      const tokens = liveTokens;
      if (caller === 'admin') tokens.admin = await app.adminToken();
      const who = caller === 'customer' ? customerA : caller === 'other' ? customerB : undefined;
      if (!who) return;
      const res = await app.http().post('/api/v1/account/login').send({ email: who.email, password: 'correct-horse' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      tokens[caller === 'customer' ? 'customer' : 'other'] = res.body.token as string;
      who.token = res.body.token as string;
    },
    close: () => app.close(),
  };
};
