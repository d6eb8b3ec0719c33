import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { eventually } from '../support/temp-dir.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A password after registration: changed when signed in, reset through an emailed link. Either
 * way every earlier token of the account dies, and the customer is told by mail.
 */
describe('HTTP passwords: change and reset', () => {
  let app: TestApp;
  /** How far the shop's clock is ahead of the real one (links expire). */
  let ahead = 0;
  before(async () => (app = await startTestApp({ now: () => new Date(Date.now() + ahead), loginMaxFailures: 3 })));
  after(async () => app.close());
  afterEach(() => (ahead = 0));

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const me = (token: string) => app.http().get('/api/v1/account/me').set(bearer(token));
  const login = (email: string, password: string) => app.http().post('/api/v1/account/login').send({ email, password });
  const change = (token: string, currentPassword: string, newPassword: string) =>
    app.http().post('/api/v1/account/me/password').set(bearer(token)).send({ currentPassword, newPassword });
  const askReset = (email: string) => app.http().post('/api/v1/account/password-reset').send({ email });
  const confirm = (token: string, newPassword: string) => app.http().post('/api/v1/account/password-reset/confirm').send({ token, newPassword });
  const eventsOf = async (customerId: string, type: string) => (await app.events()).filter((e) => e.streamName === `customer-${customerId}` && e.type === type);

  /** The customer's mails as the outbox holds them (the text as sent), once every mail queued so far is sent. */
  const mails = async (customerId: string) => {
    const notifications = app.deps.processes.find((p) => p.name === 'notifications')!;
    expect(await notifications.waitFor(await app.head(), 10_000)).to.equal(true);
    await eventually(async () => ((await app.deps.readModels.collection('jobs').countDocuments({ kind: 'send-notification' })) === 0 ? true : undefined));
    return app.deps.readModels.collection<{ _id: string; type: string; subject: string; text: string; sentAt: string }>('notifications').find({ customerId }, { sort: { sentAt: 1 } });
  };
  /** The token of the last reset link mailed to the customer. */
  const linkToken = async (customerId: string) => {
    const resets = (await mails(customerId)).filter((m) => m.type === 'CustomerPasswordResetRequested');
    const link = /http:\/\/shop\.test\/reset-password\?token=(\S+)$/.exec(resets.at(-1)?.text ?? '');
    expect(link, JSON.stringify(resets)).to.not.equal(null);
    return link![1]!;
  };

  it('changes the password with the current one: earlier tokens die, the answer\'s token works, the customer is mailed', async () => {
    const shopper = await app.customer();
    const other = await login(shopper.email, 'correct-horse');
    const changed = await change(shopper.token, 'correct-horse', 'battery-staple-9');
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(changed.body.token).to.be.a('string');
    expect(changed.body.changedAt).to.be.a('string');
    for (const dead of [shopper.token, other.body.token as string]) {
      const refused = await me(dead);
      expectProblem(refused, 401);
      expect(refused.body.detail).to.include('signed out');
    }
    expect((await me(changed.body.token as string)).status, 'the new token').to.equal(200);
    expectProblem(await login(shopper.email, 'correct-horse'), 401);
    expect((await login(shopper.email, 'battery-staple-9')).status).to.equal(200);
    const appended = await eventsOf(shopper.customerId, 'CustomerPasswordChanged');
    expect(appended.map((e) => e.data.via)).to.deep.equal(['change']);
    expect(appended[0]!.data.passwordHash).to.match(/^scrypt\$/);
    const stored = (await app.storedEvents()).find((e) => e.id === appended[0]!.id)!;
    expect(JSON.stringify(stored.data), 'the hash is sealed in the file, as at registration').to.not.include(String(appended[0]!.data.passwordHash));
    expect((await mails(shopper.customerId)).map((m) => m.subject)).to.include('Your password was changed');
  });

  it('kills a token issued after the change on the state read before it (a sign-in whose password check was under way), however the clocks read', async () => {
    const shopper = await app.customer();
    // What a sign-in that read the account before the change, and answered after it, issues: the count of sign-outs it read (none).
    const changed = await change(shopper.token, 'correct-horse', 'battery-staple-9');
    expect(changed.status).to.equal(200);
    const late = await app.deps.tokens.issue({ customerId: shopper.customerId, role: 'customer' }, 0);
    expectProblem(await me(late), 401);
    expect((await me(await app.deps.tokens.issue({ customerId: shopper.customerId, role: 'customer' }, 1))).status, 'issued on the state after it').to.equal(200);
    // A password reset counts the same way, and so does a sign-out everywhere.
    const fresh = (await login(shopper.email, 'battery-staple-9')).body.token as string;
    expect((await app.http().post('/api/v1/account/me/sign-out').set(bearer(fresh))).status).to.equal(200);
    expectProblem(await me(await app.deps.tokens.issue({ customerId: shopper.customerId, role: 'customer' }, 1)), 401);
  });

  it('never keeps a change\'s answer under its Idempotency-Key (it carries a bearer token), nor a body\'s password in a plain hash', async () => {
    const shopper = await app.customer();
    const keyed = await change(shopper.token, 'correct-horse', 'battery-staple-9').set('Idempotency-Key', 'change-1');
    expect(keyed.status).to.equal(200);
    const records = await app.deps.readModels.collection<{ _id: string; body?: unknown; fingerprint: string }>('idempotency_keys').find({});
    expect(JSON.stringify(records)).to.not.include(String(keyed.body.token));
    // A repeat runs again: the password it names is no longer the current one.
    expectProblem(await change(keyed.body.token as string, 'correct-horse', 'battery-staple-9').set('Idempotency-Key', 'change-1'), 401);
    const registration = { email: `keyed-${Date.now()}@test.local`, password: 'guessable-1', name: 'Keyed' };
    expect((await app.http().post('/api/v1/account/register').set('Idempotency-Key', 'reg-hash').send(registration)).status).to.equal(201);
    const plain = createHash('sha256').update(stringify(registration)).digest('hex');
    const fingerprints = (await app.deps.readModels.collection<{ _id: string; fingerprint: string }>('idempotency_keys').find({})).map((r) => r.fingerprint);
    expect(fingerprints).to.not.include(plain);
  });

  it('refuses a wrong current password (401), the same password (422) and a short one (400), appending nothing; wrong ones count as failed sign-ins', async () => {
    const shopper = await app.customer();
    const wrong = await appendsNothing(app, () => change(shopper.token, 'not-my-password', 'battery-staple-9'));
    expectProblem(wrong, 401);
    expect(wrong.headers['www-authenticate'], 'the token is not at fault').to.not.include('invalid_token');
    expectProblem(await appendsNothing(app, () => change(shopper.token, 'correct-horse', 'correct-horse')), 422);
    expectProblem(await appendsNothing(app, () => change(shopper.token, 'correct-horse', 'short')), 400);
    expect((await me(shopper.token)).status, 'the token still works').to.equal(200);
    expectProblem(await change(shopper.token, 'still-wrong', 'battery-staple-9'), 401);
    expectProblem(await login(shopper.email, 'wrong-again'), 401);
    expectProblem(await login(shopper.email, 'wrong-once-more'), 401);
    // Three failures since the last right password (loginMaxFailures) from this address: the next check of the password is refused, even a right one.
    expectProblem(await appendsNothing(app, () => change(shopper.token, 'correct-horse', 'battery-staple-9')), 429);
  });

  it('mails a link for an address with an account, answering exactly as for one without (202, no ETag, nothing appended for the unknown one)', async () => {
    const shopper = await app.customer();
    const unknown = await appendsNothing(app, () => askReset('nobody-here@test.local'));
    const known = await askReset(shopper.email.toUpperCase());
    expect([unknown.status, known.status]).to.deep.equal([202, 202]);
    expect(known.body).to.deep.equal(unknown.body);
    const revealing = ['etag', 'location', 'x-session-position', 'x-read-position'];
    for (const res of [known, unknown]) expect(Object.keys(res.headers).filter((h) => revealing.includes(h))).to.deep.equal([]);
    const requested = await eventsOf(shopper.customerId, 'CustomerPasswordResetRequested');
    expect(requested).to.have.length(1);
    // No revision of an account to name (a 412 would say the account exists): If-Match is refused, for any address.
    for (const email of [shopper.email, 'nobody-here@test.local']) {
      expectProblem(await appendsNothing(app, () => app.http().post('/api/v1/account/password-reset').set('If-Match', '"0"').send({ email })), 400);
    }
    // A second request within the minute sends nothing more.
    expect((await appendsNothing(app, () => askReset(shopper.email))).status).to.equal(202);
    const token = await linkToken(shopper.customerId);
    // The link is in the mail alone: not in the log, not left in a job.
    const mac = token.split('.')[2]!;
    expect(JSON.stringify(await app.events())).to.not.include(mac);
    expect(JSON.stringify(await app.deps.readModels.collection('jobs').find({}))).to.not.include(mac);
  });

  it('sets the new password with the link once: earlier tokens die, the old password is refused, the link is refused after', async () => {
    const shopper = await app.customer();
    expect((await askReset(shopper.email)).status).to.equal(202);
    const token = await linkToken(shopper.customerId);
    const reset = await confirm(token, 'battery-staple-9');
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);
    expect(reset.body.customerId).to.equal(shopper.customerId);
    expectProblem(await me(shopper.token), 401);
    expectProblem(await login(shopper.email, 'correct-horse'), 401);
    expect((await login(shopper.email, 'battery-staple-9')).status).to.equal(200);
    expect((await eventsOf(shopper.customerId, 'CustomerPasswordChanged')).map((e) => e.data.via)).to.deep.equal(['reset']);
    const again = await appendsNothing(app, () => confirm(token, 'another-one-77'));
    expectProblem(again, 422);
    expect(again.body.detail).to.match(/used or replaced/);
    const subjects = (await mails(shopper.customerId)).map((m) => m.subject);
    expect(subjects).to.include.members(['Reset your password', 'Your password was changed']);
  });

  it('refuses a forged or altered token, a link replaced by a newer one and an expired one (422), appending nothing', async () => {
    const shopper = await app.customer();
    await askReset(shopper.email);
    const first = await linkToken(shopper.customerId);
    const [customerId, requestId, mac] = first.split('.') as [string, string, string];
    const altered = `${customerId}.${requestId}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherCustomer = (await app.customer()).customerId;
    for (const bad of [altered, `${otherCustomer}.${requestId}.${mac}`, 'not-a-token', `${first}.x`]) {
      const refused = await appendsNothing(app, () => confirm(bad, 'battery-staple-9'));
      expectProblem(refused, 422);
    }
    // A minute later a newer link is mailed: the first stops working.
    ahead = 61_000;
    await askReset(shopper.email);
    const second = await linkToken(shopper.customerId);
    expect(second).to.not.equal(first);
    expect((await appendsNothing(app, () => confirm(first, 'battery-staple-9'))).body.detail).to.match(/replaced by a newer one/);
    // An hour after it was asked for, the newer one has expired too.
    ahead = 61_000 + 60 * 60 * 1000;
    const expired = await appendsNothing(app, () => confirm(second, 'battery-staple-9'));
    expectProblem(expired, 422);
    expect(expired.body.detail).to.match(/expired/);
    expect((await login(shopper.email, 'correct-horse')).status, 'the password is as it was').to.equal(200);
  });

  it('lets the owner of an account locked by failed sign-ins back in through a reset', async () => {
    const shopper = await app.customer();
    for (let i = 0; i < 3; i += 1) expectProblem(await login(shopper.email, `guess-${i}`), 401);
    expectProblem(await login(shopper.email, 'correct-horse'), 429);
    await askReset(shopper.email);
    expect((await confirm(await linkToken(shopper.customerId), 'battery-staple-9')).status).to.equal(200);
    expect((await login(shopper.email, 'battery-staple-9')).status).to.equal(200);
  });

  it('refuses the link of an account erased since (422)', async () => {
    const shopper = await app.customer();
    await askReset(shopper.email);
    const token = await linkToken(shopper.customerId);
    expect((await app.http().delete('/api/v1/account/me').set(bearer(shopper.token)).send({ password: 'correct-horse' })).status).to.equal(202);
    const refused = await appendsNothing(app, () => confirm(token, 'battery-staple-9'));
    expectProblem(refused, 422);
  });
});
