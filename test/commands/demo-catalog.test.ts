import { expect } from 'chai';
import { createProduct } from '../../src/commands/catalog.js';
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import { demoCatalogUnfinished, seedDemoCatalog } from '../../src/commands/demo-catalog.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { appendOf, failingOnce, InjectedFailure } from '../support/failing-store.js';

describe('Demo catalog seed', () => {
  let store: SqliteEventStore;
  let commands: CommandHandler;
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    commands = new CommandHandler(store, { schema: eventSchema([]) });
  });
  afterEach(async () => store.close());

  const countsByType = async () => {
    const counts: Record<string, number> = {};
    for (const event of await store.readAll()) counts[event.type] = (counts[event.type] ?? 0) + 1;
    return counts;
  };
  const FULL = { InventoryItemRegistered: 8, ProductCreated: 8, StockReceived: 7 };

  it('creates eight products, stocks seven, and is finished', async () => {
    expect(await seedDemoCatalog(commands, 'USD', context)).to.equal(8);
    expect(await countsByType()).to.deep.equal(FULL);
    expect(await demoCatalogUnfinished(commands)).to.equal(false);
  });

  it('appends nothing when run again', async () => {
    await seedDemoCatalog(commands, 'USD', context);
    const head = await store.headPosition();
    expect(await seedDemoCatalog(commands, 'USD', context)).to.equal(0);
    expect(await store.headPosition()).to.equal(head);
  });

  for (const [label, type] of [
    ['between a SKU claim and its product', 'ProductCreated'],
    ['between a product and its stock', 'StockReceived'],
  ] as const) {
    it(`is finished, with nothing twice, by running it again after a failure ${label}`, async () => {
      let seen = 0;
      const flaky = new CommandHandler(failingOnce(store, appendOf(type, () => (seen += 1) === 3)), { schema: eventSchema([]) });
      expect(await seedDemoCatalog(flaky, 'USD', context).catch((e) => e)).to.be.instanceOf(InjectedFailure);
      expect(await demoCatalogUnfinished(flaky)).to.equal(true);
      await seedDemoCatalog(flaky, 'USD', context);
      expect(await countsByType()).to.deep.equal(FULL);
      expect(await demoCatalogUnfinished(flaky)).to.equal(false);
    });
  }

  it('counts only what each of several seeds running at once made: the counts add up to the catalog (each process logs its own)', async () => {
    const others = [0, 1, 2].map(() => new CommandHandler(store, { schema: eventSchema([]) }));
    const counts = await Promise.all(others.map((handler) => seedDemoCatalog(handler, 'USD', context)));
    expect(await countsByType()).to.deep.equal(FULL);
    expect(counts.reduce((a, b) => a + b, 0)).to.equal(8);
  });

  it('leaves alone a store it never seeded', async () => {
    await createProduct(commands, { sku: 'TEE-BLK-M', name: 'Own tee', description: '', brand: 'Own', category: 'Apparel', price: { amount: 1, currency: 'USD' } }, context);
    expect(await demoCatalogUnfinished(commands)).to.equal(false);
  });
});

const context: CommandContext = { correlationId: 'seed', causationId: 'seed', actor: 'system', now: '2026-01-01T00:00:00.000Z' };
