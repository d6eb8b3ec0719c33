import { expect } from 'chai';
import {
  shipmentDecider,
  shipmentStream,
  trackingNumberOf,
  type PrepareShipment,
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
      expect(given([prepared()]).state()).to.deep.equal({ status: 'Preparing', shipmentId: SHIPMENT, orderId: ORDER, customerId: CUSTOMER }));

    it('is nothing before it is prepared', () => expect(given([]).state()).to.deep.equal({ status: 'None' }));
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

const prepared = (): ShipmentPrepared => ({
  type: 'ShipmentPrepared',
  data: { shipmentId: SHIPMENT, orderId: ORDER, customerId: CUSTOMER, lines: LINES, shippingAddress: HOME, preparedAt: NOW },
});
