import { expect } from 'chai';
import { eventSchema, type Upcaster } from '../../src/domain/shared/event-schema.js';

describe('Event schema', () => {
  describe('without upcasters', () => {
    const schema = () => eventSchema([]);

    it('puts every event type at version 1', () => expect(schema().currentVersion('StockReceived')).to.equal(1));

    it('hands every event back untouched', () => {
      const event = stored('StockReceived', { qty: 3 }, 1);
      expect(schema().upcast(event)).to.equal(event);
    });
  });

  describe('with a chain of upcasters for one type', () => {
    const schema = () => eventSchema(chain());

    it('puts the type one version past its last upcaster', () => expect(schema().currentVersion('StockReceived')).to.equal(3));

    it('leaves other types at version 1', () => expect(schema().currentVersion('StockAdjusted')).to.equal(1));

    it('upcasts a v1 event through every step to v3', () =>
      expect(schema().upcast(stored('StockReceived', { qty: 3 }, 1))).to.deep.equal(
        stored('StockReceived', { quantity: 3, unit: 'piece' }, 3),
      ));

    it('treats an event without a schema version as v1', () => {
      const event = { ...stored('StockReceived', { qty: 3 }, 1), metadata: { actor: 'clerk' } as { schemaVersion?: number; actor?: string } };
      expect(schema().upcast(event)).to.deep.equal({
        ...event,
        data: { quantity: 3, unit: 'piece' },
        metadata: { actor: 'clerk', schemaVersion: 3 },
      });
    });

    it('upcasts a v2 event through the last step only', () =>
      expect(schema().upcast(stored('StockReceived', { quantity: 3 }, 2))).to.deep.equal(
        stored('StockReceived', { quantity: 3, unit: 'piece' }, 3),
      ));

    it('hands a current event back untouched', () => {
      const event = stored('StockReceived', { quantity: 3, unit: 'box' }, 3);
      expect(schema().upcast(event)).to.equal(event);
    });

    it('hands back an event from a newer writer untouched', () => {
      const event = stored('StockReceived', { quantity: 3, unit: 'box', lot: 'L1' }, 4);
      expect(schema().upcast(event)).to.equal(event);
    });

    it('hands events of other types back untouched', () => {
      const event = stored('StockAdjusted', { qty: 3 }, 1);
      expect(schema().upcast(event)).to.equal(event);
    });

    it('keeps the rest of the event and its metadata', () => {
      const event = { ...stored('StockReceived', { qty: 3 }, 1), position: 17, streamName: 'inventory-SKU-1' };
      const upcast = schema().upcast({ ...event, metadata: { ...event.metadata, actor: 'clerk' } });
      expect(upcast).to.include({ position: 17, streamName: 'inventory-SKU-1', type: 'StockReceived' });
      expect(upcast.metadata).to.deep.equal({ schemaVersion: 3, actor: 'clerk' });
    });

    it('does not change the stored event it reads', () => {
      const event = stored('StockReceived', { qty: 3 }, 1);
      schema().upcast(event);
      expect(event).to.deep.equal(stored('StockReceived', { qty: 3 }, 1));
    });

    it('does not depend on the order the upcasters are listed in', () => {
      const reversed = eventSchema([...chain()].reverse());
      expect(reversed.currentVersion('StockReceived')).to.equal(3);
      expect(reversed.upcast(stored('StockReceived', { qty: 3 }, 1)).data).to.deep.equal({ quantity: 3, unit: 'piece' });
    });
  });

  describe('with upcasters for several types', () => {
    const schema = () =>
      eventSchema([...chain(), { type: 'StockAdjusted', fromVersion: 1, upcast: ({ by, ...rest }) => ({ ...rest, delta: by }) }]);

    it('versions each type on its own', () => {
      expect(schema().currentVersion('StockReceived')).to.equal(3);
      expect(schema().currentVersion('StockAdjusted')).to.equal(2);
    });

    it('upcasts each type with its own chain', () =>
      expect(schema().upcast(stored('StockAdjusted', { by: -2, reason: 'damaged' }, 1))).to.deep.equal(
        stored('StockAdjusted', { delta: -2, reason: 'damaged' }, 2),
      ));
  });
});

describe('building an event schema', () => {
  it('refuses two upcasters reading the same version of a type', () =>
    expect(() => eventSchema([...chain(), chain()[0]!])).to.throw(TypeError, /two upcasters of StockReceived read version 1/));

  it('refuses a chain with a gap', () =>
    expect(() => eventSchema([chain()[0]!, { ...chain()[1]!, fromVersion: 3 }])).to.throw(TypeError, /without a gap/));

  it('refuses a chain that does not start at version 1', () =>
    expect(() => eventSchema([{ ...chain()[1]!, fromVersion: 2 }])).to.throw(TypeError, /without a gap/));
});

// ------------------------------------------------------------------ fixtures

/** StockReceived v1 `{ qty }` -> v2 `{ quantity }` -> v3 `{ quantity, unit }`. */
const chain = (): Upcaster[] => [
  { type: 'StockReceived', fromVersion: 1, upcast: ({ qty, ...rest }) => ({ ...rest, quantity: qty }) },
  { type: 'StockReceived', fromVersion: 2, upcast: (data) => ({ ...data, unit: 'piece' }) },
];

const stored = (type: string, data: Record<string, unknown>, schemaVersion: number) => ({
  type,
  data,
  metadata: { schemaVersion } as { schemaVersion?: number; actor?: string },
});
