import { expect } from 'chai';
import type supertest from 'supertest';
import { ADDRESS, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Subscriptions through HTTP (issue 16, part 3): subscribe, list and view, change with
 * If-Match, pause, resume, skip, and the Cancel Subscription flow; who may see what; bad
 * input and illegal transitions append nothing. Renewals: ./subscription-renewals.test.ts.
 */

/** A subscription "day" of the tests (SUBSCRIPTION_DAY_MS). */
const DAY = 200;
/** Far enough for no renewal to fall due during a test. */
const FAR = 300;

describe('HTTP subscriptions', () => {
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  let productId: string;
  let visa: string;
  beforeEach(async () => {
    app = await startTestApp({ subscriptionDayMs: DAY });
    admin = await app.adminToken();
    shopper = await app.customer();
    productId = (await stockedProduct(app, admin, 50)).productId;
    visa = await saved(shopper, 'tok_visa');
  });
  afterEach(async () => app.close());

  const as = (who: Shopper | string) => ({ Authorization: `Bearer ${typeof who === 'string' ? who : who.token}` });
  async function saved(who: Shopper, token: string) {
    const res = await app.http().post('/api/v1/account/me/payment-methods').set(as(who)).send({ token });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.paymentMethodId as string;
  }
  const body = (overrides: Record<string, unknown> = {}) => ({ items: [{ productId, quantity: 2 }], intervalDays: FAR, shippingAddress: ADDRESS, paymentMethodId: visa, ...overrides });
  const subscribe = (overrides: Record<string, unknown> = {}, who: Shopper = shopper) => app.http().post('/api/v1/subscriptions').set(as(who)).send(body(overrides));
  const subscribed = async (overrides: Record<string, unknown> = {}) => {
    const res = await subscribe(overrides);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.subscriptionId as string;
  };
  const post = (id: string, action: string, who: Shopper | string = shopper) => app.http().post(`/api/v1/subscriptions/${id}/${action}`).set(as(who));
  const view = (id: string, who: Shopper | string = shopper) => app.http().get(`/api/v1/subscriptions/${id}`).set(as(who));
  const appendedBy = async (res: supertest.Response) =>
    (await app.events()).filter((e) => e.metadata.correlationId === res.headers['x-request-id']).map((e) => e.type);
  /** The customer's emails once the notifications caught up with the log and every email job ran. */
  const inbox = async (who: Shopper) => {
    const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
    expect(await notifications.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'send-notification' })) === 0 ? true : undefined));
    return ((await app.http().get('/api/v1/account/me/notifications').set(as(who))).body.items as Array<{ type: string; subscriptionId?: string }>);
  };

  describe('subscribing', () => {
    it('answers 201 Active with the first renewal an interval away, and appends SubscriptionCreated', async () => {
      const before = Date.now();
      const res = await subscribe({ intervalDays: 7 });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ status: 'Active', customerId: shopper.customerId, intervalDays: 7, paymentMethodId: visa });
      expect(res.body.items).to.deep.equal([{ productId, quantity: 2 }]);
      expect(res.headers.location).to.equal(`/api/v1/subscriptions/${res.body.subscriptionId}`);
      expect(res.headers.etag).to.equal('"0"');
      const due = Date.parse(res.body.nextRenewalAt);
      expect(due).to.be.at.least(before + 7 * DAY);
      expect(await appendedBy(res)).to.deep.equal(['SubscriptionCreated']);
      await app.settled();
      const shown = await view(res.body.subscriptionId);
      expect(shown.status).to.equal(200);
      expect(shown.headers.etag).to.equal('"0"');
      expect(shown.body).to.include({ status: 'Active', nextRenewalAt: res.body.nextRenewalAt });
      expect(shown.body.renewals).to.deep.equal([]);
      expect((await inbox(shopper)).map((n) => n.type)).to.deep.equal(['SubscriptionCreated']);
    });

    it('refuses bad input (400) and appends nothing', async () => {
      const cases: Array<Record<string, unknown>> = [
        { items: [] },
        { items: [{ productId, quantity: 0 }] },
        { items: [{ productId, quantity: 1 }, { productId, quantity: 2 }] },
        { items: 'all' },
        { intervalDays: 0 },
        { intervalDays: 1.5 },
        { intervalDays: '7' },
        { paymentMethodId: 'tok_visa' },
        { shippingAddress: { line1: 'x' } },
        { colour: 'red' },
      ];
      for (const overrides of cases) {
        const res = await appendsNothing(app, () => subscribe(overrides));
        expectProblem(res, 400);
      }
      expect((await app.events()).filter((e) => e.type.startsWith('Subscription'))).to.deep.equal([]);
    });

    it("refuses another customer's payment method, a removed one and a product not sold (422), appending nothing", async () => {
      const other = await app.customer('Other');
      const theirs = await saved(other, 'tok_visa');
      expectProblem(await appendsNothing(app, () => subscribe({ paymentMethodId: theirs })), 422);
      const mine = await saved(shopper, 'tok_mastercard');
      expect((await app.http().delete(`/api/v1/account/me/payment-methods/${mine}`).set(as(shopper))).status).to.equal(200);
      expectProblem(await appendsNothing(app, () => subscribe({ paymentMethodId: mine })), 422);
      expectProblem(await appendsNothing(app, () => subscribe({ items: [{ productId: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', quantity: 1 }] })), 422);
      expect((await app.events()).filter((e) => e.type.startsWith('Subscription'))).to.deep.equal([]);
    });

    it('holds at most 50 open subscriptions for a customer (422 past it, appending nothing); a cancelled one makes room', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 50; i += 1) ids.push(await subscribed());
      await app.settled();
      const refused = await appendsNothing(app, () => subscribe());
      expectProblem(refused, 422);
      expect(refused.body.detail).to.match(/at most 50 subscriptions/);
      expect((await post(ids[0]!, 'cancel')).status).to.equal(200);
      await app.settled();
      expect((await subscribe()).status).to.equal(201);
      // Another customer is not held by this one's.
      const other = await app.customer();
      const theirs = await saved(other, 'tok_visa');
      expect((await subscribe({ paymentMethodId: theirs }, other)).status).to.equal(201);
    });

    it('answers 401 without a token, appending nothing', async () => {
      expectProblem(await appendsNothing(app, () => app.http().post('/api/v1/subscriptions').send(body())), 401);
      expectProblem(await app.http().get('/api/v1/subscriptions'), 401);
    });
  });

  describe('who sees what', () => {
    it("lists a customer's own subscriptions, an admin's all of them (by status); another customer's is 404 to read and to change", async () => {
      const mine = await subscribed();
      const other = await app.customer('Other');
      const theirs = await (async () => {
        const res = await subscribe({ paymentMethodId: await saved(other, 'tok_visa') }, other);
        expect(res.status).to.equal(201);
        return res.body.subscriptionId as string;
      })();
      expect((await post(theirs, 'pause', admin)).status).to.equal(200);
      await app.settled();
      const own = await app.http().get('/api/v1/subscriptions').set(as(shopper));
      expect(own.status).to.equal(200);
      expect(own.body).to.include({ total: 1, page: 1, pageSize: 20 });
      expect(own.body.items.map((s: { subscriptionId: string }) => s.subscriptionId)).to.deep.equal([mine]);
      const all = await app.http().get('/api/v1/subscriptions').set(as(admin));
      expect(all.body.total).to.equal(2);
      const paused = await app.http().get('/api/v1/subscriptions?status=Paused').set(as(admin));
      expect(paused.body.items.map((s: { subscriptionId: string }) => s.subscriptionId)).to.deep.equal([theirs]);
      expect((await view(theirs, admin)).status).to.equal(200);
      expectProblem(await view(theirs), 404);
      for (const action of ['pause', 'resume', 'skip', 'cancel']) expectProblem(await appendsNothing(app, () => post(theirs, action)), 404);
      expectProblem(await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${theirs}`).set(as(shopper)).send({ intervalDays: 3 })), 404);
      expectProblem(await view('7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'), 404);
      expectProblem(await app.http().get('/api/v1/subscriptions?status=Sleeping').set(as(shopper)), 400);
    });
  });

  describe('changing', () => {
    it('changes items, interval, address and payment method (200, SubscriptionChanged); the same values again append nothing', async () => {
      const id = await subscribed({ intervalDays: 10 });
      const created = await view(id);
      const mastercard = await saved(shopper, 'tok_mastercard');
      const other = (await stockedProduct(app, admin, 5)).productId;
      const change = { items: [{ productId: other, quantity: 1 }], intervalDays: 20, shippingAddress: { ...ADDRESS, line1: '2 Elm St' }, paymentMethodId: mastercard };
      const res = await app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).set('If-Match', '"0"').send(change);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ intervalDays: 20, paymentMethodId: mastercard, status: 'Active' });
      expect(res.body.items).to.deep.equal(change.items);
      expect(res.body.shippingAddress.line1).to.equal('2 Elm St');
      // A new interval counts from where the last one started.
      expect(Date.parse(res.body.nextRenewalAt) - Date.parse(created.body.nextRenewalAt)).to.equal(10 * DAY);
      expect(res.headers.etag).to.equal('"1"');
      expect(await appendedBy(res)).to.deep.equal(['SubscriptionChanged']);
      const again = await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send(change));
      expect(again.status).to.equal(200);
      expect(again.headers.etag).to.equal('"1"');
    });

    it('answers 412 to a stale If-Match, 400 to bad input, 422 to a payment method not yours: appending nothing', async () => {
      const id = await subscribed();
      expect((await app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send({ intervalDays: 5 })).status).to.equal(200);
      const stale = await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).set('If-Match', '"0"').send({ intervalDays: 6 }));
      expectProblem(stale, 412);
      for (const bad of [{ intervalDays: 0 }, { items: [] }, { paymentMethodId: 5 }, { status: 'Active' }]) {
        expectProblem(await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send(bad)), 400);
      }
      const other = await app.customer('Other');
      const theirs = await saved(other, 'tok_visa');
      expectProblem(await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send({ paymentMethodId: theirs })), 422);
    });

    it("answers an empty change ({}) with the product's 400 (nothing to change), appending nothing", async () => {
      const id = await subscribed();
      const empty = await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send({}));
      expectProblem(empty, 400);
      expect(empty.body).to.include({ type: 'urn:shop:problem:validation-failed', detail: 'nothing to change' });
      expect(empty.body.errors).to.deep.equal([{ field: 'body', message: 'items, intervalDays, shippingAddress or paymentMethodId' }]);
      const product = await app.http().patch(`/api/v1/products/${productId}`).set(as(admin)).send({});
      expect(product.body).to.include({ type: empty.body.type, status: 400, detail: empty.body.detail });
    });
  });

  describe('pause, resume, skip', () => {
    it('pauses (no next renewal), resumes on the same date, skips one interval on; a transition that does not apply is 409 and appends nothing', async () => {
      const id = await subscribed({ intervalDays: FAR });
      const due = (await view(id)).body.nextRenewalAt as string;
      expectProblem(await appendsNothing(app, () => post(id, 'resume')), 409);
      const paused = await post(id, 'pause');
      expect(paused.status, JSON.stringify(paused.body)).to.equal(200);
      expect(paused.body).to.include({ status: 'Paused', nextRenewalAt: null });
      expect(await appendedBy(paused)).to.deep.equal(['SubscriptionPaused']);
      expectProblem(await appendsNothing(app, () => post(id, 'pause')), 409);
      expectProblem(await appendsNothing(app, () => post(id, 'skip')), 409);
      const resumed = await post(id, 'resume');
      expect(resumed.status).to.equal(200);
      expect(resumed.body).to.include({ status: 'Active', nextRenewalAt: due });
      expect(await appendedBy(resumed)).to.deep.equal(['SubscriptionResumed']);
      const skipped = await post(id, 'skip');
      expect(skipped.status).to.equal(200);
      expect(Date.parse(skipped.body.nextRenewalAt) - Date.parse(due)).to.equal(FAR * DAY);
      expect(await appendedBy(skipped)).to.deep.equal(['SubscriptionRenewalSkipped']);
      const [event] = (await app.events()).filter((e) => e.type === 'SubscriptionRenewalSkipped');
      expect(event!.data).to.include({ skippedRenewal: 1, nextRenewal: 2 });
      await app.settled();
      expect((await view(id)).body).to.include({ status: 'Active', nextRenewalAt: skipped.body.nextRenewalAt });
    });
  });

  describe('the cancel flow', () => {
    it('cancels (SubscriptionCancelled, a confirmation email); cancelling again answers the same and appends nothing; nothing else applies any more', async () => {
      const id = await subscribed();
      const cancelled = await post(id, 'cancel');
      expect(cancelled.status, JSON.stringify(cancelled.body)).to.equal(200);
      expect(cancelled.body).to.include({ status: 'Cancelled', nextRenewalAt: null });
      expect(await appendedBy(cancelled)).to.deep.equal(['SubscriptionCancelled']);
      const again = await appendsNothing(app, () => post(id, 'cancel'));
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal(cancelled.body);
      expect(again.headers.etag).to.equal(cancelled.headers.etag);
      for (const action of ['pause', 'resume', 'skip']) expectProblem(await appendsNothing(app, () => post(id, action)), 409);
      expectProblem(await appendsNothing(app, () => app.http().patch(`/api/v1/subscriptions/${id}`).set(as(shopper)).send({ intervalDays: 3 })), 409);
      const emails = await inbox(shopper);
      expect(emails.map((n) => n.type).sort()).to.deep.equal(['SubscriptionCancelled', 'SubscriptionCreated']);
      expect(emails.every((n) => n.subscriptionId === id)).to.equal(true);
      await app.settled();
      expect((await view(id)).body.status).to.equal('Cancelled');
    });
  });
});
