import { expect } from 'chai';
import { Aggregator, Query } from 'mingo';
import { compileFilter, QUERY_OPTIONS } from '../../src/infrastructure/read-models/document-filter.js';
import { applyUpdate } from '../../src/infrastructure/read-models/document-update.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';

const NOW = { $toLong: '$$NOW' };
const HOUR = 3_600_000;

/**
 * Leases and job claims compare times with the store's clock (`$$NOW`) and set them from it.
 * The embedded store does the common shapes itself (mingo costs a few hundred microseconds a
 * call); what it answers must be what mingo (MongoDB's semantics) answers, for documents
 * whose fields hold numbers, nothing, null, strings (a job of the previous version) or arrays.
 */
describe("Comparisons with the store's clock done without mingo", () => {
  const now = Date.now();
  const docs: Document[] = [
    { _id: 'past', expiresAt: now - HOUR, lockedUntil: 0 },
    { _id: 'future', expiresAt: now + HOUR, lockedUntil: 0 },
    { _id: 'locked', expiresAt: now - HOUR, lockedUntil: now + HOUR },
    { _id: 'missing', lockedUntil: 0 },
    { _id: 'null', expiresAt: null, lockedUntil: null },
    { _id: 'iso', expiresAt: new Date(now - HOUR).toISOString(), lockedUntil: '' },
    { _id: 'array', expiresAt: [now - HOUR], lockedUntil: 0 },
  ];
  const filters: Record<string, unknown>[] = [
    { $expr: { $lte: ['$expiresAt', NOW] } },
    { $expr: { $gt: ['$expiresAt', NOW] } },
    { $expr: { $lt: [NOW, '$expiresAt'] } },
    { $expr: { $gte: ['$lockedUntil', 0] } },
    { $expr: { $and: [{ $lte: ['$expiresAt', NOW] }, { $lte: ['$lockedUntil', NOW] }] } },
    { _id: { $in: ['past', 'locked', 'iso'] }, $expr: { $and: [{ $lte: ['$expiresAt', NOW] }, { $lte: ['$lockedUntil', NOW] }] } },
    { lockedUntil: 0, $expr: { $lte: ['$expiresAt', NOW] } },
  ];
  for (const filter of filters) {
    it(JSON.stringify(filter), () => {
      const query = new Query(filter, QUERY_OPTIONS);
      const expected = docs.filter((doc) => query.test(doc)).map((doc) => doc._id);
      expect(docs.filter(compileFilter(filter)).map((doc) => doc._id)).to.deep.equal(expected);
    });
  }

  const viaMingo = (doc: Document, pipeline: Record<string, unknown>[]) => new Aggregator(pipeline, QUERY_OPTIONS).run([structuredClone(doc)])[0] as Document;
  const doc: Document = { _id: 'l1', owner: 'a', epoch: 3, expiresAt: 5, nested: { a: 1 } };
  const updates: Array<Record<string, unknown>[]> = [
    [{ $set: { owner: 'b', epoch: 4, caughtUp: false, status: null } }],
    [{ $set: { owner: { $literal: '$not-a-field' }, payload: { $literal: { $odd: 1, list: [1, '$x'] } } } }],
    [{ $addFields: { total: { $add: [1, 2, 3.5] } } }],
    [{ $set: { owner: '$epoch' } }], // a field's value: mingo's
    [{ $set: { epoch: { $add: ['$epoch', 1] } } }], // idem
    [{ $set: { 'nested.b': 2 } }], // idem
  ];
  for (const pipeline of updates) {
    it(`${JSON.stringify(pipeline)} as mingo does it`, () => {
      expect(applyUpdate(doc, pipeline, false)).to.deep.equal(viaMingo(doc, pipeline));
      expect(doc.owner, 'the document given is left as it was').to.equal('a');
    });
  }

  it("sets times from the store's clock as mingo does: this host's, in milliseconds", () => {
    const pipeline = [{ $set: { expiresAt: { $add: [NOW, 60_000] }, renewedAt: NOW, lockedUntil: { $add: [60_000, NOW, -1] } } }];
    const before = Date.now();
    const ours = applyUpdate(doc, pipeline, false);
    const theirs = viaMingo(doc, pipeline);
    const after = Date.now();
    for (const updated of [ours, theirs]) {
      expect(updated.expiresAt).to.be.within(before + 60_000, after + 60_000);
      expect(updated.renewedAt).to.be.within(before, after);
      expect(updated.lockedUntil).to.be.within(before + 59_999, after + 59_999);
    }
    expect(Object.keys(ours).sort()).to.deep.equal(Object.keys(theirs).sort());
  });
});
