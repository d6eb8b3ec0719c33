import { expect } from 'chai';
import { join } from 'node:path';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { LoadedDocument, ReadModelStore, WriteOperation, WriteOptions } from '../../src/infrastructure/read-models/read-model-store.js';
import { REBUILDS, Rebuilds, type RebuildStatus } from '../../src/operations/rebuild.js';
import { interruptedRebuilds } from '../../src/operations/rebuild-claims.js';
import type { Projection } from '../../src/projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../../src/projections/runner.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';
import { created } from '../projections/runner-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A rebuild's claim is fenced like a runner's lease: one that stalled past its claim (its
 * process frozen, a GC pause) and wakes after another process took the claim over writes
 * nothing and swaps nothing in; it fails, and the other's rebuild stands.
 */

const names: Projection = {
  name: 'names',
  collection: 'names',
  eventTypes: ['ProductCreated'],
  documentIds: (event) => [String(event.data.productId)],
  evolve: (_doc, event) => ({ _id: String(event.data.productId), name: String(event.data.name) }),
};

/** The store, except that reading the log waits until the gate opens: a rebuild frozen mid-way. */
const gated = (store: EventStore) => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let waiting = false;
  const wrapped = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (property !== 'readAll' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      const readAll: EventStore['readAll'] = async (options) => {
        waiting = true;
        await gate;
        return target.readAll(options);
      };
      return readAll;
    },
  });
  return { store: wrapped, open: () => open(), waiting: () => waiting };
};

/** The read-model store, noting the collections written through it. */
const noting = (store: EmbeddedReadModelStore) => {
  const written = new Set<string>();
  const wrapped = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'load') return (docs: LoadedDocument[]) => (docs.forEach((d) => written.add(d.collection)), target.load(docs));
      if (property === 'bulkWrite') return (ops: WriteOperation[], options?: WriteOptions) => (ops.forEach((o) => written.add(o.collection)), target.bulkWrite(ops, options));
      return value.bind(target);
    },
  });
  return { store: wrapped, written };
};

describe('Rebuild claims: fenced by epoch', () => {
  let dir: ReturnType<typeof tempDir>;
  let events: SqliteEventStore;
  let readModels: EmbeddedReadModelStore;
  beforeEach(async () => {
    dir = tempDir();
    events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    for (let i = 1; i <= 20; i += 1) await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
  });
  afterEach(async () => {
    await events.close();
    await readModels.close();
    dir.remove();
  });

  const rebuildsOn = (store: EventStore, models: ReadModelStore = readModels) =>
    new Rebuilds({ eventStore: store, store: models, schema: eventSchema([]), logger: silentLogger(), projections: [names] }, { graceMs: 10 });
  const status = () => readModels.collection<RebuildStatus>(REBUILDS).findOne({ _id: 'names' });

  it('fails a rebuild that wakes after its claim was taken over: it writes nothing and swaps nothing in; the new holder\'s stands', async () => {
    const frozen = gated(events);
    const stalledWrites = noting(readModels);
    const stalled = rebuildsOn(frozen.store, stalledWrites.store).run(['names']);
    const outcome = stalled.then(() => 'swapped', (error: Error) => error.message);
    await eventually(() => (frozen.waiting() ? true : undefined));
    const first = (await status())!;
    expect(first).to.include({ status: 'running', epoch: 1, collection: 'names__v2' });

    // Its heartbeat is long gone (it stalled): another process's rebuild takes the claim over and finishes.
    await readModels.collection(REBUILDS).updateOne({ _id: 'names' }, { $set: { heartbeatAt: '2000-01-01T00:00:00.000Z' } });
    const done = await rebuildsOn(events).run(['names']);
    const swappedIn = (await readModels.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: 'names' }))!;
    expect(swappedIn.collection).to.equal(done.projections[0]!.collection);
    expect(swappedIn.collection, 'past the collection the stalled rebuild recorded as its own').to.equal('names__v3');
    const contents = await readModels.collection(swappedIn.collection).find({}, { sort: { _id: 1 } });
    expect(contents).to.have.length(20);

    frozen.open();
    expect(await outcome).to.match(/was taken over by another process/);
    expect((await readModels.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: 'names' }))!.collection, 'still the new holder\'s').to.equal(swappedIn.collection);
    expect(await readModels.collection(swappedIn.collection).find({}, { sort: { _id: 1 } })).to.deep.equal(contents);
    // What it folded went only into its own collection (load() carries no guard); its checkpoint write was refused.
    expect([...stalledWrites.written].filter((c) => c === swappedIn.collection || c === CHECKPOINTS)).to.deep.equal([]);
    expect(await status(), 'the new holder\'s record, untouched by the stalled one').to.include({ status: 'done', epoch: 2, owner: (await status())!.owner });
    expect((await status())!.owner).not.to.equal(first.owner);
  });

  it("leaves a rebuild its server's stop interrupted to be carried on at once (marked running, heartbeat given up); an operator's interruption fails it", async () => {
    for (const handOver of [true, false]) {
      const frozen = gated(events);
      const rebuilds = rebuildsOn(frozen.store);
      await rebuilds.start(['names']);
      await eventually(() => (frozen.waiting() ? true : undefined));
      const stopped = rebuilds.stop({ handOver });
      frozen.open(); // its read of the log ends, then the stop it finds
      await stopped;
      const ended = (await status())!;
      if (handOver) {
        expect(ended.status).to.equal('running');
        expect(interruptedRebuilds([ended], new Date()), 'the holder of its projections starts it again at its next look').to.deep.equal(['names']);
        // Carried on: a rebuild by another process takes the claim at once and swaps in.
        const done = await rebuildsOn(events).run(['names']);
        expect(await readModels.collection(done.projections[0]!.collection).countDocuments({})).to.equal(20);
      } else {
        expect(ended).to.include({ status: 'failed', error: 'interrupted: the process is stopping' });
        expect(interruptedRebuilds([ended], new Date())).to.deep.equal([]);
      }
    }
  });

  it('stops only once the collection a rebuild retired is dropped, its grace included: nothing is left writing to the store', async () => {
    await rebuildsOn(events).run(['names']);
    const rebuilds = new Rebuilds({ eventStore: events, store: readModels, schema: eventSchema([]), logger: silentLogger(), projections: [names] }, { graceMs: 1000 });
    const done = await rebuilds.run(['names']);
    // A grace long enough that no slow machine sees it pass before the checks below.
    expect(done.projections[0]).to.include({ previous: 'names__v2', collection: 'names__v3' });
    expect(await readModels.listCollections(), 'within its grace').to.include('names__v2');
    const started = Date.now();
    await rebuilds.stop();
    expect(Date.now() - started, 'the grace waited for').to.be.greaterThan(200);
    expect(await readModels.listCollections()).to.not.include('names__v2');
  });

  it('writes its rebuilt collection past every version there is, not into one a stalled rebuild may still hold', async () => {
    await readModels.collection('names__v2').insertOne({ _id: 'left-by-a-stalled-rebuild' });
    const done = await rebuildsOn(events).run(['names']);
    expect(done.projections[0]!.collection).to.equal('names__v3');
    expect(await readModels.collection('names__v3').countDocuments({})).to.equal(20);
  });
});
