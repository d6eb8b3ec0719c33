import { expect } from 'chai';
import { appendsNothing, expectProblem, type TestApp } from '../support/test-app.js';
import { startAccountsApp } from './accounts-fixture.js';

/** Registering an account over HTTP: what is stored (sealed), and the emails, phones, names and fields refused. */

describe('HTTP accounts', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startAccountsApp()));
  afterEach(async () => app.close());

  describe('registering', () => {
    it('creates the customer and claims the email (201), never storing the password in clear', async () => {
      const res = await app.http().post('/api/v1/account/register').send({ email: 'Ann@Example.com', password: 'long enough', name: ' Ann ' });
      expect(res.status).to.equal(201);
      expect(res.body.customerId).to.match(/^[0-9a-f-]{36}$/);
      const claimStream = await app.deps.emails.claimStreamOf('ann@example.com');
      expect(claimStream, 'no address in a stream name').to.not.include('ann');
      const events = (await app.events()).filter((e) => e.streamName.endsWith(res.body.customerId) || e.streamName === claimStream);
      expect(events.map((e) => e.type)).to.deep.equal(['CustomerEmailClaimed', 'CustomerRegistered']);
      const registered = events[1]!;
      expect(registered.data).to.include({ email: 'ann@example.com', name: 'Ann', role: 'customer' });
      expect(JSON.stringify(registered.data)).to.not.include('long enough');
      expect(String(registered.data.passwordHash)).to.match(/^scrypt\$/);
      // What the log's file holds: the personal fields sealed, the rest as it is.
      const stored = (await app.storedEvents()).filter((e) => events.some((o) => o.id === e.id));
      expect(JSON.stringify(stored.map((e) => e.data))).to.not.match(/ann|Ann|scrypt/);
      expect(stored[1]!.data).to.include({ customerId: res.body.customerId, role: 'customer' });
      expect(stored[1]!.data).to.not.have.any.keys('email', 'name', 'passwordHash');
      expect(JSON.stringify(stored[1]!.data.$sealed)).to.match(/"value":"pd1:profile-[0-9a-f-]{36}:/);
    });

    it('keeps a phone given at registration on the profile, sealed in the log; refuses one that is no number (400), appending nothing', async () => {
      const bad = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/register').send({ email: 'pat@example.com', password: 'long enough', name: 'Pat', phone: 'call me' }),
      );
      expectProblem(bad, 400);
      expect(JSON.stringify(bad.body.errors)).to.include('phone');
      // A card number as the name (it is shown in the console, the mails, a review's author): 400, not echoed.
      const carded = await appendsNothing(app, () => app.http().post('/api/v1/account/register').send({ email: 'pat@example.com', password: 'long enough', name: '4111 1111 1111 1111' }));
      expectProblem(carded, 400);
      expect(JSON.stringify(carded.body)).to.not.include('1111');
      const res = await app.http().post('/api/v1/account/register').send({ email: 'pat@example.com', password: 'long enough', name: 'Pat', phone: ' +1 (555) 010-4477 ' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const token = (await app.http().post('/api/v1/account/login').send({ email: 'pat@example.com', password: 'long enough' })).body.token;
      const me = await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${token}`);
      expect(me.body).to.include({ phone: '+1 (555) 010-4477' });
      const stored = (await app.storedEvents()).find((e) => e.type === 'CustomerRegistered' && e.data.customerId === res.body.customerId)!;
      // Neither the number as given nor its digits (not '555' alone: a random id in the event may hold that).
      for (const form of ['(555)', '010-4477', '5550104477']) expect(JSON.stringify(stored.data)).to.not.include(form);
      const without = await app.customer();
      const plain = await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${without.token}`);
      expect(plain.body).to.include({ phone: null });
    });

    it('refuses an email that is taken, whatever its case (409), appending nothing', async () => {
      await app.http().post('/api/v1/account/register').send({ email: 'bob@example.com', password: 'long enough', name: 'Bob' });
      const res = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/register').send({ email: 'BOB@example.com', password: 'other password', name: 'Bob 2' }),
      );
      expectProblem(res, 409);
    });

    it('refuses an address whose domain mail cannot be sent to (no punycode, a label over 63 once in ASCII, an emoji) with 400, appending nothing', async () => {
      for (const email of ['x@xn--a.example', `x@${'\u00fc'.repeat(60)}.example`, 'x@\u{1F600}.example']) {
        const res = await appendsNothing(app, () => app.http().post('/api/v1/account/register').send({ email, password: 'long enough', name: 'X' }));
        expectProblem(res, 400);
        expect(JSON.stringify(res.body.errors), email).to.contain('email');
      }
      const fits = await app.http().post('/api/v1/account/register').send({ email: `x@${'\u00fc'.repeat(50)}.example`, password: 'long enough', name: 'X' });
      expect(fits.status, JSON.stringify(fits.body)).to.equal(201);
    });

    it('refuses an address with look-alike or invisible characters (400), appending nothing; one script a part is taken', async () => {
      // Cyrillic а and о, full-width b, a zero-width space, a right-to-left mark: each looks like bob@example.com.
      for (const email of [
        'b\u043eb@example.com', 'bob@ex\u0430mple.com', '\uff42ob@example.com', 'bo\u200bb@example.com', 'bob\u200f@example.com',
        // A combining grapheme joiner, variation selectors, an Armenian օ, a Cherokee Ꭰ beside Latin.
        'bo\u034fb@example.com', 'bob\ufe0f@example.com', 'bob\ufe00@example.com', 'b\u0585b@example.com', '\u13a0ob@example.com',
      ]) {
        const res = await appendsNothing(app, () => app.http().post('/api/v1/account/register').send({ email, password: 'long enough', name: 'Bob' }));
        expectProblem(res, 400);
        expect(JSON.stringify(res.body.errors), email).to.contain('email');
      }
      // One script a part is taken, punycode too.
      for (const email of ['zo\u00eb@example.com', '\u0438\u0432\u0430\u043d@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444', 'bob@xn--bcher-kva.example']) {
        const taken = await app.http().post('/api/v1/account/register').send({ email, password: 'long enough', name: 'Bob' });
        expect(taken.status, `${email} ${JSON.stringify(taken.body)}`).to.equal(201);
      }
    });

    it('lists every invalid and unknown field (400), appending nothing', async () => {
      const res = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/register').send({ email: 'not-an-email', password: 'short', name: '', admin: true }),
      );
      expectProblem(res, 400);
      const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field);
      expect(fields).to.include.members(['email', 'password', 'name', 'admin']);
    });

    it('rejects a mistyped field (400)', async () => {
      const res = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/register').send({ email: 'c@example.com', password: 12345678, name: 'C' }),
      );
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).to.deep.equal(['password']);
    });
  });
});
