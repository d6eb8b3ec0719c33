import { expect } from 'chai';
import { ConflictError, NotFoundError } from '../../src/domain/shared/errors.js';
import type { WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { discardParkedEvent, PARKED_HOLD_MS, replayParkedEvent } from '../../src/operations/parked.js';
import { DISCARDED_EVENTS, PARKED_EVENTS, type ParkedEvent } from '../../src/processes/parked-events.js';
import { TallyWorld } from './tally-fixture.js';

/**
 * An operator's replay of a parked event runs its commands before it writes its outcome; a
 * discard (or another replay) of the same event landing in between must not record it as
 * discarded, or run it twice: each holds the parked event while it runs, and the other answers
 * 409. A hold whose process died lapses.
 */
describe('a parked event held by its replay or its discard', () => {
  let world: TallyWorld;
  beforeEach(async () => (world = await TallyWorld.start()));
  afterEach(async () => world.close());

  const discard = (id: string, now?: Date) => discardParkedEvent(world.store, id, { reason: 'resolved by hand', by: 'admin:test', at: new Date().toISOString() }, now);
  const replay = (id: string, now?: Date) => replayParkedEvent(world.store, [world.runner()], id, now);
  const failure = (promise: Promise<unknown>) => promise.then((value) => ({ value }), (error: unknown) => error);
  const parkedNow = async (id: string) => world.store.collection<ParkedEvent>(PARKED_EVENTS).findOne({ _id: id });
  const discarded = () => world.store.collection(DISCARDED_EVENTS).countDocuments();

  it('answers 409 to a discard while the replay runs its commands; the replay ends it, and nothing is recorded as discarded', async () => {
    const parked = await world.parkedOn(world.runner(), 's1', 'A');
    let refused: unknown;
    world.beforeNextCommand(async () => {
      refused = await failure(discard(parked._id));
    });

    expect(await replay(parked._id)).to.deep.equal({ replayed: true });

    expect(refused).to.be.instanceOf(ConflictError);
    expect((refused as Error).message).to.match(/is being replayed \(since \S+; the hold lapses at \S+ should its process have died\): try again/);
    expect(await parkedNow(parked._id)).to.equal(null);
    expect(await discarded()).to.equal(0);
    expect(await world.received('SKU-A')).to.equal(1);
    expect(await world.seen('s1')).to.deep.equal(['A']);
  });

  it('answers 409 to a second replay while the first runs, which sends its commands once', async () => {
    const parked = await world.parkedOn(world.runner(), 's2', 'A');
    let second: unknown;
    world.beforeNextCommand(async () => {
      second = await failure(replay(parked._id));
    });

    expect(await replay(parked._id)).to.deep.equal({ replayed: true });

    expect(second).to.be.instanceOf(ConflictError);
    expect(await world.received('SKU-A')).to.equal(1);
    expect(await world.seen('s2')).to.deep.equal(['A']);
  });

  it('answers 409 to a replay while the discard is being written, which then runs nothing', async () => {
    const parked = await world.parkedOn(world.runner(), 's3', 'A');
    const bulkWrite = world.store.bulkWrite.bind(world.store);
    let refused: unknown;
    world.store.bulkWrite = async (operations: readonly WriteOperation[], options) => {
      if (operations.some((op) => op.collection === DISCARDED_EVENTS) && refused === undefined) refused = await failure(replay(parked._id));
      return bulkWrite(operations, options);
    };

    const record = await discard(parked._id);

    expect(refused).to.be.instanceOf(ConflictError);
    expect((refused as Error).message).to.match(/is being discarded/);
    expect(record).to.include({ _id: parked._id, discardReason: 'resolved by hand' });
    expect(record).to.not.have.any.keys('heldBy', 'heldFor', 'heldSince', 'heldUntil');
    expect(await parkedNow(parked._id)).to.equal(null);
    expect(await world.received('SKU-A')).to.equal(0);
    expect(await world.seen('s3')).to.deep.equal([]);
  });

  it('gives the hold up when the replay fails again: the event stays parked, free to discard', async () => {
    const parked = await world.parkedOn(world.runner(), 's4', 'A');
    world.down = 'inventory-SKU-A';
    const again = await replay(parked._id);
    world.down = undefined;

    expect(again).to.deep.include({ replayed: false });
    const stored = await parkedNow(parked._id);
    expect(stored).to.include({ _id: parked._id, attempts: parked.attempts + 1 });
    expect(stored).to.not.have.any.keys('heldBy', 'heldFor', 'heldSince', 'heldUntil');
    expect(await discard(parked._id)).to.include({ _id: parked._id });
    expect(await discarded()).to.equal(1);
  });

  it('gives the hold up when the replay throws (a store down), leaving the event parked as it was', async () => {
    const parked = await world.parkedOn(world.runner(), 's5', 'A');
    const runner = world.runner();
    runner.replay = () => Promise.reject(new Error('the store is down'));
    const thrown = await failure(replayParkedEvent(world.store, [runner], parked._id));

    expect(thrown).to.have.property('message', 'the store is down');
    expect(await parkedNow(parked._id)).to.deep.equal(parked);
  });

  it('refuses both while a hold stands, and lets either take a hold that lapsed (its process died)', async () => {
    const parked = await world.parkedOn(world.runner(), 's6', 'A');
    const since = new Date('2026-01-01T10:00:00.000Z');
    const until = new Date(since.getTime() + PARKED_HOLD_MS);
    await world.store.collection(PARKED_EVENTS).updateOne({ _id: parked._id }, { $set: { heldBy: 'dead-process', heldFor: 'replay', heldSince: since.toISOString(), heldUntil: until.toISOString() } });
    const before = await parkedNow(parked._id);

    const stillHeld = new Date(until.getTime() - 1);
    expect(await failure(replay(parked._id, stillHeld))).to.be.instanceOf(ConflictError);
    expect(await failure(discard(parked._id, stillHeld))).to.be.instanceOf(ConflictError);
    expect(await parkedNow(parked._id)).to.deep.equal(before);
    expect(await world.received('SKU-A')).to.equal(0);

    expect(await replay(parked._id, until)).to.deep.equal({ replayed: true });
    expect(await parkedNow(parked._id)).to.equal(null);
    expect(await world.received('SKU-A')).to.equal(1);
  });

  it('writes nothing of a replay whose hold lapsed and was taken meanwhile: 409, the event stays parked with its new holder', async () => {
    const parked = await world.parkedOn(world.runner(), 's7', 'A');
    world.beforeNextCommand(async () => {
      // The replay outlasted its hold; another replay took the event over.
      await world.store.collection(PARKED_EVENTS).updateOne({ _id: parked._id }, { $set: { heldBy: 'another', heldSince: new Date().toISOString() } });
    });

    const outcome = await failure(replay(parked._id));

    expect(outcome).to.be.instanceOf(ConflictError);
    expect((outcome as Error).message).to.match(/ran past its hold .* taken by another replay or discard/);
    expect(await parkedNow(parked._id)).to.include({ heldBy: 'another' });
    expect(await world.seen('s7')).to.deep.equal([]);
    expect(await discarded()).to.equal(0);
  });

  it('writes nothing of a replay whose hold lapsed and which was discarded meanwhile: 409, the discard stands', async () => {
    const parked = await world.parkedOn(world.runner(), 's8', 'A');
    let discardedMeanwhile: unknown;
    world.beforeNextCommand(async () => {
      // The replay outlasted its hold: a discard after it lapsed takes the event.
      discardedMeanwhile = await discard(parked._id, new Date(Date.now() + PARKED_HOLD_MS + 1));
    });

    const outcome = await failure(replay(parked._id));

    expect(discardedMeanwhile).to.include({ _id: parked._id, discardReason: 'resolved by hand' });
    expect(outcome).to.be.instanceOf(ConflictError);
    expect((outcome as Error).message).to.match(/ran past its hold .* discarded meanwhile: its outcome was not written/);
    expect(await parkedNow(parked._id)).to.equal(null);
    expect(await discarded()).to.equal(1);
    expect(await world.seen('s8')).to.deep.equal([]);
  });

  it('answers 404 to either for an event not parked', async () => {
    expect(await failure(replay('tally:nope'))).to.be.instanceOf(NotFoundError);
    expect(await failure(discard('tally:nope'))).to.be.instanceOf(NotFoundError);
    expect(await world.store.collection(PARKED_EVENTS).countDocuments()).to.equal(0);
  });
});
