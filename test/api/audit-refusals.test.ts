import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { buy, stockedProduct, type Shopper } from '../support/shop.js';
import { appendsNothing, expectProblem, startShopWithShopper, type TestApp } from '../support/test-app.js';
import { auditRequest } from './audit-fixture.js';

/**
 * What the audit routes refuse: any caller but an admin, an order or stream that does not
 * exist, an unusable asOf. What they answer: audit-order-timeline.test.ts, audit-streams.test.ts.
 */
describe('the audit trail over HTTP: access and errors', function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    ({ app, admin, shopper } = await startShopWithShopper());
  });
  afterEach(async () => app.close());
  const audit = auditRequest(() => ({ app, admin }));

  let orderId: string;
  beforeEach(async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    orderId = await buy(app, shopper, productId, 1);
  });

  it('answers 403 to a customer, even about their own order', async () => {
    expectProblem(await appendsNothing(app, () => audit(`/orders/${orderId}`, shopper.token)), 403);
    expectProblem(await appendsNothing(app, () => audit(`/streams/order-${orderId}`, shopper.token)), 403);
  });

  it('answers 401 without a token', async () => {
    expectProblem(await appendsNothing(app, () => audit(`/orders/${orderId}`, null)), 401);
    expectProblem(await appendsNothing(app, () => audit(`/streams/order-${orderId}`, null)), 401);
  });

  it('answers 404 for an order or a stream that does not exist', async () => {
    expectProblem(await appendsNothing(app, () => audit(`/orders/${uuid()}`)), 404);
    expectProblem(await appendsNothing(app, () => audit('/orders/not-an-order-id')), 404);
    expectProblem(await appendsNothing(app, () => audit(`/streams/order-${uuid()}`)), 404);
    expectProblem(await appendsNothing(app, () => audit('/streams/inventory-NO-SUCH-SKU')), 404);
  });

  it('answers 400 to an asOf that is neither a revision nor a time, or one padded with spaces (the document\'s pattern takes none); a blank one is none', async () => {
    const padded = ['%202026-01-02', '2026-01-02%20', '1%20', '%09' + '2026-01-02'];
    expect((await audit(`/orders/${orderId}?asOf=%20`)).status, 'blank: as if not given').to.equal(200);
    for (const path of [`/orders/${orderId}?asOf=yesterday`, `/streams/order-${orderId}?asOf=yesterday`, ...padded.map((asOf) => `/orders/${orderId}?asOf=${asOf}`)]) {
      const res = await appendsNothing(app, () => audit(path));
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['asOf']);
    }
  });

  it('answers 400 to a negative revision rather than reading it as a date', async () => {
    expectProblem(await appendsNothing(app, () => audit(`/streams/order-${orderId}?asOf=-1`)), 400);
  });

  it('answers 400 to two asOf at once rather than answering as of now', async () => {
    expectProblem(await appendsNothing(app, () => audit(`/orders/${orderId}?asOf=0&asOf=1`)), 400);
  });
});
