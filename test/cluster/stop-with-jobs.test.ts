import { expect } from 'chai';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { ServerProcess } from '../support/server-process.js';
import { call, checkoutVia, product, ShopProcesses, processEnv } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';

type SmtpError = Error & { responseCode?: number };

/**
 * A mail server that holds its answer to the first message's data until the test lets it go
 * (with an error, or never), and answers every later one at once. It counts every message it
 * was given, by Message-ID, and those it accepted.
 */
const startHoldingSmtp = async () => {
  const given: string[] = [];
  const accepted: string[] = [];
  let holding = true;
  let answer: ((error?: SmtpError) => void) | undefined;
  let heldNow!: (messageId: string) => void;
  const held = new Promise<string>((resolve) => (heldNow = resolve));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const messageId = /^Message-ID: (.*)$/im.exec(raw)?.[1]?.trim() ?? '';
        given.push(messageId);
        if (holding) {
          holding = false;
          answer = (error) => {
            if (!error) accepted.push(messageId);
            callback(error ?? null);
          };
          heldNow(messageId);
          return;
        }
        accepted.push(messageId);
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    given,
    accepted,
    held,
    url: `smtp://127.0.0.1:${port}`,
    /** Answers the held message with a temporary failure (451): the sender is to try again later. */
    fail: () => {
      const error: SmtpError = new Error('try again later');
      error.responseCode = 451;
      answer?.(error);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** A mail server that answers each message `delayMs` after its data, and notes when each connection opened. */
const startSlowSmtp = async (delayMs: number) => {
  const connectedAt: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(_session, callback) {
      connectedAt.push(Date.now());
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => setTimeout(() => callback(), delayMs));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { connectedAt, url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

/** POSTs to `path` on kept-alive connections, back to back, until `until()` says stop; resolves with how many were answered. */
const keepBusy = async (url: string, path: string, token: string, body: unknown, until: () => boolean): Promise<number> => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const { hostname, port } = new URL(url);
  const payload = JSON.stringify(body);
  let answered = 0;
  while (!until()) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request({ host: hostname, port, path, method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(true));
      });
      req.on('error', () => resolve(false));
      req.end(payload);
    });
    if (ok) answered += 1;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  agent.destroy();
  return answered;
};

/**
 * A clean stop (SIGTERM) of a process that is running jobs: it waits for them (at most
 * JOB_STOP_GRACE_MS) while still among the shop's live processes, so no other process takes
 * over a job it is running. Before, it left the live processes first and then waited: another
 * process took the email being sent for one whose sender had died, marked it `uncertain`, and
 * it was never sent; and a silent mail server held the stop for as long as the mailer waits.
 */
describe('a clean stop with jobs running (two real processes)', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let shop: ShopProcesses | undefined;
  let smtp: Awaited<ReturnType<typeof startHoldingSmtp>>;

  beforeEach(async () => {
    dir = tempDir();
    smtp = await startHoldingSmtp();
  });
  afterEach(async () => {
    await shop?.stop('SIGKILL');
    shop = undefined;
    await smtp.close();
    dir.remove();
  });

  /** Two processes; an order placed, its confirmation email held by the mail server; the process sending it, and the other one. */
  const orderEmailHeld = async (more: Record<string, string> = {}) => {
    shop = new ShopProcesses(processEnv(dir.path, { SMTP_URL: smtp.url, LEASE_MS: '1000', ...more }));
    await shop.start(2);
    await shop.balanced(2);
    const { server: sender } = await shop.holder('notifications');
    const other = shop.live.find((s) => s !== sender)!;
    const admin = await shop.admin();
    const productId = await product(other, admin, 'STOP-1', 10, shop.live);
    await call(other, 'POST', '/api/v1/account/register', undefined, { email: 'stop@test.local', password: 'buyer-password', name: 'Stop' });
    const token = String((await call(other, 'POST', '/api/v1/account/login', undefined, { email: 'stop@test.local', password: 'buyer-password' })).body.token);
    expect((await call(other, 'POST', '/api/v1/cart/items', token, { productId, quantity: 1 })).status).to.equal(200);
    const placed = await checkoutVia(other, token);
    expect(placed.status, JSON.stringify(placed.body)).to.equal(202);
    const messageId = await smtp.held;
    return { sender, other, token, orderId: String(placed.body.orderId), messageId };
  };

  const emailsOf = async (via: ServerProcess, token: string) => {
    const res = await call(via, 'GET', '/api/v1/account/me/notifications', token);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items as Array<{ type: string; orderId: string | null; status: string }>;
  };

  const exited = (server: ServerProcess) => (server.child.exitCode !== null || server.child.signalCode !== null ? { code: server.child.exitCode, signal: server.child.signalCode } : undefined);

  it('leaves a job it is running to itself until done: the send that failed is tried again elsewhere and the email goes out once', async () => {
    const { sender, other, token, orderId, messageId } = await orderEmailHeld();
    sender.child.kill('SIGTERM');
    // Three of the other process's searches, and more than a lease: it had taken the job over by then.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(exited(sender), 'the stopping process waits for its send').to.equal(undefined);
    expect((await emailsOf(other, token)).filter((e) => e.orderId === orderId), 'nobody marked the email uncertain').to.deep.equal([]);

    smtp.fail();
    expect(await eventually(async () => exited(sender), 20_000)).to.deep.equal({ code: 0, signal: null });
    const email = await eventually(async () => (await emailsOf(other, token)).find((e) => e.orderId === orderId && e.type === 'OrderCreated'), 20_000);
    expect(email.status).to.equal('sent');
    expect(smtp.given.filter((id) => id === messageId), 'refused once, then sent again by the other process').to.have.length(2);
    expect(smtp.accepted.filter((id) => id === messageId)).to.have.length(1);
  });

  it('stops within JOB_STOP_GRACE_MS when a send never ends; the other process takes the job over as after a crash (the email marked uncertain, not sent twice)', async () => {
    const { sender, other, token, orderId, messageId } = await orderEmailHeld({ JOB_STOP_GRACE_MS: '1000' });
    sender.child.kill('SIGTERM');
    // The mailer would wait a minute of silence (SMTP_TIMEOUTS.socketTimeout): the stop does not.
    expect(await eventually(async () => exited(sender), 20_000)).to.deep.equal({ code: 0, signal: null });
    expect(sender.logs.join('\n')).to.contain('stopping with jobs still running');
    const email = await eventually(async () => (await emailsOf(other, token)).find((e) => e.orderId === orderId && e.type === 'OrderCreated'), 20_000);
    expect(email.status).to.equal('uncertain');
    expect(smtp.given.filter((id) => id === messageId)).to.have.length(1);
    expect(smtp.accepted).to.not.include(messageId);
  });
  it('stops while clients keep their connections busy, and starts no job from the signal on', async () => {
    const slow = await startSlowSmtp(2000);
    try {
      shop = new ShopProcesses(processEnv(dir.path, { SMTP_URL: slow.url }));
      const [server] = await shop.start(1);
      const admin = await shop.admin();
      const productId = await product(server!, admin, 'BUSY-1', 1000);
      const tokenOf = async (email: string) => {
        await call(server!, 'POST', '/api/v1/account/register', undefined, { email, password: 'buyer-password', name: 'Busy' });
        return String((await call(server!, 'POST', '/api/v1/account/login', undefined, { email, password: 'buyer-password' })).body.token);
      };
      const buyer = await tokenOf('buyer@test.local');
      // 20 order emails, each answered 2 s after its data: 8 sending (the mail lane), the rest waiting here.
      for (let i = 0; i < 20; i += 1) {
        expect((await call(server!, 'POST', '/api/v1/cart/items', buyer, { productId, quantity: 1 })).status).to.equal(200);
        expect((await checkoutVia(server!, buyer)).status).to.equal(202);
      }
      await eventually(async () => (slow.connectedAt.length >= 8 ? true : undefined), 20_000);
      const shoppers = await Promise.all([1, 2, 3, 4].map((i) => tokenOf(`busy-${i}@test.local`)));
      let stopLoad = false;
      const loadEnds = Date.now() + 40_000;
      const loads = shoppers.map((token) => keepBusy(server!.url, '/api/v1/cart/items', token, { productId, quantity: 1 }, () => stopLoad || Date.now() > loadEnds));
      await new Promise((resolve) => setTimeout(resolve, 300));

      const signalled = Date.now();
      server!.child.kill('SIGTERM');
      // The clients go on for up to 40 s: the stop must not wait for them.
      const exit = await eventually(async () => (server!.child.exitCode !== null || server!.child.signalCode !== null ? { code: server!.child.exitCode } : undefined), 30_000).finally(() => (stopLoad = true));
      await Promise.all(loads);
      expect(exit).to.deep.equal({ code: 0 });
      // A job started just before the signal may connect a moment after it; none begun later.
      expect(slow.connectedAt.filter((at) => at > signalled + 500), 'mail connections opened after the signal').to.deep.equal([]);
    } finally {
      await slow.close();
    }
  });
});
