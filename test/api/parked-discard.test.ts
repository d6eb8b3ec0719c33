import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { registerGauges } from '../../src/api/gauges.js';
import { NotFoundError } from '../../src/domain/shared/errors.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { requeueParkedJob } from '../../src/processes/jobs.js';
import { eventually } from '../support/temp-dir.js';
import { ADMIN, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Parked work an operator decided is not to run again (a poison event resolved by hand, an
 * email to an address that no longer exists) is discarded: out of the parked lists and the
 * parked_total gauge, so its alert clears, and kept with who discarded it, when and why.
 */
describe('discarding parked events and jobs over the admin API', function () {
  this.timeout(30_000);
  let app: TestApp;
  let admin: string;
  let adminId: string;
  beforeEach(async () => {
    app = await startTestApp();
    registerGauges(app.deps);
    admin = await app.adminToken();
    adminId = (await app.http().post('/api/v1/account/login').send(ADMIN)).body.customerId;
  });
  afterEach(async () => app.close());

  const get = async (path: string) => (await app.http().get(path).set('Authorization', `Bearer ${admin}`)).body;
  const post = (path: string, body?: unknown, token = admin) => {
    const req = app.http().post(path).set('Authorization', `Bearer ${token}`);
    return body === undefined ? req : req.send(body as object);
  };
  const gauge = async (name: string, kind: 'event' | 'job') => {
    const line = (await app.http().get('/metrics')).text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`kind="${kind}"`));
    return Number(line?.split(' ').pop());
  };
  const parkedGauge = (kind: 'event' | 'job') => gauge('parked_total', kind);
  const discardedGauge = (kind: 'event' | 'job') => gauge('discarded_total', kind);

  /** A poison event: both the order saga and the notifications give up on it. */
  const poisonEvent = async () => {
    const orderId = uuid();
    await app.deps.eventStore.appendToStream(`order-${orderId}`, [
      { id: uuid(), type: 'OrderCreated', data: { orderId, customerId: uuid(), lines: [], paymentMethod: null }, metadata: {} },
    ]);
    return eventually(async () => {
      const body = await get('/api/v1/admin/parked-events');
      return body.total === 2 ? (body.items as Array<{ id: string; processManager: string }>) : undefined;
    });
  };

  /** An email to an address that no longer exists, parked (not due for an hour: no runner looks at it meanwhile). */
  const parkedJob = async (id = `send-notification:${uuid()}`) => {
    const later = Date.now() + 3_600_000;
    const job = { _id: id, kind: 'send-notification', runAt: new Date(later).toISOString(), attempts: 10, createdAt: new Date().toISOString(), payload: { to: 'gone@test.local' } };
    await app.store.collection('parked_jobs').insertOne({ ...job, lastError: 'Error: 550 no such user', parkedAt: new Date().toISOString() });
    return { job, later };
  };

  it('discards a parked event: 200, kept with who, when and why, out of the list and the gauge, and no longer replayable', async () => {
    const parked = await poisonEvent();
    expect(await parkedGauge('event')).to.equal(2);
    expect(await discardedGauge('event')).to.equal(0);
    const before = (await app.events()).length;
    for (const [i, { id }] of parked.entries()) {
      const res = await post(`/api/v1/admin/parked-events/${encodeURIComponent(id)}/discard`, { reason: `  resolved by hand (${i})  ` });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ id, discarded: true, discardedBy: `admin:${adminId}`, reason: `resolved by hand (${i})` });
      expect(Date.parse(res.body.discardedAt)).to.be.closeTo(Date.now(), 60_000);
      const kept = await app.store.collection('discarded_events').findOne({ _id: id });
      expect(kept).to.include({ processManager: parked[i]!.processManager, eventType: 'OrderCreated', discardedBy: `admin:${adminId}`, discardedAt: res.body.discardedAt, discardReason: `resolved by hand (${i})` });
      expect(kept!.error).to.match(/TypeError/);
    }
    expect((await get('/api/v1/admin/parked-events')).total).to.equal(0);
    expect(await parkedGauge('event')).to.equal(0);
    expect(await discardedGauge('event')).to.equal(2);
    const discarded = await get('/api/v1/admin/discarded-events');
    expect(discarded.total).to.equal(2);
    expect(discarded.items.find((d: { id: string }) => d.id === parked[1]!.id)).to.include({ discardedBy: `admin:${adminId}`, discardReason: 'resolved by hand (1)', eventType: 'OrderCreated' });
    const replay = await post(`/api/v1/admin/parked-events/${encodeURIComponent(parked[0]!.id)}/replay`);
    expectProblem(replay, 404);
    expect(replay.body.detail).to.include('no longer parked: discarded');
    // Discarded already: no longer parked, 404 as well, naming who discarded it; the record stays as it was.
    const again = await post(`/api/v1/admin/parked-events/${encodeURIComponent(parked[0]!.id)}/discard`, { reason: 'again' });
    expectProblem(again, 404);
    expect(again.body.detail).to.include(`discarded by admin:${adminId}`);
    expect(await app.store.collection('discarded_events').findOne({ _id: parked[0]!.id })).to.include({ discardReason: 'resolved by hand (0)' });
    expect((await app.events()).length).to.equal(before);
  });

  it('discards a parked job: 200, kept with who, when and why, out of the list and the gauge, never queued, not requeueable', async () => {
    const { job } = await parkedJob();
    await parkedJob();
    expect(await parkedGauge('job')).to.equal(2);
    const res = await post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/discard`, { reason: 'the address no longer exists' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.include({ id: job._id, discarded: true, discardedBy: `admin:${adminId}`, reason: 'the address no longer exists' });
    expect(await app.store.collection('discarded_jobs').findOne({ _id: job._id })).to.deep.include({
      kind: 'send-notification', payload: job.payload, lastError: 'Error: 550 no such user', discardedBy: `admin:${adminId}`, discardReason: 'the address no longer exists',
    });
    const list = await get('/api/v1/admin/parked-jobs');
    expect(list.total).to.equal(1);
    expect(list.items.map((j: { id: string }) => j.id)).not.to.include(job._id);
    expect(await parkedGauge('job')).to.equal(1);
    expect(await discardedGauge('job')).to.equal(1);
    const { _id, ...kept } = (await app.store.collection('discarded_jobs').findOne({ _id: job._id }))!;
    expect((await get('/api/v1/admin/discarded-jobs')).items).to.deep.equal([{ id: _id, ...kept }]);
    expectProblem(await post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/replay`), 404);
    expect(await app.store.collection('jobs').countDocuments({ _id: job._id })).to.equal(0);
    expectProblem(await post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/discard`, { reason: 'again' }), 404);
  });

  it('answers 409 to the discard of a parked job that is also still queued (parking not finished), changing nothing', async () => {
    const { job, later } = await parkedJob();
    await app.store.collection('jobs').insertOne({ ...job, dueAt: later, lockedUntil: 0 });
    const res = await post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/discard`, { reason: 'not to be sent' });
    expectProblem(res, 409);
    expect(await app.store.collection('parked_jobs').countDocuments({ _id: job._id })).to.equal(1);
    expect(await app.store.collection('jobs').findOne({ _id: job._id })).to.deep.equal({ ...job, dueAt: later, lockedUntil: 0 });
    expect(await app.store.collection('discarded_jobs').countDocuments()).to.equal(0);
  });

  it('does not queue a job discarded between the read and the write of its requeue', async () => {
    const { job } = await parkedJob();
    const asRead = await app.store.collection('parked_jobs').findOne({ _id: job._id });
    expect((await post(`/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/discard`, { reason: 'not to be sent' })).status).to.equal(200);
    // The requeue read the parked job before the discard moved it.
    const late: ReadModelStore = Object.create(app.store, {
      collection: { value: (name: string) => (name === 'parked_jobs' ? { findOne: async () => asRead } : app.store.collection(name)) },
    });
    let error: unknown;
    await requeueParkedJob(late, job._id, new Date()).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(NotFoundError);
    expect(await app.store.collection('jobs').countDocuments({ _id: job._id })).to.equal(0);
    expect(await app.store.collection('discarded_jobs').countDocuments({ _id: job._id })).to.equal(1);
  });

  describe('refusals', () => {
    /** Everything a refusal must leave as it was: the log, and the parked and discarded work. */
    const snapshot = async () => ({
      events: (await app.events()).length,
      parkedEvents: await app.store.collection('parked_events').find({}, { sort: { _id: 1 } }),
      parkedJobs: await app.store.collection('parked_jobs').find({}, { sort: { _id: 1 } }),
      discarded: (await app.store.collection('discarded_events').countDocuments()) + (await app.store.collection('discarded_jobs').countDocuments()),
    });

    it('refuses a discard without a valid reason (400), from a customer (403) or of something unknown (404), appending and changing nothing', async () => {
      const [event] = await poisonEvent();
      const { job } = await parkedJob();
      const shopper = await app.customer();
      const before = await snapshot();
      for (const path of [`/api/v1/admin/parked-events/${encodeURIComponent(event!.id)}/discard`, `/api/v1/admin/parked-jobs/${encodeURIComponent(job._id)}/discard`]) {
        for (const body of [undefined, {}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, { reason: 42 }, { reason: 'bell\u0007' }, { reason: 'line\nbreak' }, { reason: 'ok', extra: 1 }]) {
          const res = await post(path, body);
          expectProblem(res, 400);
        }
        const noReason = await post(path, {});
        expect(noReason.body.errors).to.deep.include({ field: 'reason', message: 'is required' });
        expectProblem(await post(path, { reason: 'not mine to discard' }, shopper.token), 403);
      }
      expectProblem(await post('/api/v1/admin/parked-events/nope/discard', { reason: 'unknown' }), 404);
      expectProblem(await post('/api/v1/admin/parked-jobs/nope/discard', { reason: 'unknown' }), 404);
      expect(await snapshot()).to.deep.equal(before);
    });
  });

  it('is described in /openapi.json with its body and answers', async () => {
    const paths = (await app.http().get('/openapi.json')).body.paths;
    for (const path of ['/api/v1/admin/parked-events/{id}/discard', '/api/v1/admin/parked-jobs/{id}/discard']) {
      const post = paths[path]?.post;
      expect(post, path).to.be.an('object');
      expect(post.requestBody.required).to.equal(true);
      expect(Object.keys(post.responses)).to.include.members(['200', '400', '403', '404', '409']);
    }
  });
});
