import { address, arr, nullable, obj, oneOf, paged, str, time, uuid } from '../json-schema.js';
import { orderLineSchema } from '../orders/schemas.js';

const SHIPMENT_STATUS = oneOf('Preparing', 'Shipped', 'Delivered', 'Cancelled');

/** What toShipment answers (getShipment, listShipments). */
export const shipmentSchema = obj({
  shipmentId: uuid(),
  orderId: uuid(),
  customerId: uuid(),
  status: SHIPMENT_STATUS,
  trackingNumber: nullable(str()),
  lines: arr(orderLineSchema),
  shippingAddress: address(),
  carrier: obj({
    status: nullable(oneOf('Booking', 'Refused', 'Booked', 'InTransit', 'Delivered', 'DeliveryFailed')),
    reference: nullable(str()),
    labelUrl: nullable(str()),
    /** Why the carrier refused the booking, or why a delivery failed. */
    reason: nullable(str()),
    updatedAt: nullable(time()),
    /** When the carrier says its latest report (the one shown) happened. */
    reportedAt: nullable(str()),
  }),
});
export const shipmentPageSchema = paged(shipmentSchema);

export const dispatchedSchema = obj({ shipmentId: uuid(), orderId: uuid(), trackingNumber: nullable(str()), status: oneOf('Shipped', 'Booking') });
export const deliveredSchema = obj({ shipmentId: uuid(), orderId: uuid(), status: oneOf('Delivered') });
