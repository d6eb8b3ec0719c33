import { expect } from 'chai';
import type { EventToAppend } from '../../src/infrastructure/event-store/event-store.js';
import { appendOf, byRequest, failingOnce } from '../support/failing-store.js';
import { addToCart, ADDRESS, checkout, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Registering, creating a product and checking out each write two streams. A request refused
 * for its input appends nothing; a failure between the two appends (a crash, the store going
 * away) leaves nothing that blocks the retry, with an Idempotency-Key or without one; two
 * requests completing one interrupted write at once end in one result and one refusal.
 */

const EMAIL = 'lost@example.com';
const SKU = 'LOST-1';

describe('Commands that write several streams', () => {
  let app: TestApp;
  afterEach(async () => app.close());

  describe('registering: the email claim, then the customer', () => {
    const register = (body: { name?: string; password?: string } = {}, headers: Record<string, string> = {}) =>
      app.http().post('/api/v1/account/register').set(headers).send({ email: EMAIL, password: 'long enough', name: 'Lou', ...body });

    const ofEmail = async () => {
      const events = await app.events();
      const claims = events.filter((e) => e.type === 'CustomerEmailClaimed' && e.data.email === EMAIL);
      const registered = events.filter((e) => e.type === 'CustomerRegistered' && e.data.email === EMAIL);
      return { claims, registered };
    };

    const expectOneAccount = async (customerId: string, password = 'long enough') => {
      const { claims, registered } = await ofEmail();
      expect(claims.map((e) => e.data.customerId)).to.deep.equal([customerId]);
      expect(registered.map((e) => e.data.customerId)).to.deep.equal([customerId]);
      const login = await app.http().post('/api/v1/account/login').send({ email: EMAIL, password });
      expect(login.status, JSON.stringify(login.body)).to.equal(200);
      expect(login.body.customerId).to.equal(customerId);
    };

    describe('refused input', () => {
      beforeEach(async () => (app = await startTestApp()));

      it('refuses a blank name (400) before the claim: the log is unchanged, and the corrected request registers at once', async () => {
        const head = await app.head();
        expectProblem(await appendsNothing(app, () => register({ name: '   ' })), 400);
        expect(await app.head()).to.equal(head);
        const corrected = await register();
        expect(corrected.status, JSON.stringify(corrected.body)).to.equal(201);
        await expectOneAccount(corrected.body.customerId);
      });

      it('refuses If-Match (412), which no new account can satisfy, appending nothing', async () => {
        const head = await app.head();
        expectProblem(await appendsNothing(app, () => register({}, { 'If-Match': '"0"' })), 412);
        expect(await app.head()).to.equal(head);
        expect((await register()).status).to.equal(201);
      });
    });

    describe('after a failure between the claim and the customer', () => {
      /** Starts a shop whose log fails the first append of this email's customer, and sends a registration into it. */
      const failOnce = async (headers: Record<string, string> = {}) => {
        let store!: ReturnType<typeof failingOnce>;
        app = await startTestApp({ eventStore: (embedded) => (store = failingOnce(embedded, appendOf('CustomerRegistered', ofTheEmail))) });
        expectProblem(await register({}, headers), 500);
        expect(store.failed()).to.equal(true);
        expect((await ofEmail()).claims).to.have.length(1);
      };

      it('registers at once when retried without a key, completing the claim left behind', async () => {
        await failOnce();
        const retry = await register();
        expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
        await expectOneAccount(retry.body.customerId);
      });

      it('registers at once when retried with the same Idempotency-Key', async () => {
        const key = { 'Idempotency-Key': 'register-lost' };
        await failOnce(key);
        const retry = await register({}, key);
        expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
        await expectOneAccount(retry.body.customerId);
        const again = await appendsNothing(app, () => register({}, key));
        expect(again.body).to.deep.equal(retry.body);
      });

      it('gives one account and one 409 to two registrations completing the claim at once', async () => {
        await failOnce();
        const [a, b] = await Promise.all([register({ password: 'password-a' }), register({ password: 'password-b' })]);
        expect([a!.status, b!.status].sort()).to.deep.equal([201, 409]);
        const winner = a!.status === 201 ? { res: a!, password: 'password-a' } : { res: b!, password: 'password-b' };
        await expectOneAccount(winner.res.body.customerId, winner.password);
      });
    });
  });

  describe('creating a product: the SKU claim, then the product', () => {
    let admin: string;
    const create = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      app.http().post('/api/v1/products').set('Authorization', `Bearer ${admin}`).set(headers)
        .send({ sku: SKU, name: 'Lamp', description: 'Bright', brand: 'Lumen', category: 'Home', price: { amount: 4900, currency: 'USD' }, ...body });

    const expectOneProduct = async (productId: string) => {
      const events = await app.events();
      const claims = events.filter((e) => e.type === 'InventoryItemRegistered' && e.data.sku === SKU);
      const products = events.filter((e) => e.type === 'ProductCreated' && e.data.sku === SKU);
      expect(claims.map((e) => e.data.productId)).to.deep.equal([productId]);
      expect(products.map((e) => e.data.productId)).to.deep.equal([productId]);
      await app.settled();
      expect((await app.http().get(`/api/v1/products/${productId}`)).body).to.include({ sku: SKU, name: 'Lamp' });
    };

    const listedSkus = async () => {
      await app.settled();
      const res = await app.http().get('/api/v1/inventory?pageSize=100').set('Authorization', `Bearer ${admin}`);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return (res.body.items as Array<{ sku: string }>).map((item) => item.sku);
    };

    describe('refused input', () => {
      beforeEach(async () => {
        app = await startTestApp();
        admin = await app.adminToken();
      });

      for (const [label, body] of [
        ['a blank name', { name: '   ' }],
        ['a blank brand', { brand: ' ' }],
        ['a blank category', { category: '\t' }],
      ] as const) {
        it(`refuses ${label} (400) before the SKU claim: the log is unchanged, the inventory lists no such SKU, and the corrected request creates it at once`, async () => {
          const head = await app.head();
          expectProblem(await appendsNothing(app, () => create(body)), 400);
          expect(await app.head()).to.equal(head);
          expect(await listedSkus()).to.not.include(SKU);
          const corrected = await create();
          expect(corrected.status, JSON.stringify(corrected.body)).to.equal(201);
          await expectOneProduct(corrected.body.productId);
          expect(await listedSkus()).to.include(SKU);
        });
      }
    });

    describe('after a failure between the SKU claim and the product', () => {
      let store: ReturnType<typeof failingOnce>;
      const start = async () => {
        app = await startTestApp({ eventStore: (embedded) => (store = failingOnce(embedded, appendOf('ProductCreated', (e) => e.data.sku === SKU))) });
        admin = await app.adminToken();
      };

      it('creates the product at once when retried without a key, completing the SKU claim left behind', async () => {
        await start();
        expectProblem(await create(), 500);
        expect(store.failed()).to.equal(true);
        const retry = await create();
        expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
        await expectOneProduct(retry.body.productId);
      });

      it('creates the product at once when retried with the same Idempotency-Key', async () => {
        await start();
        const key = { 'Idempotency-Key': 'create-lamp' };
        expectProblem(await create({}, key), 500);
        const retry = await create({}, key);
        expect(retry.status, JSON.stringify(retry.body)).to.equal(201);
        await expectOneProduct(retry.body.productId);
      });

      it('gives one product and one 409 to two creations completing the SKU claim at once', async () => {
        await start();
        expectProblem(await create(), 500);
        const [a, b] = await Promise.all([create(), create()]);
        expect([a!.status, b!.status].sort()).to.deep.equal([201, 409]);
        await expectOneProduct((a!.status === 201 ? a! : b!).body.productId);
      });
    });
  });

  describe('checking out: the order, then the cart', () => {
    let shopper: Shopper;
    let productId: string;
    const start = async (options: Parameters<typeof startTestApp>[0] = {}) => {
      app = await startTestApp(options);
      ({ productId } = await stockedProduct(app, await app.adminToken(), 10));
      shopper = await app.customer();
      await addToCart(app, shopper, productId, 2);
    };
    const ordersOf = async () => (await app.events()).filter((e) => e.type === 'OrderCreated' && e.data.customerId === shopper.customerId);
    const checkoutsOf = async () => (await app.events()).filter((e) => e.type === 'CartCheckedOut' && e.data.customerId === shopper.customerId);

    it('places one order for two checkouts of one cart sent at once with different keys; the other is refused (422) and appends nothing', async () => {
      await start();
      const send = (key: string) =>
        app.http().post('/api/v1/checkout').set('Authorization', `Bearer ${shopper.token}`).set('Idempotency-Key', key).set('X-Request-Id', key)
          .send({ shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' } });
      const answers = await Promise.all([send('tab-1'), send('tab-2')]);
      expect(answers.map((res) => res.status).sort()).to.deep.equal([202, 422]);
      const refused = answers.find((res) => res.status === 422)!;
      const events = await app.events();
      expect(events.filter((e) => e.metadata.correlationId === refused.headers['x-request-id']).map((e) => e.type)).to.deep.equal([]);
      const orders = await ordersOf();
      expect(orders.map((e) => e.data.orderId)).to.deep.equal([answers.find((res) => res.status === 202)!.body.orderId]);
    });

    for (const key of [undefined, 'checkout-lost']) {
      it(`finishes after a failure between the order and the cart, retried ${key ? 'with the same Idempotency-Key' : 'without a key'}: one order, one checkout of the cart`, async () => {
        let store!: ReturnType<typeof failingOnce>;
        await start({ eventStore: (embedded) => (store = failingOnce(embedded, appendOf('CartCheckedOut', byRequest))) });
        // The saga would check the cart out too: held back, the retry meets the state the failure left.
        await app.deps.processes[0]!.stop();
        expectProblem(await checkout(app, shopper, 'tok_visa', key), 500);
        expect(store.failed()).to.equal(true);
        expect(await ordersOf()).to.have.length(1);
        const retry = await checkout(app, shopper, 'tok_visa', key);
        expect(retry.status, JSON.stringify(retry.body)).to.equal(202);
        expect((await ordersOf()).map((e) => e.data.orderId)).to.deep.equal([retry.body.orderId]);
        expect((await checkoutsOf()).map((e) => (e.data as { orderId: string }).orderId)).to.deep.equal([retry.body.orderId]);
        const cart = await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
        expect(cart.body.items).to.deep.equal([]);
      });
    }
  });
});

describe('The order saga: one event, commands to several streams', () => {
  let app: TestApp;
  afterEach(async () => app.close());

  it('finishes a reaction whose second stream failed once (paid, then stock): retried, each command appends once', async () => {
    let store!: ReturnType<typeof failingOnce>;
    app = await startTestApp({ eventStore: (embedded) => (store = failingOnce(embedded, appendOf('StockReserved', (e) => !byRequest(e)))) });
    const admin = await app.adminToken();
    const [one, two] = [await stockedProduct(app, admin, 5), await stockedProduct(app, admin, 5)];
    const shopper = await app.customer();
    await addToCart(app, shopper, one.productId, 1);
    await addToCart(app, shopper, two.productId, 2);
    const placed = await checkout(app, shopper);
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    await orderReaches(app, shopper.token, placed.body.orderId, ['Confirmed']);
    expect(store.failed()).to.equal(true);
    const ofOrder = (await app.events()).filter((e) => e.data.orderId === placed.body.orderId).map((e) => e.type);
    for (const [type, count] of [['OrderCreated', 1], ['PaymentRequested', 1], ['PaymentProcessed', 1], ['OrderPaid', 1], ['StockReserved', 2], ['OrderConfirmed', 1]] as const) {
      expect(ofOrder.filter((t) => t === type), type).to.have.length(count);
    }
  });
});

// The store under the personal-data layer sees the email sealed: the test's customer is the one that is no admin.
const ofTheEmail = (event: EventToAppend) => event.data.role === 'customer';
