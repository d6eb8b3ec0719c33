import { expect } from 'chai';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { addToCart, stockedProduct } from '../support/shop.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A write whose store stayed locked by another process of the shop for as long as a write
 * may wait (one stopped in the middle of its own write) fails with SQLITE_BUSY: the client
 * is told to try again (503, Retry-After), not that something broke, and nothing is appended.
 */
describe('A store kept locked by another process', () => {
  let app: TestApp;
  let busy = false;
  afterEach(async () => app.close());

  const lockable = (store: EventStore): EventStore =>
    new Proxy(store, {
      get(target, property) {
        if (property !== 'appendToStream') return Reflect.get(target, property, target);
        const append: EventStore['appendToStream'] = async (...args) => {
          if (busy) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
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
});
