import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { ordersProjection, type OrderView } from '../../src/projections/orders/orders.js';
import { shipmentsProjection, type ShipmentView } from '../../src/projections/shipments/shipments.js';
import { projectionFixture, recorded, runnerOn, untyped } from './projection-fixture.js';

const { evolve } = ordersProjection;

/** The order's copy of its shipment and the shipment itself, after the same events. */
const both = (events: RecordedEvent[]) => ({
  order: events.reduce<OrderView | null>((doc, event) => (ordersProjection.eventTypes.includes(event.type) ? evolve(doc, event) : doc), null),
  shipment: events.reduce<ShipmentView | null>((doc, event) => (shipmentsProjection.eventTypes.includes(event.type) ? shipmentsProjection.evolve(doc, event) : doc), null),
});

describe('Orders projection', () => {
  describe("the order's shipment", () => {
    it('is cancelled when the order is cancelled once its shipment is prepared, as the shipment is', () => {
      const { order, shipment } = both([...confirmed(), prepared(4), cancelled('Confirmed', 5)]);
      expect(order?.shipment).to.deep.equal({ shipmentId: SHIPMENT, status: 'Cancelled', trackingNumber: null });
      expect(shipment?.status).to.equal('Cancelled');
      expect(order?.status).to.equal('Cancelled');
    });

    it('is cancelled when a confirmed order is cancelled before its shipment is prepared, and stays so once it is', () => {
      const before = both([...confirmed(), cancelled('Confirmed', 4)]);
      expect(before.order?.shipment).to.deep.equal({ shipmentId: SHIPMENT, status: 'Cancelled', trackingNumber: null });
      expect(before.shipment?.status).to.equal('Cancelled');
      const after = both([...confirmed(), cancelled('Confirmed', 4), prepared(5)]);
      expect(after.order?.shipment).to.deep.equal({ shipmentId: SHIPMENT, status: 'Cancelled', trackingNumber: null });
      expect(after.shipment).to.deep.include({ status: 'Cancelled', prepared: true });
    });

    it('is none when the order is cancelled before its confirmation', () => {
      const { order, shipment } = both([created(0), paid(1), cancelled('Paid', 2)]);
      expect(order?.shipment).to.equal(null);
      expect(shipment).to.equal(null);
    });

    it('follows dispatch and delivery, as the shipment does', () => {
      const { order, shipment } = both([...confirmed(), prepared(4), shipped(5), delivered(6)]);
      expect(order?.shipment).to.deep.equal({ shipmentId: SHIPMENT, status: 'Delivered', trackingNumber: 'TRK-1' });
      expect(shipment).to.deep.include({ status: 'Delivered', trackingNumber: 'TRK-1' });
    });
  });

  describe('when projected by the runner', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const projections = [untyped(ordersProjection), untyped(shipmentsProjection)];
    beforeEach(() => (fixture = projectionFixture(projections)));
    afterEach(() => fixture.close());

    it('applying the same events twice changes nothing', async () => {
      for (const event of [...confirmed(), cancelled('Confirmed', 4), prepared(5)]) {
        await fixture.append(event.streamName, event.type, event.data, event.metadata);
      }
      await fixture.project();
      const once = { orders: await fixture.readModels.collection('orders').find({}), shipments: await fixture.readModels.collection('shipments').find({}) };
      await runnerOn(fixture.events, fixture.readModels, projections, { checkpoints: 'other' }).apply(await fixture.events.readAll());
      expect(await fixture.readModels.collection('orders').find({})).to.deep.equal(once.orders);
      expect(await fixture.readModels.collection('shipments').find({})).to.deep.equal(once.shipments);
      expect(once.orders[0]).to.deep.include({ status: 'Cancelled', shipment: { shipmentId: SHIPMENT, status: 'Cancelled', trackingNumber: null } });
      expect(once.shipments[0]).to.deep.include({ status: 'Cancelled', prepared: true });
    });
  });
});

// ------------------------------------------------------------------ fixtures

const ORDER = 'order-1';
const SHIPMENT = 'shipment-1';
const CUSTOMER = 'customer-1';
const AT = '2024-05-01T10:00:00.000Z';
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const LINES = [{ productId: 'p-1', sku: 'SKU-1', name: 'Widget', quantity: 2, unitPrice: { amount: 500, currency: 'USD' } }];
const ids = { orderId: ORDER, customerId: CUSTOMER };

const onOrder = (type: string, data: Record<string, unknown>, revision: number) =>
  recorded(type, { ...ids, ...data }, { revision, position: revision + 1, occurredAt: AT, streamName: `order-${ORDER}` });

const created = (revision: number) =>
  onOrder('OrderCreated', { paymentId: 'payment-1', shipmentId: SHIPMENT, lines: LINES, total: { amount: 1000, currency: 'USD' }, shippingAddress: ADDRESS, paymentMethod: { token: 'tok_visa' }, createdAt: AT }, revision);
const paid = (revision: number) => onOrder('OrderPaid', { paymentId: 'payment-1', paidAt: AT }, revision);
const confirmed = () => [created(0), paid(1), onOrder('OrderConfirmed', { confirmedAt: AT }, 2)];
const cancelled = (previousStatus: string, revision: number) =>
  onOrder('OrderCancelled', { shipmentId: SHIPMENT, cancelledBy: CUSTOMER, previousStatus, cancelledAt: AT }, revision);
const shipped = (revision: number) => onOrder('OrderShipped', { shipmentId: SHIPMENT, trackingNumber: 'TRK-1', lines: LINES, shippedAt: AT }, revision);
const delivered = (revision: number) => onOrder('OrderDelivered', { shipmentId: SHIPMENT, lines: LINES, deliveredAt: AT }, revision);
const prepared = (position: number) =>
  recorded('ShipmentPrepared', { ...ids, shipmentId: SHIPMENT, lines: LINES, shippingAddress: ADDRESS, preparedAt: AT }, { revision: 0, position, occurredAt: AT, streamName: `shipment-${SHIPMENT}` });
