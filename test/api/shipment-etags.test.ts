import { expect } from 'chai';
import type supertest from 'supertest';
import { buy, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * API.md: write routes that target an existing aggregate take `If-Match: "<revision>"` and
 * answers carry `ETag: "<revision>"`. Dispatch and deliver are decided by the shipment's order,
 * so their If-Match names the order's revision (the ETag of GET /orders/:id), and so must the
 * ETag they answer: a warehouse client dispatches, then delivers with what dispatch answered.
 * They answered none (the document lists it).
 */
describe('ETags of dispatch and deliver', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let orderId: string;
  let shipmentId: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
    shopper = await app.customer();
    const product = await stockedProduct(app, admin, 5);
    orderId = await buy(app, shopper, product.productId);
    await orderReaches(app, admin, orderId, ['Confirmed']);
    // The shipment is prepared after the confirmation (the saga's next step): the order may be read Confirmed before it has one.
    shipmentId = (await eventually(async () => (await getOrder(app, admin, orderId)).body.shipment ?? undefined)).shipmentId;
    await app.settled();
  });
  afterEach(async () => app.close());

  const post = (path: string, ifMatch?: string, body?: object) => {
    const req = app.http().post(`/api/v1/shipments/${shipmentId}/${path}`).set('Authorization', `Bearer ${admin}`);
    return (ifMatch ? req.set('If-Match', ifMatch) : req).send(body);
  };
  /** The order's revision as its read answers it. */
  const orderEtag = async () => {
    await app.settled();
    const res = await app.http().get(`/api/v1/orders/${orderId}`).set('Authorization', `Bearer ${admin}`);
    expect(res.status).to.equal(200);
    expect(res.headers.etag).to.match(/^"\d+"$/);
    return res.headers.etag!;
  };
  const answered = (res: supertest.Response, status = 200) => {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    return res.headers.etag;
  };

  it("answers the order's revision on a dispatch booked with the carrier and on the delivery, each taken as the next If-Match", async () => {
    const confirmed = await orderEtag();
    const dispatched = answered(await post('dispatch', confirmed));
    expect(dispatched, 'dispatch answers an ETag').to.match(/^"\d+"$/);
    expect(dispatched).to.not.equal(confirmed);
    expect(await orderEtag()).to.equal(dispatched);

    expectProblem(await appendsNothing(app, () => post('deliver', confirmed)), 412);
    const delivered = answered(await post('deliver', dispatched));
    expect(delivered, 'deliver answers an ETag').to.match(/^"\d+"$/);
    expect(await orderEtag()).to.equal(delivered);
  });

  it("answers the order's revision on a dispatch handed over by hand (a tracking number)", async () => {
    const confirmed = await orderEtag();
    const dispatched = answered(await post('dispatch', confirmed, { trackingNumber: 'UPS-123456' }));
    expect(dispatched, 'dispatch answers an ETag').to.match(/^"\d+"$/);
    expect(await orderEtag()).to.equal(dispatched);
  });

  it('answers the revision again to a repeat of a dispatch already done', async () => {
    answered(await post('dispatch'));
    const shipped = await orderEtag();
    expect(answered(await post('dispatch'))).to.equal(shipped);
  });
});
