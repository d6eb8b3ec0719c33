import type { OrderLine, ShippingAddress } from '../ordering/order.js';
import type { Decider, DomainEvent } from '../shared/types.js';

/**
 * A shipment (`shipment-<uuid>`) is prepared once an order is confirmed. Dispatch and
 * delivery are decided by the order itself (OrderShipped, OrderDelivered), so that they
 * can never race with a cancellation; the shipment knows which order it carries.
 */

export type ShipmentPrepared = DomainEvent<
  'ShipmentPrepared',
  { shipmentId: string; orderId: string; customerId: string; lines: OrderLine[]; shippingAddress: ShippingAddress; preparedAt: string }
>;

export type ShipmentEvent = ShipmentPrepared;

export type Shipment = { status: 'None' } | { status: 'Preparing'; shipmentId: string; orderId: string; customerId: string };

export type PrepareShipment = {
  type: 'PrepareShipment';
  shipmentId: string;
  orderId: string;
  customerId: string;
  lines: OrderLine[];
  shippingAddress: ShippingAddress;
  now: string;
};

export type ShipmentCommand = PrepareShipment;

export const initialState = (): Shipment => ({ status: 'None' });

export const evolve = (_state: Shipment, event: ShipmentEvent): Shipment => {
  const { shipmentId, orderId, customerId } = event.data;
  return { status: 'Preparing', shipmentId, orderId, customerId };
};

export const decide = (command: ShipmentCommand, state: Shipment): ShipmentEvent[] => {
  if (state.status !== 'None') return [];
  const { shipmentId, orderId, customerId, lines, shippingAddress, now } = command;
  return [{ type: 'ShipmentPrepared', data: { shipmentId, orderId, customerId, lines, shippingAddress, preparedAt: now } }];
};

export const shipmentDecider: Decider<Shipment, ShipmentCommand, ShipmentEvent> = { initialState, evolve, decide };

export const shipmentStream = (shipmentId: string) => `shipment-${shipmentId}`;

/** A carrier-style tracking number, derived from the shipment id (the domain draws no random numbers). */
export const trackingNumberOf = (shipmentId: string) => `TRK${shipmentId.replace(/-/g, '').slice(0, 16).toUpperCase()}`;
