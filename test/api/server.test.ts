import { expect } from 'chai';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

/** The real entry point, wired by the composition root, as `npm start` runs it. */
describe('the server process', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server);
    dir.remove();
  });

  const ready = async () => eventually(async () => ((await checkedFetch(`${server!.url}/ready`)).status === 200 ? true : undefined));
  const products = async () => (await (await checkedFetch(`${server!.url}/api/v1/products?pageSize=100`)).json()) as { total: number };

  const logged = (from: ServerProcess) => from.logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);

  it('seeds a demo catalog into an empty DATA_DIR once, keeps its signing key, and stops cleanly on SIGTERM', async () => {
    server = await startServer({ DATA_DIR: dir.path });
    await ready();
    expect((await products()).total).to.equal(8);
    expect(statSync(join(dir.path, 'jwt-secret')).mode & 0o777).to.equal(0o600);
    server.child.kill('SIGTERM');
    expect(await server.exited).to.equal(0);

    server = await startServer({ DATA_DIR: dir.path, ADMIN_EMAIL: 'boss@test.local', ADMIN_PASSWORD: 'boss-password' });
    // What the last run held in memory for its queries (the catalog it listed) is loaded ahead of the first query.
    const warmed = await eventually(() => logged(server!).find((entry) => entry.msg === 'read models loaded in memory ahead of their queries'));
    expect(warmed.collections).to.include('products');
    await ready();
    expect((await products()).total).to.equal(8);
    const login = await checkedFetch(`${server.url}/api/v1/account/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'boss@test.local', password: 'boss-password' }),
    });
    expect(((await login.json()) as { role: string }).role).to.equal('admin');
    const confirmed = server.logs.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'admin account ready');
    expect(confirmed).to.deep.include({ created: true });
    expect(JSON.stringify(confirmed), 'no log line carries an email').not.to.include('boss@test.local');
  });

  it('creates DATA_DIR 0700 and every file in it 0600 (databases, their WAL and shared memory, the signing key)', async () => {
    const dataDir = join(dir.path, 'shop');
    server = await startServer({ DATA_DIR: dataDir });
    await ready();
    expect(statSync(dataDir).mode & 0o777).to.equal(0o700);
    const files = readdirSync(dataDir);
    expect(files).to.include.members(['events.db', 'events.db-wal', 'events.db-shm', 'read-models.db', 'read-models.db-wal', 'jwt-secret']);
    expect(files.filter((file) => (statSync(join(dataDir, file)).mode & 0o777) !== 0o600)).to.deep.equal([]);
  });

  it('warns at start of a payment timeout too short to outlast a failover (under three times LEASE_MS), and not of the defaults', async () => {
    const warned = (logs: string[]) => logs.some((line) => line.includes('PAYMENT_TIMEOUT_MS is under 3 times LEASE_MS'));
    server = await startServer({ DATA_DIR: dir.path, PAYMENT_TIMEOUT_MS: '4000' });
    await ready();
    expect(warned(server.logs)).to.equal(true);
    await killServer(server, 'SIGTERM');
    server = await startServer({ DATA_DIR: dir.path });
    await ready();
    expect(warned(server.logs)).to.equal(false);
    await killServer(server, 'SIGTERM');
    // Once for the shop, not once a worker.
    server = await startServer({ DATA_DIR: dir.path, PAYMENT_TIMEOUT_MS: '4000', WORKERS: '2' }, 60_000);
    // Each worker's own lines come in its order: once both said 'listening', whatever each warned came before.
    await eventually(async () => (server!.logs.filter((line) => line.includes('"msg":"listening"')).length === 2 ? true : undefined), 30_000);
    expect(server.logs.filter((line) => line.includes('PAYMENT_TIMEOUT_MS is under 3 times LEASE_MS'))).to.have.length(1);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const error = await startServer({ DATA_DIR: dir.path, PAYMENT_TIMEOUT_MS: 'soon' }).catch((e: Error) => e);
    expect(String(error)).to.match(/configuration: PAYMENT_TIMEOUT_MS must be an integer/);
    expect(String(error), 'no stack trace').not.to.match(/\n\s+at /);
    server = undefined;
  });
});
