import { bool, money, nullable, obj, oneOf, str, uuid } from '../json-schema.js';

/** What getPayment answers. */
export const paymentSchema = obj({
  paymentId: uuid(),
  orderId: uuid(),
  status: oneOf('Pending', 'Captured', 'Failed', 'Refunded'),
  amount: money(),
  refunded: bool(),
  failureReason: nullable(str()),
  refundReason: nullable(str()),
});
