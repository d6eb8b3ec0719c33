import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { SmtpMailer } from '../../src/infrastructure/mail/smtp-mailer.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { buy, getOrder, orderReaches, stockedProduct, type Shopper } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

type Received = { messageId: string; to: string; subject: string };

/** A real SMTP server, in this process, that keeps what it receives. */
const startSmtp = async () => {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(raw)?.[1]?.trim() ?? '';
        received.push({ messageId: header('Message-ID'), to: session.envelope.rcptTo.map((r) => r.address).join(','), subject: header('Subject') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { received, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

describe('notifications over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let app: TestApp;
  let admin: string;
  let shopper: Shopper;
  beforeEach(async () => {
    smtp = await startSmtp();
    app = await startTestApp({ mailer: new SmtpMailer(smtp.url, 'Shop <shop@test.local>') });
    admin = await app.adminToken();
    shopper = await app.customer();
  });
  afterEach(async () => {
    await app.close();
    await smtp.close();
  });

  const mails = (count: number) => eventually(async () => (smtp.received.length >= count ? [...smtp.received] : undefined));

  it('sends one email per fact to the customer, and lists them', async () => {
    // Plenty of stock: no stock alert (an admin's email) among the customer's.
    const { productId } = await stockedProduct(app, admin, 50);
    const paid = await buy(app, shopper, productId, 1);
    await orderReaches(app, shopper.token, paid, ['Confirmed']);
    const { shipmentId } = (await eventually(async () => (await getOrder(app, shopper.token, paid)).body.shipment ?? undefined)) as { shipmentId: string };
    await app.http().post(`/api/v1/shipments/${shipmentId}/dispatch`).set('Authorization', `Bearer ${admin}`);
    const declined = await buy(app, shopper, productId, 1, 'tok_declined');
    await orderReaches(app, shopper.token, declined, ['Failed']);

    const all = await mails(4);
    expect(all.every((m) => m.to === shopper.email)).to.equal(true);
    expect(all.map((m) => m.subject).sort()).to.deep.equal(
      [`Payment failed for order ${short(declined)}`, `We received your order ${short(declined)}`, `We received your order ${short(paid)}`, `Your order ${short(paid)} has shipped`].sort(),
    );
    expect(new Set(all.map((m) => m.messageId)).size).to.equal(4);
    const listed = await app.http().get('/api/v1/account/me/notifications').set('Authorization', `Bearer ${shopper.token}`);
    expect(listed.body.items.map((n: { type: string }) => n.type).sort()).to.deep.equal(['OrderCreated', 'OrderCreated', 'OrderShipped', 'PaymentFailed']);
  });

  it('never sends an email twice, even when every event is delivered again after a restart', async () => {
    const { productId } = await stockedProduct(app, admin, 5);
    const orderId = await buy(app, shopper, productId, 1, 'tok_declined');
    await orderReaches(app, shopper.token, orderId, ['Failed']);
    await mails(2);

    const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
    await notifications.stop();
    await app.deps.jobs.stop();
    await app.deps.readModels.collection(CHECKPOINTS).deleteOne({ _id: 'process:notifications' });
    await app.deps.readModels.collection('saga_notifications').deleteMany({});
    await notifications.start();
    app.deps.jobs.start();
    expect(await notifications.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'send-notification' })) === 0 ? true : undefined));
    expect(smtp.received).to.have.length(2);
  });

  it('does not send again a message whose sending was interrupted: it is marked uncertain', async () => {
    const notifications = app.deps.readModels.collection('notifications');
    await notifications.insertOne({ _id: 'interrupted-1', customerId: shopper.customerId, orderId: 'o-1', type: 'OrderCreated', subject: 'S', text: 'T', to: shopper.email, transport: 'smtp', status: 'sending' });
    await app.deps.readModels.collection('jobs').insertOne({
      _id: 'send-notification:interrupted-1',
      kind: 'send-notification',
      runAt: new Date().toISOString(),
      payload: { notificationId: 'interrupted-1', type: 'OrderCreated', customerId: shopper.customerId, orderId: 'o-1', subject: 'S', text: 'T' },
      attempts: 0,
      createdAt: new Date().toISOString(),
      lockedUntil: '',
    });
    app.deps.jobs.wake();
    const doc = await eventually(async () => {
      const found = await notifications.findOne({ _id: 'interrupted-1' });
      return found?.status === 'uncertain' ? found : undefined;
    });
    expect(doc.status).to.equal('uncertain');
    expect(smtp.received).to.deep.equal([]);
  });
});

const short = (orderId: string) => orderId.slice(0, 8).toUpperCase();
