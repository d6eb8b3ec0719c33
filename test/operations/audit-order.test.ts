/**
 * The audit trail of an order, read straight from an event store holding events appended by hand: its timeline
 * gathered from every stream its saga touched (through correlation and causation), as of a time or a revision,
 * an order stored in an older shape, and events without a correlation id.
 */
import { expect } from 'chai';
import { v4 as uuid } from 'uuid';
import { auditOrder, auditStream, type AuditDeps } from '../../src/operations/audit.js';
import { NotFoundError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { derivedId } from '../../src/domain/shared/ids.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { ADDRESS, ORDER, PRODUCT, appendTo, ascending, at, rejection, steps } from './audit-fixture.js';

describe('Audit trail', () => {
  let store: SqliteEventStore;
  let deps: AuditDeps;
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    deps = { eventStore: store, schema: eventSchema(UPCASTERS) };
  });
  afterEach(async () => store.close());

  const append = appendTo(() => deps);

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
      // The payment provider's token is a credential: redacted in the audit (src/privacy/credentials.ts).
      expect(stream.events[0]).to.deep.include({ type: 'OrderCreated', storedSchemaVersion: 1, data: { ...v1, paymentMethod: { token: '[redacted]' }, shipmentId } });
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
