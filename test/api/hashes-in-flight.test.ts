import { expect } from 'chai';
import type supertest from 'supertest';
import { HashesInFlight } from '../../src/api/hashes-in-flight.js';
import { TooManyRequestsError } from '../../src/domain/shared/errors.js';
import type { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import { appendsNothing, expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { eventually } from '../support/temp-dir.js';

/**
 * A right password gives its count of CREDENTIAL_ATTEMPTS_PER_MINUTE back, so one address
 * holding many accounts could sign them in again and again, each a hash on the thread pool,
 * and everyone else's sign-in waited behind them (a probe: 95 ms → 1.3 s with 16 accounts,
 * never a 429). An address has at most PASSWORD_HASHES_IN_FLIGHT requests hashing a password
 * under way on a process; its others wait their turn, and past PASSWORD_CHECKS_WAITING of
 * them, 429 at once, before anything is counted or hashed.
 */
describe('HTTP password hashes under way per address', () => {
  const FROM = '198.51.100.7';
  const ELSEWHERE = '198.51.100.8';
  let app: TestApp;
  let hasher: ReturnType<typeof heldHasher>;

  const start = async (perAddress: number, waiting = 3) => {
    hasher = heldHasher();
    app = await startTestApp({ passwordHashesInFlight: perAddress, passwordChecksWaiting: waiting, credentialAttemptsPerMinute: 2, trustProxy: true, passwords: hasher.wrap });
  };
  afterEach(async () => {
    hasher.letGo();
    await app.close();
  });

  const register = (email: string, from: string) => app.http().post('/api/v1/account/register').set('X-Forwarded-For', from).send({ email, password: 'correct-horse', name: 'Held' });
  const login = (email: string, password: string, from: string) => app.http().post('/api/v1/account/login').set('X-Forwarded-For', from).send({ email, password });
  /** Sent now (supertest sends on then), answered once the hasher lets it go. */
  const sent = (request: supertest.Test): Promise<supertest.Response> => request.then((res) => res);
  const holding = async (count: number) => eventually(async () => (hasher.waiting() === count ? true : undefined));
  const queued = async (count: number) => eventually(async () => (app.deps.hashesInFlight.waitingOf(FROM) === count ? true : undefined));
  const expectBusy = (res: supertest.Response, perAddress: number, waiting: number) => {
    expectProblem(res, 429);
    expect(res.headers['retry-after']).to.equal('1');
    expect(res.body.detail).to.equal(`this address has ${perAddress} password checks under way on this server and ${waiting} waiting: try again in a moment`);
  };

  it('checks at most 2 sign-ins of an address at once: the next wait their turn while another address is served, and past those waiting, 429 counted nowhere', async () => {
    await start(2);
    for (const [i, who] of ['a', 'b', 'c'].entries()) expect((await register(`${who}@test.local`, `203.0.113.${i + 1}`)).status).to.equal(201);
    hasher.hold(2);
    const held = [sent(login('a@test.local', 'correct-horse', FROM)), sent(login('b@test.local', 'correct-horse', FROM))];
    await holding(2);
    const waiting = [0, 1, 2].map(() => sent(login('c@test.local', 'correct-horse', FROM)));
    await queued(3);

    expectBusy(await login('c@test.local', 'correct-horse', FROM), 2, 3);
    expectBusy(await appendsNothing(app, () => register('d@test.local', FROM)), 2, 3);
    expect((await login('c@test.local', 'correct-horse', ELSEWHERE)).status).to.equal(200);
    expect(hasher.waiting(), 'the waiting sign-ins hash nothing until a slot of their address is free').to.equal(2);

    hasher.letGo();
    expect((await Promise.all([...held, ...waiting])).map((res) => res.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(app.deps.hashesInFlight.waitingOf(FROM)).to.equal(0);
    // The refusals spent none of the address's 2 password checks a minute (the sign-ins gave theirs back).
    expect((await login('c@test.local', 'wrong-horse', FROM)).status).to.equal(401);
    expect((await login('c@test.local', 'wrong-horse', FROM)).status).to.equal(401);
    const spent = await login('c@test.local', 'wrong-horse', FROM);
    expectProblem(spent, 429);
    expect(spent.body.detail).to.match(/sign-ins and registrations from this address/);
  });

  it('counts every request that hashes a password: registration, sign-in, password change and reset, erasure; each refused appends nothing', async () => {
    await start(1, 0);
    const owner = await app.customer();
    const auth = { Authorization: `Bearer ${owner.token}` };
    hasher.hold(1);
    const held = sent(login(owner.email, 'correct-horse', FROM));
    await holding(1);

    const refusals: Array<() => supertest.Test> = [
      () => register('e@test.local', FROM),
      () => login(owner.email, 'correct-horse', FROM),
      () => app.http().post('/api/v1/account/me/password').set(auth).set('X-Forwarded-For', FROM).send({ currentPassword: 'correct-horse', newPassword: 'battery-staple-9' }),
      () => app.http().post('/api/v1/account/password-reset/confirm').set('X-Forwarded-For', FROM).send({ token: 'not-a-link-of-this-shop', newPassword: 'battery-staple-9' }),
      () => app.http().delete('/api/v1/account/me').set(auth).set('X-Forwarded-For', FROM).send({ password: 'correct-horse' }),
    ];
    for (const refused of refusals) expectBusy(await appendsNothing(app, refused), 1, 0);

    hasher.letGo();
    expect((await held).status).to.equal(200);
    // Its slot given back: the address is served again.
    expect((await login(owner.email, 'correct-horse', FROM)).status).to.equal(200);
  });
});

describe('HashesInFlight', () => {
  const never = () => new Promise<never>(() => undefined);

  it('counts an address however it is written, an IPv6 client by its /64, and gives a slot back when its work fails', async () => {
    const slots = new HashesInFlight(1, 0);
    void slots.run('2001:db8:0:1::1', never);
    await expectRefused(slots.run('2001:db8:0:1:ffff::2', async () => 'hashed'));
    void slots.run('192.0.2.1', never);
    await expectRefused(slots.run('::ffff:192.0.2.1', async () => 'hashed'));
    expect(await slots.run('2001:db8:0:2::1', async () => 'hashed')).to.equal('hashed');

    const failing = new HashesInFlight(1, 0);
    await failing.run('192.0.2.9', async () => Promise.reject(new Error('the store failed'))).catch(() => undefined);
    expect(await failing.run('192.0.2.9', async () => 'hashed')).to.equal('hashed');
  });

  it("runs an address's requests past its share in the order they came, each once a slot of its own is given back", async () => {
    const slots = new HashesInFlight(1, 5);
    const order: string[] = [];
    let finishFirst!: () => void;
    const first = slots.run('192.0.2.1', () => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => void order.push('first')));
    const later = ['second', 'third'].map((name) => slots.run('192.0.2.1', async () => void order.push(name)));
    expect(await slots.run('192.0.2.2', async () => 'elsewhere')).to.equal('elsewhere');
    expect(slots.waitingOf('192.0.2.1')).to.equal(2);
    expect(order).to.deep.equal([]);
    finishFirst();
    await Promise.all([first, ...later]);
    expect(order).to.deep.equal(['first', 'second', 'third']);
    expect(slots.waitingOf('192.0.2.1')).to.equal(0);
  });

  it('0 turns it off', async () => {
    const slots = new HashesInFlight(0);
    for (let i = 0; i < 5; i += 1) void slots.run('192.0.2.1', never);
    expect(await slots.run('192.0.2.1', async () => 'hashed')).to.equal('hashed');
  });

  const expectRefused = async (run: Promise<unknown>) => {
    const refusal = await run.then(() => undefined, (error: unknown) => error);
    expect(refusal).to.be.instanceOf(TooManyRequestsError).with.property('retryAfterSeconds', 1);
  };
});

/** A hasher whose next `count` hashes or checks wait for letGo(): requests stay under way as long as a test likes. */
const heldHasher = () => {
  let toHold = 0;
  const waiting: Array<() => void> = [];
  const wrap = (hasher: PasswordHasher): PasswordHasher =>
    new Proxy(hasher, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (toHold > 0) {
            toHold -= 1;
            await new Promise<void>((resolve) => waiting.push(resolve));
          }
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  return {
    wrap,
    hold: (count: number) => void (toHold = count),
    waiting: () => waiting.length,
    letGo: () => waiting.splice(0).forEach((go) => go()),
  };
};
