import { expect } from 'chai';
import { EventSource } from 'eventsource';
import { TokenIssuer } from '../../src/api/auth.js';
import { LiveStreams } from '../../src/api/live-streams.js';
import { TooManyRequestsError } from '../../src/domain/shared/errors.js';
import { addToCart, buy, checkout, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { startTestApp, TEST_SECRET, type TestApp } from '../support/test-app.js';
import { listening, readEvents, type Sse } from '../support/sse.js';
import { eraseById } from '../support/erasure.js';
import { eventually } from '../support/temp-dir.js';

const statuses = (events: Sse[]) => events.filter((e) => e.event === 'status').map((e) => JSON.parse(e.data).status as string);

describe('GET /api/v1/orders/:id/events (Server-Sent Events)', () => {
  let app: TestApp;
  let served: Awaited<ReturnType<typeof listening>>;
  let base: string;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    app = await startTestApp({ paymentTimeoutMs: 400 });
    served = await listening(app);
    base = served.base;
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => served.close());

  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
  const url = (orderId: string) => `${base}/api/v1/orders/${orderId}/events`;

  it('sends every status of the order, in order, each once, as the read model projects it (EventSource)', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    await addToCart(app, shopper, productId, 1);
    const placed = await checkout(app, shopper);
    const orderId = placed.body.orderId as string;
    const seen: Array<{ id: string; status: string; index: number; orderId: string }> = [];
    const source = new EventSource(url(orderId), { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...auth(shopper.token) } }) });
    try {
      await new Promise<void>((resolve, reject) => {
        source.addEventListener('status', (message) => {
          seen.push({ id: message.lastEventId, ...JSON.parse(message.data) });
          if (seen.at(-1)!.status === 'Confirmed') resolve();
        });
        source.addEventListener('error', (error) => reject(new Error(`stream failed: ${error.message ?? error.code}`)));
      });
    } finally {
      source.close();
    }
    expect(seen.map((s) => s.status)).to.deep.equal(['Pending', 'Paid', 'Confirmed']);
    expect(seen.map((s) => s.id)).to.deep.equal(['1', '2', '3']);
    expect(seen.map((s) => s.index)).to.deep.equal([1, 2, 3]);
    expect(seen.every((s) => s.orderId === orderId)).to.equal(true);
    // The statuses are the order's history, with its times.
    const order = await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    expect(order.history.map((h: { status: string }) => h.status)).to.deep.equal(seen.map((s) => s.status));
  });

  it('resumes after Last-Event-ID: nothing before it again, nothing lost', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const read = await readEvents(url(orderId), { ...auth(shopper.token), 'Last-Event-ID': '2' }, (events) => events.length >= 1, 2_000);
    expect(read.response.status).to.equal(200);
    expect(read.response.headers.get('content-type')).to.match(/^text\/event-stream/);
    // The document: `private, no-store` to a signed-in caller (it answered `no-store`).
    expect(read.response.headers.get('cache-control')).to.equal('private, no-store');
    expect(read.events.map((e) => [e.id, e.event, JSON.parse(e.data).status])).to.deep.equal([['3', 'status', 'Confirmed']]);
    // Resumed at the end: nothing is sent until something happens.
    const atEnd = await readEvents(url(orderId), { ...auth(shopper.token), 'Last-Event-ID': '3' }, () => false, 600);
    expect(atEnd.events).to.deep.equal([]);
  });

  it('ends the stream when the token it was opened with expires; reopening it with that token is 401', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    // The shop's own signing key, a token living 2 s.
    const shortLived = await new TokenIssuer(TEST_SECRET, 2).issue({ customerId: shopper.customerId, role: 'customer' });
    const read = await readEvents(url(orderId), auth(shortLived), () => false, 8_000);
    expect(read.response.status).to.equal(200);
    expect(statuses(read.events)).to.deep.equal(['Pending', 'Paid', 'Confirmed']);
    expect(read.ended, 'ended by the server, before the reader gave up').to.equal(true);
    const again = await readEvents(url(orderId), auth(shortLived), () => true);
    expect(again.response.status).to.equal(401);
  });

  it('shows a declined card as Failed', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1, 'tok_declined');
    const read = await readEvents(url(orderId), auth(shopper.token), (events) => statuses(events).includes('Failed'));
    expect(statuses(read.events)).to.deep.equal(['Pending', 'Failed']);
  });

  it('says `changed` when something else of the order changes: a cancelled order\'s refund', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured');
    const reading = readEvents(url(orderId), auth(admin), (events) => statuses(events).includes('Cancelled') && events.some((e) => e.event === 'changed' && !e.id));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cancelled = await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(auth(shopper.token));
    expect(cancelled.status).to.equal(202);
    const read = await reading;
    expect(statuses(read.events)).to.deep.equal(['Pending', 'Paid', 'Confirmed', 'Cancelled']);
    expect(read.events.filter((e) => e.event === 'changed').map((e) => JSON.parse(e.data))).to.deep.include({ orderId });
    await orderReaches(app, shopper.token, orderId, ['Cancelled'], 'Refunded');
  });

  it('answers 404 to anyone but the owner or an admin, 401 without a token, 400 to a bad Last-Event-ID: as problem+json', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    const stranger = await app.customer('Stranger');
    const notYours = await readEvents(url(orderId), auth(stranger.token), () => true);
    expect(notYours.response.status).to.equal(404);
    expect(notYours.response.headers.get('content-type')).to.match(/^application\/problem\+json/);
    const anonymous = await fetch(url(orderId));
    expect(anonymous.status).to.equal(401);
    const badId = await readEvents(url(orderId), { ...auth(shopper.token), 'Last-Event-ID': 'x' }, () => true);
    expect(badId.response.status).to.equal(400);
    expect(badId.body?.errors).to.deep.equal([{ field: 'Last-Event-ID', message: 'must be the id of an event of this stream (a number)' }]);
    const unknown = await readEvents(url('0e6f3a8b-1c2d-4e5f-9a0b-7c8d9e0f1a2b'), auth(admin), () => true);
    expect(unknown.response.status).to.equal(404);
    expect(app.deps.liveStreams.size).to.equal(0);
  });

  it("ends the customer's stream once the account is erased (as the read model shows it, so in any process); an admin's goes on", async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    // Erasure waits for open orders to ship.
    const shipmentId = (await eventually(async () => (await app.http().get(`/api/v1/orders/${orderId}`).set(auth(shopper.token))).body.shipment?.shipmentId)) as string;
    expect((await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set(auth(admin))).status).to.equal(200);
    await orderReaches(app, shopper.token, orderId, ['Shipped']);
    const customers = readEvents(url(orderId), auth(shopper.token), () => false, 15_000);
    const admins = readEvents(url(orderId), auth(admin), () => false, 15_000);
    await eventually(async () => (app.deps.liveStreams.size === 2 ? true : undefined));

    expect((await eraseById(app, admin, shopper.customerId)).status).to.equal(202);

    const ended = await customers;
    expect(ended.response.status).to.equal(200);
    expect(statuses(ended.events)).to.deep.equal(['Pending', 'Paid', 'Confirmed', 'Shipped']);
    // Ended by the server, long before the reader's 15 s: the admin's stream alone is open.
    expect(app.deps.liveStreams.size).to.equal(1);
    // Reconnecting, the erased account's token names no one.
    expect((await readEvents(url(orderId), auth(shopper.token), () => true)).response.status).to.equal(401);
    app.deps.liveStreams.closeAll();
    expect(statuses((await admins).events)).to.deep.equal(['Pending', 'Paid', 'Confirmed', 'Shipped']);
  });

  it("tells a watcher who lost the right to see the order nothing more: an admin demoted, or erased, since the stream opened", async () => {
    for (const loses of ['demoted', 'erased'] as const) {
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, shopper, productId, 1);
      await orderReaches(app, shopper.token, orderId, ['Confirmed'], 'Captured');
      const watcher = await app.customer(`Watcher ${loses}`);
      expect((await app.http().put(`/api/v1/admin/customers/${watcher.customerId}/role`).set(auth(admin)).send({ role: 'admin' })).status).to.equal(200);
      const watching = readEvents(url(orderId), auth(watcher.token), () => false, 15_000);
      await eventually(async () => (app.deps.liveStreams.size === 1 ? true : undefined));

      if (loses === 'demoted') expect((await app.http().put(`/api/v1/admin/customers/${watcher.customerId}/role`).set(auth(admin)).send({ role: 'customer' })).status).to.equal(200);
      else expect((await eraseById(app, admin, watcher.customerId)).status).to.equal(202);
      expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(auth(shopper.token))).status).to.equal(202);
      await orderReaches(app, shopper.token, orderId, ['Cancelled']);

      // Ended by the server, long before the reader's 15 s, with nothing of the cancellation in it.
      const ended = await watching;
      expect(statuses(ended.events), loses).to.deep.equal(['Pending', 'Paid', 'Confirmed']);
      expect(ended.events.filter((e) => e.event === 'changed'), loses).to.deep.equal([]);
      expect(app.deps.liveStreams.size).to.equal(0);
    }
  });

  it('tells a stream opened on a token signed out since (a sign-out everywhere, a new password) nothing more, and ends it', async () => {
    for (const how of ['sign-out', 'password'] as const) {
      const owner = await app.customer(`Owner ${how}`);
      const { productId } = await stockedProduct(app, admin, 5);
      const orderId = await buy(app, owner, productId, 1);
      await orderReaches(app, owner.token, orderId, ['Confirmed'], 'Captured');
      const watching = readEvents(url(orderId), auth(owner.token), () => false, 15_000);
      await eventually(async () => (app.deps.liveStreams.size === 1 ? true : undefined));

      const signedOut = how === 'sign-out'
        ? await app.http().post('/api/v1/account/me/sign-out').set(auth(owner.token))
        : await app.http().post('/api/v1/account/me/password').set(auth(owner.token)).send({ currentPassword: 'correct-horse', newPassword: 'battery-staple-9' });
      expect(signedOut.status, how).to.equal(200);
      expect((await app.http().post(`/api/v1/orders/${orderId}/cancel`).set(auth(admin))).status).to.equal(202);
      await orderReaches(app, admin, orderId, ['Cancelled']);

      const ended = await watching;
      expect(statuses(ended.events), how).to.deep.equal(['Pending', 'Paid', 'Confirmed']);
      expect(ended.events.filter((e) => e.event === 'changed'), how).to.deep.equal([]);
      expect(app.deps.liveStreams.size).to.equal(0);
    }
  });

  it('lets go of a stream when its client hangs up', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await readEvents(url(orderId), auth(shopper.token), (events) => events.length >= 1);
    for (let i = 0; i < 50 && app.deps.liveStreams.size > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.deps.liveStreams.size).to.equal(0);
  });
});

describe('LiveStreams', () => {
  const fakeResponse = () => {
    let ended = false;
    return { res: { end: () => void (ended = true) } as never, ended: () => ended };
  };

  it('ends every stream when the server stops, and refuses new ones with 503', () => {
    const streams = new LiveStreams(2);
    const a = fakeResponse();
    streams.add(a.res, 'c-1', '192.0.2.1');
    streams.closeAll();
    expect(a.ended()).to.equal(true);
    expect(() => streams.add(fakeResponse().res, 'c-1', '192.0.2.1')).to.throw('stopping').with.property('retryAfterSeconds', 1);
  });

  it('holds at most its limit', () => {
    const streams = new LiveStreams(1);
    const release = streams.add(fakeResponse().res, 'c-1', '192.0.2.1');
    expect(() => streams.add(fakeResponse().res, 'c-2', '192.0.2.1')).to.throw('holds 1 live streams');
    release();
    expect(() => streams.add(fakeResponse().res, 'c-2', '192.0.2.1')).not.to.throw();
  });

  it("holds at most an account's share for each account (429), the others' streams still taken", () => {
    const streams = new LiveStreams(10, 2);
    const first = streams.add(fakeResponse().res, 'c-1', '192.0.2.1');
    streams.add(fakeResponse().res, 'c-1', '192.0.2.1');
    expect(() => streams.add(fakeResponse().res, 'c-1', '192.0.2.1')).to.throw(TooManyRequestsError, 'holds 2 live streams').with.property('retryAfterSeconds', 5);
    expect(() => streams.add(fakeResponse().res, 'c-2', '192.0.2.1')).not.to.throw();
    first();
    first(); // released twice: counted once
    streams.add(fakeResponse().res, 'c-1', '192.0.2.1');
    expect(() => streams.add(fakeResponse().res, 'c-1', '192.0.2.1')).to.throw(TooManyRequestsError);
  });
});
