import { expect } from 'chai';
import { fenceOf, LeaseStore } from '../../src/cluster/leases.js';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider, inventoryStream } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { StopFollowing } from '../../src/infrastructure/event-store/log-follower.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { DuplicateKeyError, WriteOperation } from '../../src/infrastructure/read-models/read-model-store.js';
import { PARKED_EVENTS, type ParkedEvent } from '../../src/processes/parked-events.js';
import type { ProcessManager } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';
import { eventually } from '../support/temp-dir.js';

/**
 * The runner that follows the log and a replay of a parked event (an operator, perhaps in
 * another process) both write a saga's state. A replay's write that lands between the
 * runner's load of the saga and its write must not be lost, and the runner reacting again
 * must append nothing twice.
 */
describe('Saga state written by the runner and by a replay at once', () => {
  const NOW = '2024-05-01T09:00:00.000Z';
  /** Each event is one delivery: one unit received on `SKU-<label>`; the saga remembers the labels it handled. */
  const tally: ProcessManager<{ seen: string[] }> = {
    name: 'tally',
    eventTypes: ['Tallied'],
    sagaId: (event) => String(event.data.sagaId),
    initialState: () => ({ seen: [] }),
    react: (state, event) => {
      const label = String(event.data.label);
      return {
        state: { seen: [...state.seen, label] },
        commands: [{ aggregate: 'inventory', id: `SKU-${label}`, command: { type: 'ReceiveStock', quantity: 1, now: NOW } }],
        jobs: [],
      };
    },
  };
  const SAGAS = 'saga_tally';

  let events: SqliteEventStore;
  let store: EmbeddedReadModelStore;
  /** The inventory stream whose commands fail (the part of the system that is down). */
  let down: string | undefined;

  beforeEach(async () => {
    events = new SqliteEventStore({ path: ':memory:' });
    store = new EmbeddedReadModelStore({ path: ':memory:' });
    down = undefined;
    const commands = new CommandHandler(events, { schema: eventSchema([]) });
    for (const sku of ['SKU-A', 'SKU-B', 'SKU-C']) {
      await commands.handle(inventoryDecider, inventoryStream(sku), { type: 'RegisterInventoryItem', sku, productId: `p-${sku}`, now: NOW }, { correlationId: sku, causationId: sku, actor: 'test', now: NOW });
    }
  });

  afterEach(async () => {
    await events.close();
    await store.close();
  });

  /** A runner as one process has it: its own command handler, on the shared stores. */
  const runner = () => {
    const commands = new CommandHandler(events, { schema: eventSchema([]) });
    const handle = commands.handle.bind(commands);
    commands.handle = ((...args: Parameters<typeof handle>) =>
      args[1] === down ? Promise.reject(new Error(`${down} is down`)) : handle(...args)) as typeof handle;
    const deps = { eventStore: events, readModels: store, schema: eventSchema([]), commands, logger: silentLogger(), clock: () => new Date() };
    return new ProcessManagerRunner(deps, tally, { maxAttempts: 1, retryDelayMs: 1 });
  };

  const tallied = (sagaId: string, label: string) => appendOne(events, `tally-${sagaId}`, 'Tallied', { sagaId, label });

  /** Parks `label`'s event on `live` (its inventory is down), then brings the inventory back. */
  const parkedOn = async (live: ProcessManagerRunner<{ seen: string[] }>, sagaId: string, label: string): Promise<ParkedEvent> => {
    down = inventoryStream(`SKU-${label}`);
    await live.apply([await tallied(sagaId, label)]);
    down = undefined;
    const [parked] = await store.collection<ParkedEvent>(PARKED_EVENTS).find({});
    expect(parked).to.include({ eventType: 'Tallied', sagaId });
    return parked!;
  };

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

  const received = async (sku: string) => (await events.readStream(inventoryStream(sku))).filter((e) => e.type === 'StockReceived').length;
  const seen = async (sagaId: string) => ((await store.collection(SAGAS).findOne({ _id: sagaId })) as { state: { seen: string[] } } | null)?.state.seen;

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
