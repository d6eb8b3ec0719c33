import { expect } from 'chai';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
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

describe('HTTP sign-in throttle while the store fails', () => {
  let app: TestApp;
  /** While set, every stream read fails: no password can be checked. */
  let failing = false;
  const flaky = (store: EventStore): EventStore =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'readStream' && failing) return async () => Promise.reject(new Error('injected: the store is down'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  before(async () => (app = await startTestApp({ loginMaxFailures: 3, eventStore: flaky })));
  after(async () => app.close());

  it('counts no attempt whose password could not be checked: the owner signs in once the store is back', async () => {
    const { email } = await app.customer();
    failing = true;
    try {
      for (let i = 0; i < 3; i += 1) expectProblem(await app.http().post('/api/v1/account/login').send({ email, password: 'correct-horse' }), 500);
    } finally {
      failing = false;
    }
    expect((await app.http().post('/api/v1/account/login').send({ email, password: 'correct-horse' })).status).to.equal(200);
  });
});
