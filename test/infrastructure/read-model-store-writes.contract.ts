import { expect } from 'chai';
import { DuplicateKeyError, type Document, type ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { catalog, rejection, type ContractCase } from './read-model-store-fixture.js';

/** The read-model store contract's writes (part of readModelStoreContract, on every adapter): MongoDB's semantics. */
export const writingContract = (current: ContractCase) =>
  describe('writing', () => {
    let store: ReadModelStore;
    beforeEach(() => {
      store = current.store();
    });
    const seeded = current.seeded;

    it('rejects a second document with the same _id', async () => {
      const products = await seeded();
      const error = await rejection(products.insertOne({ ...catalog[0]!, name: 'again' }));
      expect(error).to.be.instanceOf(DuplicateKeyError);
      expect((await products.findOne({ _id: 'p1' }))!.name).to.equal('Anvil');
    });

    it('leaves a field set to undefined absent (JSON): in inserts, replacements, $set (as $unset), $setOnInsert and other operators, alone and in bulk writes', async () => {
      const docs = store.collection('docs');
      await docs.insertOne({ _id: 'u1', a: 1, gone: undefined, nested: { x: undefined, y: 2 }, list: [undefined, 1] });
      expect(await docs.findOne({ _id: 'u1' })).to.deep.equal({ _id: 'u1', a: 1, nested: { y: 2 }, list: [null, 1] });
      const updated = await docs.updateOne({ _id: 'u1' }, { $set: { a: undefined, b: 2, 'nested.y': undefined, 'deep.z': undefined } });
      expect(updated).to.deep.equal({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      expect(await docs.findOne({ _id: 'u1' })).to.deep.equal({ _id: 'u1', nested: {}, list: [null, 1], b: 2 });
      expect(await docs.updateOne({ _id: 'u1' }, { $set: { b: undefined } })).to.deep.equal({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      expect(await docs.updateOne({ _id: 'u1' }, { $set: { b: undefined } })).to.deep.equal({ matchedCount: 1, modifiedCount: 0, upsertedId: null });
      expect(await docs.updateOne({ _id: 'u1' }, { $inc: { n: undefined } })).to.deep.equal({ matchedCount: 1, modifiedCount: 0, upsertedId: null });
      await docs.updateMany({ _id: 'u1' }, { $inc: { n: undefined }, $push: { list: undefined }, $set: { c: 1 } });
      expect(await docs.findOne({ _id: 'u1' })).to.deep.equal({ _id: 'u1', nested: {}, list: [null, 1], c: 1 });
      // Inside a value set, an undefined field is left out and an undefined element is null, read back by id or by a query.
      await docs.updateOne({ _id: 'u1' }, { $set: { nested: { m: undefined, p: 1 }, list: [undefined, 2] } });
      await docs.updateOne({ _id: 'u4' }, { $set: { o: { m: undefined } } }, { upsert: true });
      expect(await docs.findOne({ _id: 'u1' })).to.deep.equal({ _id: 'u1', nested: { p: 1 }, list: [null, 2], c: 1 });
      expect(await docs.find({ _id: { $in: ['u1', 'u4'] } }, { sort: { _id: 1 } })).to.deep.equal([
        { _id: 'u1', nested: { p: 1 }, list: [null, 2], c: 1 },
        { _id: 'u4', o: {} },
      ]);
      expect(await docs.findOne({ _id: 'u4' })).to.deep.equal({ _id: 'u4', o: {} });
      await docs.deleteOne({ _id: 'u4' });

      await docs.updateOne({ _id: 'u2', kind: 'x' }, { $set: { v: 1 }, $setOnInsert: { kind: undefined, w: undefined } }, { upsert: true });
      expect(await docs.findOne({ _id: 'u2' })).to.deep.equal({ _id: 'u2', kind: 'x', v: 1 });

      await docs.replaceOne({ _id: 'u1' }, { _id: 'u1', r: 1, gone: undefined });
      expect(await docs.findOne({ _id: 'u1' })).to.deep.equal({ _id: 'u1', r: 1 });
      await store.bulkWrite([
        { collection: 'docs', updateOne: { filter: { _id: 'u1' }, update: { $set: { r: undefined, s: 1 } } } },
        { collection: 'docs', updateMany: { filter: { _id: 'u2' }, update: { $set: { v: undefined } } } },
        { collection: 'docs', insertOne: { document: { _id: 'u3', t: undefined } } },
      ]);
      expect(await docs.find({}, { sort: { _id: 1 } })).to.deep.equal([{ _id: 'u1', s: 1 }, { _id: 'u2', kind: 'x' }, { _id: 'u3' }]);
      // $unset unsets whatever value it is given (MongoDB ignores the value), undefined too.
      await docs.updateMany({}, { $unset: { s: undefined, kind: '' } });
      expect(await docs.find({}, { sort: { _id: 1 } })).to.deep.equal([{ _id: 'u1' }, { _id: 'u2' }, { _id: 'u3' }]);
    });

    it('updates with $set, $inc, $push and $unset and reports matched and modified counts', async () => {
      const products = await seeded();
      const result = await products.updateOne(
        { _id: 'p1' },
        { $set: { name: 'Big anvil' }, $inc: { price: 100, views: 1 }, $push: { tags: 'new' }, $unset: { stock: '' } },
      );
      expect(result).to.deep.equal({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      expect(await products.findOne({ _id: 'p1' })).to.deep.equal({
        _id: 'p1',
        name: 'Big anvil',
        brand: 'Acme',
        price: 600,
        tags: ['sale', 'new'],
        views: 4,
      });
      const unchanged = await products.updateOne({ _id: 'p1' }, { $set: { name: 'Big anvil' } });
      expect(unchanged).to.deep.equal({ matchedCount: 1, modifiedCount: 0, upsertedId: null });
      const missing = await products.updateOne({ _id: 'zz' }, { $set: { name: 'x' } });
      expect(missing).to.deep.equal({ matchedCount: 0, modifiedCount: 0, upsertedId: null });
    });

    it('upserts from the filter equalities, $set and $setOnInsert, and ignores $setOnInsert on update', async () => {
      const counters = store.collection('counters');
      const inserted = await counters.updateOne(
        { _id: 'c1', kind: 'visits' },
        { $inc: { value: 1 }, $setOnInsert: { createdAt: '2026-01-01T00:00:00.000Z' } },
        { upsert: true },
      );
      expect(inserted).to.deep.equal({ matchedCount: 0, modifiedCount: 0, upsertedId: 'c1' });
      await counters.updateOne(
        { _id: 'c1', kind: 'visits' },
        { $inc: { value: 1 }, $setOnInsert: { createdAt: '2027-01-01T00:00:00.000Z' } },
        { upsert: true },
      );
      expect(await counters.findOne({ _id: 'c1' })).to.deep.equal({
        _id: 'c1',
        kind: 'visits',
        value: 2,
        createdAt: '2026-01-01T00:00:00.000Z',
      });
    });

    it('accepts _id in $setOnInsert and $set when it is the document\'s own, and upserts once', async () => {
      const jobs = store.collection('jobs');
      for (let i = 0; i < 2; i += 1) {
        await jobs.updateOne({ _id: 'j1' }, { $setOnInsert: { _id: 'j1', kind: 'charge', attempt: i } }, { upsert: true });
      }
      await jobs.updateOne({ _id: 'j1' }, { $set: { _id: 'j1', state: 'done' } });
      expect(await jobs.find({})).to.deep.equal([{ _id: 'j1', kind: 'charge', attempt: 0, state: 'done' }]);
    });

    it('replaces a whole document, and upserts a replacement', async () => {
      const products = await seeded();
      await products.replaceOne({ _id: 'p2' }, { _id: 'p2', name: 'Replaced', brand: 'Zeta', price: 1 });
      expect(await products.findOne({ _id: 'p2' })).to.deep.equal({ _id: 'p2', name: 'Replaced', brand: 'Zeta', price: 1 });
      const result = await products.replaceOne(
        { _id: 'p9' },
        { _id: 'p9', name: 'New', brand: 'Nova', price: 9 },
        { upsert: true },
      );
      expect(result.upsertedId).to.equal('p9');
      expect(await products.countDocuments()).to.equal(5);
    });

    it('keeps nested keys that hold dots (data as keys: a saga\'s reservations by SKU) through replacements, upserts, bulk writes and loads', async () => {
      type Saga = Document & { state: { reservations: Record<string, string> } };
      const sagas = store.collection<Saga>('sagas');
      const saga = (_id: string, outcome: string): Saga => ({ _id, state: { reservations: { 'A.1': outcome, 'B-2.x.y': 'reserved' } } });
      await sagas.replaceOne({ _id: 's1' }, saga('s1', 'reserved'), { upsert: true });
      await store.bulkWrite([{ collection: 'sagas', replaceOne: { filter: { _id: 's1' }, replacement: saga('s1', 'released'), upsert: true } }]);
      await store.load([{ collection: 'sagas', id: 's2', doc: saga('s2', 'failed') }]);
      expect(await sagas.find({}, { sort: { _id: 1 } })).to.deep.equal([saga('s1', 'released'), saga('s2', 'failed')]);
    });

    it('updates with a pipeline whose expressions read the document as it was, and upserts through one from the filter', async () => {
      const leases = store.collection('pipelined');
      const claim = [{ $set: { epoch: { $add: [{ $ifNull: ['$epoch', 0] }, 1] }, previous: { $ifNull: ['$owner', 'nobody'] }, owner: 'b' } }, { $unset: 'stale' }];
      expect(await leases.updateOne({ _id: 'l1', kind: 'lease' }, claim, { upsert: true })).to.deep.equal({ matchedCount: 0, modifiedCount: 0, upsertedId: 'l1' });
      expect(await leases.findOne({ _id: 'l1' })).to.deep.equal({ _id: 'l1', kind: 'lease', epoch: 1, previous: 'nobody', owner: 'b' });
      await leases.replaceOne({ _id: 'l1' }, { _id: 'l1', kind: 'lease', epoch: 4, owner: 'a', stale: true });
      expect(await leases.updateOne({ _id: 'l1' }, claim)).to.deep.equal({ matchedCount: 1, modifiedCount: 1, upsertedId: null });
      expect(await leases.findOne({ _id: 'l1' })).to.deep.equal({ _id: 'l1', kind: 'lease', epoch: 5, previous: 'a', owner: 'b' });
      await store.bulkWrite([{ collection: 'pipelined', updateOne: { filter: { _id: 'l1' }, update: [{ $set: { epoch: { $add: ['$epoch', 10] } } }] } }]);
      expect(await leases.findOne({ _id: 'l1' }, { projection: { epoch: 1 } })).to.deep.equal({ _id: 'l1', epoch: 15 });
    });

    it("compares with the store's clock ($$NOW as milliseconds) in filters and in pipeline updates", async () => {
      const leases = store.collection<Document & { expiresAt: number }>('clocked');
      const before = Date.now();
      await leases.updateOne({ _id: 'l1' }, [{ $set: { expiresAt: { $add: [{ $toLong: '$$NOW' }, 60_000] } } }], { upsert: true });
      await leases.updateOne({ _id: 'l2' }, [{ $set: { expiresAt: { $subtract: [{ $toLong: '$$NOW' }, 1] } } }], { upsert: true });
      const stored = await leases.findOne({ _id: 'l1' });
      // The server's clock is not this host's: only roughly a minute from now.
      expect(stored!.expiresAt).to.be.a('number').and.be.greaterThan(before + 30_000);
      const expired = { $expr: { $lte: ['$expiresAt', { $toLong: '$$NOW' }] } };
      expect((await leases.find(expired)).map((l) => l._id)).to.deep.equal(['l2']);
      expect(await leases.countDocuments({ $or: [{ owner: 'x' }, expired] })).to.equal(1);
      const [withNow] = await leases.aggregate<{ now: number }>([{ $match: { _id: 'l1' } }, { $project: { now: { $toLong: '$$NOW' } } }]);
      expect(withNow!.now).to.be.a('number').and.be.lessThan(stored!.expiresAt);
    });

    it("inserts once, then sets a time from the store's clock on the document just inserted, in one bulk write (a job scheduled once)", async () => {
      const jobs = store.collection('scheduled');
      const fields = { kind: 'charge', payload: { note: '$not-a-path' }, dueAt: -1, lockedUntil: 0 };
      const schedule = (note: string) => store.bulkWrite([
        { collection: 'scheduled', updateOne: { filter: { _id: 'j1' }, update: { $setOnInsert: { ...fields, note } }, upsert: true } },
        { collection: 'scheduled', updateOne: { filter: { _id: 'j1', dueAt: -1 }, update: [{ $set: { dueAt: { $add: [{ $toLong: '$$NOW' }, 1000] } } }] } },
      ]);
      await schedule('first');
      const first = await jobs.findOne({ _id: 'j1' });
      expect(first).to.deep.include({ kind: 'charge', payload: { note: '$not-a-path' }, note: 'first', lockedUntil: 0 });
      expect(first!.dueAt).to.be.a('number').and.be.greaterThan(0);
      await jobs.updateOne({ _id: 'j1' }, { $set: { lockedUntil: 5, owner: 'me' } });
      await schedule('again');
      expect(await jobs.findOne({ _id: 'j1' })).to.deep.equal({ ...first, lockedUntil: 5, owner: 'me' });
      // A claim: conditional on the store's clock; literal values set as they are.
      const claimable = { _id: 'j1', $expr: { $and: [{ $lte: ['$dueAt', { $toLong: '$$NOW' }] }, { $lte: ['$lockedUntil', { $toLong: '$$NOW' }] }] } };
      const claim = [{ $set: { owner: { $literal: '$other' }, lockedUntil: { $add: [{ $toLong: '$$NOW' }, 60_000] } } }];
      expect(await jobs.updateOne(claimable, claim)).to.deep.include({ matchedCount: 0 });
      await jobs.updateOne({ _id: 'j1' }, { $set: { dueAt: 0 } });
      expect(await jobs.updateOne(claimable, claim)).to.deep.include({ matchedCount: 1, modifiedCount: 1 });
      expect(await jobs.findOne({ _id: 'j1' })).to.deep.include({ owner: '$other' });
      expect(await jobs.updateOne(claimable, claim)).to.deep.include({ matchedCount: 0 });
    });

    it('updates and deletes many, reporting counts', async () => {
      const products = await seeded();
      const updated = await products.updateMany({ brand: 'Acme' }, { $set: { brand: 'ACME' } });
      expect(updated).to.deep.equal({ matchedCount: 2, modifiedCount: 2, upsertedId: null });
      expect(await products.countDocuments({ brand: 'ACME' })).to.equal(2);
      expect(await products.deleteOne({ brand: 'ACME' })).to.deep.equal({ deletedCount: 1 });
      expect(await products.deleteMany({ price: { $gte: 0 } })).to.deep.equal({ deletedCount: 3 });
      expect(await products.countDocuments()).to.equal(0);
    });
  });
