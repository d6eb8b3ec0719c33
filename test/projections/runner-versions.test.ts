import { expect } from 'chai';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import type { Projection } from '../../src/projections/projection.js';
import { CHECKPOINTS, type Checkpoint } from '../../src/projections/runner.js';
import { eventually } from '../support/temp-dir.js';
import { appendOne, silentLogger } from './projection-fixture.js';
import { created, runnerStores } from './runner-fixture.js';

/** A projection whose version changes: the runner marks it outdated and a rebuild folds it anew. */
describe('Projection runner', () => {
  const stores = runnerStores();
  const { runner, start, caughtUp } = stores;

  describe("when a projection's version changes", () => {
    /** The same read model, folded differently by version 2: names upper-cased. */
    const names = (version: number): Projection => ({
      name: 'names',
      collection: 'names',
      eventTypes: ['ProductCreated'],
      documentIds: (event) => [String(event.data.productId)],
      evolve: (_doc, event) => ({ _id: String(event.data.productId), name: version === 1 ? String(event.data.name) : String(event.data.name).toUpperCase() }),
      ...(version > 1 ? { version } : {}),
    });
    const rebuildsOf = (projection: Projection) =>
      new Rebuilds({ eventStore: stores.events, store: stores.readModels, schema: eventSchema([]), logger: silentLogger(), projections: [projection] }, { graceMs: 10 });
    const checkpointOf = async () => stores.readModels.collection<Checkpoint>(CHECKPOINTS).findOne({ _id: 'names' });
    const namesIn = async (collection: string) => (await stores.readModels.collection(collection).find({}, { sort: { _id: 1 } })).map((d) => [d._id, d.name]);

    it('rebuilds the read model the old version folded, swaps it in, and folds what comes next with the new one', async () => {
      const first = await start(runner([names(1)]));
      await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(first);
      expect(first.outdated).to.deep.equal([]);
      expect((await checkpointOf())?.version).to.equal(1);
      await first.stop();

      const second = await start(runner([names(2)]));
      expect(second.outdated).to.deep.equal(['names']);
      const rebuilds = rebuildsOf(names(2));
      await rebuilds.startOutdated(second.outdated);
      const swapped = await eventually(async () => {
        const checkpoint = await checkpointOf();
        return checkpoint?.version === 2 ? checkpoint : undefined;
      });
      expect(swapped.collection).to.equal('names__v2');
      await appendOne(stores.events, 'product-p-2', 'ProductCreated', { ...created('p-2'), name: 'Cup' });
      await caughtUp(second);
      await eventually(async () => ((await namesIn('names__v2')).length === 2 ? true : undefined));
      expect(await namesIn('names__v2')).to.deep.equal([
        ['p-1', 'TEA POT'],
        ['p-2', 'CUP'],
      ]);
      expect(second.outdated).to.deep.equal([]);
      expect((await rebuilds.statuses()).map((r) => [r._id, r.status])).to.deep.equal([['names', 'done']]);
      await rebuilds.stop();

      await second.stop();
      expect((await start(runner([names(2)]))).outdated).to.deep.equal([]);
    });

    it('keeps the old version on the checkpoint while the new code folds the old collection, so the rebuild is asked again', async () => {
      const first = await start(runner([names(1)]));
      await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(first);
      await first.stop();
      const second = await start(runner([names(2)]));
      await appendOne(stores.events, 'product-p-2', 'ProductCreated', created('p-2'));
      await caughtUp(second);
      await second.stop();
      expect((await checkpointOf())?.version).to.equal(1);
      expect((await start(runner([names(2)]))).outdated).to.deep.equal(['names']);
    });

    it('starts a new read model with the version that folds it', async () => {
      const r = await start(runner([names(3)]));
      await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));
      await caughtUp(r);
      expect((await checkpointOf())?.version).to.equal(3);
      expect(r.outdated).to.deep.equal([]);
    });

    it('stop() ends the background rebuilds: none is left marked running', async () => {
      for (let i = 0; i < 50; i += 1) await appendOne(stores.events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
      const rebuilds = rebuildsOf(names(2));
      await rebuilds.startOutdated(['names']);
      await rebuilds.stop();
      const [status] = await rebuilds.statuses();
      expect(status?.status).to.be.oneOf(['done', 'failed']);
    });
  });
});
