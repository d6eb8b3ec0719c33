import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { SMTP_TIMEOUTS, SmtpMailer } from '../../src/infrastructure/mail/smtp-mailer.js';

/**
 * The SMTP mailer gives up on a mail server that accepts and never answers, within its own
 * time limits (not nodemailer's defaults: 2 min to connect, 30 s for the greeting, 10 min of
 * silence), so a hung server holds a mail slot for a bounded time, inside the job's claim.
 */
describe('SMTP mailer time limits', () => {
  let server: Server;
  let sockets: Socket[];
  let url: string;
  beforeEach(async () => {
    sockets = [];
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `smtp://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a send whose server never greets once its greeting time is up, and lets the connection go', async () => {
    const mailer = new SmtpMailer(url, 'Shop <shop@test.local>', { greetingTimeout: 300 });
    const started = Date.now();
    const error = await mailer.send({ id: 'n-1', to: 'someone@test.local', subject: 'Hello', text: 'Hi' }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error, 'the send should have failed').to.be.instanceOf(Error);
    expect(`${error!.code} ${error!.message}`).to.match(/ETIMEDOUT|Greeting/i);
    expect(Date.now() - started).to.be.below(5_000);
    expect(sockets).to.have.length(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sockets[0]!.destroyed || sockets[0]!.readableEnded).to.equal(true);
    await mailer.close();
  });

  it('takes time limits from SMTP_URL\'s query over its own', async () => {
    const mailer = new SmtpMailer(`${url}?greetingTimeout=300`, 'Shop <shop@test.local>');
    const started = Date.now();
    const failed = await mailer.send({ id: 'n-2', to: 'someone@test.local', subject: 'Hello', text: 'Hi' }).then(() => false, () => true);
    expect(failed).to.equal(true);
    expect(Date.now() - started).to.be.below(5_000);
    await mailer.close();
  });

  it('ends a hung send by default within the shortest claim a job holds (120 s), each step bounded', () => {
    expect(SMTP_TIMEOUTS.connectionTimeout + SMTP_TIMEOUTS.greetingTimeout + SMTP_TIMEOUTS.socketTimeout).to.be.below(120_000);
    expect(Object.values(SMTP_TIMEOUTS).every((ms) => ms > 0 && ms < 120_000)).to.equal(true);
  });
});
