import { expect } from 'chai';
import { Query } from 'mingo';
import { compileFilter, QUERY_OPTIONS } from '../../src/infrastructure/read-models/document-filter.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { DOCS } from './native-fixture.js';

/** The embedded store's native filters must match exactly what mingo (MongoDB's semantics) matches, over the same documents (native-fixture.ts). */
describe('native filters (embedded store)', () => {
  describe('filters match what mingo matches', () => {
    const filters: Record<string, unknown>[] = [
      { brand: 'Acme' },
      { brand: null },
      { brand: { $in: ['Acme', null] } },
      // Lists long enough to be looked up in a Set: null, NaN and numbers among strings.
      { brand: { $in: [...Array.from({ length: 20 }, (_, i) => `B${i}`), 'Globex', null] } },
      { brand: { $in: [...Array.from({ length: 20 }, (_, i) => `B${i}`), 'Initech'] } },
      { tags: { $in: [...Array.from({ length: 20 }, (_, i) => `t${i}`), 'large', Number.NaN] } },
      { tags: { $nin: [...Array.from({ length: 20 }, (_, i) => `t${i}`), 'red', null] } },
      { stock: { $in: [...Array.from({ length: 20 }, (_, i) => 100 + i), 5, -0, null] } },
      { stock: { $nin: [...Array.from({ length: 20 }, (_, i) => 100 + i), 0, 7.5] } },
      { 'price.amount': { $gte: 20, $lte: 60 } },
      { 'price.amount': { $gt: 20, $lt: 25 } },
      { stock: { $gt: 0 } },
      { stock: { $lte: 0 } },
      { tags: { $all: ['red', 'small'] } },
      { tags: 'red', stock: { $gte: 5 } },
      { brand: 'Globex', 'price.amount': { $lt: 50 }, tags: { $all: ['blue'] } },
      { tags: { $nin: ['red', 'small'] } },
      { brand: { $nin: ['Acme', null] } },
      { stock: { $nin: [0, 5] }, tags: 'blue' },
      // String bounds (strings compare with strings only: the created dates that are numbers never match), $ne, $or: a page's cursor.
      { created: { $lt: '2024-01-10' } },
      { created: { $gte: '2024-01-20', $lte: '2024-01-25' } },
      { _id: { $gt: 'd250' } },
      { tags: { $gt: 'red' } },
      { brand: { $ne: null } },
      { brand: { $ne: 'Acme' } },
      { tags: { $ne: 'red' } },
      { $or: [{ brand: 'Acme' }, { stock: { $gt: 5 } }] },
      { $or: [{ 'price.amount': { $lt: 40 } }, { 'price.amount': 40, created: { $lt: '2024-01-15' } }, { 'price.amount': 40, created: '2024-01-15', _id: { $gt: 'd100' } }] },
      { $or: [{ brand: { $lt: 'Globex' } }, { brand: null }], tags: 'small' },
    ];
    for (const filter of filters) {
      it(JSON.stringify(filter), () => {
        const query = new Query(filter, QUERY_OPTIONS);
        const test = compileFilter(filter);
        const expected = DOCS.filter((doc) => query.test(doc)).map((doc) => doc._id);
        expect(DOCS.filter(test).map((doc) => doc._id)).to.deep.equal(expected);
        expect(expected.length, 'a case that matches nothing proves little').to.be.greaterThan(0);
      });
    }

    it('matches $all on a single value like MongoDB ($all is an $and of equalities), where mingo does not', () => {
      const docs: Document[] = [{ _id: 'a', tags: 'red' }, { _id: 'b', tags: ['red', 'x'] }, { _id: 'c', tags: ['blue'] }, { _id: 'd' }];
      expect(docs.filter(compileFilter({ tags: { $all: ['red'] } })).map((d) => d._id)).to.deep.equal(['a', 'b']);
      expect(docs.filter(compileFilter({ tags: { $all: ['red', 'x'] } })).map((d) => d._id)).to.deep.equal(['b']);
    });

    it('matches a range on an array field when each bound is met by some element, like MongoDB', () => {
      const docs: Document[] = [{ _id: 'a', n: [1, 10] }, { _id: 'b', n: [5] }, { _id: 'c', n: ['x'] }];
      const filter = { n: { $gt: 3, $lt: 6 } };
      const query = new Query(filter, QUERY_OPTIONS);
      expect(docs.filter(compileFilter(filter)).map((d) => d._id)).to.deep.equal(docs.filter((d) => query.test(d)).map((d) => d._id));
    });
  });

});
