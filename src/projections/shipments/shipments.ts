import type { OrderAmended, OrderCancelled, OrderCustomerErased, OrderDelivered, OrderLine, OrderShipped, ShippingAddress } from '../../domain/ordering/order.js';
import type { CarrierReported, ShipmentBookingRefused, ShipmentBookingRequested, ShipmentPrepared } from '../../domain/shipping/shipment.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, Filter, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { paged } from '../paging.js';
import { CUSTOMER_ERASED, customersDocuments, erasedLeaves, INVOICES_EXPIRED } from '../erased-fields.js';
import type { Projection } from '../projection.js';

/**
 * The warehouse's view: what to ship where, and how far it got. Dispatch, delivery,
 * cancellation and a new address are decided by the order, and the saga prepares the
 * shipment a moment after the order's confirmation: an order may be cancelled or amended
 * in between. What the order decided first is kept in a document not yet `prepared`
 * (hidden unless cancelled), and the preparation does not undo it.
 */
export type ShipmentView = Document & {
  shipmentId: string;
  orderId: string;
  customerId: string;
  status: 'Preparing' | 'Shipped' | 'Delivered' | 'Cancelled';
  trackingNumber: string | null;
  lines: OrderLine[];
  shippingAddress: ShippingAddress;
  /** Its dealings with the carrier: the booking, and how far the carrier reported the parcel. */
  carrier: CarrierView;
  /** False until ShipmentPrepared. */
  prepared: boolean;
  /** When the order's address last changed: an amendment before the preparation outranks the address it carries. */
  amendedAt: string | null;
  updatedAt: string;
};

export type CarrierView = {
  status: 'Booking' | 'Refused' | 'Booked' | 'InTransit' | 'Delivered' | 'DeliveryFailed' | null;
  reference: string | null;
  labelUrl: string | null;
  reason: string | null;
  updatedAt: string | null;
  /** When the carrier says the latest report it applied happened: a report sent late that happened before it changes nothing. */
  reportedAt: string | null;
};

type Handled = ShipmentPrepared | OrderShipped | OrderDelivered | OrderAmended | OrderCancelled | OrderCustomerErased | ShipmentBookingRequested | ShipmentBookingRefused | CarrierReported;

const NO_CARRIER: CarrierView = { status: null, reference: null, labelUrl: null, reason: null, updatedAt: null, reportedAt: null };

const NO_ADDRESS: ShippingAddress = { line1: '', city: '', postalCode: '', country: '' };

/** A document for a shipment the saga has not prepared yet. */
const awaiting = (data: { shipmentId: string; orderId: string; customerId: string }, at: string): ShipmentView => {
  const { shipmentId, orderId, customerId } = data;
  return { _id: shipmentId, shipmentId, orderId, customerId, status: 'Preparing', trackingNumber: null, lines: [], shippingAddress: NO_ADDRESS, carrier: NO_CARRIER, prepared: false, amendedAt: null, updatedAt: at };
};

const prepare = (current: ShipmentView | null, event: ShipmentPrepared, at: string): ShipmentView => {
  const { shipmentId, orderId, customerId, lines, shippingAddress } = event.data;
  // The saga took the address at the confirmation: an amendment recorded before this event is newer.
  const address = current?.amendedAt ? current.shippingAddress : shippingAddress;
  return {
    _id: shipmentId, shipmentId, orderId, customerId, status: current?.status === 'Cancelled' ? 'Cancelled' : 'Preparing',
    trackingNumber: null, lines, shippingAddress: address, carrier: current?.carrier ?? NO_CARRIER, prepared: true, amendedAt: current?.amendedAt ?? null, updatedAt: at,
  };
};

const cancel = (current: ShipmentView | null, event: OrderCancelled, at: string): ShipmentView | null => {
  // Only a confirmed order has a shipment on its way to being prepared (or prepared; documents of version 1 all were).
  const prepared = current !== null && current.prepared !== false;
  if (event.data.previousStatus !== 'Confirmed' && !prepared) return null;
  const shipment = current ?? awaiting(event.data, at);
  // A booking asked for and not answered is called off with the order (the saga does): no longer "Booking".
  const carrier = shipment.carrier?.status === 'Booking' ? withCarrier(shipment, CANCELLED_WITH_ORDER, at) : shipment.carrier;
  return { ...shipment, carrier, status: 'Cancelled', updatedAt: at };
};

const evolve = (current: ShipmentView | null, recorded: RecordedEvent): ShipmentView | null => {
  // The customer was erased (no read model keeps a copy of the invoice: the log has it under the
  // invoice key), or the invoice key is gone: the address, and a carrier's reason that may quote it, read as erased.
  if (recorded.type === CUSTOMER_ERASED || recorded.type === INVOICES_EXPIRED) return current && scrubbed(current);
  const event = recorded as unknown as Handled;
  const at = String(recorded.metadata.occurredAt ?? recorded.recordedAt);
  switch (event.type) {
    case 'ShipmentPrepared':
      return prepare(current, event, at);
    case 'OrderCancelled':
      return cancel(current, event, at);
    case 'OrderAmended':
      return { ...(current ?? awaiting(event.data, at)), shippingAddress: event.data.shippingAddress, amendedAt: event.data.amendedAt, updatedAt: at };
    // An order placed in the moment of its customer's erasure. Its shipment not prepared yet, and the order
    // not confirmed, none will be: nothing to keep. Else scrubbed, and marked as amended now, so that a
    // preparation recorded after this (the saga's, already on its way) keeps the erased address.
    case 'OrderCustomerErased':
      if (!current && event.data.status !== 'Confirmed') return null;
      return { ...scrubbed(current ?? awaiting(event.data, at)), amendedAt: event.data.erasedAt, updatedAt: at };
    case 'OrderShipped': {
      const { trackingNumber, carrierReference, labelUrl } = event.data;
      const carrier = carrierReference
        ? withCarrier(current, { status: 'Booked', reference: carrierReference, labelUrl: labelUrl ?? null, reason: null }, at)
        : current?.carrier?.status === 'Booking' ? withCarrier(current, handedOver(trackingNumber), at) : current?.carrier;
      return current && { ...current, status: 'Shipped', trackingNumber, carrier: carrier ?? NO_CARRIER, updatedAt: at };
    }
    case 'OrderDelivered':
      return current && { ...current, status: 'Delivered', updatedAt: at };
    default:
      return current && { ...current, carrier: carrierOf(current, event, at), updatedAt: at };
  }
};

/** The address, and a carrier's reason that may quote it, read as erased. */
const scrubbed = (current: ShipmentView): ShipmentView => ({
  ...current,
  shippingAddress: erasedLeaves(current.shippingAddress),
  carrier: { ...(current.carrier ?? NO_CARRIER), reason: erasedLeaves(current.carrier?.reason ?? null) },
});

/** A booking asked for and not answered when the order was cancelled: called off with it. */
const CANCELLED_WITH_ORDER: Partial<CarrierView> = { status: null, reason: 'called off: the order was cancelled' };

/** A booking the shop called off because the parcel was handed over (shipped by hand) instead: no longer "Booking". */
const handedOver = (trackingNumber: string | null): Partial<CarrierView> => ({ status: null, reason: `called off: handed over as ${trackingNumber ?? 'shipped'}` });

const withCarrier = (current: ShipmentView | null, change: Partial<CarrierView>, at: string): CarrierView => ({ ...(current?.carrier ?? NO_CARRIER), ...change, updatedAt: at });

/**
 * What the booking and the carrier's reports show. Reports may arrive out of order (one sent
 * again after a failure): one that happened before the latest applied changes nothing, and a
 * parcel reported delivered stays so.
 */
const carrierOf = (current: ShipmentView, event: ShipmentBookingRequested | ShipmentBookingRefused | CarrierReported, at: string): CarrierView => {
  const carrier = current.carrier ?? NO_CARRIER;
  switch (event.type) {
    case 'ShipmentBookingRequested':
      // Asked for by a dispatch that raced a hand-over which shipped the order first: that booking is called off (carrier-bookings.ts).
      if ((current.status === 'Shipped' || current.status === 'Delivered') && !carrier.reference) return withCarrier(current, handedOver(current.trackingNumber), at);
      // Or one that raced the order's cancellation: called off with it (the booking, if made, is cancelled).
      if (current.status === 'Cancelled') return withCarrier(current, CANCELLED_WITH_ORDER, at);
      return withCarrier(current, { status: 'Booking', reason: null }, at);
    case 'ShipmentBookingRefused':
      // Refused after the parcel was handed over, or the order cancelled: the booking no longer mattered.
      if (carrier.status === null && carrier.reason !== null) return carrier;
      return withCarrier(current, { status: 'Refused', reason: event.data.reason }, at);
    default: {
      const reportedAt = event.data.occurredAt;
      const stale = carrier.status === 'Delivered' || (carrier.reportedAt !== null && Date.parse(reportedAt) < Date.parse(carrier.reportedAt));
      if (stale && event.type !== 'ShipmentDelivered') return carrier;
      if (event.type === 'ShipmentDelivered') return withCarrier(current, { status: 'Delivered', reason: null, reportedAt }, at);
      if (event.type === 'ShipmentInTransit') return withCarrier(current, { status: 'InTransit', reason: null, reportedAt }, at);
      return withCarrier(current, { status: 'DeliveryFailed', reason: event.data.reason, reportedAt }, at);
    }
  }
};

export const shipmentsProjection: Projection<ShipmentView> = {
  name: 'shipments',
  collection: 'shipments',
  eventTypes: [
    'ShipmentPrepared', 'OrderShipped', 'OrderDelivered', 'OrderAmended', 'OrderCancelled', 'OrderCustomerErased',
    'ShipmentBookingRequested', 'ShipmentBookingRefused', 'ShipmentInTransit', 'ShipmentDelivered', 'ShipmentDeliveryFailed', CUSTOMER_ERASED, INVOICES_EXPIRED,
  ],
  documentIds: (event) => (event.type === INVOICES_EXPIRED || event.type === CUSTOMER_ERASED ? [] : [String(event.data.shipmentId)]),
  documentsWhere: customersDocuments(CUSTOMER_ERASED, INVOICES_EXPIRED),
  evolve,
  indexes: [{ keys: { status: 1 } }, { keys: { customerId: 1 } }],
  version: 5, // 2: an amendment or a cancellation before the preparation is kept; 3: the carrier's booking and reports; 4: a booking called off with its order; 5: or with a hand-over, or asked for or refused after either
};

// ------------------------------------------------------------------ queries

/** Shipments the warehouse sees: prepared ones, and cancelled ones (prepared or not). Documents of version 1 have no `prepared`. */
export const VISIBLE: Filter = { $or: [{ prepared: { $ne: false } }, { status: 'Cancelled' }] };

export const toShipment = ({ shipmentId, orderId, customerId, status, trackingNumber, lines, shippingAddress, carrier }: ShipmentView) => ({
  shipmentId, orderId, customerId, status, trackingNumber, lines, shippingAddress, carrier: carrier ?? NO_CARRIER,
});

export const getShipment = async (shipments: ReadModelCollection<ShipmentView>, shipmentId: string) => {
  const doc = await shipments.findOne({ _id: shipmentId, ...VISIBLE });
  return doc ? toShipment(doc) : undefined;
};

export const listShipments = async (
  shipments: ReadModelCollection<ShipmentView>,
  query: { status?: ShipmentView['status']; page: number; pageSize: number },
) => {
  const filter = query.status ? { ...VISIBLE, status: query.status } : VISIBLE;
  return paged(shipments, filter, { updatedAt: 1 }, query, toShipment);
};
