import Database from 'better-sqlite3';
import { expect } from 'chai';
import { join } from 'node:path';
import pino from 'pino';
import { Writable } from 'node:stream';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import type { Projection } from '../../src/projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../../src/projections/runner.js';
import { appendOne } from '../projections/projection-fixture.js';
import { created } from '../projections/runner-fixture.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * Before its swap a rebuild has every process holding the old collection load the new one (see
 * embedded-warm-up.ts). It is ahead of the queries only: it never fails the rebuild nor holds
 * its swap for longer than its bound, and it says what it did.
 */

const names: Projection = {
  name: 'names',
  collection: 'names',
  eventTypes: ['ProductCreated'],
  documentIds: (event) => [String(event.data.productId)],
  evolve: (_doc, event) => ({ _id: String(event.data.productId), name: String(event.data.name) }),
};

describe("a rebuild's warm-up before its swap", () => {
  let dir: ReturnType<typeof tempDir>;
  let events: SqliteEventStore;
  let readModels: EmbeddedReadModelStore;
  const others: EmbeddedReadModelStore[] = [];
  let lines: Array<Record<string, unknown>>;
  const logger = () => {
    const mine: Array<Record<string, unknown>> = [];
    lines = mine;
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (mine.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    return pino({ level: 'info' }, sink);
  };
  beforeEach(async () => {
    dir = tempDir();
    events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    for (let i = 1; i <= 20; i += 1) await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
  });
  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
    await events.close();
    await readModels.close();
    dir.remove();
  });

  const rebuildsOn = (models: ReadModelStore, warmWaitMs = 10_000) =>
    new Rebuilds({ eventStore: events, store: models, schema: eventSchema([]), logger: logger(), projections: [names] }, { graceMs: 10, warmWaitMs });
  /** Whether the rebuild asked the holders to load its collection (it waits for them from then on). */
  const requested = () => {
    const file = new Database(join(dir.path, 'read-models.db'), { readonly: true });
    try {
      return file.prepare('SELECT count(*) FROM warm_requests').pluck().get() === 1;
    } finally {
      file.close();
    }
  };
  const serving = async () => (await readModels.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: 'names' }))?.collection;
  /** A first build of the read model, and another process holding it in memory. */
  const heldElsewhere = async (warmPollMs: number) => {
    await (await rebuildsOn(readModels).run(['names'])).retired;
    const other = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db'), warmPollMs });
    others.push(other);
    expect(await other.collection('names__v2').countDocuments({ name: 'Tea Pot' })).to.equal(20);
    await eventually(() => (other.memory.cache.has('names__v2') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 50)); // its note that it holds it
    return other;
  };

  it('has the other process load the rebuilt collection, then swaps, saying so', async () => {
    const other = await heldElsewhere(20);
    await (await rebuildsOn(readModels).run(['names'])).retired;
    expect(await serving()).to.equal('names__v3');
    expect(other.memory.cache.get('names__v3')?.docs.size).to.equal(20);
    expect(lines.find((line) => line.msg === 'rebuilt read models loaded by the processes that hold the old ones')).to.deep.include({ holders: 1, late: 0 });
  });

  it('swaps after its bound when a process holding the old collection does not load the new one, and warns', async () => {
    const other = await heldElsewhere(0); // looks for no request
    const started = Date.now();
    const result = await rebuildsOn(readModels, 300).run(['names']);
    expect(Date.now() - started).to.be.at.least(300);
    await result.retired;
    expect(await serving()).to.equal('names__v3');
    expect(other.memory.cache.has('names__v3')).to.equal(false);
    expect(lines.find((line) => line.level === 40)).to.deep.include({ holders: 1, late: 1, msg: 'swapping rebuilt read models in before every process holding the old ones loaded them: their first queries load them' });
  });

  it('folds in what was appended while it waited before swapping: the swap is at the head, nothing of the wait missing', async () => {
    await heldElsewhere(0); // a process that never answers: the rebuild waits its whole bound
    const rebuild = rebuildsOn(readModels, 600).run(['names']);
    // Appended while it waits for the other process (and after it stopped its first runner).
    await eventually(() => (requested() ? true : undefined));
    for (let i = 21; i <= 25; i += 1) await appendOne(events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
    const head = await events.headPosition();
    const result = await rebuild;
    await result.retired;
    expect(result.projections[0]).to.include({ collection: 'names__v3', position: head });
    expect(await serving()).to.equal('names__v3');
    expect(await readModels.collection('names__v3').countDocuments({})).to.equal(25);
    const checkpoint = (await readModels.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: 'names' }))!;
    expect(checkpoint.position).to.equal(head);
  });

  it('logs nothing when the process stops during the wait and its store closes under it (a SIGTERM)', async () => {
    await heldElsewhere(0); // a process that never answers: the rebuild waits its whole bound
    const rebuilds = rebuildsOn(readModels, 5_000);
    const run = rebuilds.run(['names']).then(
      () => undefined,
      (error: unknown) => error,
    );
    await eventually(() => (requested() ? true : undefined));
    await rebuilds.stop({ handOver: true });
    await readModels.close(); // as the server does once its runners have stopped
    expect(await run).to.be.instanceOf(Error);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the wait's own end, had it gone on
    expect(lines.filter((line) => Number(line.level) >= 40).map((line) => line.msg)).to.deep.equal([]);
  });

  it('swaps all the same when the warm-up fails, and warns', async () => {
    const failing = new Proxy(readModels, {
      get(target, property) {
        if (property === 'warmBeforeSwap') return () => Promise.reject(new Error('the file is busy'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const result = await rebuildsOn(failing).run(['names']);
    await result.retired;
    expect(result.projections[0]).to.include({ collection: 'names__v2' });
    expect(await serving()).to.equal('names__v2');
    const warning = lines.find((line) => line.msg === 'could not have the rebuilt read models loaded before their swap')!;
    expect(warning.level).to.equal(40);
    expect(warning.err).to.deep.include({ message: 'the file is busy' });
  });
});
