import { address, arr, int, money, nullable, obj, oneOf, paged, str, time, uuid } from '../json-schema.js';

export const ORDER_STATUS = oneOf('Pending', 'Paid', 'Confirmed', 'Shipped', 'Delivered', 'Failed', 'Cancelled');
export const orderLineSchema = obj({ productId: uuid(), sku: str(), name: str(), quantity: int({ minimum: 1 }), unitPrice: money() });

/** What toOrder answers (getOrder, listOrders). */
export const orderSchema = obj({
  orderId: uuid(),
  customerId: uuid(),
  status: ORDER_STATUS,
  lines: arr(orderLineSchema),
  total: money(),
  shippingAddress: address(),
  payment: obj({ paymentId: uuid(), status: oneOf('Pending', 'Captured', 'Failed', 'Refunded') }),
  shipment: nullable(obj({ shipmentId: uuid(), status: oneOf('Preparing', 'Shipped', 'Delivered', 'Cancelled'), trackingNumber: nullable(str()) })),
  failureReason: nullable(str()),
  history: arr(obj({ status: ORDER_STATUS, at: time() })),
  createdAt: time(),
  updatedAt: time(),
  /** Present, true, on the orders of a customer who was erased. */
  formerCustomer: { type: 'boolean', enum: [true] },
}, ['formerCustomer']);

export const orderPageSchema = paged(orderSchema);

/** What a write on an order answers (cancel, amend): where it stands now. */
export const orderSummarySchema = obj({ orderId: uuid(), status: ORDER_STATUS, shippingAddress: address() });

/** Checkout's answer: the order exists, the saga takes it from here. */
export const placedOrderSchema = obj({ orderId: uuid(), status: oneOf('Pending') });
