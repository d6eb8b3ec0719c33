import type { OrderAmended, OrderCancelled, OrderDelivered, OrderLine, OrderShipped, ShippingAddress } from '../../domain/ordering/order.js';
import type { ShipmentPrepared } from '../../domain/shipping/shipment.js';
import type { RecordedEvent } from '../../infrastructure/event-store/event-store.js';
import type { Document, ReadModelCollection } from '../../infrastructure/read-models/read-model-store.js';
import { paged } from '../paging.js';
import type { Projection } from '../projection.js';

/** The warehouse's view: what to ship where, and how far it got. */
export type ShipmentView = Document & {
  shipmentId: string;
  orderId: string;
  customerId: string;
  status: 'Preparing' | 'Shipped' | 'Delivered' | 'Cancelled';
  trackingNumber: string | null;
  lines: OrderLine[];
  shippingAddress: ShippingAddress;
  updatedAt: string;
};

type Handled = ShipmentPrepared | OrderShipped | OrderDelivered | OrderAmended | OrderCancelled;

const evolve = (current: ShipmentView | null, recorded: RecordedEvent): ShipmentView | null => {
  const event = recorded as unknown as Handled;
  const at = String(recorded.metadata.occurredAt ?? recorded.recordedAt);
  if (event.type === 'ShipmentPrepared') {
    const { shipmentId, orderId, customerId, lines, shippingAddress } = event.data;
    // The order may have been cancelled between its confirmation and this preparation.
    const status = current?.status === 'Cancelled' ? 'Cancelled' : 'Preparing';
    return { _id: shipmentId, shipmentId, orderId, customerId, status, trackingNumber: null, lines, shippingAddress, updatedAt: at };
  }
  if (!current) {
    // Only a confirmed order can have a shipment on its way to being prepared.
    if (event.type !== 'OrderCancelled' || event.data.previousStatus !== 'Confirmed') return null;
    const { shipmentId, orderId, customerId } = event.data;
    return { _id: shipmentId, shipmentId, orderId, customerId, status: 'Cancelled', trackingNumber: null, lines: [], shippingAddress: { line1: '', city: '', postalCode: '', country: '' }, updatedAt: at };
  }
  switch (event.type) {
    case 'OrderShipped':
      return { ...current, status: 'Shipped', trackingNumber: event.data.trackingNumber, updatedAt: at };
    case 'OrderDelivered':
      return { ...current, status: 'Delivered', updatedAt: at };
    case 'OrderAmended':
      return { ...current, shippingAddress: event.data.shippingAddress, updatedAt: at };
    case 'OrderCancelled':
      return { ...current, status: 'Cancelled', updatedAt: at };
  }
};

export const shipmentsProjection: Projection<ShipmentView> = {
  name: 'shipments',
  collection: 'shipments',
  eventTypes: ['ShipmentPrepared', 'OrderShipped', 'OrderDelivered', 'OrderAmended', 'OrderCancelled'],
  documentIds: (event) => [String(event.data.shipmentId)],
  evolve,
  indexes: [{ keys: { status: 1 } }],
};

export const toShipment = ({ shipmentId, orderId, customerId, status, trackingNumber, lines, shippingAddress }: ShipmentView) => ({
  shipmentId, orderId, customerId, status, trackingNumber, lines, shippingAddress,
});

export const listShipments = async (
  shipments: ReadModelCollection<ShipmentView>,
  query: { status?: ShipmentView['status']; page: number; pageSize: number },
) => {
  const filter = query.status ? { status: query.status } : {};
  return paged(shipments, filter, { updatedAt: 1 }, query, toShipment);
};
