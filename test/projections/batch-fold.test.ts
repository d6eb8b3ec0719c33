import { expect } from 'chai';
import type { Document, LoadedDocument, ReadModelStore } from '../../src/infrastructure/read-models/read-model-store.js';
import { EventRoutes, foldBatch, type FoldTarget } from '../../src/projections/batch-fold.js';
import type { Projection } from '../../src/projections/projection.js';
import { WriteBehind } from '../../src/projections/write-behind.js';
import { recorded } from './projection-fixture.js';

/** A projection counting the events of `types` per `data.key`, and the order it saw them in. */
const counter = (name: string, types: string[]): Projection => ({
  name,
  collection: name,
  eventTypes: types,
  documentIds: (event) => [String(event.data.key)],
  evolve: (doc, event) => ({ _id: String(event.data.key), seen: [...((doc?.seen as number[] | undefined) ?? []), event.position] }),
});

const target = (projection: Projection, position = 0): FoldTarget => ({ projection, collection: projection.collection, position });

describe('Folding a batch', () => {
  const a = counter('a', ['Added', 'Removed']);
  const b = counter('b', ['Removed', 'Removed', 'Renamed']);
  const events = [
    recorded('Added', { key: 'k1' }, { position: 1 }),
    recorded('Ignored', { key: 'k1' }, { position: 2 }),
    recorded('Removed', { key: 'k2' }, { position: 3 }),
    recorded('Renamed', { key: 'k1' }, { position: 4 }),
  ];

  it('hands each projection the events of its types, once each, in log order, leaving out those with none', () => {
    const c = counter('c', ['Nothing']);
    const routed = new EventRoutes([target(a), target(b), target(c)]).route(events);
    expect(routed.map((r) => [r.target.projection.name, r.events.map((e) => e.position)])).to.deep.equal([
      ['a', [1, 3]],
      ['b', [3, 4]],
    ]);
  });

  it('folds each share into its documents, stamped with id and position, skipping what a target already has', () => {
    const routed = new EventRoutes([target(a), target(b, 3)]).route(events);
    const documents = new Map<string, Map<string, Document | null>>([
      ['a', new Map()],
      ['b', new Map()],
    ]);
    const changed = foldBatch(routed, documents);
    expect(Object.fromEntries([...changed].map(([c, ids]) => [c, [...ids]]))).to.deep.equal({ a: ['k1', 'k2'], b: ['k1'] });
    expect(documents.get('a')!.get('k1')).to.deep.equal({ _id: 'k1', seen: [1], _position: 1 });
    expect(documents.get('b')!.get('k1')).to.deep.equal({ _id: 'k1', seen: [4], _position: 4 });
    expect(documents.get('b')!.has('k2'), 'position 3 is the target’s already').to.equal(false);
  });
});

describe('Write-behind slots', () => {
  const written: LoadedDocument[][] = [];
  const store = { load: async (documents: readonly LoadedDocument[]) => void written.push([...documents]) } as unknown as ReadModelStore;

  it('keeps the same id in two collections apart, and finds held documents by field in their own collection only', async () => {
    const held = new WriteBehind(store, 10, true);
    held.hold('orders', 'o1', { _id: 'o1', customerId: 'ann' });
    held.hold('payments', 'o1', { _id: 'o1', customerId: 'ann', amount: 5 });
    held.hold('payments', 'o1', null);
    expect(held.get('orders', 'o1')).to.deep.equal({ _id: 'o1', customerId: 'ann' });
    expect(held.get('payments', 'o1')).to.equal(null);
    expect(held.matching('orders', 'customerId', 'ann')).to.deep.equal([{ _id: 'o1', customerId: 'ann' }]);
    expect(held.matching('payments', 'customerId', 'ann')).to.deep.equal([]);
    expect(held.mayBeStored('orders', 'o1'), 'never handed out, in a fresh collection').to.equal(false);
    await held.drain();
    expect(written.flat().map((d) => [d.collection, d.id, d.doc])).to.deep.equal([
      ['orders', 'o1', { _id: 'o1', customerId: 'ann' }],
      ['payments', 'o1', null],
    ]);
    // Written: read from the store from now on.
    expect(held.get('orders', 'o1')).to.equal(undefined);
    expect(held.mayBeStored('orders', 'o1')).to.equal(true);
  });
});
