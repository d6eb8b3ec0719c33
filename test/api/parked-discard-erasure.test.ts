import { expect } from 'chai';
import { bearer, eraseById, erasureDone } from '../support/erasure.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A discarded job is kept as it was parked: an email's payload names its customer and their
 * address. Erasing the customer deletes their mails still to send, parked or discarded alike.
 */
describe('erasure of a customer whose parked email was discarded', function () {
  this.timeout(30_000);
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app.close());

  it('deletes the discarded email with the queued and parked ones', async () => {
    const admin = await app.adminToken();
    const shopper = await app.customer();
    const mail = (id: string) => ({
      _id: id, kind: 'send-notification', runAt: new Date(Date.now() + 3_600_000).toISOString(), attempts: 10, createdAt: new Date().toISOString(),
      payload: { customerId: shopper.customerId, to: shopper.email }, lastError: 'Error: 550 no such user', parkedAt: new Date().toISOString(),
    });
    await app.store.collection('parked_jobs').insertOne(mail('send-notification:discarded'));
    await app.store.collection('parked_jobs').insertOne(mail('send-notification:parked'));
    const discard = await app.http().post('/api/v1/admin/parked-jobs/send-notification%3Adiscarded/discard').set(bearer(admin)).send({ reason: 'the address no longer exists' });
    expect(discard.status, JSON.stringify(discard.body)).to.equal(200);
    expect(await app.store.collection('discarded_jobs').countDocuments({ 'payload.customerId': shopper.customerId })).to.equal(1);

    expect((await eraseById(app, admin, shopper.customerId)).status).to.equal(202);
    await erasureDone(app, shopper.customerId);
    for (const collection of ['jobs', 'parked_jobs', 'discarded_jobs']) {
      expect(await app.store.collection(collection).countDocuments({ kind: 'send-notification', 'payload.customerId': shopper.customerId }), collection).to.equal(0);
    }
  });
});
