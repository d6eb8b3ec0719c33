import { expect } from 'chai';
import { ERASED } from '../../src/domain/shared/erased.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import type { Document } from '../../src/infrastructure/read-models/read-model-store.js';
import { customerProfilesProjection } from '../../src/projections/customer-profiles/customer-profiles.js';
import { customersDocuments, erasedLeaves } from '../../src/projections/erased-fields.js';
import type { Projection } from '../../src/projections/projection.js';
import { join } from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';
import { appendOne, projectionFixture, recorded, runnerOn } from './projection-fixture.js';

/** A toy read model of things that customers own, with a secret each: erased with its customer. */
type Thing = Document & { thingId: string; customerId: string; secret: string; label: string | null };

const things: Projection<Thing> = {
  name: 'things',
  collection: 'things',
  eventTypes: ['ThingAdded', 'CustomerErased'],
  documentIds: (event) => (event.type === 'CustomerErased' ? [] : [String(event.data.thingId)]),
  documentsWhere: customersDocuments('CustomerErased'),
  evolve: (current, event) => {
    if (event.type === 'CustomerErased') return current && { ...current, secret: erasedLeaves(current.secret), label: erasedLeaves(current.label) };
    const { thingId, customerId, secret } = event.data as { thingId: string; customerId: string; secret: string };
    return { _id: thingId, thingId, customerId, secret, label: null };
  },
};
const untypedThings = things as unknown as Projection;

const added = (thingId: string, customerId: string) => ['things-1', 'ThingAdded', { thingId, customerId, secret: `secret of ${thingId}` }] as const;
const erasedEvent = (customerId: string) => [`customer-${customerId}`, 'CustomerErased', { customerId, erasedAt: '2026-12-02T10:00:00.000Z', by: 'admin' }] as const;

describe('Projections on an erasure', () => {
  describe('documents selected by a field (documentsWhere)', () => {
    it('reach every document of the customer: stored, and created in the same batch; none of another customer', async () => {
      const fixture = projectionFixture([untypedThings]);
      try {
        await fixture.append(...added('t1', 'ann'));
        await fixture.append(...added('t2', 'bob'));
        await fixture.project();
        await fixture.append(...added('t3', 'ann'));
        await fixture.append(...erasedEvent('ann'));
        await fixture.project();
        const docs = await fixture.readModels.collection<Thing>('things').find({}, { sort: { _id: 1 } });
        expect(docs.map((d) => [d._id, d.secret])).to.deep.equal([['t1', ERASED], ['t2', 'secret of t2'], ['t3', ERASED]]);
        // Delivered again (a crash before the checkpoint): nothing changes.
        const before = await fixture.readModels.collection<Thing>('things').find({}, { sort: { _id: 1 } });
        await fixture.runner.apply(await fixture.events.readAll());
        expect(await fixture.readModels.collection<Thing>('things').find({}, { sort: { _id: 1 } })).to.deep.equal(before);
      } finally {
        await fixture.close();
      }
    });

    it('reach the documents a rebuild still holds in memory (write-behind), as well as those it wrote out', async () => {
      // The write-behind hands documents to the store's loader thread: a store in a file.
      const dir = tempDir();
      const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
      const readModels = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
      try {
        for (let i = 0; i < 12; i += 1) await appendOne(events, ...added(`t${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'ann' : 'bob'));
        await appendOne(events, ...erasedEvent('ann'));
        const rebuild = runnerOn(events, readModels, [untypedThings], { writeBehind: 4, fresh: true, batchSize: 5 });
        await rebuild.start();
        expect(await rebuild.waitFor(await events.headPosition(), 5000)).to.equal(true);
        await rebuild.stop();
        const docs = await readModels.collection<Thing>('things').find({}, { sort: { _id: 1 } });
        expect(docs).to.have.length(12);
        for (const doc of docs) expect(doc.secret, doc._id).to.equal(doc.customerId === 'ann' ? ERASED : `secret of ${doc._id}`);
      } finally {
        await events.close();
        await readModels.close();
        dir.remove();
      }
    });
  });

  describe('erased leaves', () => {
    it('turn every string and number into the placeholder and keep the shape (keys, lengths, nulls)', () =>
      expect(erasedLeaves({ line1: 'x', n: 5, tags: ['a', 'b'], none: null, yes: true })).to.deep.equal({ line1: ERASED, n: ERASED, tags: [ERASED, ERASED], none: null, yes: true }));
  });

  describe('customer profiles', () => {
    const at = (position: number) => ({ position });
    const fold = (events: RecordedEvent[]) => events.reduce<Document | null>((doc, event) => customerProfilesProjection.evolve(doc as never, event), null);
    const registered = recorded('CustomerRegistered', { customerId: 'c1', email: 'eve@example.com', name: 'Eve', passwordHash: 'h', role: 'customer', registeredAt: 'T' }, at(1));
    const erased = recorded('CustomerErased', { customerId: 'c1', erasedAt: 'T2', by: 'customer' }, at(2));

    it('leave a tombstone of an erased customer: no email, name, addresses or role', () =>
      expect(fold([registered, erased])).to.deep.equal({ _id: 'c1', customerId: 'c1', erasedAt: 'T2' }));

    it('add nothing to a tombstone', () =>
      expect(fold([registered, erased, recorded('CustomerRoleChanged', { customerId: 'c1', role: 'admin', changedAt: 'T3' }, at(3))])).to.deep.equal({ _id: 'c1', customerId: 'c1', erasedAt: 'T2' }));
  });
});

