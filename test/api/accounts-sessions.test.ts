import { expect } from 'chai';
import { ADMIN, appendsNothing, expectProblem, type TestApp } from '../support/test-app.js';
import { startAccountsApp } from './accounts-fixture.js';

/** Signing in over HTTP (and its throttle), the signed-in customer's profile and token, and signing out everywhere. */

describe('HTTP accounts', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startAccountsApp()));
  afterEach(async () => app.close());

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
  });
});
