import { expect } from 'chai';
import { ValidationError } from '../../src/domain/shared/errors.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import type { Sort } from '../../src/infrastructure/read-models/read-model-store.js';
import { paged, type Paged } from '../../src/projections/paging.js';
import { useCursorKey } from '../../src/projections/page-cursor.js';

type Row = { _id: string; createdAt: string; price: { amount: number }; name: string | null; owner: string };

/**
 * A list read page after page with `after` (each page's `next`) sees every item once, in order,
 * whatever is added or removed between two pages: a page number counts from the list's start
 * and shifts under those writes (an order placed between page 1 and page 2 of a list newest
 * first showed page 1's last item again on page 2).
 */
describe('paging a list by cursor', () => {
  let store: EmbeddedReadModelStore;
  const rows = () => store.collection<Row>('rows');
  const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  const row = (id: string, n: number, extra: Partial<Row> = {}): Row => ({ _id: id, createdAt: at(n), price: { amount: n % 4 }, name: `name-${n % 3}`, owner: n % 2 ? 'a' : 'b', ...extra });

  beforeEach(async () => {
    store = new EmbeddedReadModelStore({ path: ':memory:' });
    for (let n = 0; n < 25; n += 1) await rows().insertOne(row(`r${String(n).padStart(2, '0')}`, n));
  });
  afterEach(async () => store.close());

  const list = (sort: Sort, pageSize: number, after?: string, filter = {}) => paged(rows(), filter, sort, { page: 1, pageSize, ...(after ? { after } : {}) }, (doc) => doc._id);

  /** Every page from the first, `between(page)` run after each; the ids in the order read. */
  const walk = async (sort: Sort, pageSize: number, between: (read: string[]) => Promise<void> = async () => undefined, filter = {}) => {
    const seen: string[] = [];
    let page: Paged<string> = await list(sort, pageSize, undefined, filter);
    for (;;) {
      seen.push(...page.items);
      if (page.next === null) return seen;
      await between(page.items);
      page = await list(sort, pageSize, page.next, filter);
    }
  };

  it('gives the same items as the list read whole, newest first, with pages of 10, 10 and 5', async () => {
    const whole = (await list({ createdAt: -1 }, 100)).items;
    expect(await walk({ createdAt: -1 }, 10)).to.deep.equal(whole);
    const first = await list({ createdAt: -1 }, 10);
    expect(first).to.deep.include({ total: 25, page: 1, pageSize: 10 });
    expect(first.next).to.be.a('string');
    expect((await list({ createdAt: -1 }, 100)).next).to.equal(null);
  });

  it('sees each item once while items are added at the front between pages, where page numbers repeated one', async () => {
    let added = 100;
    const addOne = async () => rows().insertOne(row(`new-${(added += 1)}`, added));
    expect(await walk({ createdAt: -1 }, 10, addOne)).to.deep.equal((await list({ createdAt: -1 }, 100)).items.filter((id) => id.startsWith('r')));

    // By number, the same writes show an item twice.
    const byNumber = async () => {
      const one = await paged(rows(), {}, { createdAt: -1 }, { page: 1, pageSize: 10 }, (doc) => doc._id);
      await addOne();
      const two = await paged(rows(), {}, { createdAt: -1 }, { page: 2, pageSize: 10 }, (doc) => doc._id);
      return [...one.items, ...two.items];
    };
    const read = await byNumber();
    expect(new Set(read).size).to.be.below(read.length);
  });

  it('misses no item when the one a page ended with is removed before the next page', async () => {
    const seen = await walk({ createdAt: 1 }, 7, async (read) => {
      await rows().deleteOne({ _id: read[read.length - 1]! });
    });
    expect(seen).to.have.length(25);
    expect(new Set(seen).size).to.equal(25);
  });

  it('breaks ties by id, on several keys, a nested key, and keys missing (null sorts first)', async () => {
    await rows().updateMany({ owner: 'a' }, { $set: { name: null } });
    for (const sort of [{ 'price.amount': 1 }, { 'price.amount': -1 }, { name: 1 }, { name: -1 }, { owner: 1, createdAt: -1 }, { 'price.amount': -1, name: 1 }] as Sort[]) {
      const whole = (await list(sort, 100)).items;
      for (const size of [1, 3, 10]) expect(await walk(sort, size), `${JSON.stringify(sort)} by ${size}`).to.deep.equal(whole);
    }
  });

  it("keeps the list's own filter, and counts `page` from the cursor", async () => {
    const whole = (await list({ createdAt: -1 }, 100, undefined, { owner: 'a' })).items;
    expect(await walk({ createdAt: -1 }, 4, undefined, { owner: 'a' })).to.deep.equal(whole);
    const first = await list({ createdAt: -1 }, 4);
    const third = await paged(rows(), {}, { createdAt: -1 }, { page: 2, pageSize: 4, after: first.next! }, (doc) => doc._id);
    expect(third.items).to.deep.equal((await list({ createdAt: -1 }, 100)).items.slice(8, 12));
  });

  it('refuses a cursor made up, cut short, holding a filter of its own, or of another order of the list', async () => {
    const { next } = await list({ createdAt: -1 }, 10);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const made = [
      'not-a-cursor',
      next!.slice(0, -6),
      encode(['-createdAt,_id', { $gt: '' }, 'r01']),
      encode(['-createdAt,_id', at(3)]),
      encode({ createdAt: at(3) }),
      'x'.repeat(2000),
    ];
    for (const cursor of made) {
      const error = await list({ createdAt: -1 }, 10, cursor).then(() => undefined, (e: unknown) => e);
      expect(error, cursor.slice(0, 40)).to.be.instanceOf(ValidationError);
    }
    const other = await list({ createdAt: 1 }, 10, next!).then(() => undefined, (e: unknown) => e);
    expect(other).to.be.instanceOf(ValidationError).with.property('message').that.includes('another order');
  });

  it("refuses a cursor whose values were changed, another list's, or one signed with another shop's key", async () => {
    const { next } = await list({ createdAt: -1 }, 10);
    const mac = next!.slice(-22);
    const [signature, , id] = JSON.parse(Buffer.from(next!.slice(0, -22), 'base64url').toString()) as [string, string, string];
    // The right shape, values of another type or made up: taken as positions before, they answered empty pages.
    for (const values of [[5, id], [true, id], [null, null], [at(3), 42], [at(3), 'r03']]) {
      const changed = Buffer.from(JSON.stringify([signature, ...values])).toString('base64url') + mac;
      const error = await list({ createdAt: -1 }, 10, changed).then(() => undefined, (e: unknown) => e);
      expect(error, JSON.stringify(values)).to.be.instanceOf(ValidationError).with.property('message').that.includes('was not made by this list');
    }
    await store.collection<Row>('others').insertOne(row('o1', 1));
    await store.collection<Row>('others').insertOne(row('o2', 2));
    const another = await paged(store.collection<Row>('others'), {}, { createdAt: -1 }, { page: 1, pageSize: 1 }, (doc) => doc._id);
    const foreign = await list({ createdAt: -1 }, 10, another.next!).then(() => undefined, (e: unknown) => e);
    expect(foreign, 'the same sort of another collection').to.be.instanceOf(ValidationError).with.property('message').that.includes('was not made by this list');
    useCursorKey('another shop');
    try {
      const keyed = await list({ createdAt: -1 }, 10, next!).then(() => undefined, (e: unknown) => e);
      expect(keyed).to.be.instanceOf(ValidationError);
      const own = await list({ createdAt: -1 }, 10);
      expect((await list({ createdAt: -1 }, 10, own.next!)).items, 'its own cursors still read').to.have.length(10);
    } finally {
      useCursorKey('page-cursor test');
    }
  });
});
