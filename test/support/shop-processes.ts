import Database from 'better-sqlite3';
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { statFields } from '../../bench/support/process-usage.js';
import { killServer, startServer, type ServerProcess } from './server-process.js';
import { ADDRESS } from './shop.js';
import { eventually } from './temp-dir.js';
import { checkedFetch } from './contract.js';

/**
 * Several real server processes (`dist/src/main.js`) forming one shop on one DATA_DIR, and
 * the calls a test makes to them: who holds which runner, checkouts, the stores read from the
 * files once the processes are down.
 */

/** The runners a shop spreads over its processes: every projection, the order saga, notifications, subscription renewals and erasures. */
export const RUNNER_COUNT = ALL_PROJECTIONS.length + 4;

/** How many runners each of `count` processes holds once balanced, most first (13 over 3: 5, 4, 4). */
export const fairShares = (count: number): number[] =>
  Array.from({ length: count }, (_, i) => Math.floor(RUNNER_COUNT / count) + (i < RUNNER_COUNT % count ? 1 : 0));

/** The runners held by each process, most first: to compare with fairShares. */
export const sharesOf = (processes: Array<{ holds: string[] }>): number[] => processes.map((p) => p.holds.length).sort((a, b) => b - a);

export const ADMIN_LOGIN = { email: 'ops@test.local', password: 'ops-password' };

/** The environment of a shop's server processes in the tests: one DATA_DIR, the test admin, no rate limit, no demo data; `more` adds or overrides. */
export const processEnv = (dataDir: string, more: Record<string, string> = {}): Record<string, string> => ({
  DATA_DIR: dataDir,
  ADMIN_EMAIL: ADMIN_LOGIN.email,
  ADMIN_PASSWORD: ADMIN_LOGIN.password,
  SEED_DEMO: 'false',
  RATE_LIMIT_PER_MINUTE: '0',
  CREDENTIAL_ATTEMPTS_PER_MINUTE: '0',
  PASSWORD_HASHES_IN_FLIGHT: '0',
  // Admission control off: these tests stall and kill the saga's holder with short payment times, and count on every checkout taken; test/cluster/admission-processes.test.ts sets it.
  ORDER_BACKLOG_LIMIT_MS: '0',
  ...more,
});

export type Reply = { status: number; body: any; headers: Headers };

export const call = async (
  server: ServerProcess,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
  /** Gives up on an answer that does not come (a connection handed to a worker the moment it was killed). */
  timeoutMs?: number,
): Promise<Reply> => {
  const res = await checkedFetch(`${server.url}${path}`, {
    method,
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
};

export type ClusterProcess = { id: string; pid: number; port: number | null; holds: string[] };

export class ShopProcesses {
  readonly servers: ServerProcess[] = [];
  private token: string | undefined;

  constructor(readonly env: Record<string, string>) {}

  /** Starts `count` processes at once on the shop's DATA_DIR. */
  async start(count: number, env: Record<string, string> = {}): Promise<ServerProcess[]> {
    // Each one kept as soon as it runs: when another fails to start, stop() still stops it.
    const started = await Promise.allSettled(
      Array.from({ length: count }, async () => {
        const server = await startServer({ ...this.env, ...env });
        this.servers.push(server);
        return server;
      }),
    );
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return started.map((s) => (s as PromiseFulfilledResult<ServerProcess>).value);
  }

  get live(): ServerProcess[] {
    return this.servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  }

  async admin(): Promise<string> {
    this.token ??= String((await call(this.live[0]!, 'POST', '/api/v1/account/login', undefined, ADMIN_LOGIN)).body.token);
    return this.token;
  }

  async cluster(via: ServerProcess = this.live[0]!): Promise<ClusterProcess[]> {
    const res = await call(via, 'GET', '/api/v1/admin/cluster', await this.admin());
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.processes as ClusterProcess[];
  }

  serverOf(process: ClusterProcess): ServerProcess {
    const server = this.servers.find((s) => s.port === process.port);
    if (!server) throw new Error(`no server on port ${process.port}`);
    return server;
  }

  /** Waits until every runner is held once and each of `count` live processes holds its share (RUNNER_COUNT / count, rounded either way). */
  async balanced(count: number, via?: ServerProcess): Promise<ClusterProcess[]> {
    const fair = (n: number) => n === Math.floor(RUNNER_COUNT / count) || n === Math.ceil(RUNNER_COUNT / count);
    return eventually(async () => {
      const processes = await this.cluster(via);
      const held = processes.flatMap((p) => p.holds);
      return processes.length === count && held.length === RUNNER_COUNT && new Set(held).size === RUNNER_COUNT && processes.every((p) => fair(p.holds.length)) ? processes : undefined;
    }, 20_000);
  }

  /** The process holding a runner, and its server. */
  async holder(runner: string, via?: ServerProcess): Promise<{ process: ClusterProcess; server: ServerProcess }> {
    const process = await eventually(async () => (await this.cluster(via)).find((p) => p.holds.includes(runner)));
    return { process, server: this.serverOf(process) };
  }

  /**
   * Stops a process (SIGSTOP) at a moment it holds no write lock on the shop's files. One
   * stopped inside a write (or while its checkpoint thread holds a WAL's write lock) holds
   * every other process's writes until it wakes (stopped-writer.test.ts covers that): a test of
   * a stalled lease holder, or of a read model standing still, is not about that. Caught in
   * one, it is woken and stopped again a moment later.
   */
  async stopOutsideWrites(server: ServerProcess): Promise<void> {
    const dataDir = this.env.DATA_DIR!;
    const files = readdirSync(dataDir).filter((name) => name.endsWith('.db')).map((name) => join(dataDir, name));
    for (let attempt = 0; attempt < 100; attempt += 1) {
      server.child.kill('SIGSTOP');
      await eventually(() => (stateOf(server.child.pid!) === 'T' ? true : undefined), 5_000);
      if (files.every(writable)) return;
      server.child.kill('SIGCONT');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`process ${server.child.pid} held a write lock at each of 100 stops`);
  }

  /** Stops every process (one stopped by SIGSTOP is woken first, so that it can stop cleanly). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    for (const server of this.live) server.child.kill('SIGCONT');
    await Promise.all(this.servers.map((s) => killServer(s, signal)));
  }
}

/** The state letter of a process (/proc/<pid>/stat): T once SIGSTOP has stopped it. */
const stateOf = (pid: number): string => statFields(`/proc/${pid}/stat`)[0]!;

/** Whether a write could begin on the file now (no process holds its write lock): BEGIN IMMEDIATE, at once, then nothing written. */
const writable = (path: string): boolean => {
  const db = new Database(path, { timeout: 0 });
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  } finally {
    db.close();
  }
};

/** A shopper registered and signed in through one process, with a cart filled through another. */
export const shopperWithCart = async (via: ServerProcess, cartVia: ServerProcess, i: number, lines: Array<{ productId: string; quantity: number }>) => {
  const email = `buyer${i}@test.local`;
  await call(via, 'POST', '/api/v1/account/register', undefined, { email, password: 'buyer-password', name: `Buyer ${i}` });
  const token = String((await call(via, 'POST', '/api/v1/account/login', undefined, { email, password: 'buyer-password' })).body.token);
  for (const line of lines) expect((await call(cartVia, 'POST', '/api/v1/cart/items', token, line)).status).to.equal(200);
  return token;
};

export const checkoutVia = (server: ServerProcess, token: string, card = 'tok_visa') =>
  call(server, 'POST', '/api/v1/checkout', token, { shippingAddress: ADDRESS, paymentMethod: { token: card } });

/** Creates a product with stock through one process, and waits until every process in `visibleThrough` shows it in stock. */
export const product = async (via: ServerProcess, admin: string, sku: string, stock: number, visibleThrough: ServerProcess[] = [via]): Promise<string> => {
  const created = await call(via, 'POST', '/api/v1/products', admin, { sku, name: sku, description: '', brand: 'b', category: 'c', price: { amount: 1000, currency: 'USD' } });
  expect(created.status, JSON.stringify(created.body)).to.equal(201);
  const received = await call(via, 'POST', `/api/v1/inventory/${sku}/receipts`, admin, { quantity: stock });
  expect(received.status).to.equal(200);
  const productId = String(created.body.productId);
  // A cart checks products against the read model, and other shoppers' reads do not wait for the admin's writes.
  const position = received.headers.get('x-position')!;
  for (const server of visibleThrough) {
    const seen = await call(server, 'GET', `/api/v1/products/${productId}`, undefined, undefined, { 'x-min-position': position });
    expect(seen.body.available, JSON.stringify(seen.body)).to.equal(stock);
  }
  return productId;
};

/** The log and some collections, read from a DATA_DIR's files. */
export const readShop = async (dataDir: string, collections: string[]): Promise<{ log: RecordedEvent[]; docs: Record<string, Document[]> }> => {
  const events = new SqliteEventStore({ path: join(dataDir, 'events.db') });
  const readModels = new EmbeddedReadModelStore({ path: join(dataDir, 'read-models.db') });
  try {
    const docs: Record<string, Document[]> = {};
    for (const name of collections) docs[name] = await readModels.collection(name).find({});
    return { log: await events.readAll(), docs };
  } finally {
    await events.close();
    await readModels.close();
  }
};

/** The lease lines (claims, takeovers, losses, refused writes) a server logs from now on, in order. */
export const leaseLog = (server: ServerProcess): Array<Record<string, any>> => {
  const lines: Array<Record<string, any>> = [];
  createInterface({ input: server.child.stdout! }).on('line', (line) => {
    try {
      const entry = JSON.parse(line) as Record<string, any>;
      if (typeof entry.runner === 'string') lines.push(entry);
    } catch {
      // not a log line
    }
  });
  return lines;
};
