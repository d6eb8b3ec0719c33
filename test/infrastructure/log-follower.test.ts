import { expect } from 'chai';
import { pino } from 'pino';
import { v4 as uuid } from 'uuid';
import { LogFollower } from '../../src/infrastructure/event-store/log-follower.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { EventStore, RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { eventually } from '../support/temp-dir.js';

const append = (store: EventStore, stream = `thing-${uuid()}`) => {
  const metadata = { correlationId: uuid(), causationId: uuid(), actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
  return store.appendToStream(stream, [{ id: uuid(), type: 'Happened', data: {}, metadata }]);
};

/**
 * The follower under every projection and process manager: when it says `live` (what /ready and
 * the admin's view of the runners read). A probe restarted a shop under a few dozen orders a
 * second: the order saga, which appends as it handles, stayed `catching-up` for up to 50 s while
 * tens of events behind, because only a page with nothing new ended its catching up.
 */
describe('LogFollower', function () {
  this.timeout(20_000);
  let store: SqliteEventStore;
  let follower: LogFollower | undefined;
  beforeEach(() => (store = new SqliteEventStore({ path: ':memory:' })));
  afterEach(async () => {
    await follower?.stop();
    follower = undefined;
    await store.close();
  });

  it('goes live once a page ends before its size, though its own handler appends with every batch (as the saga does)', async () => {
    for (let i = 0; i < 25; i += 1) await append(store);
    const handled: number[] = [];
    let reacting = true;
    follower = new LogFollower(store, pino({ level: 'silent' }), 10);
    // Every batch handled appends one event more, for as long as the test lets it: a page read after it is never empty.
    follower.start(0, async (events: RecordedEvent[]) => {
      handled.push(...events.map((e) => e.position));
      if (reacting) await append(store, 'saga-reactions');
    });
    await eventually(async () => (follower!.status === 'live' ? true : undefined), 5_000);
    expect(handled.length, 'still appending as it went live').to.be.greaterThan(25);
    reacting = false;
    // Nothing skipped or handled twice on the way from paging to the subscription.
    await eventually(async () => (handled.length >= 25 && handled[handled.length - 1] === (await store.headPosition()) ? true : undefined), 5_000);
    expect(handled).to.deep.equal(Array.from({ length: handled.length }, (_, i) => i + 1));
    expect(follower.status).to.equal('live');
  });

  it('goes live once it has handled what the log held when it began, though appends keep every page full', async () => {
    for (let i = 0; i < 40; i += 1) await append(store);
    const handled: number[] = [];
    let appending = true;
    follower = new LogFollower(store, pino({ level: 'silent' }), 10);
    // Others append faster than it reads: 15 events for every page of 10 it handles.
    follower.start(0, async (events: RecordedEvent[]) => {
      handled.push(...events.map((e) => e.position));
      if (appending) for (let i = 0; i < 15; i += 1) await append(store);
    });
    await eventually(async () => (follower!.status === 'live' ? true : undefined), 5_000);
    expect(handled.length, 'live once past the 40 there at the start').to.be.at.least(40);
    appending = false;
    await eventually(async () => (handled[handled.length - 1] === (await store.headPosition()) ? true : undefined), 5_000);
    expect(handled).to.deep.equal(Array.from({ length: handled.length }, (_, i) => i + 1));
  });

  it('stays catching-up while the pages it reads are full', async () => {
    for (let i = 0; i < 30; i += 1) await append(store);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    follower = new LogFollower(store, pino({ level: 'silent' }), 10);
    const handled: number[] = [];
    follower.start(0, async (events) => {
      handled.push(...events.map((e) => e.position));
      if (handled.length === 10) await gate;
    });
    await eventually(async () => (handled.length === 10 ? true : undefined), 5_000);
    expect(follower.status, 'a full page handled, more to read').to.equal('catching-up');
    release();
    await eventually(async () => (follower!.status === 'live' ? true : undefined), 5_000);
    expect(handled).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
