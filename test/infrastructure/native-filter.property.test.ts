import { expect } from 'chai';
import fc from 'fast-check';
import { Query } from 'mingo';
import { compileFilter, QUERY_OPTIONS } from '../../src/infrastructure/read-models/document-filter.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';

/**
 * The embedded store's hand-written predicates (equality, $in, $nin, $all, numeric ranges)
 * against mingo's, on random documents and filters: values of every type the subset meets,
 * missing fields, nulls and arrays of them (documents come from JSON: no NaN).
 */

const scalar = fc.oneof(fc.constantFrom('a', 'b', 'c', '', 'A'), fc.constantFrom(0, 1, 2, -1, 2.5), fc.boolean(), fc.constant(null));
const fieldValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }));
const doc = fc.record({ x: fieldValue, y: fieldValue, n: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }), fc.constant('3')) }, { requiredKeys: [] });
const number = fc.integer({ min: -3, max: 3 });
const condition = fc.oneof(
  scalar,
  fc.record({ $eq: scalar }),
  fc.record({ $in: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ $nin: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ $all: fc.array(scalar.filter((value) => value !== null), { minLength: 1, maxLength: 3 }) }),
);
const range = fc.record({ $gt: number, $gte: number, $lt: number, $lte: number }, { requiredKeys: [] }).filter((r) => Object.keys(r).length > 0);
const filter = fc.record({ x: condition, y: condition, n: range }, { requiredKeys: [] });

describe('native filters against mingo (property)', () => {
  it('match the same documents', () => {
    fc.assert(
      fc.property(fc.array(doc, { maxLength: 12 }), filter, (docs, given) => {
        const all = docs.map((d, i) => ({ _id: `d${i}`, ...d }) as Document);
        const query = new Query(given, QUERY_OPTIONS);
        const test = compileFilter(given);
        expect(all.filter(test).map((d) => d._id), JSON.stringify(given)).to.deep.equal(all.filter((d) => query.test(d)).map((d) => d._id));
      }),
      { numRuns: 400, seed: 20261203 },
    );
  });
});
