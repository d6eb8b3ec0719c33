import { expect } from 'chai';
import { pino } from 'pino';
import { deliverNotification, NOTIFICATIONS } from '../../src/commands/notifications.js';
import type { MailMessage, Mailer } from '../../src/infrastructure/mail/mailer.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';

/**
 * Two runners delivering one notification at once: a job whose claim ran out while its
 * runner stalled is run by another, and the first wakes up. Only one of them may send.
 */
describe('Delivering one notification from two runners at once (SMTP)', () => {
  const payload = { notificationId: 'n-1', type: 'OrderCreated', customerId: 'c-1', orderId: 'o-1', subject: 'Thanks', text: 'Your order' };

  const setUp = async (status?: 'pending') => {
    const readModels = new EmbeddedReadModelStore({ path: ':memory:' });
    await readModels.collection('customers').insertOne({ _id: 'c-1', email: 'zoe@example.com' });
    if (status) await readModels.collection(NOTIFICATIONS).insertOne({ _id: 'n-1', status });
    const sent: MailMessage[] = [];
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const mailer: Mailer = { transport: 'smtp', send: async (message) => { sent.push(message); await slow; }, close: async () => undefined };
    const deps = { readModels, mailer, clock: () => new Date('2026-12-02T09:00:00Z'), logger: pino({ level: 'silent' }) };
    return { readModels, sent, release, deps };
  };

  for (const status of [undefined, 'pending'] as const) {
    it(`sends it once when it was ${status ?? 'never recorded'}, and records it sent`, async () => {
      const { readModels, sent, release, deps } = await setUp(status);
      const both = Promise.all([deliverNotification(deps, payload), deliverNotification(deps, payload)]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      release();
      await both;
      expect(sent).to.have.length(1);
      expect((await readModels.collection(NOTIFICATIONS).findOne({ _id: 'n-1' }))?.status).to.equal('sent');
      await readModels.close();
    });
  }

  it('leaves it uncertain when the other runner marked it so while this one\'s send failed: never pending with no job to send it', async () => {
    const { readModels, deps } = await setUp('pending');
    const notifications = readModels.collection(NOTIFICATIONS);
    // The send hangs past this runner's claim: another runner of the job finds the message `sending`, marks it uncertain and ends the job; then the send fails (the server's greeting never came).
    const failing: Mailer = {
      transport: 'smtp',
      send: async () => {
        await deliverNotification(deps, payload);
        throw new Error('Greeting never received');
      },
      close: async () => undefined,
    };
    const error = await deliverNotification({ ...deps, mailer: failing }, payload).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.equal('Greeting never received');
    expect((await notifications.findOne({ _id: 'n-1' }))?.status).to.equal('uncertain');
    await readModels.close();
  });

  it('puts it back to pending, to be tried again, when its send failed and nobody else touched it', async () => {
    const { readModels, deps } = await setUp('pending');
    const failing: Mailer = { transport: 'smtp', send: async () => Promise.reject(new Error('Connection timeout')), close: async () => undefined };
    await deliverNotification({ ...deps, mailer: failing }, payload).catch(() => undefined);
    expect((await readModels.collection(NOTIFICATIONS).findOne({ _id: 'n-1' }))?.status).to.equal('pending');
    await readModels.close();
  });
});
