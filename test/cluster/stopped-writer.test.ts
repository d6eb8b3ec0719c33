import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { call } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

/**
 * On the embedded stores, a process of the shop stopped (SIGSTOP, a frozen VM) while it holds
 * SQLite's write lock on the shared read-model file must not freeze the others: their writes
 * (a lease renewal at the next heartbeat) wait for the lock off the event loop, so they keep
 * answering HTTP (it froze them all for up to 10 s, in SQLite's busy handler, before). Here the
 * test process stands for the stopped one: it holds the write lock while it asks the server for /health.
 */
describe('a process stopped inside a write on the embedded stores', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server, 'SIGKILL');
    dir.remove();
  });

  it("does not stop the other processes from answering /health while it holds the read-model file's write lock", async () => {
    server = await startServer({ DATA_DIR: dir.path, SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0', LEASE_MS: '900' });
    await eventually(async () => ((await call(server!, 'GET', '/ready')).status === 200 ? true : undefined), 20_000);
    const stopped = new Database(join(dir.path, 'read-models.db'));
    stopped.pragma('busy_timeout = 5000');
    stopped.exec('BEGIN IMMEDIATE');
    let held = true;
    try {
      // Long enough for the server's next heartbeat (every 300 ms) to try to renew its leases.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const health = checkedFetch(`${server.url}/health`).then((res) => ({ status: res.status, whileHeld: held }));
      const answer = await Promise.race([health, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 4000))]);
      expect(answer, 'no answer to /health while the lock was held').to.deep.equal({ status: 200, whileHeld: true });
    } finally {
      held = false;
      stopped.exec('COMMIT');
      stopped.close();
    }
  });
});
