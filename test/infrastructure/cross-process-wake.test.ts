import { expect } from 'chai';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { storeProcess, type StoreProcess } from '../support/event-store-process.js';
import { killServer, startServer, type ServerProcess } from '../support/server-process.js';
import { eventually, tempDir } from '../support/temp-dir.js';
import { checkedFetch } from '../support/contract.js';

/**
 * One events.db, several processes: an append by one wakes the subscribers of the others
 * through the commit bell, not the poll. The subscriber here polls once a minute, so an
 * event it sees within the test's few seconds came through the bell (the control case,
 * with the bell off, shows the poll alone would not have brought it).
 */

const A_MINUTE = 60_000;

describe('embedded event store across processes', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  const opened: Array<SqliteEventStore | StoreProcess> = [];

  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, 'events.db');
  });

  afterEach(async () => {
    for (const one of opened.splice(0).reverse()) await one.close();
    dir.remove();
  });

  /** A store in this process whose subscriber collects what it is handed, from the start of the log. */
  const reader = (options: Partial<SqliteEventStoreOptions> = {}) => {
    const store = new SqliteEventStore({ path, crossProcessPollMs: A_MINUTE, ...options });
    opened.push(store);
    const seen: RecordedEvent[] = [];
    const subscription = store.subscribeToAll();
    void (async () => {
      for await (const event of subscription) seen.push(event);
    })();
    const types = () => seen.map((event) => event.type);
    /** Resolves once the subscriber has been handed an event of this type. */
    const sees = (type: string) => eventually(() => (types().includes(type) ? true : undefined), 5000);
    return { store, types, sees };
  };

  const writer = async (options: Partial<SqliteEventStoreOptions> = {}) => {
    const child = await storeProcess({ path, ...options });
    opened.push(child);
    return child;
  };

  /** Appends here and waits until the subscriber has it: from then on it waits for the next append. */
  const live = async (r: ReturnType<typeof reader>) => {
    await r.store.appendToStream('here-1', [{ id: uuid(), type: 'Here', data: {}, metadata: {} }]);
    await r.sees('Here');
  };

  it("wakes a waiting subscriber with another process's append, though its poll is a minute away", async () => {
    const r = reader();
    await live(r);
    const other = await writer();
    await other.append('there-1', 'FromThere');
    await r.sees('FromThere');
  });

  it('leaves the subscriber to its poll when it does not listen to the bell (the control: the poll alone brings nothing in the window)', async () => {
    const r = reader({ crossProcessWake: false });
    await live(r);
    const other = await writer();
    const position = await other.append('there-1', 'FromThere');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(r.types()).to.deep.equal(['Here']);
    expect((await r.store.readAll({ fromPosition: position })).map((e) => e.type)).to.deep.equal(['FromThere']);
  });

  it('is woken by a writer SIGKILLed the moment its append was answered, and by one that starts after it died', async () => {
    const r = reader();
    await live(r);
    const doomed = await writer();
    expect(await doomed.appendAndDie('there-1', 'LastWords')).to.equal('SIGKILL');
    await r.sees('LastWords');
    const next = await writer();
    await next.append('there-2', 'AfterTheDead');
    await r.sees('AfterTheDead');
    expect(r.types()).to.deep.equal(['Here', 'LastWords', 'AfterTheDead']);
  });

  it('a reader that opens the file late is handed everything appended before, then is woken by what comes after', async () => {
    const early = await writer();
    for (const n of [1, 2, 3]) await early.append(`early-${n}`, `Early${n}`);
    await early.close();
    const r = reader();
    await r.sees('Early3');
    const late = await writer();
    await late.append('late-1', 'Late');
    await r.sees('Late');
    expect(r.types()).to.deep.equal(['Early1', 'Early2', 'Early3', 'Late']);
  });

  it('a writer that does not ring leaves the subscriber to its poll, which still brings the event (nothing hangs)', async () => {
    const r = reader({ crossProcessPollMs: 50 });
    await live(r);
    const quiet = await writer({ crossProcessWake: false });
    await quiet.append('there-1', 'Unannounced');
    await r.sees('Unannounced');
  });

  it("wakes a subscriber in another process with the real server's appends (the composition root's store rings)", async function () {
    this.timeout(60_000);
    let server: ServerProcess | undefined;
    try {
      server = await startServer({ DATA_DIR: dir.path, SEED_DEMO: 'false', RATE_LIMIT_PER_MINUTE: '0' });
      const store = new SqliteEventStore({ path, crossProcessPollMs: A_MINUTE });
      opened.push(store);
      const seen: string[] = [];
      const subscription = store.subscribeToAll({ fromPosition: await store.headPosition() });
      void (async () => {
        for await (const event of subscription) seen.push(event.type);
      })();
      await new Promise((resolve) => setTimeout(resolve, 100)); // it reads what is there, then waits
      const registered = await checkedFetch(`${server.url}/api/v1/account/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'far@shop.test', password: 'far-away-password', name: 'Far Away' }),
      });
      expect(registered.status).to.equal(201);
      await eventually(() => (seen.includes('CustomerRegistered') ? true : undefined), 5000);
    } finally {
      await killServer(server, 'SIGTERM');
    }
  });

  it('keeps the bell file private (0600), beside the database', async () => {
    const r = reader();
    await live(r);
    expect(statSync(`${path}-wake`).mode & 0o777).to.equal(0o600);
  });
});
