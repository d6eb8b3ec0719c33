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

  /** A follower from the start of the log, in pages of 10, whose handler runs `then` after noting each batch: the positions it handled. */
  const follow = (then: (handled: number[]) => Promise<unknown>) => {
    const handled: number[] = [];
    follower = new LogFollower(store, pino({ level: 'silent' }), 10);
    follower.start(0, async (events: RecordedEvent[]) => {
      handled.push(...events.map((e) => e.position));
      await then(handled);
    });
    return handled;
  };
  const live = () => eventually(async () => (follower!.status === 'live' ? true : undefined), 5_000);
  /** Every position from 1 on, once and in order, up to the log's end (nothing skipped or handled twice). */
  const allInOrder = async (handled: number[]) => {
    await eventually(async () => (handled[handled.length - 1] === (await store.headPosition()) ? true : undefined), 5_000);
    expect(handled).to.deep.equal(Array.from({ length: handled.length }, (_, i) => i + 1));
  };

  it('goes live once a page ends before its size, though its own handler appends with every batch (as the saga does)', async () => {
    for (let i = 0; i < 25; i += 1) await append(store);
    let reacting = true;
    // Every batch handled appends one event more, for as long as the test lets it: a page read after it is never empty.
    const handled = follow(async () => reacting && (await append(store, 'saga-reactions')));
    await live();
    expect(handled.length, 'still appending as it went live').to.be.greaterThan(25);
    reacting = false;
    // Nothing skipped or handled twice on the way from paging to the subscription.
    await allInOrder(handled);
    expect(follower!.status).to.equal('live');
  });

  it('goes live once it has handled what the log held when it began, though appends keep every page full', async () => {
    for (let i = 0; i < 40; i += 1) await append(store);
    let appending = true;
    // Others append faster than it reads: 15 events for every page of 10 it handles.
    const handled = follow(async () => {
      if (appending) for (let i = 0; i < 15; i += 1) await append(store);
    });
    await live();
    expect(handled.length, 'live once past the 40 there at the start').to.be.at.least(40);
    appending = false;
    await allInOrder(handled);
  });

  it('stays catching-up while the pages it reads are full', async () => {
    for (let i = 0; i < 30; i += 1) await append(store);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled = follow(async (seen) => seen.length === 10 && (await gate));
    await eventually(async () => (handled.length === 10 ? true : undefined), 5_000);
    expect(follower!.status, 'a full page handled, more to read').to.equal('catching-up');
    release();
    await live();
    expect(handled).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});
