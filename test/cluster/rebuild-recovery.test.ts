import { expect } from 'chai';
import { join } from 'node:path';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { REBUILDS } from '../../src/operations/rebuild-claims.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { ADMIN_LOGIN, call, processEnv } from '../support/shop-processes.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * An admin's rebuild cut short by a crash (kill -9 while it folds): the server started again
 * finishes it by itself, and the projections show live again, not "rebuilding" for good.
 */
describe('a rebuild cut short by a crash', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let server: ServerProcess | undefined;
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    await killServer(server, 'SIGTERM');
    dir.remove();
  });

  const env = () => processEnv(dir.path, { LEASE_MS: '900' });
  const admin = async () => String((await call(server!, 'POST', '/api/v1/account/login', undefined, ADMIN_LOGIN)).body.token);
  const projections = async (token: string) => (await call(server!, 'GET', '/api/v1/admin/projections', token)).body as Array<{ name: string; kind: string; status: string; lastRebuild?: { status: string } }>;

  it('is started again by the process that runs the projections, and ends done', async () => {
    server = await startServer(env());
    const token = await admin();
    const rebuilt = await call(server, 'POST', '/api/v1/admin/projections/orders/rebuild', token);
    expect(rebuilt.status).to.equal(202);
    await eventually(async () => ((await projections(token)).find((p) => p.name === 'orders')?.lastRebuild?.status === 'done' ? true : undefined));
    await killServer(server, 'SIGKILL');

    // The state kill -9 leaves mid-rebuild: the claim marked running, its heartbeat stopped 10 s
    // ago (not yet stale: that takes 15 s, so the server first shows it rebuilding, then starts it again).
    const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    const heartbeatAt = new Date(Date.now() - 10_000).toISOString();
    await store.collection(REBUILDS).updateOne({ _id: 'orders' }, { $set: { status: 'running', heartbeatAt, owner: 'killed' }, $unset: { finishedAt: '' } });
    await store.close();

    server = await startServer(env());
    const again = await admin();
    expect((await projections(again)).find((p) => p.name === 'orders')!.status).to.equal('rebuilding');
    const orders = await eventually(async () => {
      const view = (await projections(again)).find((p) => p.name === 'orders')!;
      return view.lastRebuild?.status === 'done' ? view : undefined;
    }, 40_000);
    expect(orders.status).to.equal('live');
    const ready = await call(server, 'GET', '/ready');
    expect(ready.status).to.equal(200);
  });
});
