import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import { DEMO } from '../../src/commands/demo-catalog.js';
import { LEASES } from '../../src/cluster/leases.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADMIN_LOGIN, call, fairShares, readShop, RUNNER_COUNT, sharesOf, type ClusterProcess, processEnv } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * `WORKERS=n npm start`: one primary that serves nothing but hands each connection to a worker
 * (src/cluster/connection-handout.ts), n shop processes on one port (node:cluster starts them),
 * each one a member of the shop with its share of the runners.
 */
describe('WORKERS=n (node:cluster on one port)', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  let primary: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async function () {
    // A failure here has been seen once in many runs (a timeout, not reproduced): what the primary and its workers said is the only trace of why.
    if (this.currentTest?.state === 'failed' && primary) console.error(`the shop's last log lines:\n${primary.logs.slice(-200).join('\n')}`);
    await killServer(primary, 'SIGKILL');
    primary = undefined;
    dir.remove();
  });

  // The demo catalog as `npm start` makes it, unless a test turns it off. A lease of 2.5 s: short enough for a quick
  // takeover, long enough that a loaded machine (a heartbeat late by a second) does not make the leases flap.
  const env = (more: Record<string, string> = {}) => processEnv(dir.path, { SEED_DEMO: 'true', LEASE_MS: '2500', WORKERS: '2', ...more });
  const adminToken = async (server: ServerProcess) => String((await call(server, 'POST', '/api/v1/account/login', undefined, ADMIN_LOGIN)).body.token);
  const members = async (server: ServerProcess, token: string) => {
    // A request on a connection node:cluster handed to the worker just killed may never be answered: asked again.
    const res = await call(server, 'GET', '/api/v1/admin/cluster', token, undefined, {}, 5000);
    expect(res.status).to.equal(200);
    return res.body.processes as ClusterProcess[];
  };
  const balancedPair = (server: ServerProcess, token: string) =>
    eventually(async () => {
      const processes = await members(server, token);
      const held = processes.flatMap((p) => p.holds);
      return processes.length === 2 && held.length === RUNNER_COUNT && new Set(held).size === RUNNER_COUNT && sharesOf(processes).join() === fairShares(2).join() ? processes : undefined;
    }, 30_000);

  it('starts two shop processes on one port from a fresh DATA_DIR: both serve, the runners are shared evenly, the demo catalog is made once', async () => {
    primary = await startServer(env(), 60_000);
    const token = await adminToken(primary);
    // Both balanced and both listening: a worker takes its leases before it listens, and says its port with the beat after (CI once checked in between).
    const processes = await eventually(async () => {
      const pair = await balancedPair(primary!, token);
      return pair.every((p) => p.port !== null) ? pair : undefined;
    });
    expect(new Set(processes.map((p) => p.pid)).size).to.equal(2);
    expect(processes.map((p) => p.pid)).not.to.include(primary.child.pid);
    expect(processes.every((p) => p.port === primary!.port)).to.equal(true);

    const listed = await eventually(async () => {
      const res = await call(primary!, 'GET', `/api/v1/products?pageSize=100`);
      return res.body.items?.length === DEMO.length ? res.body.items : undefined;
    });
    expect(listed).to.have.length(DEMO.length);
    await killServer(primary, 'SIGTERM');
    const { log } = await readShop(dir.path, []);
    const created = log.filter((e) => e.type === 'ProductCreated');
    expect(created).to.have.length(DEMO.length);
    expect(log.filter((e) => e.type === 'CustomerRegistered')).to.have.length(1);
  });

  it('starts another worker in place of one that dies, which takes its share back; SIGTERM stops them all and gives every lease back', async () => {
    primary = await startServer(env({ SEED_DEMO: 'false' }), 60_000);
    const token = await adminToken(primary);
    const before = await balancedPair(primary, token);
    const victim = before[0]!.pid;
    process.kill(victim, 'SIGKILL');
    const after = await eventually(async () => {
      const processes = await balancedPair(primary!, token);
      return processes.some((p) => p.pid === victim) ? undefined : processes;
    }, 60_000);
    expect(after.map((p) => p.pid)).to.include(before[1]!.pid);
    const died = primary.logs.filter((line) => line.includes('a worker died: starting another'));
    expect(died).to.have.length(1);
    // Named apart from the primary's own pid (one `pid` key twice read as the dead worker's line).
    expect(died[0]!.match(/"pid":/g)).to.have.length(1);
    expect(JSON.parse(died[0]!)).to.include({ pid: primary.child.pid, workerPid: victim, signal: 'SIGKILL' });

    primary.child.kill('SIGTERM');
    expect(await primary.exited).to.equal(0);
    for (const p of after) expect(() => process.kill(p.pid, 0), `worker ${p.pid} still runs`).to.throw();
    const { docs } = await readShop(dir.path, [LEASES]);
    expect(docs[LEASES]).to.have.length(RUNNER_COUNT);
    expect(docs[LEASES]!.every((lease) => lease.owner === null)).to.equal(true);
  });

  it('starts the workers again when every one of them dies at once, on the same port, each after the first pause (the primary is not left with nothing to wait for)', async () => {
    // PORT=0: node:cluster closes the shared port with its last worker; the workers started again must not each be given a new one.
    primary = await startServer(env({ SEED_DEMO: 'false' }), 60_000);
    const token = await adminToken(primary);
    const before = await balancedPair(primary, token);
    for (const p of before) process.kill(p.pid, 'SIGKILL');
    const after = await eventually(async () => {
      const processes = await balancedPair(primary!, token).catch(() => undefined);
      return processes?.every((p) => !before.some((b) => b.pid === p.pid)) ? processes : undefined;
    }, 60_000);
    expect(after).to.have.length(2);
    // A worker records its port once it listens, a moment after it takes its share: wait for both (a new port never comes).
    const ports = await eventually(async () => {
      const listening = (await members(primary!, token)).map((p) => p.port);
      return listening.length === 2 && listening.every((port) => port !== null) ? listening : undefined;
    }, 30_000);
    expect(ports, 'where the shop was').to.deep.equal([primary.port, primary.port]);
    const pauses = primary.logs.filter((line) => line.includes('a worker died: starting another')).map((line) => (JSON.parse(line) as { restartInMs: number }).restartInMs);
    expect(pauses, 'two slots, one pause each').to.deep.equal([500, 500]);
    expect(primary.child.exitCode).to.equal(null);
    primary.child.kill('SIGTERM');
    expect(await primary.exited).to.equal(0);
  });

  it('answers or resets every connection made around a worker killed with SIGKILL: none is left unanswered (node:cluster kept its copy of one on its way)', async () => {
    primary = await startServer(env({ SEED_DEMO: 'false' }), 60_000);
    const token = await adminToken(primary);
    const outcomes = { answered: 0, reset: 0, hung: 0 };
    let sending = true;
    // New connections back to back (no keep-alive), as a client opening one per request does.
    const client = async () => {
      while (sending) {
        const outcome = await new Promise<keyof typeof outcomes>((resolve) => {
          const req = httpRequest({ host: '127.0.0.1', port: primary!.port, path: '/health', agent: false, timeout: 8_000 }, (res) => {
            res.resume();
            res.on('end', () => resolve('answered'));
          });
          req.on('timeout', () => {
            req.destroy();
            resolve('hung');
          });
          req.on('error', () => resolve('reset'));
          req.end();
        });
        outcomes[outcome] += 1;
      }
    };
    const clients = Array.from({ length: 6 }, client);
    for (let kill = 0; kill < 3; kill += 1) {
      const pair = await balancedPair(primary, token);
      await new Promise((resolve) => setTimeout(resolve, 300));
      try {
        process.kill(pair[kill % 2]!.pid, 'SIGKILL');
      } catch (error) {
        // Gone already in the 300 ms since the pair answered (a CI run met it once): the clients' outcomes are checked all the same.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
    await balancedPair(primary, token);
    sending = false;
    await Promise.all(clients);
    expect(outcomes.hung, JSON.stringify(outcomes)).to.equal(0);
    expect(outcomes.answered).to.be.greaterThan(100);
    primary.child.kill('SIGTERM');
    expect(await primary.exited).to.equal(0);
  });

  it('exits 1 when the workers cannot listen (the port is taken), naming why', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const error = await startServer(env({ PORT: String(port), SEED_DEMO: 'false' }), 60_000).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).to.match(/server exited with 1/);
      // The primary holds the port (ConnectionHandout): it cannot listen, and says so before any worker starts.
      expect(error?.message).to.include('the shop cannot listen').and.include('EADDRINUSE');
    } finally {
      taken.close();
    }
  });
});
