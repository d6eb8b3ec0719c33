import { expect } from 'chai';
import { SignJWT } from 'jose';
import { v4 as uuidv4 } from 'uuid';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/** The test app's signing key and claims (see test/support/test-app.ts and src/api/auth.ts). */
const SECRET = new TextEncoder().encode('test-secret-of-enough-length-0123456789');

const forge = (claims: { sub?: string; role?: string; exp?: boolean }) => {
  let jwt = new SignJWT({ role: claims.role ?? 'customer' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('shop-backend').setAudience('shop-api').setIssuedAt();
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  if (claims.exp !== false) jwt = jwt.setExpirationTime('1h');
  return jwt.sign(SECRET);
};

describe('HTTP bearer tokens', () => {
  let app: TestApp;
  before(async () => (app = await startTestApp()));
  after(async () => app.close());

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  describe('a validly signed token whose subject is no account', () => {
    it('is refused (401) and a write with it appends nothing', async () => {
      const token = await forge({ sub: uuidv4() });
      const res = await appendsNothing(app, () => app.http().post('/api/v1/cart/items').set(bearer(token)).send({ productId: uuidv4(), quantity: 1 }));
      expectProblem(res, 401);
      expectProblem(await app.http().get('/api/v1/cart').set(bearer(token)), 401);
    });

    it('is refused (401) when the subject is not even an id, and no stream is named after it', async () => {
      const head = await app.head();
      const token = await forge({ sub: '../../etc' });
      expectProblem(await app.http().post('/api/v1/checkout').set(bearer(token)).send({}), 401);
      expectProblem(await app.http().get('/api/v1/cart').set(bearer(token)), 401);
      expect(await app.head()).to.equal(head);
      expect((await app.events()).some((e) => e.streamName.includes('etc'))).to.equal(false);
    });
  });

  describe('a 401', () => {
    it('says how to authenticate (WWW-Authenticate: Bearer), and that a token sent was refused', async () => {
      const none = await app.http().get('/api/v1/account/me');
      expectProblem(none, 401);
      expect(none.headers['www-authenticate']).to.equal('Bearer realm="shop-api"');
      const forged = await app.http().get('/api/v1/account/me').set(bearer(await forge({ sub: uuidv4() })));
      expectProblem(forged, 401);
      expect(forged.headers['www-authenticate']).to.equal('Bearer realm="shop-api", error="invalid_token"');
    });
  });

  describe('a token without an expiry', () => {
    it('is refused (401), even for a real account', async () => {
      const customer = await app.customer();
      const token = await forge({ sub: customer.customerId, exp: false });
      expectProblem(await app.http().get('/api/v1/account/me').set(bearer(token)), 401);
      expectProblem(await app.http().get('/api/v1/account/me').set(bearer(await forge({ exp: false }))), 401);
    });
  });

  describe('the role', () => {
    it('is the account\'s, not the token\'s: a customer token claiming admin gets 403 on admin routes', async () => {
      const customer = await app.customer();
      const token = await forge({ sub: customer.customerId, role: 'admin' });
      expectProblem(await app.http().get('/api/v1/admin/parked-events').set(bearer(token)), 403);
      expect((await app.http().get('/api/v1/account/me').set(bearer(token))).status).to.equal(200);
    });

    it('follows a promotion and a demotion at once, with the token the account already holds', async () => {
      const admin = await app.adminToken();
      const staff = await app.customer('Staff');
      expectProblem(await app.http().get('/api/v1/admin/parked-events').set(bearer(staff.token)), 403);

      const promoted = await app.http().put(`/api/v1/admin/customers/${staff.customerId}/role`).set(bearer(admin)).send({ role: 'admin' });
      expect(promoted.status, JSON.stringify(promoted.body)).to.equal(200);
      expect(promoted.body).to.deep.equal({ customerId: staff.customerId, role: 'admin' });
      expect((await app.http().get('/api/v1/admin/parked-events').set(bearer(staff.token))).status).to.equal(200);

      const demoted = await app.http().put(`/api/v1/admin/customers/${staff.customerId}/role`).set(bearer(admin)).send({ role: 'customer' });
      expect(demoted.status).to.equal(200);
      expectProblem(await app.http().get('/api/v1/admin/parked-events').set(bearer(staff.token)), 403);
      const changes = (await app.events()).filter((e) => e.type === 'CustomerRoleChanged' && e.data.customerId === staff.customerId);
      expect(changes.map((e) => e.data.role)).to.deep.equal(['admin', 'customer']);
    });
  });

  describe('changing a role', () => {
    it('is for admins (403), of an existing account (404), to a known role (400), never one\'s own (422), appending nothing', async () => {
      const admin = await app.adminToken();
      const customer = await app.customer();
      const adminId = (await app.http().get('/api/v1/account/me').set(bearer(admin))).body.customerId as string;
      const put = (id: string, token: string, body: unknown) => app.http().put(`/api/v1/admin/customers/${id}/role`).set(bearer(token)).send(body as object);
      expectProblem(await appendsNothing(app, () => put(customer.customerId, customer.token, { role: 'admin' })), 403);
      expectProblem(await appendsNothing(app, () => put(uuidv4(), admin, { role: 'admin' })), 404);
      expectProblem(await appendsNothing(app, () => put(customer.customerId, admin, { role: 'root' })), 400);
      expectProblem(await appendsNothing(app, () => put(adminId, admin, { role: 'customer' })), 422);
    });

    it('to the role the account has already appends nothing (200)', async () => {
      const admin = await app.adminToken();
      const customer = await app.customer();
      const res = await appendsNothing(app, () => app.http().put(`/api/v1/admin/customers/${customer.customerId}/role`).set(bearer(admin)).send({ role: 'customer' }));
      expect(res.status).to.equal(200);
    });
  });
});
