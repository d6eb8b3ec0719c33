import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { StorageDamagedError } from '../../src/infrastructure/event-store/file-damage.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { damageIndexLeaf } from '../support/damaged-log.js';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * The embedded log found damaged where nothing reads it (an index page of old events): the whole
 * file is checked from a thread as the store opens, and from then on nothing more is written to
 * it, its head is not answered (a shop is not ready) and the operator is told once.
 */
describe('the embedded log, damaged where nothing reads it', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(async () => {
    dir = tempDir();
    path = join(dir.path, 'events.db');
    const store = new SqliteEventStore({ path });
    const metadata = { actor: 'test', occurredAt: new Date().toISOString(), schemaVersion: 1 };
    for (let i = 0; i < 40; i += 1) await store.appendToStream(`inventory-D-${i}`, Array.from({ length: 25 }, (_, e) => ({ id: uuid(), type: 'StockReceived', data: { sku: `D-${i}`, quantity: e + 1 }, metadata })));
    await store.close();
    damageIndexLeaf(path);
  });
  afterEach(() => dir.remove());

  it('is found by the check of the whole file; then appends are refused, the head is not answered, and the damage is told once', async () => {
    const told: Error[] = [];
    const store = new SqliteEventStore({ path, checkWholeFile: true, onDamage: (error) => told.push(error) });
    try {
      await eventually(async () => (told.length > 0 ? true : undefined));
      const before = readFileSync(path);
      const refused = await store.appendToStream('inventory-NEW', [{ id: uuid(), type: 'StockReceived', data: { sku: 'NEW', quantity: 1 }, metadata: {} }]).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(StorageDamagedError);
      expect((refused as Error).message).to.include('events.db is damaged');
      expect(await store.headPosition().catch((e: unknown) => e)).to.be.instanceOf(StorageDamagedError);
      expect(readFileSync(path).equals(before), 'nothing written').to.equal(true);
      // Met again (a read that gets to the page): told once all the same.
      await store.readAll().catch(() => undefined);
      expect(told).to.have.length(1);
    } finally {
      await store.close();
    }
  });

  it('is not checked whole unless asked (the tests, the benchmarks\' raw stores): the undamaged paths read and write', async () => {
    const store = new SqliteEventStore({ path });
    try {
      expect(await store.headPosition()).to.equal(1000);
      await store.appendToStream('inventory-NEW', [{ id: uuid(), type: 'StockReceived', data: { sku: 'NEW', quantity: 1 }, metadata: {} }], { expectedRevision: 'no_stream' });
    } finally {
      await store.close();
    }
  });
});
