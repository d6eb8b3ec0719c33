import { expect } from 'chai';
import { NotFoundError } from '../../src/domain/shared/errors.js';
import {
  isDelivered,
  reportOf,
  shipmentDecider,
  shipmentStream,
  trackingNumberOf,
  type PrepareShipment,
  type RecordCarrierReport,
  type ShipmentEvent,
  type ShipmentPrepared,
} from '../../src/domain/shipping/shipment.js';
import { specFor } from '../support/given-when-then.js';
import { HOME, LINES, WORK } from './order-fixtures.js';

const { given } = specFor(shipmentDecider);

describe('Shipment', () => {
  describe('when not prepared', () => {
    it('is prepared with the lines and the address', () => given([]).when(prepare()).then([prepared()]));
  });

  describe('when preparing', () => {
    it('is not prepared again', () => given([prepared()]).when(prepare()).then([]));

    it('is not prepared again, even for another address', () => given([prepared()]).when(prepare({ shippingAddress: WORK })).then([]));
  });

  describe('state', () => {
    it('knows which order it carries', () =>
      expect(given([prepared()]).state()).to.deep.equal({
        status: 'Preparing', shipmentId: SHIPMENT, orderId: ORDER, customerId: CUSTOMER, booking: 'none', attempt: 0, reports: [],
      }));

    it('reads a state cached before bookings existed as one without a booking', () =>
      expect(shipmentDecider.evolve({ status: 'Preparing', shipmentId: SHIPMENT, orderId: ORDER, customerId: CUSTOMER } as never, requested(1))).to.deep.include({
        booking: 'requested', attempt: 1, reports: [],
      }));

    it('is nothing before it is prepared', () => expect(given([]).state()).to.deep.equal({ status: 'None' }));
  });

  describe('booking with the carrier', () => {
    it('is asked for once: attempt 1', () => given([prepared()]).when(requestBooking()).then([requested(1)]));

    it('is not asked for again while the carrier has not answered', () => given([prepared(), requested(1)]).when(requestBooking()).then([]));

    it('records the refusal of the booking asked for, with its reason', () =>
      given([prepared(), requested(1)]).when(refusal(1)).then([refused(1)]));

    it('records a refusal once', () => given([prepared(), requested(1), refused(1)]).when(refusal(1)).then([]));

    it('ignores a late answer to an earlier attempt', () => given([prepared(), requested(1), refused(1), requested(2)]).when(refusal(1)).then([]));

    it('is asked for again after a refusal, as attempt 2 (a new idempotency key for the carrier)', () =>
      given([prepared(), requested(1), refused(1)]).when(requestBooking()).then([requested(2)]));

    it('cannot be asked for a shipment not prepared', () => given([]).when(requestBooking()).thenThrows(NotFoundError));
  });

  describe("the carrier's reports", () => {
    for (const [status, type] of [['InTransit', 'ShipmentInTransit'], ['Delivered', 'ShipmentDelivered']] as const) {
      it(`records ${status} as ${type}`, () => given([prepared()]).when(report('evt_1', status)).then([reported('evt_1', type)]));
    }

    it('records a failed delivery with its reason', () =>
      given([prepared()]).when(report('evt_1', 'DeliveryFailed', 'nobody home')).then([{ ...reported('evt_1', 'ShipmentDeliveryFailed'), data: { ...reported('evt_1', 'ShipmentDeliveryFailed').data, reason: 'nobody home' } } as ShipmentEvent]));

    it('records a repeated event id once', () => given([prepared(), reported('evt_1', 'ShipmentInTransit')]).when(report('evt_1', 'InTransit')).then([]));

    it('records a repeated event id once, whatever status it claims now', () =>
      given([prepared(), reported('evt_1', 'ShipmentInTransit')]).when(report('evt_1', 'Delivered')).then([]));

    it('records another event id', () =>
      given([prepared(), reported('evt_1', 'ShipmentInTransit')]).when(report('evt_2', 'Delivered')).then([reported('evt_2', 'ShipmentDelivered')]));

    it('records a delivery after a failed one (the second try)', () =>
      given([prepared(), reported('evt_1', 'ShipmentDeliveryFailed')]).when(report('evt_2', 'Delivered')).then([reported('evt_2', 'ShipmentDelivered')]));

    for (const status of ['DeliveryFailed', 'InTransit', 'Delivered'] as const) {
      it(`records nothing once the parcel was delivered: a later ${status} is old news`, () =>
        given([prepared(), reported('evt_1', 'ShipmentInTransit'), reported('evt_2', 'ShipmentDelivered')]).when(report('evt_3', status, 'nobody home')).then([]));
    }

    it('records nothing once the order was delivered by hand', () =>
      given([prepared(), reported('evt_1', 'ShipmentInTransit')]).when({ ...report('evt_2', 'DeliveryFailed', 'nobody home'), orderDelivered: true }).then([]));

    it('keeps the status each event id reported, and whether the parcel was delivered', () => {
      const delivered = given([prepared(), reported('evt_1', 'ShipmentDeliveryFailed'), reported('evt_2', 'ShipmentDelivered')]).state();
      expect(reportOf(delivered, 'evt_1')).to.deep.equal({ eventId: 'evt_1', status: 'DeliveryFailed' });
      expect(reportOf(delivered, 'evt_3')).to.equal(undefined);
      expect(isDelivered(delivered)).to.equal(true);
      expect(isDelivered(given([prepared(), reported('evt_1', 'ShipmentDeliveryFailed')]).state())).to.equal(false);
    });

    it('cannot be recorded for a shipment not prepared', () => given([]).when(report('evt_1', 'InTransit')).thenThrows(NotFoundError));
  });

  describe('helpers', () => {
    it('derive the tracking number from the first 16 hex digits of the shipment id', () =>
      expect(trackingNumberOf('0f8fad5b-d9cb-469f-a165-70867728950e')).to.equal('TRK0F8FAD5BD9CB469F'));

    it('derive different tracking numbers for different shipments', () =>
      expect(trackingNumberOf(SHIPMENT_UUID)).not.to.equal(trackingNumberOf('7c9e6679-7425-40de-944b-e07fc1f90ae7')));

    it('name the stream shipment-<id>', () => expect(shipmentStream(SHIPMENT)).to.equal(`shipment-${SHIPMENT}`));
  });
});

// ------------------------------------------------------------------ fixtures

const SHIPMENT = 'shipment-1';
const SHIPMENT_UUID = '9b2f4c1e-3d5a-4e6f-8a7b-1c2d3e4f5a6b';
const ORDER = 'order-1';
const CUSTOMER = 'customer-7';
const NOW = '2024-05-02T10:00:00.000Z';

const prepare = (overrides: Partial<PrepareShipment> = {}): PrepareShipment => ({
  type: 'PrepareShipment',
  shipmentId: SHIPMENT,
  orderId: ORDER,
  customerId: CUSTOMER,
  lines: LINES,
  shippingAddress: HOME,
  now: NOW,
  ...overrides,
});

const ids = { shipmentId: SHIPMENT, orderId: ORDER, customerId: CUSTOMER };
const requestBooking = () => ({ type: 'RequestBooking' as const, now: NOW });
const requested = (attempt: number): ShipmentEvent => ({ type: 'ShipmentBookingRequested', data: { ...ids, attempt, requestedAt: NOW } });
const refusal = (attempt: number) => ({ type: 'RecordBookingRefusal' as const, attempt, reason: 'no service to 00000', now: NOW });
const refused = (attempt: number): ShipmentEvent => ({ type: 'ShipmentBookingRefused', data: { ...ids, attempt, reason: 'no service to 00000', refusedAt: NOW } });
const report = (carrierEventId: string, status: RecordCarrierReport['status'], reason?: string): RecordCarrierReport => ({
  type: 'RecordCarrierReport', carrierEventId, carrierReference: 'SC-1', status, occurredAt: NOW, now: NOW, ...(reason ? { reason } : {}),
});
const reported = (carrierEventId: string, type: 'ShipmentInTransit' | 'ShipmentDelivered' | 'ShipmentDeliveryFailed') =>
  ({ type, data: { ...ids, carrierEventId, carrierReference: 'SC-1', occurredAt: NOW } }) as ShipmentEvent;

const prepared = (): ShipmentPrepared => ({
  type: 'ShipmentPrepared',
  data: { shipmentId: SHIPMENT, orderId: ORDER, customerId: CUSTOMER, lines: LINES, shippingAddress: HOME, preparedAt: NOW },
});
