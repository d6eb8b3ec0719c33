import { expect } from 'chai';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { checkPositions } from '../../src/api/startup-checks.js';
import { StartupRefused } from '../../src/api/startup-refused.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { CHECKPOINTS, type Checkpoint } from '../../src/projections/runner.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The check of positions at start, with another process of the shop writing while it runs
 * (WORKERS=2 on a new DATA_DIR: one worker made the demo catalog and folded it while the other
 * checked, and the other refused to start, taking the whole shop down: "the read models have
 * folded the event log up to position 15, but the log ends at 14").
 */
describe('the check of positions at start, beside another process of the shop', function () {
  this.timeout(20_000);
  let dir: ReturnType<typeof tempDir>;
  const open: Array<{ close(): Promise<void> }> = [];
  beforeEach(() => (dir = tempDir()));
  afterEach(async () => {
    for (const store of open.splice(0).reverse()) await store.close();
    dir.remove();
  });

  /** One process's connections to the shop's two files. */
  const process = () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    open.push(events, readModels);
    return { events, readModels };
  };
  const append = async (events: EventStore) => {
    const metadata = { correlationId: uuid(), causationId: uuid(), actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
    await events.appendToStream(`inventory-SKU-${uuid()}`, [{ id: uuid(), type: 'StockReceived', data: { sku: 'SKU', quantity: 1, receivedAt: metadata.occurredAt }, metadata }]);
    return events.headPosition();
  };
  const fold = (readModels: ReadModelStore, position: number) =>
    readModels.collection<Checkpoint>(CHECKPOINTS).replaceOne(
      { _id: 'products' },
      { _id: 'products', position, logical: 'products', collection: 'products', updatedAt: new Date().toISOString() },
      { upsert: true },
    );

  /**
   * The checking process's stores, where the other process appends an event and folds it right
   * after the first of the check's two reads (whichever it is) answered.
   */
  const checkedWhileOtherWrites = (checking: ReturnType<typeof process>, other: ReturnType<typeof process>) => {
    let written: Promise<void> | undefined;
    const otherWrites = () => (written ??= append(other.events).then(async (position) => void (await fold(other.readModels, position))));
    const events = new Proxy(checking.events, {
      get: (target, name) =>
        name === 'headPosition'
          ? async () => {
              const head = await target.headPosition();
              await otherWrites();
              return head;
            }
          : Reflect.get(target, name, target),
    }) as EventStore;
    const readModels = new Proxy(checking.readModels, {
      get: (target, name) =>
        name === 'collection'
          ? (collection: string) => {
              const found = target.collection(collection);
              if (collection !== CHECKPOINTS) return found;
              return new Proxy(found, {
                get: (inner, key) =>
                  key === 'find'
                    ? async (...args: Parameters<typeof found.find>) => {
                        const documents = await inner.find(...args);
                        await otherWrites();
                        return documents;
                      }
                    : Reflect.get(inner, key, inner),
              });
            }
          : Reflect.get(target, name, target),
    }) as ReadModelStore;
    return { events, readModels, written: () => written };
  };

  it('passes when the other process appends and folds between its two reads, whichever comes first', async () => {
    const checking = process();
    const other = process();
    await fold(other.readModels, await append(other.events));
    const watched = checkedWhileOtherWrites(checking, other);
    await checkPositions(watched.events, watched.readModels);
    expect(watched.written(), 'the other process wrote during the check').to.not.equal(undefined);
    await watched.written();
    const [checkpoint] = await checking.readModels.collection<Checkpoint>(CHECKPOINTS).find({}, { readonly: true });
    expect(checkpoint!.position).to.equal(await checking.events.headPosition());
    expect(checkpoint!.position).to.equal(2);
  });

  it('refuses read models that folded past the end of the log, as before', async () => {
    const checking = process();
    await fold(checking.readModels, (await append(checking.events)) + 5);
    const refused = await checkPositions(checking.events, checking.readModels).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(StartupRefused);
    expect((refused as Error).message).to.match(/folded the event log up to position 6 \(products\), but the log ends at 1/);
  });
});
