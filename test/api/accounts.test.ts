import { expect } from 'chai';
import { ADMIN, appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP accounts', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp({ loginMaxFailures: 3 })));
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

  describe('signing in', () => {
    it('answers a token, the customer id and the role (200)', async () => {
      const res = await app.http().post('/api/v1/account/login').send(ADMIN);
      expect(res.status).to.equal(200);
      expect(res.body).to.have.keys(['token', 'customerId', 'role']);
      expect(res.body.role).to.equal('admin');
    });

    it('refuses a wrong password and an unknown account alike (401)', async () => {
      const wrong = await app.http().post('/api/v1/account/login').send({ email: ADMIN.email, password: 'nope' });
      const unknown = await app.http().post('/api/v1/account/login').send({ email: 'ghost@example.com', password: 'nope' });
      expectProblem(wrong, 401);
      expectProblem(unknown, 401);
      expect(wrong.body.detail).to.equal(unknown.body.detail);
    });

    it('throttles an account after repeated failures (429 with Retry-After), even with the right password', async () => {
      const { email } = await app.customer();
      for (let i = 0; i < 3; i += 1) {
        expectProblem(await app.http().post('/api/v1/account/login').send({ email, password: 'wrong' }), 401);
      }
      const locked = await appendsNothing(app, () => app.http().post('/api/v1/account/login').send({ email, password: 'correct-horse' }));
      expectProblem(locked, 429);
      expect(Number(locked.headers['retry-after'])).to.be.greaterThan(0);
    });

    it('does not throttle other accounts signing in from the same address', async () => {
      const victim = await app.customer();
      for (let i = 0; i < 4; i += 1) await app.http().post('/api/v1/account/login').send({ email: victim.email, password: 'wrong' });
      const others = await Promise.all([app.customer(), app.customer(), app.customer(), app.customer()]);
      for (const other of others) {
        const res = await app.http().post('/api/v1/account/login').send({ email: other.email, password: 'correct-horse' });
        expect(res.status).to.equal(200);
      }
    });
  });

  describe('the signed-in customer', () => {
    it('reads their profile with no password hash in it (200)', async () => {
      const { token, customerId, email } = await app.customer('Dora');
      const res = await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${token}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.include({ customerId, email, name: 'Dora', addresses: [] });
      expect(JSON.stringify(res.body)).to.not.include('scrypt');
    });

    it('needs a token (401) and a valid one (401)', async () => {
      expectProblem(await app.http().get('/api/v1/account/me'), 401);
      expectProblem(await app.http().get('/api/v1/account/me').set('Authorization', 'Bearer forged.token.value'), 401);
      expectProblem(await app.http().get('/api/v1/account/me').set('Authorization', 'Basic abc'), 401);
    });

    it('adds an address (201) that the profile then shows, and the same address twice only once (200 the second time; 201 for a repeat under the first one\'s Idempotency-Key)', async () => {
      const { token } = await app.customer();
      const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      const added = await app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send(address);
      expect(added.status).to.equal(201);
      expect(added.body).to.include({ line1: '1 Main St', country: 'US' });
      expect(added.headers.etag).to.equal('"1"');
      const again = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send(address),
      );
      expect(again.status).to.equal(200);
      expect(again.body.addressId).to.equal(added.body.addressId);
      // The same but for case and spaces: the one saved, whole.
      const spelled = await appendsNothing(app, () =>
        app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send({ ...address, line1: '1  MAIN st', city: 'springfield' }),
      );
      expect(spelled.status).to.equal(200);
      expect(spelled.body).to.deep.equal(added.body);
      const me = await app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${token}`);
      expect(me.body.addresses).to.have.length(1);
      const keyed = { line1: '2 Elm St', city: 'Springfield', postalCode: '12345', country: 'US' };
      const send = () => app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', 'addr-key-1').send(keyed);
      const first = await send();
      const repeat = await send();
      expect([first.status, repeat.status]).to.deep.equal([201, 201]);
      expect(repeat.body.addressId).to.equal(first.body.addressId);
    });

    it('rejects an address with a bad country code, or one in lower case or padded (400), appending nothing', async () => {
      const { token } = await app.customer();
      for (const country of ['Narnia', 'us', ' US', 'US ']) {
        const res = await appendsNothing(app, () =>
          app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send({ line1: 'x', city: 'y', postalCode: '1', country }),
        );
        expectProblem(res, 400);
        expect(res.body.errors[0].field, country).to.equal('country');
      }
    });

    it('refuses a postal code that is not one (an emoji, punctuation, too long) and a card number in an address line (400 naming the field, never echoing the number), appending nothing', async () => {
      const { token } = await app.customer();
      const base = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      const send = (fields: Partial<typeof base>) => app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${token}`).send({ ...base, ...fields });
      for (const postalCode of ['📦', '123#45', '-12345', '12345-', '12345678901', '411111111111', '1----2', '12  34', 'SW1Y_4JH']) {
        const res = await appendsNothing(app, () => send({ postalCode }));
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { field: string }) => e.field), postalCode).to.deep.equal(['postalCode']);
      }
      for (const fields of [{ line1: 'Card 4111 1111 1111 1111' }, { city: '4111-1111-1111-1111' }, { line1: '4111a1111b1111c1111' }]) {
        const res = await appendsNothing(app, () => send(fields));
        expectProblem(res, 400);
        expect(res.body.errors[0].message).to.match(/card number/);
        expect(JSON.stringify(res.body)).to.not.include('1111');
      }
      for (const postalCode of ['SW1Y 4JH', 'K1A 0B1', '100-0001', '12345-6789', '1010']) {
        expect((await send({ postalCode, line1: `${postalCode} house` })).status, postalCode).to.equal(201);
      }
    });

    it('refuses a stale If-Match on an address (412), appending nothing', async () => {
      const { token } = await app.customer();
      const res = await appendsNothing(app, () =>
        app
          .http()
          .post('/api/v1/account/me/addresses')
          .set('Authorization', `Bearer ${token}`)
          .set('If-Match', '"7"')
          .send({ line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' }),
      );
      expectProblem(res, 412);
      expect(res.headers.etag).to.equal('"0"');
    });

    it('signs out everywhere: every token of the account issued before is refused (401), this one too; a token signed in after works, another account is untouched', async () => {
      const { token, email } = await app.customer('Sam');
      const other = await app.customer('Other');
      const login = async () => (await app.http().post('/api/v1/account/login').send({ email, password: 'correct-horse' })).body.token as string;
      const second = await login();
      const me = (t: string) => app.http().get('/api/v1/account/me').set('Authorization', `Bearer ${t}`);
      expect((await me(second)).status).to.equal(200);
      const out = await app.http().post('/api/v1/account/me/sign-out').set('Authorization', `Bearer ${token}`);
      expect(out.status, JSON.stringify(out.body)).to.equal(200);
      expect(out.body.signedOutAt).to.be.a('string');
      for (const dead of [token, second]) {
        const refused = await me(dead);
        expectProblem(refused, 401);
        expect(refused.body.detail).to.include('signed out');
        expectProblem(await appendsNothing(app, () => app.http().post('/api/v1/account/me/addresses').set('Authorization', `Bearer ${dead}`).send({ line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' })), 401);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect((await me(await login())).status, 'a token signed in after').to.equal(200);
      expect((await me(other.token)).status, 'another account').to.equal(200);
      await app.settled();
      expect((await me(second)).status, 'still refused once the read models show the sign-out').to.equal(401);
    });

    it('removes a saved address (200), which frees a place under the limit of 20 (422 past it); an address it does not have is 404, a stale If-Match 412, appending nothing', async () => {
      const { token } = await app.customer();
      const as = (req: ReturnType<ReturnType<TestApp['http']>['post']>) => req.set('Authorization', `Bearer ${token}`);
      const address = (i: number) => ({ line1: `${i} Main St`, city: 'Springfield', postalCode: '12345', country: 'US' });
      const ids: string[] = [];
      for (let i = 0; i < 20; i += 1) ids.push((await as(app.http().post('/api/v1/account/me/addresses')).send(address(i))).body.addressId);
      const full = await appendsNothing(app, () => as(app.http().post('/api/v1/account/me/addresses')).send(address(20)));
      expectProblem(full, 422);
      expectProblem(await appendsNothing(app, () => as(app.http().delete(`/api/v1/account/me/addresses/${ids[3]}`)).set('If-Match', '"7"')), 412);
      const removed = await as(app.http().delete(`/api/v1/account/me/addresses/${ids[3]}`));
      expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
      expect(removed.body).to.deep.equal({ addressId: ids[3], removed: true });
      expect(removed.headers.etag).to.equal('"21"');
      const me = await as(app.http().get('/api/v1/account/me'));
      expect(me.body.addresses.map((a: { addressId: string }) => a.addressId)).to.deep.equal(ids.filter((id) => id !== ids[3]));
      expectProblem(await appendsNothing(app, () => as(app.http().delete(`/api/v1/account/me/addresses/${ids[3]}`))), 404);
      expect((await as(app.http().post('/api/v1/account/me/addresses')).send(address(20))).status, 'a place is free again').to.equal(201);
      const other = await app.customer('Other');
      expectProblem(await appendsNothing(app, () => app.http().delete(`/api/v1/account/me/addresses/${ids[4]}`).set('Authorization', `Bearer ${other.token}`)), 404);
    });
  });
});
