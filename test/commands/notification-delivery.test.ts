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
});
