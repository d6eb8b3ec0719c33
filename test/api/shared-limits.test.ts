import { expect } from 'chai';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

/**
 * Two real server processes on one DATA_DIR are one shop: a client's requests and an
 * account's failed sign-ins are counted once, whichever process answers, and the counts
 * outlive the processes. Each test speaks from an address of its own (X-Forwarded-For,
 * trusted here) so the per-client limit of one test does not spend another's.
 */
describe('limits shared by the server processes of one DATA_DIR', function () {
  this.timeout(60_000);
  const PER_MINUTE = 10;
  const MAX_FAILURES = 3;
  let dir: ReturnType<typeof tempDir>;
  let servers: ServerProcess[] = [];

  const env = () => ({
    DATA_DIR: dir.path,
    SEED_DEMO: 'false',
    TRUST_PROXY: 'true',
    RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
    LOGIN_MAX_FAILURES: String(MAX_FAILURES),
    LOGIN_LOCKOUT_SECONDS: '900',
  });
  // One after the other: the first creates the signing key both use.
  const startBoth = async () => {
    const first = await startServer(env());
    return [first, await startServer(env())];
  };

  before(async () => {
    dir = tempDir();
    servers = await startBoth();
  });
  after(async () => {
    for (const server of servers) await killServer(server);
    dir.remove();
  });

  const call = (server: ServerProcess, from: string, path: string, body?: unknown) =>
    checkedFetch(`${server.url}/api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const register = async (email: string, from: string) => {
    const res = await call(servers[0]!, from, '/account/register', { email, password: 'correct-horse', name: 'Shopper' });
    expect(res.status, await res.clone().text()).to.equal(201);
  };
  const login = (server: ServerProcess, from: string, email: string, password: string) => call(server, from, '/account/login', { email, password });
  const expectLockedOut = async (res: Response) => {
    expect(res.status).to.equal(429);
    expect(Number(res.headers.get('retry-after'))).to.be.within(1, 900);
    expect(((await res.json()) as { detail: string }).detail).to.match(/failed sign-ins/);
  };

  it('locks an account on every process once failed sign-ins spread over them reach the limit', async () => {
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const email = 'spread@test.local';
    await register(email, '198.51.100.1');
    const guesses = [await login(a, '198.51.100.1', email, 'guess-one'), await login(b, '198.51.100.1', email, 'guess-two'), await login(a, '198.51.100.1', email, 'guess-three')];
    expect(guesses.map((res) => res.status)).to.deep.equal([401, 401, 401]);
    await expectLockedOut(await login(b, '198.51.100.1', email, 'correct-horse'));
    await expectLockedOut(await login(a, '198.51.100.1', email, 'correct-horse'));
  });

  it('keeps a lockout through a crash and restart of every process', async () => {
    const email = 'restart@test.local';
    await register(email, '198.51.100.2');
    for (const [i, server] of servers.entries()) expect((await login(server, '198.51.100.2', email, `guess-${i}`)).status).to.equal(401);
    expect((await login(servers[0]!, '198.51.100.2', email, 'guess-last')).status).to.equal(401);
    for (const server of servers) await killServer(server, 'SIGKILL');
    servers = await startBoth();
    for (const server of servers) await expectLockedOut(await login(server, '198.51.100.2', email, 'correct-horse'));
  });

  it('counts one client\'s requests spread over the processes against one limit', async () => {
    const from = '203.0.113.7';
    const remaining: number[] = [];
    for (let i = 0; i < PER_MINUTE; i += 1) {
      const res = await call(servers[i % 2]!, from, '/products');
      expect(res.status).to.equal(200);
      remaining.push(Number(res.headers.get('ratelimit-remaining')));
    }
    expect(remaining).to.deep.equal(Array.from({ length: PER_MINUTE }, (_, i) => PER_MINUTE - 1 - i));
    for (const server of servers) {
      const refused = await call(server, from, '/products');
      expect(refused.status).to.equal(429);
      expect(Number(refused.headers.get('retry-after'))).to.be.within(1, 60);
    }
    // Another client is not refused for it.
    expect((await call(servers[1]!, '203.0.113.8', '/products')).status).to.equal(200);
  });
  it('counts a client by the address the gateway appended, whatever it writes before it in X-Forwarded-For', async () => {
    // TRUST_PROXY=true trusts the one proxy in front: the entries before the last are the client's own words.
    const from = '203.0.113.9';
    const statuses: number[] = [];
    for (let i = 0; i <= PER_MINUTE; i += 1) statuses.push((await call(servers[i % 2]!, `192.0.2.${i + 1}, ${from}`, '/products')).status);
    expect(statuses).to.deep.equal([...Array.from({ length: PER_MINUTE }, () => 200), 429]);
  });
});
