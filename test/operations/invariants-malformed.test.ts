import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { checkInvariants } from '../../src/operations/invariants.js';
import { discardParkedEvent } from '../../src/operations/parked.js';
import { PARKED_EVENTS } from '../../src/processes/parked-events.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import type { OrderView } from '../../src/projections/orders/orders.js';
import { buy, orderReaches, stockedProduct } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A hand-written order the saga cannot take (an OrderCreated without lines): what verify makes of it. */
describe('invariants beside a malformed order', function () {
  this.timeout(60_000);
  let app: TestApp;
  let poison: string;
  let good: string;

  const check = () => checkInvariants({ eventStore: app.deps.eventStore, store: app.store, schema: app.deps.schema }, ALL_PROJECTIONS);
  const parkedId = () => `order-saga:${poisonEventId}`;
  let poisonEventId: string;

  before(async () => {
    app = await startTestApp();
    const admin = await app.adminToken();
    const product = await stockedProduct(app, admin, 10);
    good = await buy(app, await app.customer(), product.productId, 1);
    await orderReaches(app, admin, good, ['Confirmed']);
    poison = uuid();
    poisonEventId = uuid();
    const at = new Date().toISOString();
    await app.deps.eventStore.appendToStream(`order-${poison}`, [
      { id: poisonEventId, type: 'OrderCreated', data: { orderId: poison, customerId: 'nobody' }, metadata: { correlationId: 'poison', causationId: 'poison', actor: 'system:test', occurredAt: at, schemaVersion: 1 } },
    ]);
    await eventually(async () => ((await app.store.collection(PARKED_EVENTS).findOne({ _id: parkedId() })) ? true : undefined), 20_000);
    await app.settled();
  });
  after(async () => app.close());

  it("reports the malformed order as that order's violation, and still checks order-stock and purchase-order for every other order", async () => {
    // Another order made wrong for both rules: counted as bought while Cancelled, and holding stock while Cancelled.
    const orders = app.store.collection<OrderView>('orders');
    const original = (await orders.findOne({ _id: good }))!;
    await orders.updateOne({ _id: good }, { $set: { status: 'Cancelled' } });
    try {
      const report = await eventually(async () => {
        const found = await check();
        return found.position === (await app.head()) ? found : undefined;
      });
      for (const invariant of ['order-stock', 'purchase-order']) {
        const of = report.violations.filter((v) => v.invariant === invariant);
        expect(of.map((v) => v.id).sort(), JSON.stringify(of)).to.have.members([good, poison].sort());
        expect(of.find((v) => v.id === poison)!.detail).to.match(/^could not be checked: TypeError: /);
        expect(of.find((v) => v.id === good)!.detail).to.not.match(/could not be checked/);
      }
      expect(report.violations.filter((v) => v.id === '-'), 'no rule given up as a whole').to.deep.equal([]);
    } finally {
      await orders.replaceOne({ _id: good }, original);
    }
  });

  it('leaves out, and names, the order once an operator discarded its parked saga event with a reason', async () => {
    const before = await check();
    expect(before.violations.filter((v) => v.invariant === 'order-settles').map((v) => v.id)).to.deep.equal([poison]);
    await discardParkedEvent(app.store, parkedId(), { reason: 'written by hand, no lines', by: 'ops', at: '2026-12-06T07:00:00.000Z' });
    const after = await check();
    expect(after.violations.filter((v) => v.invariant === 'order-settles')).to.deep.equal([]);
    expect(after.handedOver.map((h) => [h.orderId, h.job, h.kind, h.reason, h.discardedBy])).to.deep.equal([
      [poison, parkedId(), 'order-saga event OrderCreated', 'written by hand, no lines', 'ops'],
    ]);
  });
});
