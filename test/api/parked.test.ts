import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import type { MailMessage, Mailer } from '../../src/infrastructure/mail/mailer.js';
import { buy, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/** A mail server that can be down. */
class FlakyMailer implements Mailer {
  readonly transport = 'smtp';
  down = true;
  readonly sent: MailMessage[] = [];
  async send(message: MailMessage) {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:25');
    this.sent.push(message);
  }
  async close() {}
}

describe('parked events and jobs over the admin API', function () {
  this.timeout(30_000);
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  const mailer = new FlakyMailer();
  beforeEach(async () => {
    mailer.down = false;
    mailer.sent.length = 0;
    app = await startTestApp({ mailer });
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => app.close());

  const parkedEvents = async () => (await app.http().get('/api/v1/admin/parked-events').set('Authorization', `Bearer ${admin}`)).body;

  it('replays an event parked while another part of the system failed, once it works again', async () => {
    const commands = app.deps.commands;
    const handle = commands.handle.bind(commands);
    // The warehouse system is down: preparing shipments fails.
    commands.handle = ((decider, stream, command, context) =>
      stream.startsWith('shipment-') ? Promise.reject(new Error('warehouse system unavailable')) : handle(decider, stream, command, context)) as typeof commands.handle;
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, orderId, ['Confirmed']);
    const parked = await eventually(async () => {
      const body = await parkedEvents();
      return body.total === 1 ? body.items[0] : undefined;
    });
    expect(parked).to.include({ processManager: 'order-saga', eventType: 'OrderConfirmed', streamName: `order-${orderId}` });
    expect(parked.error).to.match(/warehouse system unavailable/);
    expect((await getOrder(app, shopper.token, orderId)).body.shipment).to.equal(null);

    commands.handle = handle;
    const replayed = await app.http().post(`/api/v1/admin/parked-events/${encodeURIComponent(parked.id)}/replay`).set('Authorization', `Bearer ${admin}`);
    expect(replayed.status).to.equal(200);
    expect(replayed.body).to.deep.equal({ id: parked.id, replayed: true });
    const shipment = await eventually(async () => (await getOrder(app, shopper.token, orderId)).body.shipment ?? undefined);
    expect(shipment.status).to.equal('Preparing');
    expect((await parkedEvents()).total).to.equal(0);
    const prepared = (await app.events()).filter((e) => e.type === 'ShipmentPrepared' && e.data.orderId === orderId);
    expect(prepared).to.have.length(1);
  });

  it('keeps an event parked that still fails (409), counting the attempts', async () => {
    const poison = uuid();
    await app.deps.eventStore.appendToStream(`order-${poison}`, [
      { id: uuid(), type: 'OrderCreated', data: { orderId: poison, customerId: shopper.customerId, lines: [], paymentMethod: null }, metadata: {} },
    ]);
    const parked = await eventually(async () => (await parkedEvents()).items.find((p: { processManager: string }) => p.processManager === 'order-saga'));
    const res = await app.http().post(`/api/v1/admin/parked-events/${encodeURIComponent(parked.id)}/replay`).set('Authorization', `Bearer ${admin}`);
    expectProblem(res, 409);
    expect(res.body.detail).to.match(/TypeError/);
    const after = (await parkedEvents()).items.find((p: { id: string }) => p.id === parked.id);
    expect(after.attempts).to.be.greaterThan(parked.attempts);
    expect(after.lastReplayAt).to.be.a('string');
    expectProblem(await app.http().post('/api/v1/admin/parked-events/nope/replay').set('Authorization', `Bearer ${admin}`), 404);
    expectProblem(await app.http().post(`/api/v1/admin/parked-events/${encodeURIComponent(parked.id)}/replay`).set('Authorization', `Bearer ${shopper.token}`), 403);
  });

  it('parks an email the mail server kept refusing, and sends it once when replayed', async () => {
    mailer.down = true;
    const { productId } = await stockedProduct(app, admin, 5);
    await buy(app, shopper, productId, 1, 'tok_declined');
    // Parked, and out of the queue: a replay between the two answers 409 (see the next test).
    const parked = await eventually(async () => {
      const body = (await app.http().get('/api/v1/admin/parked-jobs').set('Authorization', `Bearer ${admin}`)).body;
      const queued = await app.store.collection('jobs').countDocuments({ _id: { $in: (body.items as Array<{ id: string }>).map((j) => j.id) } });
      return body.total === 2 && queued === 0 ? body.items : undefined;
    });
    expect(parked.map((j: { kind: string }) => j.kind)).to.deep.equal(['send-notification', 'send-notification']);
    expect(parked[0].lastError).to.match(/ECONNREFUSED/);

    mailer.down = false;
    for (const job of parked) {
      const res = await app.http().post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job.id)}/replay`).set('Authorization', `Bearer ${admin}`);
      expect(res.status).to.equal(202);
    }
    await eventually(() => (mailer.sent.length === 2 ? true : undefined));
    expect(mailer.sent.map((m) => m.to)).to.deep.equal([shopper.email, shopper.email]);
    expect((await app.http().get('/api/v1/admin/parked-jobs').set('Authorization', `Bearer ${admin}`)).body.total).to.equal(0);
    expectProblem(await app.http().post(`/api/v1/admin/parked-jobs/${encodeURIComponent(parked[0].id)}/replay`).set('Authorization', `Bearer ${admin}`), 404);
  });

  it('answers 409 to the replay of a parked job that is also still queued (parking not finished), changing nothing', async () => {
    // Not due for an hour: no runner touches it while the test looks.
    const later = Date.now() + 3_600_000;
    const job = { _id: 'send-notification:in-between', kind: 'send-notification', runAt: new Date(later).toISOString(), dueAt: later, lockedUntil: 0, attempts: 5, payload: {} };
    await app.store.collection('jobs').insertOne(job);
    await app.store.collection('parked_jobs').insertOne({ ...job, lastError: 'ECONNREFUSED', parkedAt: new Date().toISOString() });
    const res = await app.http().post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/replay`).set('Authorization', `Bearer ${admin}`);
    expectProblem(res, 409);
    expect(await app.store.collection('parked_jobs').countDocuments({ _id: job._id })).to.equal(1);
    expect(await app.store.collection('jobs').countDocuments({ _id: job._id })).to.equal(1);
  });
});
