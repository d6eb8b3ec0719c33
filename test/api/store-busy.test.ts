import { expect } from 'chai';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { addToCart, checkout, eventsOf, orderReaches, stockedProduct } from '../support/shop.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A write whose store stayed locked by another process of the shop for as long as a write
 * may wait (one stopped in the middle of its own write) fails with SQLITE_BUSY: the client
 * is told to try again (503, Retry-After), not that something broke, and nothing is appended.
 */
describe('A store kept locked by another process', () => {
  let app: TestApp;
  let busy = false;
  /** Only these appends find the store locked (undefined: as `busy` says). */
  let busyFor: ((streamName: string, types: string[]) => boolean) | undefined;
  /** The code the locked appends fail with instead (a full disk's). */
  let full: string | undefined;
  afterEach(async () => {
    busy = false;
    busyFor = undefined;
    await app.close();
  });

  const lockable = (store: EventStore): EventStore =>
    new Proxy(store, {
      get(target, property) {
        if (property !== 'appendToStream') return Reflect.get(target, property, target);
        const append: EventStore['appendToStream'] = async (...args) => {
          const locked = busyFor ? busyFor(args[0], args[1].map((e) => e.type)) : busy;
          if (locked && full) throw Object.assign(new Error('database or disk is full'), { code: full });
          if (locked) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
          return target.appendToStream(...args);
        };
        return append;
      },
    });

  it('answers a write 503 problem+json with Retry-After, appends nothing, and takes the same write once the lock is free', async () => {
    app = await startTestApp({ eventStore: lockable });
    const { productId } = await stockedProduct(app, await app.adminToken(), 10);
    const shopper = await app.customer();
    const before = (await app.events()).length;
    busy = true;
    const refused = await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity: 1 });
    busy = false;
    expect(refused.status).to.equal(503);
    expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).to.equal('1');
    expect(refused.body).to.include({ status: 503, type: refused.body.type });
    expect(String(refused.body.type)).to.match(/store-busy$/);
    expect((await app.events()).length).to.equal(before);
    await addToCart(app, shopper, productId, 1);
    expect((await app.events()).length).to.equal(before + 1);
  });

  it('answers a write refused by a full disk 503 storage-full with Retry-After, appends nothing, and takes the same write once there is space', async () => {
    app = await startTestApp({ eventStore: lockable });
    const { productId } = await stockedProduct(app, await app.adminToken(), 10);
    const shopper = await app.customer();
    const before = (await app.events()).length;
    for (const code of ['SQLITE_FULL', 'ENOSPC']) {
      busyFor = () => true;
      full = code;
      const refused = await app.http().post('/api/v1/cart/items').set('Authorization', `Bearer ${shopper.token}`).send({ productId, quantity: 1 });
      busyFor = undefined;
      full = undefined;
      expect(refused.status, code).to.equal(503);
      expect(refused.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(refused.headers['retry-after']).to.equal('30');
      expect(String(refused.body.type)).to.match(/storage-full$/);
      expect((await app.events()).length).to.equal(before);
    }
    await addToCart(app, shopper, productId, 1);
    expect((await app.events()).length).to.equal(before + 1);
  });

  it('answers a checkout 202 when the store refused only its cart step, after the order was placed: the saga takes the lines out, the order goes on', async () => {
    app = await startTestApp({ eventStore: lockable });
    const { productId } = await stockedProduct(app, await app.adminToken(), 10);
    const shopper = await app.customer();
    await addToCart(app, shopper, productId, 2);
    busyFor = (streamName, types) => streamName.startsWith('cart-') && types.includes('CartCheckedOut');
    const placed = await checkout(app, shopper);
    // Not "503, nothing was done": the order is in the log, and a retry would order the same lines again.
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const orderId = placed.body.orderId as string;
    expect(await eventsOf(app, 'OrderCreated', (e) => e.data.orderId === orderId)).to.have.length(1);
    expect(await eventsOf(app, 'CartCheckedOut')).to.have.length(0);
    busyFor = undefined;
    const order = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    expect(order.lines.map((l: { productId: string; quantity: number }) => [l.productId, l.quantity])).to.deep.equal([[productId, 2]]);
    // The saga checked the cart out into the order: the lines are gone, and the next checkout has nothing to order.
    expect((await eventsOf(app, 'CartCheckedOut')).map((e) => e.data.orderId)).to.deep.equal([orderId]);
    const cart = await app.http().get('/api/v1/cart').set('Authorization', `Bearer ${shopper.token}`);
    expect(cart.body.items).to.deep.equal([]);
    expect((await checkout(app, shopper)).status).to.equal(422);
  });
});
