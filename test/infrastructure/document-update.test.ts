import { expect } from 'chai';
import { update as mingoUpdate } from 'mingo';
import { applyUpdate } from '../../src/infrastructure/read-models/document-update.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';

/** The embedded store's own $set/$inc/$unset/$max of top-level fields answers what mingo's updater does. */
describe('Plain updates done without mingo', () => {
  const doc: Document = { _id: 'd1', owner: 'a', epoch: 3, writes: 7, nested: { a: 1, list: [1, 2] }, tags: ['x'], gone: null };
  const cases: Array<Record<string, unknown>> = [
    { $inc: { writes: 1 } },
    { $inc: { fresh: 2.5, writes: -7 } },
    { $set: { owner: 'b', epoch: 4, nested: { b: [1, { c: 2 }] } } },
    { $set: { owner: 'a' } },
    { $unset: { gone: '', missing: '' } },
    { $set: { status: 'live' }, $inc: { writes: 1 }, $unset: { tags: '' } },
    { $max: { writes: 9 } },
    { $max: { writes: 2 } },
    { $max: { position: 12 } },
    { $max: { epoch: 3, writes: 8 }, $set: { owner: 'c' } },
  ];
  for (const update of cases) {
    it(`${JSON.stringify(update)} as mingo does it`, () => {
      const expected = structuredClone(doc);
      mingoUpdate(expected, update, undefined, undefined, { cloneMode: 'deep' });
      const actual = applyUpdate(doc, update, false);
      expect(JSON.stringify(actual)).to.equal(JSON.stringify(expected));
      expect(doc.writes, 'the document given is left as it was').to.equal(7);
    });
  }

  it('leaves to mingo what it does not do itself: paths, other operators', () => {
    expect(applyUpdate(doc, { $set: { 'nested.a': 2 }, $push: { tags: 'y' } }, false)).to.deep.include({ nested: { a: 2, list: [1, 2] }, tags: ['x', 'y'] });
  });
});
