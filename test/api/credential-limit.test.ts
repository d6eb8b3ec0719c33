import { expect } from 'chai';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Each sign-in and registration hashes a password: one client sending them as fast as the
 * general limit allows queued everyone's behind its own. They are counted per address
 * (CREDENTIAL_ATTEMPTS_PER_MINUTE), before the hash and whatever its outcome.
 */
describe('HTTP sign-ins and registrations per address', () => {
  let app: TestApp;
  beforeEach(async () => (app = await startTestApp({ credentialAttemptsPerMinute: 3 })));
  afterEach(async () => app.close());

  const register = (email: string) => app.http().post('/api/v1/account/register').send({ email, password: 'correct-horse', name: 'Flood' });
  const login = (email: string, password: string) => app.http().post('/api/v1/account/login').send({ email, password });

  it('counts registrations and failed sign-ins together; past the limit 429 with Retry-After, appending nothing', async () => {
    expect((await register('one@test.local')).status).to.equal(201);
    expect((await login('one@test.local', 'wrong-horse')).status).to.equal(401);
    expect((await login('nobody@test.local', 'wrong-horse')).status).to.equal(401);
    for (const refused of [await appendsNothing(app, () => register('two@test.local')), await login('one@test.local', 'correct-horse')]) {
      expectProblem(refused, 429);
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 60);
      expect(refused.body.detail).to.match(/sign-ins and registrations from this address/);
    }
  });

  it('gives a right password its check back: many customers signing in from one address are not throttled (API.md)', async () => {
    for (const who of ['a', 'b']) expect((await register(`${who}@test.local`)).status).to.equal(201);
    // One registration's check left: sign-ins with the right password, far more than the limit, all pass.
    for (let i = 0; i < 10; i += 1) expect((await login(i % 2 === 0 ? 'a@test.local' : 'b@test.local', 'correct-horse')).status).to.equal(200);
    expect((await login('a@test.local', 'wrong-horse')).status).to.equal(401);
    expectProblem(await login('b@test.local', 'wrong-horse'), 429);
  });

  it('refuses a body it cannot read (400) without spending one: only password checks count', async () => {
    for (let i = 0; i < 5; i += 1) expectProblem(await login('not-an-email', ''), 400);
    expect((await register('three@test.local')).status).to.equal(201);
  });
});
