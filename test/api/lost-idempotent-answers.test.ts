import { expect } from 'chai';
import { IDEMPOTENCY_COLLECTION } from '../../src/api/idempotency.js';
import { EsdbEventStore } from '../../src/infrastructure/event-store/esdb-event-store.js';
import type { EventStore } from '../../src/infrastructure/event-store/event-store.js';
import { ReadModelSnapshots } from '../../src/infrastructure/snapshots/read-model-snapshots.js';
import { EsdbServerModel } from '../support/esdb-server-model.js';
import { appendsNothing, createProduct, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * A request with an Idempotency-Key whose answer was never stored (the process died between
 * the append and the answer) is sent again: the command handler must find its events in
 * the stream even when it does not remember them (the stream left its cache, or was loaded
 * from a snapshot past them). EventStoreDB does not find them itself when the stream has
 * moved on, so this runs on both stores.
 */
const stores: Array<[string, (() => EventStore) | undefined]> = [
  ['the embedded store', undefined],
  ['EventStoreDB (a model of its server)', () => new EsdbEventStore(new EsdbServerModel().client())],
];

for (const [where, eventStore] of stores) {
  describe(`HTTP Idempotency-Key whose answer was lost, on ${where}`, () => {
    let app: TestApp;
    let admin: string;
    let sku: string;
    beforeEach(async () => {
      app = await startTestApp({
        ...(eventStore ? { eventStore } : {}),
        // One stream cached at a time, and a snapshot every 3 events: the retried stream is loaded anew, past the first answer.
        commandOptions: (store) => ({ snapshots: new ReadModelSnapshots(store), snapshotEvery: 3, cachedStreams: 1 }),
      });
      admin = await app.adminToken();
      sku = (await createProduct(app, admin)).sku;
    });
    afterEach(async () => app.close());

    const receipt = (quantity: number, key?: string) => {
      const req = app.http().post(`/api/v1/inventory/${sku}/receipts`).set('Authorization', `Bearer ${admin}`);
      return (key ? req.set('Idempotency-Key', key) : req).send({ quantity });
    };
    const received = async () => (await app.events()).filter((e) => e.type === 'StockReceived' && e.data.sku === sku).map((e) => e.data.quantity);

    it('receives stock once when a receipt is retried after other receipts, its stream loaded from a snapshot', async () => {
      expect((await receipt(5, 'receipt-1')).status).to.equal(200);
      expect((await receipt(3, 'receipt-2')).status).to.equal(200);
      expect((await receipt(2)).body).to.include({ onHand: 10 });
      await app.deps.readModels.collection(IDEMPOTENCY_COLLECTION).deleteMany({});
      await createProduct(app, admin); // another stream takes the cache's one place

      const retried = await appendsNothing(app, () => receipt(5, 'receipt-1'));
      expect(retried.status).to.equal(200);
      expect(retried.body).to.include({ onHand: 10 });
      expect(await received()).to.deep.equal([5, 3, 2]);
      // The stream is not left cached with the retry's events folded in twice: the next receipt counts right.
      expect((await receipt(1)).body).to.include({ onHand: 11 });
    });
  });
}
