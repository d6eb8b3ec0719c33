import { expect } from 'chai';
import { LEASES, LeaseStore, leaseGuard, refusedByLease, type LeaseState } from '../../src/cluster/leases.js';
import type { ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { eventually } from '../support/temp-dir.js';

/** Two connections to one store: what two processes of a shop see. */
export type TwoProcesses = { a: ReadModelStore; b: ReadModelStore };

/** The one contract of leases (src/cluster/leases.ts) over a read-model store: every adapter keeps it. */
export const leaseContract = (adapter: string, open: () => Promise<TwoProcesses>, dispose: () => Promise<void>) => {
  describe(`leases: ${adapter}`, () => {
    let stores: TwoProcesses;
    beforeEach(async () => (stores = await open()));
    afterEach(async () => dispose());

    const leasesOf = (store: ReadModelStore, ttlMs = 60_000) => new LeaseStore(store, ttlMs);
    const state = async (store: ReadModelStore, runner: string): Promise<LeaseState | undefined> => (await leasesOf(store).list()).find((l) => l._id === runner);

    it('claims a free lease at epoch 1, held by its owner until it runs out by the store\'s clock', async () => {
      expect(await leasesOf(stores.a).claim('orders', 'process-a', 0)).to.deep.equal({ runner: 'orders', owner: 'process-a', epoch: 1 });
      const seen = await state(stores.b, 'orders');
      expect(seen).to.include({ owner: 'process-a', epoch: 1, held: true, writes: 0 });
      expect(seen!.expiresAt).to.be.a('number');
    });

    it('refuses to claim a lease another process holds, and leaves it as it was', async () => {
      await leasesOf(stores.a).claim('orders', 'process-a', 0);
      const before = await state(stores.a, 'orders');
      expect(await leasesOf(stores.b).claim('orders', 'process-b', 1)).to.equal(null);
      expect(await leasesOf(stores.b).claim('orders', 'process-b', 0)).to.equal(null);
      expect(await state(stores.a, 'orders')).to.deep.equal(before);
    });

    it('takes over a lease whose holder stopped renewing it, at the next epoch, once the store\'s clock says it ran out', async () => {
      await leasesOf(stores.a, 300).claim('order-saga', 'process-a', 0);
      expect(await leasesOf(stores.b).claim('order-saga', 'process-b', 1)).to.equal(null);
      await eventually(async () => ((await state(stores.b, 'order-saga'))?.held === false ? true : undefined));
      expect(await leasesOf(stores.b).claim('order-saga', 'process-b', 1)).to.deep.equal({ runner: 'order-saga', owner: 'process-b', epoch: 2 });
      expect(await state(stores.a, 'order-saga')).to.include({ owner: 'process-b', epoch: 2, held: true });
    });

    it('renews a lease held, from now; refuses to renew one taken over, and leaves the new holder\'s alone', async () => {
      const leases = leasesOf(stores.a, 300);
      const lease = (await leases.claim('notifications', 'process-a', 0))!;
      const first = (await state(stores.a, 'notifications'))!.expiresAt;
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await leases.renew(lease, { status: 'live', caughtUp: true, position: 7 })).to.equal(true);
      const renewed = (await state(stores.b, 'notifications'))!;
      expect(renewed).to.include({ status: 'live', caughtUp: true, position: 7, epoch: 1 });
      expect(renewed.expiresAt).to.be.greaterThan(first);

      await eventually(async () => ((await state(stores.b, 'notifications'))?.held === false ? true : undefined));
      const taken = (await leasesOf(stores.b).claim('notifications', 'process-b', 1))!;
      expect(await leases.renew(lease, { status: 'live', caughtUp: true, position: 7 })).to.equal(false);
      expect(await state(stores.b, 'notifications')).to.include({ owner: 'process-b', epoch: taken.epoch, status: 'starting' });
    });

    it('renews every lease of a heartbeat in one write with what goes along; names those taken over, renews the rest, and leaves the new holder\'s alone', async () => {
      const leases = leasesOf(stores.a, 300);
      const kept = (await leases.claim('carts', 'process-a', 0))!;
      const lost = (await leases.claim('payments', 'process-a', 0))!;
      await eventually(async () => ((await state(stores.b, 'payments'))?.held === false ? true : undefined));
      const taken = (await leasesOf(stores.b).claim('payments', 'process-b', 1))!;
      const before = (await state(stores.a, 'carts'))!.expiresAt;
      const writes: number[] = [];
      const bulkWrite = stores.a.bulkWrite.bind(stores.a);
      stores.a.bulkWrite = (operations, options) => (writes.push(operations.length), bulkWrite(operations, options));
      const beat = { collection: 'cluster_processes', updateOne: { filter: { _id: 'process-a' }, update: { $set: { seen: true } }, upsert: true } };

      const refused = await leases.renewAll([{ lease: kept, report: { status: 'live', caughtUp: true, position: 3 } }, { lease: lost }], [beat]);

      expect(refused).to.deep.equal([lost]);
      expect(writes, 'one write: both renewals and the beat').to.deep.equal([3]);
      const renewed = (await state(stores.b, 'carts'))!;
      expect(renewed).to.include({ owner: 'process-a', epoch: 1, status: 'live', position: 3, held: true });
      expect(renewed.expiresAt).to.be.greaterThan(before);
      expect(await state(stores.b, 'payments')).to.include({ owner: 'process-b', epoch: taken.epoch, status: 'starting' });
      expect(await stores.b.collection('cluster_processes').findOne({ _id: 'process-a' })).to.deep.equal({ _id: 'process-a', seen: true });
      expect(await leases.renewAll([])).to.deep.equal([]);
    });

    it('releases at once: another process claims at the next epoch with no wait; a release by a holder taken over changes nothing', async () => {
      const a = leasesOf(stores.a);
      const lease = (await a.claim('products', 'process-a', 0))!;
      const other = (await a.claim('carts', 'process-a', 0))!;
      await a.release([lease, other]);
      expect(await state(stores.b, 'products')).to.include({ owner: null, epoch: 1, held: false });
      const taken = (await leasesOf(stores.b).claim('products', 'process-b', 1))!;
      expect(taken.epoch).to.equal(2);
      await a.release([lease]);
      expect(await state(stores.b, 'products')).to.include({ owner: 'process-b', epoch: 2, held: true });
    });

    it('never hands out an epoch twice or goes back: a claim that saw an older epoch is refused, even once the lease is free', async () => {
      const a = leasesOf(stores.a);
      const first = (await a.claim('payments', 'process-a', 0))!;
      await a.release([first]);
      const second = (await leasesOf(stores.b).claim('payments', 'process-b', 1))!;
      await leasesOf(stores.b).release([second]);
      expect(await a.claim('payments', 'process-a', 0)).to.equal(null);
      expect(await a.claim('payments', 'process-a', 1)).to.equal(null);
      expect(await state(stores.b, 'payments')).to.include({ owner: null, epoch: 2 });
      const third = (await a.claim('payments', 'process-a', 2))!;
      expect([first.epoch, second.epoch, third.epoch]).to.deep.equal([1, 2, 3]);
    });

    it('fences the writes of its own earlier epoch when a holder claims its lease again', async () => {
      const a = leasesOf(stores.a);
      const first = (await a.claim('shipments', 'process-a', 0))!;
      const again = (await a.claim('shipments', 'process-a', first.epoch))!;
      expect(again.epoch).to.equal(first.epoch + 1);
      const refused = await stores.b.bulkWrite([leaseGuard(first), { collection: 'shipments', insertOne: { document: { _id: 's1' } } }]).then(() => undefined, (error: unknown) => error);
      expect(refusedByLease(refused), String(refused)).to.equal(true);
      expect(await stores.a.collection('shipments').countDocuments()).to.equal(0);
      expect(await leasesOf(stores.a).renew(first)).to.equal(false);
      expect(await leasesOf(stores.a).renew(again)).to.equal(true);
    });

    it('lets exactly one of concurrent claims of a lease that ran out win, at the next epoch', async () => {
      await leasesOf(stores.a, 200).claim('reviews', 'process-old', 0);
      await eventually(async () => ((await state(stores.b, 'reviews'))?.held === false ? true : undefined));
      const claims = await Promise.all(
        ['a', 'b', 'a', 'b'].map((which, i) => leasesOf(which === 'a' ? stores.a : stores.b).claim('reviews', `process-${i}`, 1)),
      );
      const won = claims.filter((c) => c !== null);
      expect(won).to.have.length(1);
      expect(won[0]!.epoch).to.equal(2);
      expect(await state(stores.a, 'reviews')).to.include({ owner: won[0]!.owner, epoch: 2, held: true });
    });

    it('lets exactly one of concurrent claims win', async () => {
      const claims = await Promise.all(
        ['a', 'b', 'a', 'b', 'a', 'b'].map((which, i) => leasesOf(which === 'a' ? stores.a : stores.b).claim('search', `process-${i}`, 0)),
      );
      const won = claims.filter((c) => c !== null);
      expect(won).to.have.length(1);
      expect(await state(stores.a, 'search')).to.include({ owner: won[0]!.owner, epoch: 1 });
    });

    it('lets through a write that carries the guard of the epoch held, and writes nothing at all of one whose epoch has passed', async () => {
      const a = leasesOf(stores.a);
      const first = (await a.claim('orders', 'process-a', 0))!;
      await stores.a.bulkWrite([leaseGuard(first), { collection: 'orders', insertOne: { document: { _id: 'o1', status: 'Paid' } } }]);
      expect(await state(stores.b, 'orders')).to.include({ writes: 1 });
      await a.release([first]);
      const second = (await leasesOf(stores.b).claim('orders', 'process-b', 1))!;

      const stale = [
        leaseGuard(first),
        { collection: 'orders', replaceOne: { filter: { _id: 'o1' }, replacement: { _id: 'o1', status: 'Refunded' } } },
        { collection: 'checkpoints', replaceOne: { filter: { _id: 'orders' }, replacement: { _id: 'orders', position: 99 }, upsert: true } },
      ];
      const refused = await stores.a.bulkWrite(stale).then(() => undefined, (error: unknown) => error);
      expect(refusedByLease(refused), String(refused)).to.equal(true);
      expect(await stores.b.collection('orders').findOne({ _id: 'o1' })).to.deep.equal({ _id: 'o1', status: 'Paid' });
      expect(await stores.b.collection('checkpoints').findOne({ _id: 'orders' })).to.equal(null);
      expect(await stores.b.collection(LEASES).findOne({ _id: 'orders' })).to.include({ owner: 'process-b', epoch: second.epoch, writes: 0 });
    });
  });
};
