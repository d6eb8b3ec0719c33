import { address, arr, nullable, obj, oneOf, paged, str, uuid } from '../json-schema.js';
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
});
export const shipmentPageSchema = paged(shipmentSchema);

export const dispatchedSchema = obj({ shipmentId: uuid(), orderId: uuid(), trackingNumber: str() });
export const deliveredSchema = obj({ shipmentId: uuid(), orderId: uuid(), status: oneOf('Delivered') });
