import { expect } from 'chai';
import { fenceOf, LeaseStore } from '../../src/cluster/leases.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { StopFollowing } from '../../src/infrastructure/event-store/log-follower.js';
import type { DuplicateKeyError, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { PARKED_EVENTS } from '../../src/processes/parked-events.js';
import type { ProcessManagerRunner } from '../../src/processes/runner.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { eventually } from '../support/temp-dir.js';
import { SAGAS, TallyWorld } from './tally-fixture.js';

/**
 * The runner that follows the log and a replay of a parked event (an operator, perhaps in
 * another process) both write a saga's state. A replay's write that lands between the
 * runner's load of the saga and its write must not be lost, and the runner reacting again
 * must append nothing twice.
 */
describe('Saga state written by the runner and by a replay at once', () => {
  let world: TallyWorld;
  let store: TallyWorld['store'];

  beforeEach(async () => {
    world = await TallyWorld.start();
    ({ store } = world);
  });

  afterEach(async () => world.close());

  const runner = () => world.runner();
  const tallied = (sagaId: string, label: string) => world.tallied(sagaId, label);
  const parkedOn = (live: ProcessManagerRunner<{ seen: string[] }>, sagaId: string, label: string) => world.parkedOn(live, sagaId, label);

  /** Runs `meanwhile` just before the live runner's next batch write (the one with its checkpoint) reaches the store. */
  const beforeNextBatchWrite = (meanwhile: () => Promise<unknown>) => {
    const bulkWrite = store.bulkWrite.bind(store);
    let armed = true;
    store.bulkWrite = async (operations: readonly WriteOperation[], options) => {
      if (armed && operations.some((op) => op.collection === CHECKPOINTS)) {
        armed = false;
        await meanwhile();
      }
      return bulkWrite(operations, options);
    };
  };

  const received = (sku: string) => world.received(sku);
  const seen = (sagaId: string) => world.seen(sagaId);

  it("loses no replay's change: the runner's write fails, it reacts again on the saga as the replay left it, and appends nothing twice", async () => {
    const live = runner();
    const parked = await parkedOn(live, 's1', 'A');
    expect(await seen('s1')).to.deep.equal([]);
    const b = await tallied('s1', 'B');
    let replayed: unknown;
    beforeNextBatchWrite(async () => (replayed = await runner().replay(parked)));

    await live.apply([b]);

    expect(replayed).to.deep.equal({ replayed: true });
    expect(await seen('s1')).to.deep.equal(['A', 'B']);
    expect(await received('SKU-A')).to.equal(1);
    expect(await received('SKU-B')).to.equal(1);
    expect(await store.collection(PARKED_EVENTS).countDocuments()).to.equal(0);
    expect(await store.collection(CHECKPOINTS).findOne({ _id: 'process:tally' })).to.include({ position: b.position });
  });

  it('loses no saga created meanwhile by another writer (the runner found none, the replay wrote one first)', async () => {
    const live = runner();
    const parked = await parkedOn(live, 's2', 'A');
    await store.collection(SAGAS).deleteOne({ _id: 's2' }); // no document yet, as far as the runner will know
    const c = await tallied('s2', 'C');
    beforeNextBatchWrite(() => runner().replay(parked));

    await live.apply([c]);

    expect(await seen('s2')).to.deep.equal(['A', 'C']);
    expect(await received('SKU-A')).to.equal(1);
    expect(await received('SKU-C')).to.equal(1);
  });

  it('a replay that finds the saga moved under it reacts again on it too', async () => {
    const live = runner();
    const parked = await parkedOn(live, 's3', 'A');
    const b = await tallied('s3', 'B');
    // The replay loads the saga, then the live runner writes B before the replay writes A.
    const replayer = runner();
    const loadStates = (replayer as unknown as { loadStates: (ids: string[]) => Promise<unknown> }).loadStates.bind(replayer);
    let first = true;
    (replayer as unknown as { loadStates: typeof loadStates }).loadStates = async (ids) => {
      const loaded = await loadStates(ids);
      if (first) {
        first = false;
        await live.apply([b]);
      }
      return loaded;
    };

    expect(await replayer.replay(parked)).to.deep.equal({ replayed: true });

    expect(await seen('s3')).to.deep.equal(['B', 'A']);
    expect(await received('SKU-A')).to.equal(1);
    expect(await received('SKU-B')).to.equal(1);
  });

  it('gives the batch up (it is delivered again) when the saga keeps moving under every write', async () => {
    const live = runner();
    await live.apply([await tallied('s5', 'A')]);
    const checkpoint = await store.collection(CHECKPOINTS).findOne({ _id: 'process:tally' });
    const b = await tallied('s5', 'B');
    const bulkWrite = store.bulkWrite.bind(store);
    let moves = 0;
    store.bulkWrite = async (operations: readonly WriteOperation[], options) => {
      if (operations.some((op) => op.collection === CHECKPOINTS)) {
        moves += 1;
        await store.collection(SAGAS).updateOne({ _id: 's5' }, { $inc: { _version: 1 } });
      }
      return bulkWrite(operations, options);
    };

    const outcome = await live.apply([b]).then(() => 'written', (error: unknown) => error);

    expect(outcome).to.have.property('collection', SAGAS);
    expect(moves).to.equal(10);
    expect(await store.collection(CHECKPOINTS).findOne({ _id: 'process:tally' })).to.deep.equal(checkpoint);
    expect(await seen('s5')).to.deep.equal(['A']);
    expect(await received('SKU-B')).to.equal(1);
  });

  it('a runner whose lease was taken over still stops at its write, without reacting again, when a saga also moved', async () => {
    const stale = (await new LeaseStore(store, 100).claim('tally', 'process-a', 0))!;
    const refusals: DuplicateKeyError[] = [];
    const live = runner();
    const parked = await parkedOn(live, 's4', 'A');
    await live.start(fenceOf([stale], (error) => refusals.push(error)));
    await live.stop(); // driven by hand below
    await eventually(async () => (await new LeaseStore(store, 60_000).claim('tally', 'process-b', stale.epoch)) ?? undefined, 5000);
    const b: RecordedEvent = await tallied('s4', 'B');
    beforeNextBatchWrite(() => runner().replay(parked));

    const outcome = await live.apply([b]).then(() => 'written', (error: unknown) => error);

    expect(outcome).to.be.instanceOf(StopFollowing);
    expect(refusals.map((r) => r.key)).to.deep.equal([{ _id: 'tally' }]);
    expect(await seen('s4')).to.deep.equal(['A']);
    expect(await received('SKU-B')).to.equal(1); // sent before the write, once: the new holder's resend will find it
  });
});
