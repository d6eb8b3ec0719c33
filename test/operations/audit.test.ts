import { expect } from 'chai';
import { reservationOf, type Inventory } from '../../src/domain/inventory/inventory.js';
import { v4 as uuid } from 'uuid';
import { auditOrder, auditStream, type AuditDeps, type AuditedEvent } from '../../src/operations/audit.js';
import { NotFoundError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { derivedId } from '../../src/domain/shared/ids.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import type { EventMetadata } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { PasswordHasher } from '../../src/infrastructure/security/passwords.js';

const PRODUCT = '6f1c1d5e-0c1b-4b8e-9a59-3b6f7d2f1a10';
const ORDER = '0d5e2a8c-5f4b-4f7e-8f0a-6c2b9d1e3a47';
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

/** An instant on the audited day. */
const at = (hhmm: string) => `2024-05-01T${hhmm}:00.000Z`;

/** The audit trail read straight from an event store holding events appended by hand. */
describe('Audit trail', () => {
  let store: SqliteEventStore;
  let deps: AuditDeps;
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    deps = { eventStore: store, schema: eventSchema(UPCASTERS) };
  });
  afterEach(async () => store.close());

  /** Appends one event with full metadata (current schema version unless told) and returns its id and position. */
  const append = async (streamName: string, type: string, data: Record<string, unknown>, metadata: EventMetadata = {}) => {
    const id = uuid();
    const full = { correlationId: 'setup', causationId: 'setup', actor: 'system', occurredAt: at('09:00'), schemaVersion: deps.schema.currentVersion(type), ...metadata };
    const { position } = await store.appendToStream(streamName, [{ id, type, data, metadata: full }]);
    return { id, position };
  };
  const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

  // ------------------------------------------------------------------ one stream

  describe('of an inventory stream', () => {
    const stream = 'inventory-MUG-1';
    beforeEach(async () => {
      await append(stream, 'InventoryItemRegistered', { sku: 'MUG-1', productId: PRODUCT, registeredAt: at('10:00') }, { occurredAt: at('10:00'), actor: 'admin:a1' });
      await append(stream, 'StockReceived', { sku: 'MUG-1', productId: PRODUCT, quantity: 5, receivedAt: at('11:00') }, { occurredAt: at('11:00'), correlationId: 'receipt-1', causationId: 'receipt-1' });
      await append(stream, 'StockReceived', { sku: 'MUG-1', productId: PRODUCT, quantity: 3, receivedAt: at('12:00') }, { occurredAt: at('12:00') });
      await append(stream, 'StockReserved', { sku: 'MUG-1', productId: PRODUCT, orderId: ORDER, quantity: 2, reservedAt: at('13:00') }, { occurredAt: at('13:00') });
    });
    const levels = (state: unknown) => {
      const { onHand, reserved } = state as { onHand: number; reserved: number };
      return { onHand, reserved };
    };

    it('lists every event with its revision, position, type, data and metadata', async () => {
      const audit = await auditStream(deps, stream);
      expect(audit.streamName).to.equal(stream);
      expect(audit.events.map((e) => [e.revision, e.type])).to.deep.equal([
        [0, 'InventoryItemRegistered'],
        [1, 'StockReceived'],
        [2, 'StockReceived'],
        [3, 'StockReserved'],
      ]);
      expect(ascending(audit.events.map((e) => e.position))).to.equal(true);
      const received = audit.events[1]!;
      expect(received).to.deep.include({ streamName: stream, occurredAt: at('11:00'), storedSchemaVersion: 1 });
      expect(received.data).to.deep.equal({ sku: 'MUG-1', productId: PRODUCT, quantity: 5, receivedAt: at('11:00') });
      expect(received.metadata).to.deep.equal({ correlationId: 'receipt-1', causationId: 'receipt-1', actor: 'system', occurredAt: at('11:00'), schemaVersion: 1 });
      expect(received.recordedAt).to.be.a('string');
      expect(audit.events[0]!.metadata.actor).to.equal('admin:a1');
    });

    it('folds the state after each event with the inventory decider', async () => {
      const audit = await auditStream(deps, stream);
      expect(audit.events.map((e) => levels(e.stateAfter))).to.deep.equal([
        { onHand: 0, reserved: 0 },
        { onHand: 5, reserved: 0 },
        { onHand: 8, reserved: 0 },
        { onHand: 8, reserved: 2 },
      ]);
      expect(audit.events[3]!.stateAfter).to.deep.include({ status: 'Tracked' });
      expect(reservationOf(audit.events[3]!.stateAfter as Inventory, ORDER)).to.deep.equal({ status: 'reserved', quantity: 2 });
      expect(reservationOf(audit.events[2]!.stateAfter as Inventory, ORDER)).to.equal(undefined);
      expect(audit.asOf).to.equal(null);
      expect(levels(audit.state)).to.deep.equal({ onHand: 8, reserved: 2 });
    });

    it('as of a revision, gives the state then and still lists every event', async () => {
      const audit = await auditStream(deps, stream, { revision: 1 });
      expect(audit.asOf).to.deep.equal({ revision: 1 });
      expect(levels(audit.state)).to.deep.equal({ onHand: 5, reserved: 0 });
      expect(audit.events).to.have.length(4);
      expect(levels(audit.events[3]!.stateAfter)).to.deep.equal({ onHand: 8, reserved: 2 });
    });

    it('refuses a revision past the end (404 naming the last one) rather than answering the latest state under its name', async () => {
      const error = await rejection(auditStream(deps, stream, { revision: 99 }));
      expect(error).to.be.instanceOf(NotFoundError);
      expect((error as Error).message).to.match(/has no revision 99: its last is \d+$/);
      const last = (await auditStream(deps, stream)).total - 1;
      expect(levels((await auditStream(deps, stream, { revision: last })).state)).to.deep.equal({ onHand: 8, reserved: 2 });
    });

    it('as of a time, gives the state after the last event that had happened by then', async () => {
      const audit = await auditStream(deps, stream, { time: at('12:30') });
      expect(audit.asOf).to.deep.equal({ time: at('12:30') });
      expect(levels(audit.state)).to.deep.equal({ onHand: 8, reserved: 0 });
      expect(audit.events.map((e) => e.type)).to.deep.equal(['InventoryItemRegistered', 'StockReceived', 'StockReceived', 'StockReserved']);
    });

    it('as of the exact time of an event, includes that event', async () =>
      expect(levels((await auditStream(deps, stream, { time: at('11:00') })).state)).to.deep.equal({ onHand: 5, reserved: 0 }));

    it('as of a time before its first event, gives the initial state', async () =>
      expect((await auditStream(deps, stream, { time: at('08:00') })).state).to.deep.equal({ status: 'None' }));
  });

  describe('of a stream that does not exist', () => {
    it('is not found', async () => {
      await append('inventory-OTHER', 'InventoryItemRegistered', { sku: 'OTHER', productId: PRODUCT, registeredAt: at('10:00') });
      const error = await rejection(auditStream(deps, 'inventory-NOPE'));
      expect(error).to.be.instanceOf(NotFoundError);
      expect((error as Error).message).to.equal('stream inventory-NOPE not found');
    });
  });

  describe('of a customer stream', () => {
    it('never shows the password hash, in the data or in the state', async () => {
      const customerId = uuid();
      const passwordHash = await new PasswordHasher(10).hash('correct-horse');
      expect(passwordHash).to.match(/^scrypt\$/);
      const stream = `customer-${customerId}`;
      await append(stream, 'CustomerRegistered', { customerId, email: 'eve@example.com', name: 'Eve', passwordHash, role: 'customer', registeredAt: at('10:00') }, { occurredAt: at('10:00') });
      const address = { addressId: uuid(), line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      await append(stream, 'CustomerAddressAdded', { customerId, address, addedAt: at('11:00') }, { occurredAt: at('11:00') });

      for (const asOf of [null, { revision: 0 }, { time: at('10:30') }]) {
        const audit = await auditStream(deps, stream, asOf);
        const text = JSON.stringify(audit);
        expect(text).not.to.include('scrypt');
        expect(text).not.to.include(passwordHash.split('$').at(-1));
        expect(audit.events[0]!.data).to.deep.include({ email: 'eve@example.com', name: 'Eve', passwordHash: '[redacted]' });
        expect(audit.events[1]!.stateAfter).to.deep.include({ status: 'Registered', email: 'eve@example.com', passwordHash: '[redacted]', addresses: [address] });
        expect(audit.state).to.deep.include({ status: 'Registered', passwordHash: '[redacted]' });
      }
      // The stored event keeps the hash: only the audit's view of it is redacted.
      expect((await store.readStream(stream))[0]!.data.passwordHash).to.equal(passwordHash);
    });
  });

  // ------------------------------------------------------------------ an order's timeline

  describe('of an order', () => {
    const customerId = uuid();
    const paymentId = uuid();
    const shipmentId = uuid();
    const other = uuid();
    const order = `order-${ORDER}`;
    const payment = `payment-${paymentId}`;
    const inventory = 'inventory-MUG-1';
    const shipment = `shipment-${shipmentId}`;
    const cart = `cart-${customerId}`;
    const checkout = { correlationId: 'checkout-req', causationId: 'checkout-req' };
    const line = { productId: PRODUCT, sku: 'MUG-1', name: 'Mug', quantity: 2, unitPrice: { amount: 1500, currency: 'USD' } };
    const about = { orderId: ORDER, customerId };

    /**
     * The saga of one order, interleaved with another order's reservation and an unrelated
     * receipt on the same SKU. The payment is processed under another correlation id (as a
     * provider callback would be), and the reservation it caused under a third one: both
     * belong to the order only through their causation chain.
     */
    beforeEach(async () => {
      await append(inventory, 'InventoryItemRegistered', { sku: 'MUG-1', productId: PRODUCT, registeredAt: at('09:00') }, { correlationId: 'admin-1', occurredAt: at('09:00') });
      await append(inventory, 'StockReceived', { sku: 'MUG-1', productId: PRODUCT, quantity: 10, receivedAt: at('09:01') }, { correlationId: 'admin-1', occurredAt: at('09:01') });
      const created = await append(order, 'OrderCreated', {
        ...about, paymentId, shipmentId, lines: [line], total: { amount: 3000, currency: 'USD' },
        shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' }, createdAt: at('10:00'),
      }, { ...checkout, actor: `customer:${customerId}`, occurredAt: at('10:00') });
      await append(cart, 'CartCheckedOut', { customerId, orderId: ORDER, lines: [line], checkedOutAt: at('10:00') }, { ...checkout, occurredAt: at('10:00') });
      const requested = await append(payment, 'PaymentRequested', { paymentId, ...about, amount: { amount: 3000, currency: 'USD' }, token: 'tok_visa', requestedAt: at('10:01'), expiresAt: at('10:31') }, { correlationId: 'checkout-req', causationId: created.id, occurredAt: at('10:01') });
      await append(inventory, 'StockReserved', { sku: 'MUG-1', productId: PRODUCT, orderId: other, quantity: 1, reservedAt: at('10:02') }, { correlationId: 'other-checkout', causationId: 'other-payment', occurredAt: at('10:02') });
      const processed = await append(payment, 'PaymentProcessed', { paymentId, ...about, amount: { amount: 3000, currency: 'USD' }, providerReference: 'ch_1', processedAt: at('10:03') }, { correlationId: 'provider-callback', causationId: requested.id, occurredAt: at('10:03') });
      await append(order, 'OrderPaid', { ...about, paymentId, paidAt: at('10:04') }, { ...checkout, causationId: processed.id, occurredAt: at('10:04') });
      const reserved = await append(inventory, 'StockReserved', { sku: 'MUG-1', productId: PRODUCT, orderId: ORDER, quantity: 2, reservedAt: at('10:05') }, { correlationId: 'reservation-job', causationId: processed.id, occurredAt: at('10:05') });
      const confirmed = await append(order, 'OrderConfirmed', { ...about, confirmedAt: at('10:06') }, { ...checkout, causationId: reserved.id, occurredAt: at('10:06') });
      await append(shipment, 'ShipmentPrepared', { shipmentId, ...about, lines: [line], shippingAddress: ADDRESS, preparedAt: at('10:07') }, { ...checkout, causationId: confirmed.id, occurredAt: at('10:07') });
      await append(inventory, 'StockReceived', { sku: 'MUG-1', productId: PRODUCT, quantity: 5, receivedAt: at('10:08') }, { correlationId: 'admin-2', causationId: 'admin-2', occurredAt: at('10:08') });
      const shipped = await append(order, 'OrderShipped', { ...about, shipmentId, trackingNumber: 'TRK1', lines: [line], shippedAt: at('11:00') }, { correlationId: 'dispatch-req', causationId: 'dispatch-req', actor: 'admin:a1', occurredAt: at('11:00') });
      await append(inventory, 'StockDispatched', { sku: 'MUG-1', productId: PRODUCT, orderId: ORDER, quantity: 2, dispatchedAt: at('11:01') }, { correlationId: 'dispatch-req', causationId: shipped.id, occurredAt: at('11:01') });
      await append(inventory, 'StockReleased', { sku: 'MUG-1', productId: PRODUCT, orderId: other, quantity: 1, releasedAt: at('11:02') }, { correlationId: 'other-cancel', causationId: 'other-cancel', occurredAt: at('11:02') });
    });

    const WHOLE = [
      `${order} OrderCreated`,
      `${cart} CartCheckedOut`,
      `${payment} PaymentRequested`,
      `${payment} PaymentProcessed`,
      `${order} OrderPaid`,
      `${inventory} StockReserved`,
      `${order} OrderConfirmed`,
      `${shipment} ShipmentPrepared`,
      `${order} OrderShipped`,
      `${inventory} StockDispatched`,
    ];

    it('gathers its saga from every stream it touched, in log order', async () => {
      const audit = await auditOrder(deps, ORDER);
      expect(steps(audit.timeline)).to.deep.equal(WHOLE);
      expect(ascending(audit.timeline.map((e) => e.position))).to.equal(true);
      expect(audit).to.deep.include({ orderId: ORDER, asOf: null });
      expect(audit.state).to.deep.include({ status: 'Shipped', shipmentId, trackingNumber: 'TRK1' });
    });

    it('includes events of another correlation caused, directly or through a chain, by one of its events', async () => {
      const { timeline } = await auditOrder(deps, ORDER);
      const processed = timeline.find((e) => e.type === 'PaymentProcessed')!;
      const reserved = timeline.find((e) => e.type === 'StockReserved')!;
      expect(processed.metadata.correlationId).to.equal('provider-callback');
      expect(reserved.metadata).to.include({ correlationId: 'reservation-job' });
      expect(reserved.data).to.include({ orderId: ORDER, quantity: 2 });
    });

    it('leaves out what happened on the same SKU for another order or for the stock clerk', async () => {
      const { timeline } = await auditOrder(deps, ORDER);
      expect(JSON.stringify(timeline)).not.to.include(other);
      expect(timeline.filter((e) => e.streamName === inventory).map((e) => e.type)).to.deep.equal(['StockReserved', 'StockDispatched']);
      expect(timeline.map((e) => e.metadata.correlationId)).not.to.include.members(['admin-1', 'admin-2', 'other-checkout', 'other-cancel']);
    });

    it('gives each event its metadata and stored schema version', async () => {
      const { timeline } = await auditOrder(deps, ORDER);
      expect(timeline[0]).to.deep.include({ streamName: order, revision: 0, type: 'OrderCreated', occurredAt: at('10:00'), storedSchemaVersion: 2 });
      expect(timeline[0]!.metadata).to.deep.include({ ...checkout, actor: `customer:${customerId}`, schemaVersion: 2 });
      expect(timeline.at(-2)!.metadata).to.include({ actor: 'admin:a1', correlationId: 'dispatch-req' });
    });

    it('as of a time before shipping: the order confirmed, and nothing after that time', async () => {
      const audit = await auditOrder(deps, ORDER, { time: at('10:30') });
      expect(audit.state).to.deep.include({ status: 'Confirmed', shipmentId });
      expect(steps(audit.timeline)).to.deep.equal(WHOLE.slice(0, 8));
      expect(audit.asOf).to.deep.equal({ time: at('10:30') });
    });

    it('as of a revision of the order stream: the order then, and everything before its next event', async () => {
      const paid = await auditOrder(deps, ORDER, { revision: 1 });
      expect(paid.state).to.deep.include({ status: 'Paid' });
      expect(steps(paid.timeline)).to.deep.equal(WHOLE.slice(0, 6));
      const pending = await auditOrder(deps, ORDER, { revision: 0 });
      expect(pending.state).to.deep.include({ status: 'Pending' });
      expect(steps(pending.timeline)).to.deep.equal(WHOLE.slice(0, 4));
    });

    it('is not found for an order that does not exist', async () =>
      expect(await rejection(auditOrder(deps, uuid()))).to.be.instanceOf(NotFoundError));
  });

  describe('of an order stored before OrderCreated carried its shipment id (v1)', () => {
    it('reads it in the current shape, finds its shipment under the derived id, and leaves the stored event as it was', async () => {
      const orderId = uuid();
      const customerId = uuid();
      const shipmentId = derivedId(orderId, 'shipment');
      const line = { productId: PRODUCT, sku: 'MUG-1', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } };
      const v1 = {
        orderId, customerId, paymentId: uuid(), lines: [line], total: { amount: 1500, currency: 'USD' },
        shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' }, createdAt: at('10:00'),
      };
      const metadata = { correlationId: 'legacy', causationId: 'legacy', actor: `customer:${customerId}`, occurredAt: at('10:00'), schemaVersion: 1 };
      await append(`order-${orderId}`, 'OrderCreated', v1, metadata);
      await append(`shipment-${shipmentId}`, 'ShipmentPrepared', { shipmentId, orderId, customerId, lines: [line], shippingAddress: ADDRESS, preparedAt: at('10:05') }, { correlationId: 'legacy', occurredAt: at('10:05') });

      const stream = await auditStream(deps, `order-${orderId}`);
      expect(stream.events[0]).to.deep.include({ type: 'OrderCreated', storedSchemaVersion: 1, data: { ...v1, shipmentId } });
      expect(stream.events[0]!.metadata.schemaVersion).to.equal(2);
      expect(stream.state).to.deep.include({ status: 'Pending', shipmentId });

      const audit = await auditOrder(deps, orderId);
      expect(steps(audit.timeline)).to.deep.equal([`order-${orderId} OrderCreated`, `shipment-${shipmentId} ShipmentPrepared`]);
      expect(audit.timeline[0]!.storedSchemaVersion).to.equal(1);

      const [stored] = await store.readStream(`order-${orderId}`);
      expect(stored!.data).to.deep.equal(v1);
      expect(stored!.metadata).to.deep.equal(metadata);
    });
  });

  describe('of an order whose events carry no correlation id (imported by hand)', () => {
    it('does not take in other events without one', async () => {
      const orderId = uuid();
      const customerId = uuid();
      const line = { productId: PRODUCT, sku: 'MUG-2', name: 'Mug', quantity: 1, unitPrice: { amount: 1500, currency: 'USD' } };
      const bare = (occurredAt: string) => ({ occurredAt, schemaVersion: 2 });
      await append('inventory-MUG-2', 'InventoryItemRegistered', { sku: 'MUG-2', productId: PRODUCT, registeredAt: at('09:00') }, bare(at('09:00')));
      await store.appendToStream(`order-${orderId}`, [{
        id: uuid(), type: 'OrderCreated', metadata: bare(at('10:00')),
        data: { orderId, customerId, paymentId: uuid(), shipmentId: uuid(), lines: [line], total: { amount: 1500, currency: 'USD' }, shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' }, createdAt: at('10:00') },
      }]);
      await store.appendToStream('inventory-MUG-2', [{ id: uuid(), type: 'StockReceived', data: { sku: 'MUG-2', productId: PRODUCT, quantity: 4, receivedAt: at('11:00') }, metadata: { occurredAt: at('11:00') } }]);

      const { timeline } = await auditOrder(deps, orderId);
      expect(timeline.map((e) => e.type)).to.deep.equal(['OrderCreated']);
    });
  });
});

/** An order's timeline as `<stream> <type>` lines. */
const steps = (timeline: AuditedEvent[]) => timeline.map((e) => `${e.streamName} ${e.type}`);

const ascending = (numbers: number[]) => numbers.every((n, i) => i === 0 || n > numbers[i - 1]!);
