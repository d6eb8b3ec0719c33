import { expect } from 'chai';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Failed sign-ins are throttled per account. Guesses sent at once must not all be checked
 * before the first failure is counted: the limit holds however many arrive together.
 */
describe('HTTP sign-in throttle under concurrent guesses', () => {
  let app: TestApp;
  before(async () => (app = await startTestApp({ loginMaxFailures: 3 })));
  after(async () => app.close());

  const login = (email: string, password: string) => app.http().post('/api/v1/account/login').send({ email, password });

  it('checks at most the allowed number of passwords when many guesses arrive together; the rest get 429', async () => {
    const { email } = await app.customer();
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(email, `guess-number-${i}`)));
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status === 401), JSON.stringify(statuses)).to.have.length(3);
    expect(statuses.filter((status) => status === 429)).to.have.length(27);
    expectProblem(await login(email, 'correct-horse'), 429);
  });

  it('still lets the owner in after failures short of the limit, and counts afresh from there', async () => {
    const { email } = await app.customer();
    const answers = await Promise.all([login(email, 'wrong-one'), login(email, 'wrong-two')]);
    expect(answers.map((res) => res.status)).to.deep.equal([401, 401]);
    expect((await login(email, 'correct-horse')).status).to.equal(200);
    const again = await Promise.all([login(email, 'wrong-three'), login(email, 'wrong-four'), login(email, 'correct-horse')]);
    expect(again.map((res) => res.status)).to.deep.equal([401, 401, 200]);
  });
});
