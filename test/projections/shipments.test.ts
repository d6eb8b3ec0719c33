import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { getShipment, listShipments, shipmentsProjection, type ShipmentView } from '../../src/projections/shipments/shipments.js';
import { projectionFixture, recorded, runnerOn, untyped } from './projection-fixture.js';

const fold = (events: RecordedEvent[]) => events.reduce<ShipmentView | null>((doc, event) => shipmentsProjection.evolve(doc, event), null);

describe('Shipments projection', () => {
  describe('evolve', () => {
    it('ships to the address the order was amended to between its confirmation and the preparation', () => {
      // The saga took the address when it saw the confirmation; the amendment came before its preparation.
      const doc = fold([amended(MOVED), prepared(ADDRESS)]);
      expect(doc).to.deep.include({ shippingAddress: MOVED, status: 'Preparing', prepared: true, lines: LINES });
    });

    it('ships to the address of a later amendment', () =>
      expect(fold([prepared(ADDRESS), amended(MOVED)])).to.deep.include({ shippingAddress: MOVED, prepared: true }));

    it('keeps the prepared address when nothing was amended', () =>
      expect(fold([prepared(ADDRESS)])).to.deep.include({ shippingAddress: ADDRESS, prepared: true, amendedAt: null }));

    it('keeps an amendment before the preparation hidden, not as a shipment', () =>
      expect(fold([amended(MOVED)])).to.deep.include({ prepared: false, status: 'Preparing', shippingAddress: MOVED }));

    it('forgets that amendment when the order is cancelled before its confirmation', () => expect(fold([amended(MOVED), cancelled('Paid')])).to.equal(null));

    it("drops the address when told the order's customer was erased, and a preparation after keeps it dropped", () => {
      const erased = (status: string) => onOrder('OrderCustomerErased', { status, erasedAt: AT });
      const scrubbed = fold([prepared(ADDRESS), erased('Confirmed')])!;
      expect(JSON.stringify(scrubbed.shippingAddress)).to.not.contain('Main St');
      const before = fold([erased('Confirmed'), prepared(ADDRESS)])!;
      expect(before).to.deep.include({ prepared: true });
      expect(JSON.stringify(before.shippingAddress)).to.not.contain('Main St');
      expect(fold([erased('Pending')]), 'no shipment will come for an order never confirmed').to.equal(null);
    });

    it('cancels a shipment not prepared yet when a confirmed order is cancelled, and the preparation keeps it cancelled', () => {
      expect(fold([cancelled('Confirmed')])).to.deep.include({ status: 'Cancelled', prepared: false });
      expect(fold([amended(MOVED), cancelled('Confirmed'), prepared(ADDRESS)])).to.deep.include({ status: 'Cancelled', prepared: true, shippingAddress: MOVED });
    });
  });

  describe("the carrier's part", () => {
    it('shows a booking asked for, then refused with its reason, then asked for again', () => {
      expect(fold([prepared(ADDRESS), onShipment('ShipmentBookingRequested', { attempt: 1, requestedAt: AT })])!.carrier).to.deep.include({ status: 'Booking', reason: null });
      const refused = fold([prepared(ADDRESS), onShipment('ShipmentBookingRequested', { attempt: 1 }), onShipment('ShipmentBookingRefused', { attempt: 1, reason: 'no service' })]);
      expect(refused).to.deep.include({ status: 'Preparing', trackingNumber: null });
      expect(refused!.carrier).to.deep.include({ status: 'Refused', reason: 'no service' });
      const again = fold([prepared(ADDRESS), onShipment('ShipmentBookingRefused', { attempt: 1, reason: 'no service' }), onShipment('ShipmentBookingRequested', { attempt: 2 })]);
      expect(again!.carrier).to.deep.include({ status: 'Booking', reason: null });
    });

    it('shows a booking asked for and not answered as called off once the order is cancelled', () => {
      const doc = fold([prepared(ADDRESS), onShipment('ShipmentBookingRequested', { attempt: 1, requestedAt: AT }), cancelled('Confirmed')]);
      expect(doc).to.deep.include({ status: 'Cancelled' });
      expect(doc!.carrier).to.deep.include({ status: null, reason: 'called off: the order was cancelled' });
      const refused = fold([prepared(ADDRESS), onShipment('ShipmentBookingRequested', { attempt: 1 }), onShipment('ShipmentBookingRefused', { attempt: 1, reason: 'no service' }), cancelled('Confirmed')]);
      expect(refused!.carrier).to.deep.include({ status: 'Refused', reason: 'no service' });
    });

    it("shows the carrier's reference and label once shipped under its booking", () => {
      const doc = fold([prepared(ADDRESS), shipped({ carrierReference: 'SC-1', labelUrl: 'https://carrier.local/SC-1.pdf' })]);
      expect(doc).to.deep.include({ status: 'Shipped', trackingNumber: 'TRK-1' });
      expect(doc!.carrier).to.deep.include({ status: 'Booked', reference: 'SC-1', labelUrl: 'https://carrier.local/SC-1.pdf' });
    });

    it('shows a booking called off when a hand-over shipped the order first, whichever of the two the log has first', () => {
      const requestedThenHanded = fold([prepared(ADDRESS), onShipment('ShipmentBookingRequested', { attempt: 1, requestedAt: AT }), shipped()]);
      const handedThenRequested = fold([prepared(ADDRESS), shipped(), onShipment('ShipmentBookingRequested', { attempt: 1, requestedAt: AT })]);
      for (const doc of [requestedThenHanded, handedThenRequested]) {
        expect(doc).to.deep.include({ status: 'Shipped', trackingNumber: 'TRK-1' });
        expect(doc!.carrier).to.deep.include({ status: null, reference: null, reason: 'called off: handed over as TRK-1' });
      }
    });

    it('shows a booking asked for after the order was cancelled (a dispatch racing the cancellation) as called off, not Booking', () => {
      const doc = fold([prepared(ADDRESS), cancelled('Confirmed'), onShipment('ShipmentBookingRequested', { attempt: 1, requestedAt: AT })]);
      expect(doc).to.deep.include({ status: 'Cancelled' });
      expect(doc!.carrier).to.deep.include({ status: null, reason: 'called off: the order was cancelled' });
    });

    it('keeps a booking called off by a hand-over so when the carrier refuses it afterwards', () => {
      const doc = fold([prepared(ADDRESS), onShipment('ShipmentBookingRequested', { attempt: 1 }), shipped(), onShipment('ShipmentBookingRefused', { attempt: 1, reason: 'no service' })]);
      expect(doc!.carrier).to.deep.include({ status: null, reason: 'called off: handed over as TRK-1' });
    });

    it('shows no carrier for a parcel handed over by hand', () =>
      expect(fold([prepared(ADDRESS), shipped()])!.carrier).to.deep.equal({ status: null, reference: null, labelUrl: null, reason: null, updatedAt: null, reportedAt: null }));

    it('follows the reports: in transit, then a failed delivery with its reason', () => {
      const doc = fold([prepared(ADDRESS), shipped({ carrierReference: 'SC-1' }), reported('ShipmentInTransit', T1), reported('ShipmentDeliveryFailed', T2, { reason: 'nobody home' })]);
      expect(doc!.carrier).to.deep.include({ status: 'DeliveryFailed', reason: 'nobody home', reportedAt: T2, reference: 'SC-1' });
    });

    it('keeps the latest report when an earlier one arrives late', () =>
      expect(fold([prepared(ADDRESS), reported('ShipmentDeliveryFailed', T2, { reason: 'nobody home' }), reported('ShipmentInTransit', T1)])!.carrier).to.deep.include({
        status: 'DeliveryFailed', reportedAt: T2,
      }));

    it('stays delivered whatever report comes after', () =>
      expect(fold([prepared(ADDRESS), reported('ShipmentDelivered', T1), reported('ShipmentDeliveryFailed', T2, { reason: 'x' })])!.carrier).to.deep.include({ status: 'Delivered' }));
  });

  describe('when projected by the runner', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const shipments = () => fixture.readModels.collection<ShipmentView>('shipments');
    beforeEach(() => (fixture = projectionFixture([untyped(shipmentsProjection)])));
    afterEach(() => fixture.close());

    const append = async (events: RecordedEvent[]) => {
      for (const event of events) await fixture.append(event.streamName, event.type, event.data, event.metadata);
      await fixture.project();
    };

    it('applying the same events twice changes nothing', async () => {
      await append([amended(MOVED), prepared(ADDRESS)]);
      const once = await shipments().find({});
      await runnerOn(fixture.events, fixture.readModels, [untyped(shipmentsProjection)], { checkpoints: 'other' }).apply(await fixture.events.readAll());
      expect(await shipments().find({})).to.deep.equal(once);
      expect(once[0]).to.deep.include({ shippingAddress: MOVED, prepared: true });
    });

    it('shows the warehouse neither the hidden amendment nor anything of it, until the shipment is prepared', async () => {
      await append([amended(MOVED)]);
      expect(await getShipment(shipments(), SHIPMENT)).to.equal(undefined);
      expect((await listShipments(shipments(), { page: 1, pageSize: 10 })).total).to.equal(0);
      await append([prepared(ADDRESS)]);
      expect(await getShipment(shipments(), SHIPMENT)).to.deep.include({ shipmentId: SHIPMENT, status: 'Preparing', shippingAddress: MOVED });
      expect((await listShipments(shipments(), { page: 1, pageSize: 10, status: 'Preparing' })).total).to.equal(1);
    });

    it('shows a cancelled shipment, prepared or not', async () => {
      await append([cancelled('Confirmed')]);
      expect(await getShipment(shipments(), SHIPMENT)).to.deep.include({ status: 'Cancelled' });
      expect((await listShipments(shipments(), { page: 1, pageSize: 10, status: 'Cancelled' })).total).to.equal(1);
    });
  });
});

// ------------------------------------------------------------------ fixtures

const SHIPMENT = 'shipment-1';
const ids = { orderId: 'order-1', customerId: 'customer-1', shipmentId: SHIPMENT };
const AT = '2024-05-01T10:00:00.000Z';
const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const MOVED = { line1: '742 Evergreen Terrace', city: 'Springfield', postalCode: '49007', country: 'US' };
const LINES = [{ productId: 'p-1', sku: 'SKU-1', name: 'Widget', quantity: 2, unitPrice: { amount: 500, currency: 'USD' } }];

const onOrder = (type: string, data: Record<string, unknown>) => recorded(type, { ...ids, ...data }, { occurredAt: AT, streamName: 'order-order-1' });
const amended = (shippingAddress: typeof ADDRESS) => onOrder('OrderAmended', { shippingAddress, amendedAt: AT });
const cancelled = (previousStatus: string) => onOrder('OrderCancelled', { cancelledBy: 'customer-1', previousStatus, cancelledAt: AT });
const T1 = '2024-05-02T10:00:00.000Z';
const T2 = '2024-05-02T11:00:00.000Z';
const onShipment = (type: string, data: Record<string, unknown>) => recorded(type, { ...ids, ...data }, { occurredAt: AT, streamName: `shipment-${SHIPMENT}` });
const reported = (type: string, occurredAt: string, extra: Record<string, unknown> = {}) =>
  onShipment(type, { carrierEventId: `evt-${type}`, carrierReference: 'SC-1', occurredAt, ...extra });
const shipped = (carrier: Record<string, unknown> = {}) => onOrder('OrderShipped', { trackingNumber: 'TRK-1', lines: LINES, shippedAt: AT, ...carrier });
const prepared = (shippingAddress: typeof ADDRESS) =>
  recorded('ShipmentPrepared', { ...ids, lines: LINES, shippingAddress, preparedAt: AT }, { occurredAt: AT, streamName: `shipment-${SHIPMENT}` });
