import { expect } from 'chai';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The tests of the stores' checks at start (stores-of-one-shop, key-store-checks): a DATA_DIR
 * per test, the real server started on it, and the shop's stores made, stopped and mixed up.
 */
export const storesFixture = () => {
  const state: { dir?: ReturnType<typeof tempDir>; server?: ServerProcess | undefined } = {};
  beforeEach(() => (state.dir = tempDir()));
  afterEach(async () => {
    await killServer(state.server);
    state.server = undefined;
    state.dir!.remove();
  });

  const dir = () => state.dir!;
  const env = () => ({ DATA_DIR: dir().path, SEED_DEMO: 'false', ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', RATE_LIMIT_PER_MINUTE: '0' });
  const url = () => state.server!.url;
  const start = async (more: Record<string, string> = {}) => (state.server = await startServer({ ...env(), ...more }));
  const register = async (email: string) => {
    const res = await fetch(`${url()}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct-horse', name: 'Kept' }) });
    expect(res.status, await res.clone().text()).to.equal(201);
  };
  const ready = () => eventually(async () => ((await fetch(`${url()}/ready`)).status === 200 ? true : undefined));
  const stop = async () => {
    state.server!.child.kill('SIGTERM');
    expect(await state.server!.exited).to.equal(0);
    state.server = undefined;
  };
  const files = (name: string, base = dir().path) => [name, `${name}-wal`, `${name}-shm`].map((file) => join(base, file));
  /** A start that must be refused: its output. */
  const refused = async () => {
    const failure = await startServer(env()).then(
      (started) => ((state.server = started), undefined),
      (error: Error) => error,
    );
    expect(failure, 'refused to start').to.be.instanceOf(Error);
    return failure!.message;
  };
  /** A shop with customers whose read models folded the log: then stopped. */
  const shop = async () => {
    await start();
    for (let i = 0; i < 3; i += 1) await register(`kept-${i}@test.local`);
    await ready();
    await stop();
  };
  /** The log's latest 1,100 events seal nothing (stock receipts, appended as an older version of the shop would have). */
  const receipts = async () => {
    const events = new SqliteEventStore({ path: join(dir().path, 'events.db') });
    const productId = uuid();
    await events.appendToStream(`inventory-SKU-${productId}`, Array.from({ length: 1_100 }, () => ({
      id: uuid(), type: 'StockReceived', data: { sku: 'SKU-R', productId, quantity: 1, receivedAt: '2026-01-01T00:00:00.000Z' },
      metadata: { correlationId: uuid(), causationId: uuid(), actor: 'admin:ops', occurredAt: '2026-01-01T00:00:00.000Z' },
    })));
    await events.close();
  };
  /** The server a test started itself (startServer), to be stopped with the test. */
  const adopt = (server: ServerProcess) => (state.server = server);
  const logs = () => state.server!.logs;
  return { dir, env, url, start, register, ready, stop, files, refused, shop, receipts, adopt, logs };
};
